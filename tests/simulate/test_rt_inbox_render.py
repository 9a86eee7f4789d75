"""The RT inbox renderer: deterministic, every quirk, and the reader reads back what the manifest says."""

from __future__ import annotations

import csv
import hashlib
import random
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from jaring.nights import WIB
from jaring.sources import rt_values
from jaring.sources.rt_ledger import read_ledger
from jaring_sim.rt_inbox import MANIFEST_COLUMNS, render

RT_COLUMNS = ["row_id", "bulan", "kode_kelurahan", "no_rt", "no_rw", "sheet", "no", "nik", "nama", "pekerjaan",
              "no_kpj", "iuran", "tgl_bayar", "sumber_dana", "kategori", "no_hp", "keterangan", "uploaded_on",
              "_person_nik"]
NAMES = ["SITI AMINAH", "BUDI SANTOSO", "M. RIDWAN", "NUR HALIZA", "AHMAD YANI", "SRI WAHYUNI", "Dewi Lestari"]
KELURAHAN = ["1571011001", "1571031003", "1571021002", "1571051004"]
# Everything at once, so a small world shows every quirk.
LOUD_MIX = {"csv": 0.3, "unreadable": 0.15, "nik_as_number": 0.1, "nik_missing": 0.05, "nik_typo": 0.05,
            "amount_unreadable": 0.05, "date_unreadable": 0.05, "extra_sheets": 0.5, "blank_rows": 0.5,
            "column_shuffle": 0.4}


def write_rt_rows(world: Path, rts: int = 40, months: tuple[str, ...] = ("2026-09", "2026-10"),
                  seed: int = 3) -> list[dict]:
    """A small hand-made `rt_rows.csv` (clean values, as the world generator writes it)."""
    rng = random.Random(seed)
    rows: list[dict] = []
    for index in range(rts):
        kel, rt, rw = KELURAHAN[index % 4], f"{index % 30 + 1:03d}", f"{index // 30 + 1:03d}"
        people = [(f"1571{rng.randrange(10**11, 10**12)}", rng.choice(NAMES),
                   str(rng.randrange(10**10, 10**11)) if rng.random() < 0.4 else "") for _ in range(rng.randint(3, 14))]
        for month in months:
            for no, (nik, nama, kpj) in enumerate(people, start=1):
                rows.append(dict(bulan=month, kode_kelurahan=kel, no_rt=rt, no_rw=rw, sheet="IURAN", no=no, nik=nik,
                                 nama=nama, pekerjaan=rng.choice(["PEDAGANG", "OJEK", "Buruh Harian"]), no_kpj=kpj,
                                 iuran=rng.choice([16800, 16800, 33600]), tgl_bayar=f"{month}-{rng.randint(1, 28):02d}",
                                 sumber_dana=rng.choice(["MANDIRI", "DONATUR", "BAZNAS"]), kategori="", no_hp="",
                                 keterangan=rng.choice(["", "", "lunas"]), uploaded_on=f"{month}-28", _person_nik=nik))
            if rng.random() < 0.4:
                nik = f"1571{rng.randrange(10**11, 10**12)}"
                rows.append(dict(bulan=month, kode_kelurahan=kel, no_rt=rt, no_rw=rw, sheet="USULAN", no=1, nik=nik,
                                 nama=rng.choice(NAMES), pekerjaan="ART", no_kpj="", iuran="", tgl_bayar="",
                                 sumber_dana="", kategori="ASISTEN RUMAH TANGGA", no_hp="081234567890",
                                 keterangan="", uploaded_on=f"{month}-28", _person_nik=nik))
    for row_id, row in enumerate(rows, start=1):
        row["row_id"] = row_id
    world.mkdir(parents=True, exist_ok=True)
    with open(world / "rt_rows.csv", "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=RT_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return rows


def read_inbox(inbox: Path) -> dict[str, object]:
    """source_ref -> LedgerRow, and `…#file` -> the LedgerFile of each unreadable file."""
    found: dict[str, object] = {}
    for path in sorted(inbox.glob("*/*")):
        relative = path.relative_to(inbox).as_posix()
        ledger = read_ledger(path, relative)
        if ledger.file_problem:
            found[ledger.file_ref] = ledger
        for row in ledger.rows:
            found[row.source_ref(relative)] = row
    return found


@pytest.fixture(scope="module")
def loud_world(tmp_path_factory):
    world = tmp_path_factory.mktemp("rt-world")
    rows = write_rt_rows(world)
    counts = render(world, seed=5, mix=LOUD_MIX)
    with open(world / "inbox_manifest.csv", encoding="utf-8", newline="") as f:
        manifest = list(csv.DictReader(f))
    return world, rows, counts, manifest


def _digest(inbox: Path) -> dict[str, tuple[str, int]]:
    return {p.relative_to(inbox).as_posix(): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(inbox.glob("*/*"))}


def test_same_seed_same_bytes_and_mtimes(tmp_path, loud_world):
    world, _, _, _ = loud_world
    again = tmp_path / "again"
    write_rt_rows(again)
    render(again, seed=5, mix=LOUD_MIX)
    assert _digest(again / "inbox") == _digest(world / "inbox")
    assert (again / "inbox_manifest.csv").read_bytes() == (world / "inbox_manifest.csv").read_bytes()
    other = tmp_path / "other"
    write_rt_rows(other)
    render(other, seed=6, mix=LOUD_MIX)
    assert _digest(other / "inbox") != _digest(world / "inbox")


def test_layout_names_and_mtimes(loud_world):
    world, rows, counts, _ = loud_world
    inbox = world / "inbox"
    files = sorted(p.relative_to(inbox).as_posix() for p in inbox.glob("*/*"))
    expected = {f"{r['bulan']}/{r['kode_kelurahan']}-RT{r['no_rt']}-RW{r['no_rw']}" for r in rows}
    assert {f.rsplit(".", 1)[0] for f in files} == expected and counts["files"] == len(files)
    for path in inbox.glob("*/*"):
        from datetime import datetime

        uploaded = datetime.fromtimestamp(path.stat().st_mtime, WIB)
        assert uploaded.date() == date.fromisoformat(path.parent.name + "-28")
        assert 6 <= uploaded.hour <= 23


def test_every_quirk_occurs(loud_world):
    world, _, counts, manifest = loud_world
    defects = Counter(reason for line in manifest for reason in line["defect"].split(";") if reason)
    for reason in ("nik_missing", "nik_not_16_digits", "nik_stored_as_number", "amount_unreadable",
                   "date_unreadable", "file_unreadable"):
        assert defects[reason] > 0, reason
    assert counts["csv"] > 0 and counts["xlsx"] > 0
    details = Counter(ledger.file_detail for ledger in read_inbox(world / "inbox").values()
                      if getattr(ledger, "file_detail", None))
    assert set(details) == {"empty", "not_a_spreadsheet", "password_protected"}
    assert list(manifest[0]) == MANIFEST_COLUMNS


def test_manifest_defects_match_what_the_reader_reports(loud_world):
    world, rows, _, manifest = loud_world
    found = read_inbox(world / "inbox")
    row_lines = [line for line in manifest if line["row_id"]]
    assert sorted(int(line["row_id"]) for line in row_lines) == [r["row_id"] for r in rows]
    for line in manifest:
        read = found[line["source_ref"]]
        if line["source_ref"].endswith("#file"):
            assert read.file_problem == line["defect"] == "file_unreadable" and line["counts"] == "0"
        else:
            assert set(filter(None, line["defect"].split(";"))) == set(read.problems), line["source_ref"]
            assert line["counts"] == ("1" if read.usable else "0")
            assert read.kind == line["sheet"]
    assert set(found) == {line["source_ref"] for line in manifest}


def test_clean_rows_read_back_to_their_world_values(loud_world):
    world, rows, _, manifest = loud_world
    by_id = {str(r["row_id"]): r for r in rows}
    found = read_inbox(world / "inbox")
    clean = [line for line in manifest if line["row_id"] and not line["defect"]]
    assert len(clean) > 0.5 * len(rows)
    for line in clean:
        want, got = by_id[line["row_id"]], found[line["source_ref"]]
        assert (got.nik, got.nama, got.pekerjaan, got.kpj, got.keterangan) == (
            want["nik"], want["nama"], want["pekerjaan"], want["no_kpj"] or None, want["keterangan"] or None)
        if want["sheet"] == "IURAN":
            assert (got.jumlah, got.tgl_bayar, got.sumber_dana) == (
                want["iuran"], date.fromisoformat(want["tgl_bayar"]), want["sumber_dana"])
        else:
            assert (got.kategori, got.no_hp) == (want["kategori"], rt_values.no_hp(want["no_hp"]))

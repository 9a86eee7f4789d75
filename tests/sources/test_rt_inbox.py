"""The RT inbox into a real warehouse: as-of rule, replacement, backfill, re-runs, quarantine, invariant."""

from __future__ import annotations

import csv
import os
import random
from datetime import date, datetime
from pathlib import Path

import pytest
import xlsxwriter

from jaring.nights import WIB
from jaring.sources import rt_inbox
from jaring.sources.rt_ledger import read_ledger
from jaring.warehouse import db
from jaring_sim.rt_inbox import render

HEADER = ["NO", "NIK", "NAMA", "PEKERJAAN", "NO KPJ", "IURAN (Rp)", "TGL BAYAR", "SUMBER DANA", "KETERANGAN"]
D = date(2026, 11, 5)
PATH = "2026-10/1571031003-RT005-RW002.xlsx"
CSV_PATH = "2026-10/1571031003-RT007-RW002.csv"


def person(n: int, amount: object = 16800, nik: object = None) -> list:
    return [n, f"157103450790{n:04d}" if nik is None else nik, f"WARGA {'ABCDEFGHIJ'[n % 10]}", "PEDAGANG", "",
            amount, "05/10/2026", "MANDIRI", ""]


def put(inbox: Path, relative: str, rows: list[list], uploaded: datetime, content: bytes | None = None) -> Path:
    path = inbox / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if content is None:
        workbook = xlsxwriter.Workbook(str(path))
        sheet = workbook.add_worksheet("IURAN")
        sheet.write_row(0, 0, ["BUKU IURAN"])
        for r, row in enumerate([HEADER, *rows], start=2):
            sheet.write_row(r, 0, row)
        workbook.close()
    else:
        path.write_bytes(content)
    os.utime(path, (uploaded.timestamp(),) * 2)
    return path


def at(day: date, hour: int = 20, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=WIB)


@pytest.fixture
def conn(warehouse):
    with db.connect(warehouse, autocommit=True) as connection:
        yield connection


def night_rows(conn, night: date) -> dict[str, int]:
    tables = {"staged": "staging.rt_row", "invalid": "staging.invalid_record", "quarantined": "quarantine.record"}
    return {name: conn.execute(f"SELECT count(*) FROM {table} WHERE night = %s", (night,)).fetchone()[0]
            for name, table in tables.items()}


def test_migrate_creates_the_sources_own_tables(warehouse):
    with db.connect(warehouse) as conn:
        tables = {t for (t,) in conn.execute(
            "SELECT schemaname || '.' || tablename FROM pg_tables WHERE schemaname IN ('raw', 'ops')")}
    assert {"raw.rt_file", "raw.rt_file_version", "raw.rt_file_row", "raw.dukcapil_page",
            "raw.dtsen_individu", "ops.validation_result"} <= tables


def test_file_uploaded_after_the_night_is_not_seen(conn, tmp_path):
    put(tmp_path, PATH, [person(1), person(2)], at(date(2026, 11, 6), 0, 5))
    counts = rt_inbox.ingest(D, conn, tmp_path)
    assert (counts["files_seen"], counts["files_visible"], counts["rows_staged"]) == (1, 0, 0)
    assert rt_inbox.ingest(date(2026, 11, 6), conn, tmp_path)["rows_staged"] == 2


def test_file_uploaded_in_the_last_second_of_the_night_counts(conn, tmp_path):
    put(tmp_path, PATH, [person(1)], datetime(2026, 11, 5, 23, 59, 59, tzinfo=WIB))
    assert rt_inbox.ingest(D, conn, tmp_path)["rows_staged"] == 1


def test_staged_rows_carry_file_name_folder_month_and_typed_values(conn, tmp_path):
    put(tmp_path, PATH, [person(1, amount="Rp 16.800")], at(D))
    rt_inbox.ingest(D, conn, tmp_path)
    row = conn.execute("SELECT source_ref, path, sheet, row_no, bulan, kode_kelurahan, no_rt, no_rw, nik, nama_key,"
                       " jumlah, tgl_bayar, sumber_dana FROM staging.rt_row WHERE night = %s", (D,)).fetchone()
    assert row == (f"rt:{PATH}#IURAN!4", PATH, "IURAN", 4, "2026-10", "1571031003", "005", "002",
                   "1571034507900001", "WARGA B", 16800, date(2026, 10, 5), "MANDIRI")


def test_replaced_file_supersedes_and_backfill_sees_the_old_version(conn, tmp_path):
    put(tmp_path, PATH, [person(1), person(2)], at(D))
    first = rt_inbox.ingest(D, conn, tmp_path)
    assert first["rows_staged"] == 2
    later = date(2026, 11, 8)
    put(tmp_path, PATH, [person(1, amount=33600), person(2), person(3)], at(date(2026, 11, 7)))
    second = rt_inbox.ingest(later, conn, tmp_path)
    assert (second["rows_staged"], second["files_parsed"]) == (3, 1)
    amounts = conn.execute("SELECT array_agg(jumlah ORDER BY row_no) FROM staging.rt_row WHERE night = %s",
                           (later,)).fetchone()[0]
    assert amounts == [33600, 16800, 16800]
    # a backfill of night D after the replacement still sees the version current at D
    backfill = rt_inbox.ingest(D, conn, tmp_path)
    assert (backfill["rows_staged"], backfill["files_parsed"], backfill["files_after_night"]) == (2, 0, 1)
    assert conn.execute("SELECT array_agg(jumlah ORDER BY row_no) FROM staging.rt_row WHERE night = %s",
                        (D,)).fetchone()[0] == [16800, 16800]
    versions = conn.execute("SELECT count(*), count(DISTINCT sha256) FROM raw.rt_file_version").fetchone()
    assert versions == (2, 2)


def test_unchanged_file_is_not_parsed_again_and_rerun_changes_nothing(conn, tmp_path):
    put(tmp_path, PATH, [person(1), person(2, nik="")], at(D))
    put(tmp_path, "2026-10/1571031003-RT006-RW002.xlsx", [], at(D), content=b"")
    first = rt_inbox.ingest(D, conn, tmp_path)
    before = night_rows(conn, D)
    again = rt_inbox.ingest(D, conn, tmp_path)
    assert (first["files_parsed"], again["files_parsed"], again["files_unchanged"]) == (2, 0, 2)
    assert night_rows(conn, D) == before == {"staged": 2, "invalid": 1, "quarantined": 1}
    next_night = rt_inbox.ingest(date(2026, 11, 6), conn, tmp_path)
    assert next_night["files_parsed"] == 0 and next_night["rows_staged"] == 2
    assert conn.execute("SELECT count(*) FROM raw.rt_file_row").fetchone()[0] == 2
    assert conn.execute("SELECT first_ingested_night FROM raw.rt_file_version WHERE path = %s",
                        (PATH,)).fetchone()[0] == D


def test_a_file_stat_identical_to_a_seen_version_is_not_read_again_unless_full(conn, tmp_path):
    put(tmp_path, PATH, [person(1), person(2)], at(D))
    put(tmp_path, "2026-10/1571031003-RT006-RW002.xlsx", [person(3)], at(D))
    assert rt_inbox.ingest(D, conn, tmp_path)["files_read"] == 2
    before = night_rows(conn, D)
    next_night = rt_inbox.ingest(date(2026, 11, 6), conn, tmp_path)
    assert (next_night["files_read"], next_night["files_unchanged"], next_night["rows_staged"]) == (0, 2, 3)
    assert night_rows(conn, date(2026, 11, 6)) == before
    full = rt_inbox.ingest(date(2026, 11, 6), conn, tmp_path, full=True)
    assert (full["files_read"], full["files_parsed"], full["rows_staged"]) == (2, 0, 3)


def test_a_file_rewritten_with_its_old_mtime_and_size_is_read_again(conn, tmp_path):
    def ledger(amount: int) -> bytes:
        return ";".join(HEADER).encode() + b"\n" + ";".join(map(str, person(1, amount))).encode() + b"\n"

    path = put(tmp_path, CSV_PATH, [], at(D), content=ledger(16800))
    assert rt_inbox.ingest(D, conn, tmp_path)["rows_staged"] == 1
    put(tmp_path, CSV_PATH, [], at(D), content=ledger(99999))  # as a copy keeping the mtime would
    assert (path.stat().st_mtime, path.stat().st_size) == (at(D).timestamp(), len(ledger(16800)))
    again = rt_inbox.ingest(D, conn, tmp_path)
    assert (again["files_read"], again["files_parsed"]) == (1, 1)
    assert conn.execute("SELECT jumlah FROM staging.rt_row WHERE night = %s", (D,)).fetchone()[0] == 99999


@pytest.mark.parametrize("content, detail, reason", [
    (b"", "empty", "file_empty"),
    (b"\xff\xd8\xff\xe0JFIF" + bytes(900), "not_a_spreadsheet", "file_not_a_spreadsheet")])
def test_unreadable_file_is_one_quarantine_record(conn, tmp_path, content, detail, reason):
    put(tmp_path, PATH, [], at(D), content=content)
    counts = rt_inbox.ingest(D, conn, tmp_path)
    records = conn.execute("SELECT source, source_ref, reason, raw_record->>'detail' FROM quarantine.record "
                           "WHERE night = %s", (D,)).fetchall()
    assert records == [("rt", f"rt:{PATH}#file", reason, detail)]
    assert (counts["files_unreadable"], counts["rows_staged"], counts["rows_quarantined"]) == (1, 0, 0)


def test_badly_named_file_is_reported_not_dropped(conn, tmp_path):
    put(tmp_path, "2026-10/buku iuran rt 5.xlsx", [person(1)], at(D))
    rt_inbox.ingest(D, conn, tmp_path)
    assert conn.execute("SELECT source_ref, reason FROM quarantine.record WHERE night = %s", (D,)).fetchall() == [
        ("rt:2026-10/buku iuran rt 5.xlsx#file", "file_name_not_a_ledger")]


def test_row_problems_are_invalid_records_and_unusable_rows_are_quarantined(conn, tmp_path):
    rows = [person(1), person(2, nik=1571034507900002.0), person(3, amount="lunas"),
            [4, "", "", "", "", 16800, "05/10/2026", "MANDIRI", "tanpa nama"]]
    put(tmp_path, PATH, rows, at(D))
    counts = rt_inbox.ingest(D, conn, tmp_path)
    invalid = conn.execute("SELECT source_ref, reason FROM staging.invalid_record WHERE night = %s ORDER BY 1, 2",
                           (D,)).fetchall()
    assert invalid == [(f"rt:{PATH}#IURAN!5", "nik_stored_as_number"), (f"rt:{PATH}#IURAN!6", "amount_unreadable")]
    quarantined = conn.execute("SELECT source_ref, reason, raw_record->>'KETERANGAN' FROM quarantine.record "
                               "WHERE night = %s ORDER BY 2", (D,)).fetchall()
    assert quarantined == [(f"rt:{PATH}#IURAN!7", "nama_missing", "tanpa nama"),
                           (f"rt:{PATH}#IURAN!7", "nik_missing", "tanpa nama")]
    assert (counts["rows_read"], counts["rows_staged"], counts["rows_quarantined"], counts["rows_invalid"]) == (
        4, 3, 1, 2)
    assert conn.execute("SELECT nik IS NULL, nik_raw FROM staging.rt_row WHERE row_no = 5").fetchone() == (
        True, "1571034507900002")


def _small_world(world: Path) -> None:
    rng = random.Random(11)
    columns = ["row_id", "bulan", "kode_kelurahan", "no_rt", "no_rw", "sheet", "no", "nik", "nama", "pekerjaan",
               "no_kpj", "iuran", "tgl_bayar", "sumber_dana", "kategori", "no_hp", "keterangan", "uploaded_on",
               "_person_nik"]
    rows = []
    for index in range(30):
        for no in range(1, rng.randint(2, 10)):
            nik = f"1571{rng.randrange(10**11, 10**12)}"
            rows.append([len(rows) + 1, "2026-10", "1571031003", f"{index + 1:03d}", "001", "IURAN", no, nik,
                         rng.choice(["SITI AMINAH", "BUDI", "M. RIDWAN"]), "OJEK",
                         str(rng.randrange(10**10, 10**11)), 16800, "2026-10-05", "DONATUR", "", "", "",
                         "2026-10-28", nik])
        if index % 3 == 0:
            nik = f"1571{rng.randrange(10**11, 10**12)}"
            rows.append([len(rows) + 1, "2026-10", "1571031003", f"{index + 1:03d}", "001", "USULAN", 1, nik,
                         "SRI WAHYUNI", "ART", "", "", "", "", "GURU NGAJI", "0812", "", "2026-10-28", nik])
    world.mkdir(parents=True, exist_ok=True)
    with open(world / "rt_rows.csv", "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(columns)
        writer.writerows(rows)


def test_rendered_world_ingests_with_the_invariant_and_the_manifest(conn, tmp_path):
    _small_world(tmp_path)
    render(tmp_path, seed=2, mix={"csv": 0.3, "unreadable": 0.15, "nik_as_number": 0.2, "nik_missing": 0.1,
                                  "nik_typo": 0.1, "amount_unreadable": 0.1, "date_unreadable": 0.1,
                                  "blank_rows": 0.5, "extra_sheets": 0.5})
    inbox = tmp_path / "inbox"
    counts = rt_inbox.ingest(date(2026, 10, 31), conn, inbox)
    assert counts["files_rows_mismatch"] == 0 and counts["files_unreadable"] > 0
    staged = dict(conn.execute("SELECT path, count(*) FROM staging.rt_row GROUP BY path").fetchall())
    quarantined = dict(conn.execute(
        "SELECT split_part(substr(source_ref, 4), '#', 1), count(DISTINCT source_ref) FROM quarantine.record "
        "WHERE source_ref NOT LIKE '%#file' GROUP BY 1").fetchall())
    for path in sorted(inbox.glob("*/*")):
        relative = path.relative_to(inbox).as_posix()
        ledger = read_ledger(path, relative)
        assert sum(ledger.rows_read.values()) == staged.get(relative, 0) + quarantined.get(relative, 0)
    with open(tmp_path / "inbox_manifest.csv", encoding="utf-8", newline="") as f:
        manifest = list(csv.DictReader(f))
    reported = {}
    for table in ("staging.invalid_record", "quarantine.record"):
        for ref, reason in conn.execute(f"SELECT source_ref, reason FROM {table}").fetchall():
            reported.setdefault(ref, set()).add(reason)
    expected = {line["source_ref"]: set(line["defect"].split(";")) for line in manifest if line["defect"]}
    # the simulator says `file_unreadable`; the RT is told why (findings_contract.RT_FILE_REASONS)
    why = {"file_empty", "file_not_a_spreadsheet", "file_password_protected"}
    assert {ref for ref, reasons in reported.items() if reasons <= why} == {
        ref for ref, reasons in expected.items() if reasons == {"file_unreadable"}}
    assert {ref: r for ref, r in reported.items() if not r <= why} == {
        ref: r for ref, r in expected.items() if r != {"file_unreadable"}}
    counted = {r for (r,) in conn.execute("SELECT source_ref FROM staging.rt_row").fetchall()}
    assert counted == {line["source_ref"] for line in manifest if line["counts"] == "1"}


def test_validation_quarantines_a_ledger_of_a_kelurahan_outside_the_city(conn, tmp_path):
    outside = "2026-10/3171011001-RT001-RW001.xlsx"
    put(tmp_path, outside, [person(1), person(2, nik="123")], at(D))
    put(tmp_path, PATH, [person(3)], at(D))
    counts = rt_inbox.ingest(D, conn, tmp_path)
    assert (counts["rows_staged"], counts["rows_quarantined"], counts["validation_quarantined"]) == (1, 2, 2)
    reasons = conn.execute("SELECT source_ref, reason FROM quarantine.record WHERE night = %s ORDER BY 1, 2",
                           (D,)).fetchall()
    assert [ref for ref, _ in reasons].count(f"rt:{outside}#IURAN!5") == 2  # the rule's reason and nik_not_16_digits
    assert ("rt:" + outside + "#IURAN!5", "nik_not_16_digits") in reasons
    assert conn.execute("SELECT count(*) FROM staging.invalid_record WHERE night = %s", (D,)).fetchone()[0] == 0
    assert conn.execute("SELECT success FROM ops.validation_result WHERE night = %s AND suite = 'rt'",
                        (D,)).fetchone() == (True,)


def test_blocking_validation_failure_rolls_the_night_back(conn, tmp_path, monkeypatch):
    from jaring.validation import SourceRejected, suites

    put(tmp_path, PATH, [person(1)], at(D))
    rt_inbox.ingest(D, conn, tmp_path)
    original = suites.SUITES["rt"]

    def stricter(columns):
        built = original(columns)
        return suites.Suite(built.name, built.source, (*built.columns, "kolom_baru"),
                            (suites.schema((*built.columns, "kolom_baru")), *built.rules[1:]), built.derive,
                            built.checks_volume)

    monkeypatch.setitem(suites.SUITES, "rt", stricter)
    put(tmp_path, PATH, [person(1), person(2)], at(D, 21))
    with pytest.raises(SourceRejected):
        rt_inbox.ingest(D, conn, tmp_path)
    assert night_rows(conn, D)["staged"] == 1  # last good night kept
    assert conn.execute("SELECT success FROM ops.validation_result WHERE night = %s AND suite = 'rt'",
                        (D,)).fetchone() == (False,)


def test_a_missing_inbox_fails_loudly_naming_the_variable(warehouse, tmp_path):
    from datetime import date

    import psycopg
    import pytest

    from jaring.sources import rt_inbox

    with psycopg.connect(warehouse, autocommit=True) as conn, pytest.raises(FileNotFoundError, match="JARING_RT_INBOX"):
        rt_inbox.ingest(date(2026, 11, 20), conn, tmp_path / "not-mounted")

"""write_outbox against a real warehouse: files, order, determinism, atomic replacement."""

from __future__ import annotations

import csv
import io
import json
import os
import time
from datetime import timedelta

import pytest
from publishing_sample import NIGHT, SIMPANG_IV, TALANG_BANJAR, insert, sample_findings

from jaring.publishing import write_outbox
from jaring.publishing.night_data import SORT_FIELDS
from jaring.warehouse import db


def _write(dsn, outbox, night=NIGHT):
    with db.connect(dsn) as conn:
        return write_outbox(night, conn, outbox)


def test_files_and_audience_folders(sample_night, tmp_path):
    folder = _write(sample_night, tmp_path)
    assert folder == tmp_path / NIGHT.isoformat()
    names = {p.relative_to(folder).as_posix() for p in folder.rglob("*")}
    for expected in ("findings.csv", "resolved.csv", "summary.json", "laporan.html",
                     "bpjs-tk/temuan.xlsx", "bpjs-tk/laporan.html", "dinsos/temuan.xlsx", "disdukcapil/laporan.html",
                     "bpkad/temuan.xlsx", f"kelurahan/{TALANG_BANJAR}/laporan.html",
                     f"kelurahan/{SIMPANG_IV}/temuan.xlsx"):
        assert expected in names
    kelurahan = sorted(p.name for p in (folder / "kelurahan").iterdir())
    assert kelurahan == sorted([TALANG_BANJAR, SIMPANG_IV])  # the outside-city person has no kelurahan folder
    assert (tmp_path / "index.html").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_findings_csv_columns_sort_and_rerun_identical(sample_night, tmp_path):
    first = (_write(sample_night, tmp_path) / "findings.csv").read_bytes()
    again = (_write(sample_night, tmp_path) / "findings.csv").read_bytes()
    assert first == again
    rows = list(csv.DictReader(io.StringIO(first.decode("utf-8"))))
    assert len(rows) == len(sample_findings())
    for column in ("finding_code", "nik", "kpj", "period", "source", "source_ref", "status", "first_seen",
                   "severity", "nama", "kode_wilayah", "no_rt", "no_rw", "details"):
        assert column in rows[0]
    keys = [tuple(r[f] for f in SORT_FIELDS) for r in rows]
    assert keys == sorted(keys)
    heirs_row = next(r for r in rows if r["finding_code"] == "DEATH_BENEFIT_UNCLAIMED" and r["nama"].endswith("SATU"))
    details = heirs_row["details"]
    assert json.loads(details)["jkm_benefit"] == 42000000
    assert details == json.dumps(json.loads(details), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert heirs_row["first_seen"] == NIGHT.isoformat()


def test_summary_counts_and_figures(sample_night, tmp_path):
    summary = json.loads((_write(sample_night, tmp_path) / "summary.json").read_text())
    assert summary["findings_by_code"]["INVALID_SOURCE_RECORD"] == 4
    assert summary["findings_by_code"]["DEATH_BENEFIT_UNCLAIMED"] == 2
    assert summary["resolved_by_code"]["PREMIUM_ARREARS"] == 2
    assert summary["total_findings"] == sum(summary["findings_by_code"].values())
    assert summary["figures"]["apbd_quota"]["quota"] == 4000


def test_rerun_replaces_night_and_keeps_datadocs(sample_night, tmp_path):
    folder = _write(sample_night, tmp_path)
    (folder / "datadocs").mkdir()
    (folder / "datadocs" / "index.html").write_text("<p>docs</p>")
    (folder / "dinsos" / "stale.txt").write_text("from an older run")
    fewer = [r for r in sample_findings() if r["finding_code"] != "ELIGIBLE_NOT_ENROLLED"]
    insert(sample_night, NIGHT, fewer)
    _write(sample_night, tmp_path)
    text = (folder / "findings.csv").read_text()
    assert "ELIGIBLE_NOT_ENROLLED" not in text
    assert not (folder / "dinsos" / "stale.txt").exists()
    assert (folder / "datadocs" / "index.html").read_text() == "<p>docs</p>"
    assert "datadocs/index.html" in (tmp_path / "index.html").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([NIGHT.isoformat(), "index.html", "penerima"])


def test_failure_mid_build_leaves_previous_folder(sample_night, tmp_path, monkeypatch):
    folder = _write(sample_night, tmp_path)
    before = {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    from jaring.publishing import workbook

    calls = []

    def broken(path, audience, rows, night=None, policy=None):
        calls.append(audience)
        if len(calls) == 3:
            raise OSError("disk full")
        path.write_bytes(b"partial")

    monkeypatch.setattr(workbook, "write", broken)
    insert(sample_night, NIGHT, sample_findings()[:3])
    with pytest.raises(OSError, match="disk full"):
        _write(sample_night, tmp_path)
    after = {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    assert after == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([NIGHT.isoformat(), "index.html", "penerima"])


def test_index_lists_every_night(sample_night, tmp_path):
    _write(sample_night, tmp_path, NIGHT - timedelta(days=1))
    _write(sample_night, tmp_path)
    index = (tmp_path / "index.html").read_text()
    assert index.index("20 November 2026") < index.index("19 November 2026")
    assert f"{NIGHT.isoformat()}/laporan.html" in index
    assert f"{NIGHT.isoformat()}/kelurahan/{TALANG_BANJAR}/laporan.html" in index
    assert "Kelurahan Simpang IV Sipin" in index


def test_leftovers_of_killed_publishes_are_removed_at_the_next_start(sample_night, tmp_path):
    this_night = tmp_path / f".{NIGHT.isoformat()}.building-99999"
    old_other = tmp_path / ".2026-11-01.building-99998"
    running_other = tmp_path / ".2026-11-21.building-99997"  # another night publishing right now
    for folder in (this_night, old_other, running_other):
        (folder / "dinsos").mkdir(parents=True)
        (folder / "findings.csv").write_text("nik\n1571035203880004\n")
    hours_ago = time.time() - 5 * 3600
    os.utime(old_other, (hours_ago, hours_ago))
    _write(sample_night, tmp_path)
    assert not this_night.exists() and not old_other.exists()
    assert running_other.exists()


def test_each_official_has_an_index_of_only_their_own_reports(sample_night, tmp_path):
    import re

    _write(sample_night, tmp_path, NIGHT - timedelta(days=1))
    _write(sample_night, tmp_path)
    for audience in ("dinsos", "bpjs-tk", f"kelurahan/{TALANG_BANJAR}"):
        page = tmp_path / "penerima" / audience / "index.html"
        links = re.findall(r'href="([^"]+)"', page.read_text())
        nights = set()
        for link in links:
            target = (page.parent / link).resolve()
            assert target.is_file(), link  # every link works from where the page is served
            night, *rest = target.relative_to(tmp_path.resolve()).parts
            assert "/".join(rest[:-1]) == audience and rest[-1] in ("laporan.html", "temuan.xlsx"), link
            nights.add(night)
        assert nights == {NIGHT.isoformat(), (NIGHT - timedelta(days=1)).isoformat()}, audience
    engineers = (tmp_path / "index.html").read_text()
    assert "findings.csv" in engineers and "penerima/" in engineers

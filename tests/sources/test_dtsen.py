"""DTSEN ingestion from a real PostgreSQL source (read-only role) into the real warehouse."""

from __future__ import annotations

import csv
from datetime import date

import pytest
from simulate.tiny_world import build

from jaring.sources import dtsen
from jaring.sources.http import SourceError
from jaring.validation import SourceRejected
from jaring.warehouse import db
from jaring_sim import dtsen_db

NOT_KELURAHAN = {"1571021001": "1571021002", "1571071003": "1571071004"}  # tiny_world codes outside the 68


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    built = build(tmp_path_factory.mktemp("dtsen-world"))
    for path in built.dir.glob("*.csv"):
        text = path.read_text(encoding="utf-8")
        for bad, good in NOT_KELURAHAN.items():
            text = text.replace(bad, good)
        path.write_text(text, encoding="utf-8")
    with open(built.dir / "dtsen_keluarga.csv", "a", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows([
            ["2026-10", 1003, "", "1571031004", "", 11],  # desil out of 1..10
            ["2026-10", 1004, "", "1505011001", "", 3],  # a family outside Kota Jambi
        ])
    with open(built.dir / "dtsen_individu.csv", "a", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows([
            ["2026-10", 5005, 1003, "1571031201900001", "DESIL SEBELAS", "1990-01-12", 1, 1, 6, "", ""],
            ["2026-10", 5006, 1004, "", "LUAR KOTA", "1990-01-12", 1, 1, 6, "", ""],
        ])
    return built


@pytest.fixture
def source(world, fresh_database, monkeypatch):
    admin = fresh_database("dtsen")
    dtsen_db.load(world.dir, admin)
    monkeypatch.setenv("AIRFLOW_CONN_DTSEN_DB", admin.replace("//jaring@", "//dinsos_ro@"))
    return admin


def staged(conn, night):
    return {r[0]: r[1:] for r in conn.execute(
        "SELECT id_individu, periode, nik, nik_raw, desil, kode_wilayah, jenis_kelamin, nama_key"
        " FROM staging.dtsen_individual WHERE night = %s", (night,))}


def counts(conn, night) -> dict:
    tables = ("raw.dtsen_individu", "staging.dtsen_individual", "quarantine.record", "staging.invalid_record")
    return {t: conn.execute(f"SELECT count(*) FROM {t} WHERE night = %s", (night,)).fetchone()[0] for t in tables}


def test_release_current_at_d_is_staged_with_niks_cleaned_and_bad_rows_reported(world, source, warehouse):
    with db.connect(warehouse, autocommit=True) as conn:
        result = dtsen.ingest(world.night, conn)
        rows = staged(conn, world.night)
        first = counts(conn, world.night)
        quarantined = dict(conn.execute("SELECT source_ref, expectation FROM quarantine.record WHERE night = %s",
                                        (world.night,)).fetchall())
        invalid = conn.execute("SELECT source_ref FROM staging.invalid_record WHERE night = %s",
                               (world.night,)).fetchall()
        dtsen.ingest(world.night, conn)
        second = counts(conn, world.night)
    assert result["periode"] == "2026-10"  # the 2026-11 release came out after D
    assert {r[0] for r in rows.values()} == {"2026-10"}
    assert rows[5001][1:4] == (world.people["alive"], world.people["alive"], 2)  # the family's desil
    assert rows[5002][1] == "1571035203880005" and rows[5002][2] == "157103.520388.0005"  # cleaned
    assert rows[5003][1] is None  # NULL NIK: normal, not reported
    assert rows[5004][1] is None and rows[5004][2] == "157102070790001"  # 15 digits: staged as NULL ...
    assert invalid == [("dtsen:5004",)]  # ... and reported
    assert quarantined == {"dtsen:5005": "desil_1_to_10", "dtsen:5006": "kode_wilayah_in_kota_jambi"}
    assert 5005 not in rows and 5006 not in rows and len(rows) == 4
    assert rows[5002][6] == "AHMAD JUNAIDI" and rows[5001][5] == "P"
    assert first == second


def test_a_later_night_uses_the_later_release_and_none_before_the_first(world, source, warehouse):
    with db.connect(warehouse, autocommit=True) as conn:
        later = dtsen.ingest(date(2026, 11, 23), conn)
        assert later["periode"] == "2026-11"
        assert {r[3] for r in staged(conn, date(2026, 11, 23)).values()} == {3, None}  # desil rose in 2026-11
        with pytest.raises(SourceError, match="dtsen_db: no DTSEN release is current at 2026-10-07"):
            dtsen.ingest(date(2026, 10, 7), conn)


def test_a_volume_jump_rejects_dtsen(world, source, warehouse):
    night = world.night
    with db.connect(warehouse, autocommit=True) as conn:
        with db.night_replacement(conn, "staging.dtsen_individual", night.replace(day=19)):
            conn.execute("INSERT INTO staging.dtsen_individual (night, periode, id_individu, id_keluarga, nama,"
                         " nama_key) VALUES (%s, '2026-09', 1, 1, 'X', 'X')", (night.replace(day=19),))
        with pytest.raises(SourceRejected, match="'dtsen'.*volume"):
            dtsen.ingest(night, conn)
        assert counts(conn, night)["staging.dtsen_individual"] == 0


def test_an_unchanged_release_is_reused_from_night_d_minus_1_without_reading_it(world, source, warehouse):
    night, before = world.night, world.night.replace(day=world.night.day - 1)
    with db.connect(warehouse, autocommit=True) as conn, db.connect(source, autocommit=True) as admin:
        read = dtsen.ingest(before, conn)
        admin.execute("ALTER TABLE dtsen.individu RENAME TO individu_away")  # the release can no longer be read
        try:
            reused = dtsen.ingest(night, conn)
            verdicts = conn.execute("SELECT night, success, counts FROM ops.validation_result WHERE suite = 'dtsen'"
                                    " ORDER BY night").fetchall()
            with pytest.raises(SourceError, match="dtsen_db"):
                dtsen.ingest(night, conn, full=True)
        finally:
            admin.execute("ALTER TABLE dtsen.individu_away RENAME TO individu")
        assert (staged(conn, night), counts(conn, night)) == (staged(conn, before), counts(conn, before))
    assert reused["mode"] == "reused" and reused["periode"] == read["periode"] == "2026-10"
    assert [v[0] for v in verdicts] == [before, night] and verdicts[0][1:] == verdicts[1][1:]


def test_a_new_release_or_a_missing_night_before_is_read(world, source, warehouse):
    with db.connect(warehouse, autocommit=True) as conn:
        dtsen.ingest(date(2026, 11, 22), conn)
        assert dtsen.ingest(date(2026, 11, 23), conn).get("mode") != "reused"  # 2026-11 was released on the 23rd
        assert dtsen.ingest(date(2026, 11, 25), conn).get("mode") != "reused"  # night 24 never landed

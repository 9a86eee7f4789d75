"""Disdukcapil ingestion against the real simulated API and the real warehouse."""

from __future__ import annotations

import csv
import json
import time
from datetime import timedelta

import pytest
from simulate.tiny_world import REGISTRY_HEADER, build, person

from jaring.sources import dukcapil
from jaring.sources.http import SourceAuthError, SourceUnavailable
from jaring.validation import SourceRejected
from jaring.warehouse import db
from jaring_sim import dukcapil_api
from jaring_sim.faults import FaultPlan

TOKEN = "test-token"
# tiny_world uses two codes that are not among the 68 kelurahan; these are
NOT_KELURAHAN = {"1571021001": "1571021002", "1571071003": "1571071004"}
# planted rows a validation must catch: (NIK as served, expectation)
PLANTED = {
    "157103520388001": "nik_plausible",  # 15 digits
    "1571035213880021": "nik_plausible",  # month 13 in the date digits
    "1571035203880022": "resident_kode_wilayah_in_kota_jambi",  # never moved, lives outside the city
    "1571035203880023": "jenis_klmin_in_set",
}


def fix_codes(world_dir) -> None:
    for path in world_dir.glob("*.csv"):
        text = path.read_text(encoding="utf-8")
        for bad, good in NOT_KELURAHAN.items():
            text = text.replace(bad, good)
        path.write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    built = build(tmp_path_factory.mktemp("dukcapil-world"), extra_people=1200)
    fix_codes(built.dir)
    planted = [
        person("157103520388001", "SALAH SATU", "1988-03-12", True),
        person("1571035213880021", "BULAN SALAH", "1988-03-12", True),
        # first registered in Jakarta, lives in the city: an ordinary resident, staged
        person("3171035203880025", "ORANG JAKARTA", "1988-03-12", True),
        person("1571035203880022", "DI LUAR KOTA", "1988-03-12", True, KODE_WILAYAH="1505011001"),
        person("1571035203880023", "KELAMIN SALAH", "1988-03-12", True, JENIS_KLMIN="P"),
        # birth date disagrees with the NIK's digits: a warning, still staged
        person("1571035203880024", "TANGGAL BEDA", "1988-04-12", True),
    ]
    with open(built.dir / "registry.csv", "a", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(["" if v is None else v for v in row] for row in planted)
    assert REGISTRY_HEADER[0] == "NIK"
    return built


def visible_count(world) -> int:
    """Registry rows born by the night (the as-of rule), counted from the world file."""
    with open(world.dir / "registry.csv", encoding="utf-8") as f:
        return sum(1 for row in csv.DictReader(f) if row["TGL_LHR"] <= world.night.isoformat())


def serve(world, faults=None, token=TOKEN):
    return dukcapil_api.make_server(world.dir, token=token, faults=faults).start()


def point_at(monkeypatch, server, token=TOKEN, **extra):
    extra = {"retry_base_delay": 0.05, "retry_max_delay": 0.4, "retry_total_seconds": 30} | extra
    monkeypatch.setenv("AIRFLOW_CONN_DUKCAPIL_API", json.dumps({
        "conn_type": "http", "host": server.host, "port": server.port, "schema": "http", "password": token,
        "extra": extra}))


def table_counts(conn, night) -> dict:
    return {
        table: conn.execute(f"SELECT count(*) FROM {table} WHERE night = %s", (night,)).fetchone()[0]
        for table in ("raw.dukcapil_page", "staging.person", "quarantine.record", "staging.invalid_record",
                      "ops.validation_result")
    }


def test_full_pull_under_faults_stages_each_person_once(world, warehouse, monkeypatch):
    faults = FaultPlan(rate_limit_every=7, retry_after=1, unavailable_every=11, unavailable_run=2, error_every=13)
    server = serve(world, faults)
    try:
        point_at(monkeypatch, server)
        with db.connect(warehouse, autocommit=True) as conn:
            counts = dukcapil.ingest(world.night, conn, per_page=100)
            first = table_counts(conn, world.night)
            quarantined = dict(conn.execute(
                "SELECT source_ref, expectation FROM quarantine.record WHERE night = %s", (world.night,)).fetchall())
            raw_rows = conn.execute("SELECT sum(json_array_length(records)) FROM raw.dukcapil_page "
                                    "WHERE night = %s", (world.night,)).fetchone()[0]
            distinct = conn.execute("SELECT count(DISTINCT nik) FROM staging.person WHERE night = %s",
                                    (world.night,)).fetchone()[0]
    finally:
        injected = dict(server.faults.injected)
        server.shutdown()
    expected = visible_count(world)
    assert injected.get(429) and injected.get(503) and injected.get(500)  # the faults did happen
    assert counts["received"] == expected == raw_rows
    assert quarantined == {f"dukcapil:{nik}": rule for nik, rule in PLANTED.items()}
    assert first["staging.person"] == distinct == expected - len(PLANTED)
    assert any(w.startswith("nik_date_digits_agree_with_birth_date") for w in counts["warnings"])


def test_as_of_rules_hold_and_a_rerun_of_the_night_changes_no_count(world, warehouse, monkeypatch):
    server = serve(world)
    try:
        point_at(monkeypatch, server)
        with db.connect(warehouse, autocommit=True) as conn:
            dukcapil.ingest(world.night, conn)
            first = table_counts(conn, world.night)
            dukcapil.ingest(world.night, conn)
            second = table_counts(conn, world.night)
            rows = {r[0]: r[1:] for r in conn.execute(
                "SELECT nik, status, tgl_mati, tgl_pindah, kode_wilayah, nama_key FROM staging.person "
                "WHERE night = %s", (world.night,))}
    finally:
        server.shutdown()
    assert first == second
    people = world.people
    assert rows[people["dies_before"]][0] == "MATI" and rows[people["dies_before"]][1] is not None
    assert rows[people["dies_after"]][:2] == ("HIDUP", None)  # a death after D is not seen
    assert rows[people["moves_out_before"]][3] == "1505011001"  # moved out: staged, not quarantined
    assert rows[people["moves_out_after"]][2] is None
    assert people["born_after"] not in rows and people["born_on_night"] in rows
    assert rows[people["alive"]][4] == "SITI AMINAH"  # nama_key normalised


def test_a_source_failing_for_good_fails_within_its_budget_naming_the_connection(world, warehouse, monkeypatch):
    server = serve(world, FaultPlan(always_fail=True))
    try:
        point_at(monkeypatch, server, retry_total_seconds=2)
        started = time.monotonic()
        with db.connect(warehouse, autocommit=True) as conn, pytest.raises(SourceUnavailable, match="dukcapil_api") as error:
            dukcapil.ingest(world.night, conn)
        assert time.monotonic() - started < 8
    finally:
        server.shutdown()
    assert "HTTP 500" in str(error.value)


def test_a_wrong_token_fails_fast_without_showing_it(world, warehouse, monkeypatch):
    server = serve(world)
    try:
        point_at(monkeypatch, server, token="not-the-token")
        started = time.monotonic()
        with db.connect(warehouse, autocommit=True) as conn, pytest.raises(SourceAuthError, match="dukcapil_api") as error:
            dukcapil.ingest(world.night, conn)
        assert time.monotonic() - started < 2
    finally:
        server.shutdown()
    assert "not-the-token" not in str(error.value)


def test_a_volume_drop_over_20_percent_rejects_the_source_and_keeps_the_night(world, warehouse, monkeypatch):
    server = serve(world)
    try:
        point_at(monkeypatch, server)
        with db.connect(warehouse, autocommit=True) as conn:
            dukcapil.ingest(world.night, conn)
            before = table_counts(conn, world.night)
            # the night before had 30 % more people than tonight's registry
            with db.night_replacement(conn, "staging.person", world.night - timedelta(days=1)):
                conn.execute(
                    "INSERT INTO staging.person SELECT night - 1, nik, no_kk, nama, nama_key, tgl_lahir,"
                    " jenis_kelamin, stat_hbkel, status_kawin, jenis_pkrjn, kode_wilayah, no_rt, no_rw, status,"
                    " tgl_mati, tgl_pindah FROM staging.person WHERE night = %s", (world.night,))
                conn.execute(
                    "INSERT INTO staging.person (night, nik, nama, nama_key, status) SELECT night, "
                    "'8' || lpad(g::text, 15, '0'), 'X', 'X', 'HIDUP' FROM (SELECT %s::date - 1 AS night) n, "
                    "generate_series(1, (SELECT (count(*) * 0.3)::int FROM staging.person WHERE night = %s)) g",
                    (world.night, world.night))
            with pytest.raises(SourceRejected, match="volume_within_20_percent"):
                dukcapil.ingest(world.night, conn)
            after = table_counts(conn, world.night)
            verdict = conn.execute("SELECT success, blocking FROM ops.validation_result WHERE night = %s "
                                   "AND suite = 'dukcapil'", (world.night,)).fetchone()
    finally:
        server.shutdown()
    assert after == before  # the rejected pull changed nothing it staged
    assert verdict == (False, ["volume_within_20_percent_of_previous_night"])

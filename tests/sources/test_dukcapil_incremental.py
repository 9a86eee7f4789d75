"""An incremental registry night (night D-1's persons with day D's /v1/peristiwa applied) stages exactly what
a full pull of night D stages, on the generated small world, for nights with every event type."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
import requests

from jaring.sources import dukcapil
from jaring.warehouse import db
from jaring_sim import dukcapil_api
from jaring_sim.world import generate

TOKEN = "test-token"
EVENT_TYPES = {"LAHIR", "MATI", "PINDAH_KELUAR", "DATANG", "UBAH_BIODATA"}
LAST_NIGHT = date(2026, 11, 20)


@pytest.fixture(scope="module")
def registry_api(tmp_path_factory):
    world = tmp_path_factory.mktemp("small-world")
    generate(world, scale="small", seed=7)
    server = dukcapil_api.make_server(world, token=TOKEN).start()
    yield server
    server.shutdown()


@pytest.fixture
def conn(registry_api, warehouse, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_DUKCAPIL_API", json.dumps({
        "conn_type": "http", "host": registry_api.host, "port": registry_api.port, "schema": "http",
        "password": TOKEN}))
    with db.connect(warehouse, autocommit=True) as conn:
        yield conn


def events(server, first: date, last: date) -> list[dict]:
    found, page = [], 1
    while True:
        body = requests.get(f"{server.url}/v1/peristiwa", headers={"Authorization": f"Bearer {TOKEN}"}, params={
            "dari": first.isoformat(), "sampai": last.isoformat(), "page": page, "per_page": 1000}).json()
        found += body["data"]
        if not body["data"]:
            return found
        page += 1


def nights_with_every_event_type(server) -> list[date]:
    """For each event type, the latest day up to LAST_NIGHT that has one (a move within the city is a DATANG
    with a TGL_PINDAH, an arrival from outside one without)."""
    latest: dict[str, date] = {}
    for event in events(server, date(2025, 1, 2), LAST_NIGHT):
        kind = event["JENIS_PERISTIWA"]
        if kind == "DATANG":
            kind += " within the city" if event["DATA"]["TGL_PINDAH"] else " from outside"
        latest[kind] = max(latest.get(kind, date.min), date.fromisoformat(event["TGL_PERISTIWA"]))
    assert {k.split()[0] for k in latest} == EVENT_TYPES and len(latest) == 6
    return sorted(set(latest.values()))


def snapshot(conn, night: date) -> dict:
    return {
        "persons": set(conn.execute(
            "SELECT nik, no_kk, nama, nama_key, tgl_lahir, jenis_kelamin, stat_hbkel, status_kawin, jenis_pkrjn,"
            " kode_wilayah, no_rt, no_rw, status, tgl_mati, tgl_pindah FROM staging.person WHERE night = %s",
            (night,)).fetchall()),
        # the records a full pull names by their NIK (one without a NIK is named by its place in the listing)
        "quarantined": set(conn.execute(
            "SELECT source_ref, reason FROM quarantine.record WHERE night = %s AND source = 'dukcapil'"
            " AND source_ref !~ '^dukcapil:(page|peristiwa)='", (night,)).fetchall()),
        "reported": set(conn.execute(
            "SELECT source_ref, reason FROM staging.invalid_record WHERE night = %s AND source = 'dukcapil'",
            (night,)).fetchall()),
    }


def changes_recorded(conn, night: date) -> set[str]:
    return {nik for (nik,) in conn.execute("SELECT nik FROM staging.person_change WHERE night = %s", (night,))}


def persons_changed(conn, before: date, after: date) -> set[str]:
    """The NIKs whose staged persons differ between the two nights (added, removed or changed)."""
    was, now = ({row[0]: row for row in conn.execute("SELECT nik, nama, nama_key, tgl_lahir, jenis_kelamin,"
                 " kode_wilayah, no_rt, no_rw, status, tgl_mati, tgl_pindah, no_kk, stat_hbkel FROM staging.person"
                 " WHERE night = %s", (n,))} for n in (before, after))
    return {nik for nik in was.keys() | now.keys() if was.get(nik) != now.get(nik)}


def test_events_applied_to_night_d_minus_1_stage_what_a_full_pull_stages(registry_api, conn):
    nights = nights_with_every_event_type(registry_api)
    for night in nights:
        assert dukcapil.ingest(night - timedelta(days=1), conn, full=True)["mode"] == "full"
        counts = dukcapil.ingest(night, conn)
        incremental = snapshot(conn, night)
        recorded = changes_recorded(conn, night)
        full = dukcapil.ingest(night, conn, full=True)
        assert counts["mode"] == "events" and counts["events"] > 0 and full["mode"] == "full"
        assert snapshot(conn, night) == incremental, night
        # linking compares only the persons the events changed (staging.person_change): every one is there
        changed = persons_changed(conn, night - timedelta(days=1), night)
        assert changed and changed <= recorded
        assert not changes_recorded(conn, night)  # a full pull says nothing of what changed
        assert counts["staged"] == full["staged"] and incremental["quarantined"]  # planted bad NIKs stay quarantined


def test_nights_build_on_each_other_unless_the_night_before_did_not_land_or_full_is_asked(registry_api, conn):
    assert dukcapil.ingest(LAST_NIGHT - timedelta(days=5), conn)["mode"] == "full"
    assert dukcapil.ingest(LAST_NIGHT - timedelta(days=3), conn)["mode"] == "full"  # D-1 never landed
    for days in (2, 1, 0):
        assert dukcapil.ingest(LAST_NIGHT - timedelta(days=days), conn)["mode"] == "events"
    chained = snapshot(conn, LAST_NIGHT)
    assert dukcapil.ingest(LAST_NIGHT, conn, full=True)["mode"] == "full"
    assert snapshot(conn, LAST_NIGHT) == chained


def test_the_niks_events_name_are_recorded_as_the_registry_compares_them(warehouse):
    """Events may spell a NIK with trailing spaces beside the same NIK without them (NIKs as given, from a
    source the hub does not control): char(16) takes them for one, so they are recorded once; what no person
    can hold is left out, and nothing stops the night."""
    nik = "1571031003000001"
    with db.connect(warehouse) as conn, conn.transaction():
        dukcapil._record_changes(conn, LAST_NIGHT, [nik, nik + " ", "", " " * 3, "9" * 20, "157 103"], [nik])
        recorded = [row[0] for row in conn.execute(
            "SELECT nik::text FROM staging.person_change WHERE night = %s ORDER BY 1", (LAST_NIGHT,))]
    assert recorded == ["157 103", nik]

"""An incremental BPJS night: the months whose pages did not change since night D-1 are carried over, not judged
again, and the night is what judging every payment gives (the real simulated API and warehouse)."""

from __future__ import annotations

import csv
import json
from datetime import timedelta

import pytest
from simulate.tiny_world import build

from jaring.sources import bpjs
from jaring.validation import SourceRejected
from jaring.warehouse import db
from jaring_sim import bpjs_api

NIGHT_ROWS = {  # table -> (what tells two nights' rows apart, beyond the night; which rows are BPJS's)
    "staging.payment": ("id_bayar, kpj, bulan, jumlah, tgl_bayar, kanal", "true"),
    "staging.participant": ("kpj, nik, nama, status_kepesertaan, tgl_nonaktif", "true"),
    "quarantine.record": ("source_ref, reason, expectation, raw_record::text", "source = 'bpjs'"),
    "staging.invalid_record": ("source_ref, reason", "source = 'bpjs'"),
}


ACTIVE = "22014587310"  # the tiny world's participant paying all along
# forty premiums paid long before the nights, so that a night's few new payments stay within the volume rule
PAID_LONG_AGO = [[f"B6{n:03d}", ACTIVE, f"2026-0{1 + n % 5}", 16800, "2026-06-30", "BANK"] for n in range(40)]


def world_with(tmp_path, payments: list[list]):
    """The tiny world, its payments plus `payments` ([ID_BAYAR, KPJ, BULAN_IURAN, JUMLAH, TGL_BAYAR, KANAL])."""
    world = build(tmp_path / "world", extra_participants=100)  # a roster the one joining on D leaves in 20 %
    assert world.kpj["active"] == ACTIVE
    with open(world.dir / "bpjs_iuran.csv", "a", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(PAID_LONG_AGO + payments)
    return world


def night_rows(conn, night) -> dict[str, list[tuple]]:
    return {table: conn.execute(f"SELECT {columns} FROM {table} WHERE night = %s AND {bpjs} ORDER BY 1, 2",
                                (night,)).fetchall()
            for table, (columns, bpjs) in NIGHT_ROWS.items()}


def ingest_d_minus_1_then_d(world, warehouse, monkeypatch, tmp_path, **options):
    """Night D-1 (in full: nothing before it), then night D incrementally and again in full; returns night D's
    counts and rows each way."""
    server = bpjs_api.make_server(world.dir, client_secret="demo-secret", state_dir=tmp_path).start()
    monkeypatch.setenv("AIRFLOW_CONN_BPJS_TK_API", json.dumps({
        "conn_type": "http", "host": server.host, "port": server.port, "schema": "http", "login": "jaring",
        "password": "demo-secret", "extra": {"retry_base_delay": 0.05, "retry_total_seconds": 20}}))
    night = world.night
    try:
        with db.connect(warehouse, autocommit=True) as conn:
            first = bpjs.ingest(night - timedelta(days=1), conn, limit=2)
            carried = bpjs.ingest(night, conn, limit=2, **options)
            carried_rows = night_rows(conn, night)
            whole = bpjs.ingest(night, conn, limit=2, full=True)
            whole_rows = night_rows(conn, night)
    finally:
        server.shutdown()
    assert first["mode"] == "full" and whole["mode"] == "full"
    return carried, carried_rows, whole_rows


def test_unchanged_months_are_carried_over_and_the_night_is_what_judging_every_payment_gives(
        warehouse, monkeypatch, tmp_path):
    world = world_with(tmp_path, [
        ["B7001", ACTIVE, "2026-07", 16800, "2026-08-12", "BANK"],  # an old month, unchanged
        ["B7002", ACTIVE, "2026-06", 16800, "2026-11-20", "RT"],  # arrears paid on night D: its month changed
        ["B7003", ACTIVE, "2026-08", -16800, "2026-09-10", "BANK"],  # quarantined on D-1, its month unchanged
    ])
    carried, rows, whole = ingest_d_minus_1_then_d(world, warehouse, monkeypatch, tmp_path)
    assert carried["mode"] == "months_carried" and carried["previous_night"] == "2026-11-19"
    # 2026-06 (B7002) and 2026-10 (B0004, paid on D) changed; every other month of the window is carried
    assert carried["months_carried"] == carried["months"] - 2
    payments = carried["payments"]
    # the changed months' payments (B7002; B0002 and B0004 of 2026-10), and B7003: D-1 quarantined it
    assert payments["judged"] == 4
    assert payments["carried_over"] == payments["staged"] - 3 and payments["quarantined"] == 1
    assert rows == whole
    staged = {row[0] for row in rows["staging.payment"]}
    assert {"B7001", "B7002", "B0004"} <= staged and "B7003" not in staged
    assert [r[:3] for r in rows["quarantine.record"] if "B7003" in r[3]] == [
        (f"bpjs:{ACTIVE}", "JUMLAH is not a positive number (ID_BAYAR B7003)", "jumlah_positive")]


@pytest.mark.parametrize("payments, why", [
    ([["", ACTIVE, "2026-07", 16800, "2026-08-12", "BANK"]], "a payment without an ID_BAYAR"),
    ([["B7001", ACTIVE, "2026-07", 16800, "2026-08-12", "BANK"],
      ["B7001", ACTIVE, "2026-05", 16800, "2026-06-12", "BANK"]], "two payments sharing an ID_BAYAR"),
])
def test_every_month_is_judged_where_carrying_could_differ(payments, why, warehouse, monkeypatch, tmp_path):
    carried, rows, whole = ingest_d_minus_1_then_d(world_with(tmp_path, payments), warehouse, monkeypatch, tmp_path)
    assert carried["mode"] == "full", why
    assert rows == whole
    if len(payments) == 2:  # neither copy staged, whichever month each is listed in
        assert "B7001" not in {row[0] for row in rows["staging.payment"]}
        assert [r[2] for r in rows["quarantine.record"] if "B7001" in r[3]] == ["id_bayar_unique"]


def test_a_full_night_judges_every_month(warehouse, monkeypatch, tmp_path):
    carried, rows, whole = ingest_d_minus_1_then_d(world_with(tmp_path, []), warehouse, monkeypatch, tmp_path,
                                                   full=True)
    assert carried["mode"] == "full" and "carried_over" not in carried["payments"]
    assert rows == whole


def test_a_count_the_volume_rules_refuse_is_judged_whole_and_rejected(warehouse, monkeypatch, tmp_path):
    world = world_with(tmp_path, [])
    server = bpjs_api.make_server(world.dir, client_secret="demo-secret", state_dir=tmp_path).start()
    monkeypatch.setenv("AIRFLOW_CONN_BPJS_TK_API", json.dumps({
        "conn_type": "http", "host": server.host, "port": server.port, "schema": "http", "login": "jaring",
        "password": "demo-secret", "extra": {"retry_base_delay": 0.05, "retry_total_seconds": 20}}))
    try:
        with db.connect(warehouse, autocommit=True) as conn:
            bpjs.ingest(world.night - timedelta(days=1), conn, limit=2)
            # night D-1 staged 43 payments, night D's 44 are within 20 %; 63 on D-1 and they are not
            conn.execute("INSERT INTO staging.payment (night, id_bayar, kpj, bulan, jumlah, tgl_bayar) "
                         "SELECT %s::date - 1, 'X' || n, %s, '2026-01', 16800, '2026-02-01' "
                         "FROM generate_series(1, 20) n", (world.night, ACTIVE))
            with pytest.raises(SourceRejected):
                bpjs.ingest(world.night, conn, limit=2)
            verdict = conn.execute("SELECT blocking, counts FROM ops.validation_result WHERE night = %s "
                                   "AND suite = 'bpjs_iuran'", (world.night,)).fetchone()
    finally:
        server.shutdown()
    assert verdict[0] == ["volume_within_20_percent_of_previous_night"]


def test_a_payment_rule_that_flags_makes_every_month_judged(warehouse, monkeypatch, tmp_path):
    # a flagged payment is staged and reported: its report (staging.invalid_record) is not carried over
    from jaring.validation import suites

    plain = suites.SUITES["bpjs_iuran"]

    def flagging(columns):
        built = plain(columns)
        rule = suites.matches("kanal_is_bank", "KANAL", r"^BANK$", "KANAL is not BANK", suites.FLAG)
        return suites.Suite(built.name, built.source, built.columns, (*built.rules, rule), built.derive)

    monkeypatch.setitem(suites.SUITES, "bpjs_iuran", flagging)
    carried, rows, whole = ingest_d_minus_1_then_d(world_with(tmp_path, []), warehouse, monkeypatch, tmp_path)
    assert carried["mode"] == "full"
    assert rows == whole and rows["staging.invalid_record"]  # B0001's PEMKOT, B0005's RT: reported each night


def test_a_nights_listing_digests_are_kept_as_landed_and_the_migration_computes_the_same_for_older_nights(
        warehouse, fresh_database, monkeypatch, tmp_path):
    """Night D reads night D-1's digests instead of hashing its pages again; a warehouse whose nights landed
    before the digests were kept gets them from its pages, the same as landing them gives."""
    carried, _, _ = ingest_d_minus_1_then_d(world_with(tmp_path, []), warehouse, monkeypatch, tmp_path)
    assert carried["mode"] == "months_carried"
    with db.connect(warehouse) as conn:
        landed = conn.execute("SELECT night, listing, digest FROM raw.bpjs_listing ORDER BY 1, 2").fetchall()
        pages = conn.execute("SELECT night, listing, seq, records::text FROM raw.bpjs_page_landed").fetchall()
    assert len({night for night, _, _ in landed}) == 2
    assert {listing for _, listing, _ in landed} == {listing for _, listing, _, _ in pages}

    every = db.migrations()
    monkeypatch.setattr(db, "migrations", lambda: {v: p for v, p in every.items() if v < 11})
    before = fresh_database("warehouse_v10")
    with db.connect(before) as conn:
        assert db.migrate(conn) == 10
        db.copy_rows(conn, "raw.bpjs_page", ("night", "listing", "seq", "records"), pages)
        conn.commit()
    monkeypatch.setattr(db, "migrations", lambda: every)
    with db.connect(before) as conn:
        assert db.migrate(conn) == max(every)
        assert conn.execute("SELECT night, listing, digest FROM raw.bpjs_listing ORDER BY 1, 2").fetchall() == landed
        # and migration 0012 keeps each page's text once, every night's pages reading as they landed
        assert sorted(conn.execute("SELECT night, listing, seq, records::text FROM raw.bpjs_page_landed")) == sorted(pages)
        assert conn.execute("SELECT count(*) FROM raw.bpjs_page_text").fetchone()[0] == len({p[3] for p in pages})


def test_a_page_text_is_kept_once_however_many_nights_land_it_and_the_retention_forgets_it_with_its_last_night(
        warehouse, monkeypatch, tmp_path):
    """Most months' pages are the same every night: night D sends only its new texts; the retention forgets a
    text once no night kept names it, and every night kept still reads its pages as they landed."""
    world = world_with(tmp_path, [["B7002", ACTIVE, "2026-06", 16800, "2026-11-20", "RT"]])  # a month changes on D
    ingest_d_minus_1_then_d(world, warehouse, monkeypatch, tmp_path)
    night = world.night
    landed = "SELECT listing, seq, records::text FROM raw.bpjs_page_landed WHERE night = %s ORDER BY 1, 2"
    with db.connect(warehouse, autocommit=True) as conn:
        pages, texts = conn.execute("SELECT count(*), count(DISTINCT sha256) FROM raw.bpjs_page").fetchone()
        assert conn.execute("SELECT count(*) FROM raw.bpjs_page_text").fetchone()[0] == texts < pages
        only_before = conn.execute(
            "SELECT count(DISTINCT sha256) FROM raw.bpjs_page p WHERE night = %s AND NOT EXISTS"
            " (SELECT 1 FROM raw.bpjs_page d WHERE d.night = %s AND d.sha256 = p.sha256)",
            (night - timedelta(days=1), night)).fetchone()[0]
        assert only_before  # the changed month's pages of D-1
        night_d = conn.execute(landed, (night,)).fetchall()
        db.prune(conn, night + timedelta(days=1), keep=2)  # keeps D and D+1: D-1 goes
        assert conn.execute("SELECT count(*) FROM raw.bpjs_page_text").fetchone()[0] == texts - only_before
        assert conn.execute(landed, (night,)).fetchall() == night_d

"""The tables that hold a whole city each night keep each night in a partition of its own, keyed once full
(jaring.warehouse.partitions): what a writer, a rerun, the migration and the retention see."""

from __future__ import annotations

import logging
from datetime import date, timedelta

import psycopg
import pytest

from jaring import pipeline
from jaring.warehouse import db, partitions

D = date(2026, 11, 20)
PAYMENT_COLUMNS = ("night", "id_bayar", "kpj", "bulan", "jumlah", "tgl_bayar")


def _payments(night: date, ids: list[str]) -> list[tuple]:
    return [(night, id_bayar, "22000000001", "2026-10", 16800, date(2026, 10, 5)) for id_bayar in ids]


RT_ROW_COLUMNS = ("night", "source_ref", "path", "sheet", "row_no", "bulan", "kode_kelurahan", "no_rt", "no_rw")


def _rt_rows(count: int) -> list[tuple]:
    path = "2026-10/1571031004-RT005-RW002.xlsx"
    return [(f"rt:{path}#IURAN!{n}", path, "IURAN", n, "2026-10", "1571031004", "005", "002")
            for n in range(2, 2 + count)]


def _partitions(conn, table: str) -> dict[str, tuple]:
    """Each partition of `table`: its primary key's columns."""
    rows = conn.execute(
        "SELECT c.relname, (SELECT pg_get_constraintdef(p.oid) FROM pg_constraint p"
        " WHERE p.conrelid = c.oid AND p.contype = 'p')"
        " FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = %s::regclass",
        (table,)).fetchall()
    # "PRIMARY KEY (night, id_bayar)"
    return {name: tuple(key.split("(")[1].rstrip(")").split(", ")) if key else () for name, key in rows}


def test_a_night_is_written_into_a_partition_of_its_own_keyed_once_full_and_a_rerun_keeps_it(warehouse):
    with db.connect(warehouse) as conn:
        for ids in (["A", "B"], ["B", "C", "D"]):  # the night, then its rerun
            with db.night_replacement(conn, "staging.payment", D):
                db.copy_rows(conn, "staging.payment", PAYMENT_COLUMNS, _payments(D, ids))
        with db.night_replacement(conn, "staging.payment", D - timedelta(days=1)):
            db.copy_rows(conn, "staging.payment", PAYMENT_COLUMNS, _payments(D - timedelta(days=1), ["A"]))
        assert _partitions(conn, "staging.payment") == {"payment_20261119": ("night", "id_bayar"),
                                                         "payment_20261120": ("night", "id_bayar")}
        assert conn.execute("SELECT night, id_bayar FROM staging.payment ORDER BY 1, 2").fetchall() == [
            (D - timedelta(days=1), "A"), (D, "B"), (D, "C"), (D, "D")]
        with pytest.raises(psycopg.errors.UniqueViolation):  # the key holds on a night written again
            with db.night_replacement(conn, "staging.payment", D):
                db.copy_rows(conn, "staging.payment", PAYMENT_COLUMNS, _payments(D, ["E", "E"]))
        # a night first written with a duplicate fails whole when it is keyed: nothing of it is left
        night = D + timedelta(days=1)
        with pytest.raises(psycopg.errors.UniqueViolation):
            with db.night_replacement(conn, "staging.payment", night):
                db.copy_rows(conn, "staging.payment", PAYMENT_COLUMNS, _payments(night, ["F", "F"]))
        assert "payment_20261121" not in _partitions(conn, "staging.payment")
        assert conn.execute("SELECT count(*) FROM staging.payment WHERE night = %s", (D,)).fetchone() == (3,)


def test_a_row_of_a_night_never_cleared_is_refused_not_kept_unkeyed(warehouse):
    with db.connect(warehouse) as conn, pytest.raises(psycopg.errors.CheckViolation, match="no partition"):
        db.copy_rows(conn, "staging.payment", PAYMENT_COLUMNS, _payments(D, ["A"]))


def test_migrating_moves_the_nights_already_written_into_keyed_partitions(warehouse, fresh_database, monkeypatch):
    every = db.migrations()
    monkeypatch.setattr(db, "migrations", lambda: {v: p for v, p in every.items() if v < 10})
    before = fresh_database("warehouse_v9")
    nights = [D - timedelta(days=1), D]
    with db.connect(before) as conn:
        assert db.migrate(conn) == 9
        for night in nights:
            db.copy_rows(conn, "staging.payment", PAYMENT_COLUMNS, _payments(night, ["A", "B"]))
            db.copy_rows(conn, "recon.link", ("night", "source", "source_key", "nik", "method", "step", "score"),
                         [(night, "bpjs", "22000000001", "1571031203800001", "exact", 1, 100.0)])
            db.copy_rows(conn, "staging.rt_row", RT_ROW_COLUMNS, [(night, *row) for row in _rt_rows(2)])
            db.copy_rows(conn, "raw.dtsen_individu", ("night", "periode", "id_individu", "id_keluarga", "nama"),
                         [(night, "2026-11", n, 1, "SITI") for n in (7, 8)])
        conn.commit()
    monkeypatch.setattr(db, "migrations", lambda: every)
    with db.connect(before) as conn:
        assert db.migrate(conn) == max(every)
        for table, key in partitions.PARTITIONED.items():
            expected = {f"{table.split('.')[1]}_{n:%Y%m%d}": key for n in nights} \
                if table in ("staging.payment", "recon.link", "staging.rt_row", "raw.dtsen_individu") else {}
            assert _partitions(conn, table) == expected
        assert conn.execute("SELECT night, id_bayar FROM staging.payment ORDER BY 1, 2").fetchall() == [
            (n, i) for n in nights for i in ("A", "B")]
        assert conn.execute("SELECT count(*) FROM recon.link").fetchone() == (2,)
        assert _partitions(conn, "staging.rt_row") == {f"rt_row_{n:%Y%m%d}": ("night", "source_ref") for n in nights}
        assert conn.execute("SELECT night, source_ref FROM staging.rt_row ORDER BY 1, 2").fetchall() == [
            (n, ref) for n in nights for ref, *_ in _rt_rows(2)]
        assert _partitions(conn, "raw.dtsen_individu") == {
            f"dtsen_individu_{n:%Y%m%d}": ("night", "id_individu") for n in nights}
        assert conn.execute("SELECT night, id_individu FROM raw.dtsen_individu ORDER BY 1, 2").fetchall() == [
            (n, i) for n in nights for i in (7, 8)]
        assert _nights_in_statistics(conn, "staging.payment") == nights  # no join planned without them


def test_the_retention_drops_old_nights_and_leaves_a_table_in_use_for_its_next_run(warehouse, monkeypatch, caplog):
    nights = [D - timedelta(days=k) for k in (3, 2, 1, 0)]
    with db.connect(warehouse) as conn:
        for night in nights:
            with db.night_replacement(conn, "staging.payment", night):
                db.copy_rows(conn, "staging.payment", PAYMENT_COLUMNS, _payments(night, ["A"]))
    monkeypatch.setattr(partitions, "LOCK_WAIT", "200ms")
    with db.connect(warehouse) as reader, db.connect(warehouse) as conn:
        reader.execute("SELECT count(*) FROM staging.payment WHERE night = %s", (D,))  # still open
        with caplog.at_level(logging.WARNING, logger="jaring.warehouse.db"):
            assert db.prune(conn, D, keep=2) == []  # not waiting longer than LOCK_WAIT
        assert "staging.payment kept its nights from 2026-11-17: the table was in use for 200ms" in caplog.text
        assert partitions.nights(conn, "staging.payment") == nights
        reader.rollback()
        assert db.prune(conn, D, keep=2) == nights[:2]
        assert partitions.nights(conn, "staging.payment") == nights[2:]
        assert conn.execute("SELECT night FROM ops.pruned_night WHERE table_name = 'staging.payment'"
                            " ORDER BY 1").fetchall() == [(n,) for n in nights[:2]]


def _nights_in_statistics(conn, table: str) -> list[date]:
    """The nights the planner's statistics of the partitioned table itself have seen."""
    schema, relation = table.split(".")
    found = conn.execute("SELECT most_common_vals::text::date[] FROM pg_stats WHERE schemaname = %s"
                         " AND tablename = %s AND attname = 'night' AND inherited", (schema, relation)).fetchone()
    return sorted(found[0]) if found else []


def test_a_nights_statistics_are_its_own_and_the_tables_are_taken_once_then_weekly_off_the_path(warehouse):
    nights = [D - timedelta(days=1), D, D + timedelta(days=6)]
    with db.connect(warehouse) as conn:
        for night in nights[:2]:
            with db.night_replacement(conn, "staging.payment", night):
                db.copy_rows(conn, "staging.payment", PAYMENT_COLUMNS, _payments(night, ["A", "B"]))
                partitions.analyze(conn, "staging.payment", night)
            # the first night's are taken at once: never planned without any
            assert _nights_in_statistics(conn, "staging.payment") == nights[:1]
        assert conn.execute("SELECT reltuples FROM pg_class WHERE relname = 'payment_20261120'").fetchone() == (2,)
    pipeline.run_step("prune_warehouse", nights[1], warehouse)
    with db.connect(warehouse) as conn:
        assert _nights_in_statistics(conn, "staging.payment") == nights[:1]  # a night old: kept
    pipeline.run_step("prune_warehouse", nights[2], warehouse)
    with db.connect(warehouse) as conn:
        assert _nights_in_statistics(conn, "staging.payment") == nights[:2]  # a week old: taken again

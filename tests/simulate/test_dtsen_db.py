"""The simulated DTSEN database (poverty-db.md) in the session's real PostgreSQL."""

from __future__ import annotations

import psycopg
import pytest
from tiny_world import INDIVIDU_HEADER, build, write_csv

from jaring_sim import dtsen_db

# the contract's DDL as information_schema reports it: (column, data_type, length, nullable)
CONTRACT_COLUMNS = {
    "periode": [
        ("periode", "character", 7, "NO"), ("tgl_rilis", "date", None, "NO"),
    ],
    "keluarga": [
        ("periode", "character", 7, "NO"), ("id_keluarga", "bigint", None, "NO"),
        ("no_kk", "character varying", 20, "YES"), ("kode_wilayah", "character", 10, "NO"),
        ("alamat", "text", None, "YES"), ("desil", "smallint", None, "YES"),
    ],
    "individu": [
        ("periode", "character", 7, "NO"), ("id_individu", "bigint", None, "NO"),
        ("id_keluarga", "bigint", None, "NO"), ("nik", "character varying", 20, "YES"),
        ("nama", "text", None, "NO"), ("tgl_lahir", "date", None, "YES"),
        ("jenis_kelamin", "smallint", None, "YES"), ("hub_kk", "smallint", None, "YES"),
        ("status_pekerjaan", "smallint", None, "YES"), ("lapangan_usaha", "text", None, "YES"),
    ],
}
CONTRACT_KEYS = {
    ("periode", "PRIMARY KEY"): ["periode"],
    ("keluarga", "PRIMARY KEY"): ["periode", "id_keluarga"],
    ("keluarga", "FOREIGN KEY"): ["periode"],
    ("individu", "PRIMARY KEY"): ["periode", "id_individu"],
    ("individu", "FOREIGN KEY"): ["periode", "id_keluarga"],
}


@pytest.fixture
def loaded(fresh_database, tmp_path):
    world = build(tmp_path / "world")
    dsn = fresh_database("dtsen")
    return world, dsn, dtsen_db.load(world.dir, dsn)


def test_schema_is_the_contracts(loaded):
    _, dsn, _ = loaded
    with psycopg.connect(dsn) as conn:
        columns = conn.execute(
            """SELECT table_name, column_name, data_type, character_maximum_length, is_nullable
               FROM information_schema.columns WHERE table_schema = 'dtsen'
               ORDER BY table_name, ordinal_position""").fetchall()
        keys = conn.execute(
            """SELECT tc.table_name, tc.constraint_type, array_agg(k.column_name::text ORDER BY k.ordinal_position)
               FROM information_schema.table_constraints tc
               JOIN information_schema.key_column_usage k USING (constraint_schema, constraint_name)
               WHERE tc.table_schema = 'dtsen' AND tc.constraint_type IN ('PRIMARY KEY', 'FOREIGN KEY')
               GROUP BY tc.table_name, tc.constraint_type, tc.constraint_name""").fetchall()
    found: dict[str, list] = {}
    for table, *column in columns:
        found.setdefault(table, []).append(tuple(column))
    assert found == CONTRACT_COLUMNS  # `_person_nik` of the world file is not stored
    assert {(table, kind): cols for table, kind, cols in keys} == CONTRACT_KEYS


def test_load_counts_and_values(loaded):
    world, dsn, counts = loaded
    assert counts == {"periode": 2, "keluarga": 4, "individu": 8}
    with psycopg.connect(dsn) as conn:
        releases = conn.execute("SELECT periode, tgl_rilis::text FROM dtsen.periode ORDER BY 1").fetchall()
        assert releases == [("2026-10", "2026-10-08"), ("2026-11", "2026-11-23")]
        # nulls stay nulls; dirty NIKs are kept as typed
        assert conn.execute("SELECT count(*) FROM dtsen.individu WHERE nik IS NULL").fetchone()[0] == 2
        assert conn.execute("SELECT count(*) FROM dtsen.keluarga WHERE desil IS NULL").fetchone()[0] == 2
        dotted = conn.execute("SELECT DISTINCT nik FROM dtsen.individu WHERE nik LIKE '%.%'").fetchall()
        assert dotted == [("157103.520388.0005",)]
        desil = conn.execute(
            """SELECT k.desil FROM dtsen.individu i JOIN dtsen.keluarga k USING (periode, id_keluarga)
               WHERE i.periode = '2026-10' AND i.nik = %s""", (world.people["alive"],)).fetchone()[0]
        assert desil == 2


def test_reload_replaces_instead_of_appending(loaded):
    world, dsn, counts = loaded
    assert dtsen_db.load(world.dir, dsn) == counts
    with psycopg.connect(dsn) as conn:
        assert conn.execute("SELECT count(*) FROM dtsen.individu").fetchone()[0] == counts["individu"]


def test_readonly_role_reads_but_cannot_write(loaded):
    _, dsn, _ = loaded
    with psycopg.connect(dtsen_db.readonly_dsn(dsn)) as conn:
        assert conn.execute("SELECT current_user").fetchone()[0] == "dinsos_ro"
        assert conn.execute("SELECT count(*) FROM dtsen.individu").fetchone()[0] == 8
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("INSERT INTO dtsen.periode VALUES ('2027-01', '2027-01-05')")
        conn.rollback()
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM dtsen.individu")
        conn.rollback()
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("CREATE TABLE dtsen.extra (x int)")


def test_a_bad_file_fails_without_quoting_the_row_and_keeps_the_old_load(loaded):
    world, dsn, counts = loaded
    secret_nik, secret_name = "1571039999990001", "NAMA RAHASIA"
    write_csv(world.dir / "dtsen_individu.csv", INDIVIDU_HEADER, [
        ["2026-10", 9001, 1001, secret_nik, secret_name, "1990-02-31", 1, 1, None, None, None],
    ])
    with pytest.raises(dtsen_db.DtsenLoadError) as failure:
        dtsen_db.load(world.dir, dsn)
    message = str(failure.value)
    assert "dtsen_individu.csv" in message and "line 2" in message
    assert secret_nik not in message and secret_name not in message and failure.value.__cause__ is None
    with psycopg.connect(dsn) as conn:
        assert conn.execute("SELECT count(*) FROM dtsen.individu").fetchone()[0] == counts["individu"]


def test_keys_of_the_ddl_are_enforced(loaded):
    world, dsn, _ = loaded
    secret_nik = "1571039999990002"
    duplicate = ["2026-10", 5001, 1001, secret_nik, "SAMA", None, 1, 1, None, None, None]
    orphan = ["2026-10", 5009, 4242, None, "YATIM", None, 1, 1, None, None, None]
    for rows in ([duplicate, duplicate], [orphan]):
        write_csv(world.dir / "dtsen_individu.csv", INDIVIDU_HEADER, rows)
        with pytest.raises(dtsen_db.DtsenLoadError) as failure:
            dtsen_db.load(world.dir, dsn)
        assert "dtsen.individu" in str(failure.value) and secret_nik not in str(failure.value)

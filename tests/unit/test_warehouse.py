from datetime import date

from jaring.warehouse import db


def test_migrate_is_idempotent_and_night_replacement_does_not_duplicate(warehouse):
    night = date(2026, 11, 20)
    with db.connect(warehouse) as conn:
        db.migrate(conn)  # second time: nothing fails
        for _ in range(2):
            with db.night_replacement(conn, "recon.figures", night):
                db.copy_rows(conn, "recon.figures", ["night", "figures"], [(night, "{}")])
        count = conn.execute("SELECT count(*) FROM recon.figures").fetchone()[0]
    assert count == 1


def test_night_replacement_removes_only_the_matching_rows_of_that_night(warehouse):
    night, other = date(2026, 11, 20), date(2026, 11, 19)
    columns = ["night", "source", "source_ref", "reason"]
    with db.connect(warehouse) as conn:
        db.copy_rows(conn, "staging.invalid_record", columns, [
            (n, source, f"{source}:1", "r") for n in (night, other) for source in ("rt", "dtsen", "bpjs")])
        conn.commit()
        with db.night_replacement(conn, [("staging.invalid_record", {"source": ["rt", "dtsen"]})], night):
            db.copy_rows(conn, "staging.invalid_record", columns, [(night, "rt", "rt:2", "r")])
        left = conn.execute("SELECT night, source_ref FROM staging.invalid_record ORDER BY 1, 2").fetchall()
    assert left == [(other, "bpjs:1"), (other, "dtsen:1"), (other, "rt:1"), (night, "bpjs:1"), (night, "rt:2")]


def test_jaring_db_connection_is_resolved_through_airflow(warehouse):
    from jaring.config import WAREHOUSE_CONN_ID, postgres_conninfo

    with db.connect(postgres_conninfo(WAREHOUSE_CONN_ID)) as conn:
        assert conn.execute("SELECT current_database()").fetchone()[0].startswith("warehouse_")


PERSON = ["night", "nik", "nama", "nama_key", "status"]


def _persons(conn, night, *niks):
    db.copy_rows(conn, "staging.person", PERSON, [(night, nik, "SITI", "SITI", "HIDUP") for nik in niks])


def _night_rows(conn, table, night):
    return conn.execute(f"SELECT count(*) FROM {table} WHERE night = %s", (night,)).fetchone()[0]


def test_a_night_is_replaced_in_its_own_partition_and_a_failed_replacement_keeps_the_old_one(warehouse):
    night, other = date(2026, 11, 20), date(2026, 11, 19)
    with db.connect(warehouse) as conn:
        for n in (other, night):
            with db.night_replacement(conn, "staging.person", n):
                _persons(conn, n, "1571030000000001", "1571030000000002")
        with db.night_replacement(conn, "staging.person", night):  # a rerun replaces the night
            _persons(conn, night, "1571030000000003")
        try:
            with db.night_replacement(conn, "staging.person", night):
                _persons(conn, night, "1571030000000004")
                raise RuntimeError("the source was rejected")
        except RuntimeError:
            pass
        assert _night_rows(conn, "staging.person_20261120", night) == 1  # night D's own partition
        assert conn.execute("SELECT nik FROM staging.person WHERE night = %s", (night,)).fetchall() == [
            ("1571030000000003",)]
        assert _night_rows(conn, "staging.person", other) == 2
        assert db.partition_nights(conn, "staging.person") == {
            other: "staging.person_20261119", night: "staging.person_20261120"}
        # a query of night D reads its partition alone
        plan = "\n".join(r[0] for r in conn.execute(
            "EXPLAIN SELECT * FROM staging.person WHERE night = %s", (night,)).fetchall())
    assert "person_20261120" in plan and "person_20261119" not in plan and "person_default" not in plan


def test_rows_written_before_their_night_had_a_partition_are_replaced_with_it(warehouse):
    night = date(2026, 11, 20)
    with db.connect(warehouse) as conn:
        _persons(conn, night, "1571030000000001")  # no partition yet: the default one holds it
        assert _night_rows(conn, "staging.person_default", night) == 1
        with db.night_replacement(conn, "staging.person", night):
            _persons(conn, night, "1571030000000002")
        assert _night_rows(conn, "staging.person_default", night) == 0
        assert conn.execute("SELECT nik FROM staging.person_20261120").fetchall() == [("1571030000000002",)]


def test_every_night_keyed_table_a_step_writes_whole_is_partitioned_by_night(warehouse):
    with db.connect(warehouse) as conn:
        partitioned = {name for (name,) in conn.execute(
            "SELECT n.nspname || '.' || c.relname FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid"
            " JOIN pg_namespace n ON n.oid = c.relnamespace")}
        # the raw pages keep the compression migration 0007 gave them
        compression = conn.execute("SELECT attcompression FROM pg_attribute WHERE attname = 'records'"
                                   " AND attrelid = 'raw.bpjs_page'::regclass").fetchone()[0]
    assert partitioned == set(db.NIGHT_PARTITIONED) and compression == "l"


def test_migrating_moves_every_kept_night_into_its_partition(fresh_database, monkeypatch):
    dsn = fresh_database("warehouse_v7")
    every = db.migrations()
    monkeypatch.setattr(db, "migrations", lambda: {v: p for v, p in every.items() if v <= 7})
    nights = [date(2026, 11, 18), date(2026, 11, 19)]
    with db.connect(dsn) as conn:
        assert db.migrate(conn) == 7
        for n in nights:
            _persons(conn, n, "1571030000000001", "1571030000000002")
            db.copy_rows(conn, "raw.bpjs_page", ["night", "listing", "seq", "records"], [(n, "peserta", 1, "[]")])
        conn.commit()
    monkeypatch.undo()
    with db.connect(dsn) as conn:
        assert db.migrate(conn) == db.code_version()
        assert db.partition_nights(conn, "staging.person") == {n: f"staging.person_{n:%Y%m%d}" for n in nights}
        assert [_night_rows(conn, f"staging.person_{n:%Y%m%d}", n) for n in nights] == [2, 2]
        assert conn.execute("SELECT count(*) FROM raw.bpjs_page").fetchone()[0] == 2
        with db.night_replacement(conn, "staging.person", nights[1]):  # and the migrated night is replaceable
            _persons(conn, nights[1], "1571030000000003")
        assert _night_rows(conn, "staging.person", nights[1]) == 1

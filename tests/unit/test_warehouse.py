import uuid
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


def test_the_projects_warehouse_compares_text_by_memcmp_in_code_point_order(warehouse, caplog):
    with db.connect(warehouse) as conn:
        db.migrate(conn)
        assert conn.execute("SELECT datcollate, datctype FROM pg_database WHERE datname = current_database()"
                            ).fetchone() == ("C", "C.UTF-8")
        # the order C.UTF-8 gave (code points), and upper() still knows letters beyond ASCII
        assert conn.execute("SELECT 'Z' < 'a', 'z' < 'é', upper('é')").fetchone() == (True, True, "É")
    assert "collation" not in caplog.text


def test_migrate_warns_when_the_warehouse_sorts_text_by_another_collation(postgres, caplog):
    name = f"warehouse_c_utf8_{uuid.uuid4().hex[:8]}"  # the session's cluster outlives one run of this test
    postgres.execute(f"CREATE DATABASE {name} TEMPLATE template0 LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'")
    with db.connect(postgres.dsn(name)) as conn:
        db.migrate(conn)
    warned = [r for r in caplog.records if r.levelname == "WARNING" and "collation" in r.getMessage()]
    assert len(warned) == 1
    assert "'C.UTF-8'" in warned[0].getMessage() and "LC_COLLATE 'C'" in warned[0].getMessage()


def test_warehouse_sessions_do_not_compile_statements_and_keep_the_options_their_dsn_gives(warehouse, monkeypatch):
    with db.connect(warehouse) as conn:
        assert conn.execute("SHOW jit").fetchone()[0] == "off"
    with db.connect(f"{warehouse}?options=-c%20work_mem%3D7MB") as conn:
        assert conn.execute("SELECT current_setting('jit'), current_setting('work_mem')").fetchone() == ("off", "7MB")
    monkeypatch.setenv("PGOPTIONS", "-c work_mem=9MB")
    with db.connect(warehouse) as conn:
        assert conn.execute("SELECT current_setting('jit'), current_setting('work_mem')").fetchone() == ("off", "9MB")

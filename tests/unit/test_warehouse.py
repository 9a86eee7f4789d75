from datetime import date

from jaring.warehouse import db


def test_migrate_is_idempotent_and_night_replacement_does_not_duplicate(warehouse):
    with db.connect(warehouse) as conn:
        db.migrate(conn)  # second time: nothing fails
        for _ in range(2):
            with db.night_replacement(conn, "ops.step_run", date(2026, 11, 20)):
                db.copy_rows(
                    conn, "ops.step_run", ["night", "step", "status", "started_at"],
                    [(date(2026, 11, 20), "ingest_dukcapil", "success", "2026-11-21T01:00:00+07:00")],
                )
        count = conn.execute("SELECT count(*) FROM ops.step_run").fetchone()[0]
    assert count == 1


def test_jaring_db_connection_is_resolved_through_airflow(warehouse):
    from jaring.config import WAREHOUSE_CONN_ID, postgres_conninfo

    with db.connect(postgres_conninfo(WAREHOUSE_CONN_ID)) as conn:
        assert conn.execute("SELECT current_database()").fetchone()[0].startswith("warehouse_")

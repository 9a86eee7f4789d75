"""The local PostgreSQL bootstrap starts, is idempotent, and stops."""

from __future__ import annotations

import psycopg

from jaring_dev.postgres import LocalPostgres


def test_start_is_idempotent_and_stop_stops(server_tmp):
    cluster = LocalPostgres(server_tmp / "pg")
    cluster.start()
    port = cluster.port
    cluster.start()  # already running: left as is
    assert cluster.port == port and cluster.is_running()
    cluster.ensure_database("jaring")
    cluster.ensure_database("jaring")  # no "already exists"
    with psycopg.connect(cluster.dsn("jaring")) as conn:
        assert conn.execute("SELECT current_setting('TimeZone')").fetchone()[0] == "Asia/Jakarta"
    cluster.stop()
    assert not cluster.is_running()
    cluster.start()  # restarts on the same port with the same data
    assert cluster.port == port
    with psycopg.connect(cluster.dsn("postgres")) as conn:
        assert conn.execute("SELECT 1 FROM pg_database WHERE datname = 'jaring'").fetchone()
    cluster.destroy()
    assert not (server_tmp / "pg").exists()

"""Nights under the real Airflow scheduler (LocalExecutor, API server, DAG processor as processes).

`jaring backfill` of two nights creates exactly those two nights, delivers nothing, and writes the
same findings.csv as `jaring night` of the same nights.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import psycopg
import pytest

from jaring import pipeline
from jaring.nights import WIB
from jaring_dev import processes
from jaring_dev.postgres import free_port

ROOT = Path(__file__).resolve().parents[2]
COMPONENTS = ("api-server", "scheduler", "dag-processor")


def _airflow() -> str:
    return str(Path(sys.executable).with_name("airflow"))


@pytest.fixture(scope="module")
def scheduler(hub, postgres, tmp_path_factory):
    """The Airflow components on loopback, pointed at the e2e hub; yields (env, metadata DSN)."""
    home = tmp_path_factory.mktemp("airflow_sched")
    postgres.ensure_database("e2e_sched_meta")
    port = free_port()
    env = {
        **os.environ, **hub.env,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__CORE__DEFAULT_TIMEZONE": "Asia/Jakarta",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": postgres.dsn("e2e_sched_meta").replace(
            "postgresql://", "postgresql+psycopg2://"),
        "AIRFLOW__API_AUTH__JWT_SECRET": "e2e-scheduler-secret",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        # no scheduled night is due yet: the runs of this test are the backfill's alone
        "JARING_FIRST_NIGHT": datetime.now(WIB).date().isoformat(),
    }
    migrated = subprocess.run([_airflow(), "db", "migrate"], env=env, capture_output=True, text=True, timeout=600)
    assert migrated.returncode == 0, migrated.stderr[-2000:]
    run_dir = home / "run"
    run_dir.mkdir()
    commands = {"api-server": [_airflow(), "api-server", "--host", "127.0.0.1", "--port", str(port)],
                "scheduler": [_airflow(), "scheduler", "--skip-serve-logs"], "dag-processor": [_airflow(), "dag-processor"]}
    for name in COMPONENTS:
        processes.start(name, commands[name], run_dir, env)
    try:
        processes.wait_for_port(port, 180, "the Airflow API server", run_dir / "api-server.log")
        meta = postgres.dsn("e2e_sched_meta")
        _wait(lambda: _one(meta, "SELECT count(*) FROM dag WHERE dag_id = %s", pipeline.DAG_ID), 180,
              "the DAG processor to parse jaring_nightly", run_dir)
        # Airflow runs no task of a paused DAG, backfills included (a deployment's DAG is unpaused)
        unpaused = subprocess.run([_airflow(), "dags", "unpause", pipeline.DAG_ID], env=env, capture_output=True,
                                  text=True, timeout=120)
        assert unpaused.returncode == 0, unpaused.stderr[-2000:]
        yield env, meta, run_dir
    finally:
        for name in COMPONENTS:
            processes.stop(name, run_dir)


def _one(dsn: str, sql: str, *params):
    with psycopg.connect(dsn) as conn:
        return conn.execute(sql, params).fetchone()[0]


def _wait(ready, timeout: float, what: str, run_dir: Path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = ready()
        if value:
            return value
        time.sleep(2)
    logs = "\n".join(f"--- {p.name}\n{p.read_text()[-1500:]}" for p in sorted(run_dir.glob("*.log")))
    raise AssertionError(f"timed out waiting for {what}\n{logs}")


def test_backfill_runs_the_nights_it_names_without_delivering_and_matches_jaring_night(scheduler, hub):
    env, meta, run_dir = scheduler
    first, last = hub.nights[0], hub.nights[1]
    mails_before = len(list(hub.maildir.rglob("*"))) if hub.maildir.exists() else 0

    created = subprocess.run([sys.executable, "-m", "jaring.cli", "backfill", "--from", first.isoformat(),
                              "--to", last.isoformat()], env=env, capture_output=True, text=True, timeout=300)
    assert created.returncode == 0, created.stdout[-2000:] + created.stderr[-2000:]

    def finished():
        with psycopg.connect(meta) as conn:
            states = conn.execute("SELECT state FROM dag_run WHERE dag_id = %s AND run_type = 'backfill'",
                                  (pipeline.DAG_ID,)).fetchall()
        return len(states) == 2 and all(s in ("success", "failed") for (s,) in states)

    _wait(finished, 900, "the backfill's two nights", run_dir)
    with psycopg.connect(meta) as conn:
        nights = sorted(conn.execute("SELECT value FROM xcom WHERE dag_id = %s AND task_id = 'night'",
                                     (pipeline.DAG_ID,)).fetchall())
        states = dict(conn.execute("SELECT task_id || ':' || run_id, state FROM task_instance WHERE dag_id = %s",
                                   (pipeline.DAG_ID,)).fetchall())
    # exactly the nights named, inclusive of the last one
    assert [v for (v,) in nights] == [first.isoformat(), last.isoformat()]  # jsonb, decoded by psycopg
    delivery = {k: v for k, v in states.items() if k.split(":")[0] in pipeline.DELIVERY_STEPS}
    assert delivery and set(delivery.values()) == {"skipped"}, states
    assert {v for k, v in states.items() if k not in delivery} == {"success"}, states
    assert (len(list(hub.maildir.rglob("*"))) if hub.maildir.exists() else 0) == mails_before  # nothing mailed

    backfilled = {d: (hub.outbox / d.isoformat() / "findings.csv").read_bytes() for d in (first, last)}
    for d in (first, last):
        pipeline.run_night(d, only=[s for s in pipeline.STEPS if s not in pipeline.DELIVERY_STEPS])
        assert (hub.outbox / d.isoformat() / "findings.csv").read_bytes() == backfilled[d], d

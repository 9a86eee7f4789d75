"""Airflow under CeleryExecutor as processes on loopback: Redis, the API server, the scheduler, the DAG
processor and named Celery workers (one task at a time each). Used by `test_celery.py` and by the
workers benchmark (`tests/benchmark/celery_workers.py`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import psycopg
from scheduler_stack import airflow_env, wait

from jaring import pipeline
from jaring.nights import WIB
from jaring_dev import airflow_local, processes
from jaring_dev.postgres import free_port
from jaring_dev.redis_local import LocalRedis
from jaring_dev.stack import CELERY_WORKERS, celery_env, fernet_key

ROOT = Path(__file__).resolve().parents[2]
UI_PASSWORD = "e2e-celery-ui-password"


def airflow_bin() -> str:
    return str(Path(sys.executable).with_name("airflow"))


def rows(dsn: str, sql: str, *params) -> list[tuple]:
    with psycopg.connect(dsn) as conn:
        return conn.execute(sql, params).fetchall()


@contextmanager
def celery_airflow(hub, postgres, home: Path, name: str, workers: tuple[str, ...] = CELERY_WORKERS):
    """Redis, the API server, scheduler, DAG processor and the named workers (one task at a time each),
    pointed at the e2e hub's agencies with a warehouse and outbox of their own (the nights other tests
    compute stay theirs); yields (env, metadata DSN, run dir)."""
    from jaring.warehouse import db

    run_dir = home / "run"
    redis = LocalRedis(home / "redis")
    for database in (f"{name}_meta", f"{name}_warehouse"):
        postgres.ensure_database(database)
    with db.connect(postgres.dsn(f"{name}_warehouse")) as conn:
        db.migrate(conn)
    metadata_conn = postgres.dsn(f"{name}_meta").replace("postgresql://", "postgresql+psycopg2://")
    port = free_port()
    env = {
        **os.environ, **hub.env,
        **airflow_env(home, port, postgres.dsn(f"{name}_meta"), UI_PASSWORD),
        "AIRFLOW_CONN_JARING_DB": postgres.dsn(f"{name}_warehouse"),
        "JARING_OUTBOX": str(home / "outbox"),
        "AIRFLOW__CORE__FERNET_KEY": fernet_key(),
        # no scheduled night is due yet: the run of this test is the only one
        "JARING_FIRST_NIGHT": datetime.now(WIB).date().isoformat(),
        **celery_env(redis.url(), metadata_conn),
    }
    migrated = subprocess.run([airflow_bin(), "db", "migrate"], env=env, capture_output=True, text=True, timeout=600)
    assert migrated.returncode == 0, migrated.stderr[-2000:]
    commands = {
        "api-server": [airflow_bin(), "api-server", "--host", "127.0.0.1", "--port", str(port)],
        "scheduler": [airflow_bin(), "scheduler", "--skip-serve-logs"],
        "dag-processor": [airflow_bin(), "dag-processor"],
        # one task at a time each: the four parallel ingest tasks cannot all go to one worker
        **{name: airflow_local.worker_command(name, concurrency=1) for name in workers},
    }
    try:
        redis.start()
        for process, argv in commands.items():
            processes.start(process, argv, run_dir, env)
        processes.wait_for_port(port, 180, "the Airflow API server", run_dir / "api-server.log")
        airflow_local.wait_for_workers(env["AIRFLOW__CELERY__BROKER_URL"], workers, 180, run_dir)
        meta = postgres.dsn(f"{name}_meta")
        wait(lambda: rows(meta, "SELECT 1 FROM dag WHERE dag_id = %s", pipeline.DAG_ID), 180,
              "the DAG processor to parse jaring_nightly", run_dir)
        unpaused = subprocess.run([airflow_bin(), "dags", "unpause", pipeline.DAG_ID], env=env, capture_output=True,
                                  text=True, timeout=120)
        assert unpaused.returncode == 0, unpaused.stderr[-2000:]
        yield env, meta, run_dir
    finally:
        processes.stop_all(list(commands), run_dir)
        redis.stop()




def trigger_and_wait(stack, conf: dict, run_id: str, timeout: float = 900) -> None:
    """Trigger a run of the nightly DAG with `conf` and wait until it is done."""
    env, meta, run_dir = stack
    triggered = subprocess.run([airflow_bin(), "dags", "trigger", pipeline.DAG_ID, "--run-id", run_id,
                                "--conf", json.dumps(conf)], env=env, capture_output=True, text=True, timeout=120)
    assert triggered.returncode == 0, triggered.stdout[-2000:] + triggered.stderr[-2000:]

    def finished():
        found = rows(meta, "SELECT state FROM dag_run WHERE run_id = %s", run_id)
        return found and found[0][0] in ("success", "failed")

    wait(finished, timeout, f"the Celery run {run_id}", run_dir)


# a task instance's name: a mapped task's instances are `<task>[<map index>]`
TASK_NAME = "ti.task_id || CASE WHEN ti.map_index >= 0 THEN '[' || ti.map_index || ']' ELSE '' END"


def tasks_of_run(meta: str, run_id: str) -> list[tuple[str, str, float | None]]:
    """(task, state, seconds) of every task instance of the run, in the order they started."""
    return rows(meta, f"SELECT {TASK_NAME}, ti.state, ti.duration FROM task_instance ti WHERE ti.run_id = %s "
                      "ORDER BY ti.start_date", run_id)


def workers_of_tasks(meta: str, run_id: str) -> dict[str, str]:
    """Which Celery worker ran each task instance of the run (`celery_taskmeta.worker`, from result_extended)."""
    return dict(rows(meta, f"""
        SELECT {TASK_NAME}, tm.worker FROM task_instance ti
        JOIN celery_taskmeta tm ON tm.task_id = ti.external_executor_id
        WHERE ti.run_id = %s AND tm.status = 'SUCCESS'""", run_id))

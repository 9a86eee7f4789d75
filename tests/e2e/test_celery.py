"""A night under CeleryExecutor: Redis, the scheduler and two Celery workers as processes on loopback.

Every task of the night succeeds, its tasks ran on both workers, and findings.csv is byte-identical to
`jaring night --date D` of the same night. Which worker ran a task is Celery's own record: the task
instance's `external_executor_id` is its Celery task id, and the result backend (in the metadata database)
keeps the hostname of the worker that ran it (`celery_taskmeta.worker`, result_extended). Both workers run
on this machine, so `task_instance.hostname` is the same for both and proves nothing.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

import psycopg
import pytest

from jaring import pipeline
from jaring.nights import WIB
from jaring_dev import airflow_local, processes
from jaring_dev.postgres import free_port
from jaring_dev.redis_local import LocalRedis, RedisNotFound, find_server
from jaring_dev.stack import CELERY_WORKERS, celery_env, fernet_key

ROOT = Path(__file__).resolve().parents[2]
UI_PASSWORD = "e2e-celery-ui-password"


def _airflow() -> str:
    return str(Path(sys.executable).with_name("airflow"))


def _rows(dsn: str, sql: str, *params) -> list[tuple]:
    with psycopg.connect(dsn) as conn:
        return conn.execute(sql, params).fetchall()


def _wait(ready, timeout: float, what: str, run_dir: Path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = ready()
        if value:
            return value
        time.sleep(2)
    logs = "\n".join(f"--- {p.name}\n{p.read_text()[-1500:]}" for p in sorted(run_dir.glob("*.log")))
    raise AssertionError(f"timed out waiting for {what}\n{logs}")


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
    passwords = home / "passwords.json"
    passwords.write_text(json.dumps({"admin": UI_PASSWORD}))
    passwords.chmod(0o600)
    env = {
        **os.environ, **hub.env,
        "AIRFLOW_CONN_JARING_DB": postgres.dsn(f"{name}_warehouse"),
        "JARING_OUTBOX": str(home / "outbox"),
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DEFAULT_TIMEZONE": "Asia/Jakarta",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata_conn,
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_hex(16),
        "AIRFLOW__CORE__FERNET_KEY": fernet_key(),
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
        # the run_note task writes the run's note through the API server
        "AIRFLOW_CONN_AIRFLOW_API": json.dumps({"conn_type": "http", "host": "127.0.0.1", "port": port,
                                                "schema": "http", "login": "admin", "password": UI_PASSWORD}),
        # no scheduled night is due yet: the run of this test is the only one
        "JARING_FIRST_NIGHT": datetime.now(WIB).date().isoformat(),
        **celery_env(redis.url(), metadata_conn),
    }
    migrated = subprocess.run([_airflow(), "db", "migrate"], env=env, capture_output=True, text=True, timeout=600)
    assert migrated.returncode == 0, migrated.stderr[-2000:]
    commands = {
        "api-server": [_airflow(), "api-server", "--host", "127.0.0.1", "--port", str(port)],
        "scheduler": [_airflow(), "scheduler", "--skip-serve-logs"],
        "dag-processor": [_airflow(), "dag-processor"],
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
        _wait(lambda: _rows(meta, "SELECT 1 FROM dag WHERE dag_id = %s", pipeline.DAG_ID), 180,
              "the DAG processor to parse jaring_nightly", run_dir)
        unpaused = subprocess.run([_airflow(), "dags", "unpause", pipeline.DAG_ID], env=env, capture_output=True,
                                  text=True, timeout=120)
        assert unpaused.returncode == 0, unpaused.stderr[-2000:]
        yield env, meta, run_dir
    finally:
        processes.stop_all(list(commands), run_dir)
        redis.stop()


@pytest.fixture(scope="module")
def celery_stack(hub, postgres, tmp_path_factory):
    try:
        find_server()
    except RedisNotFound as missing:
        pytest.skip(str(missing))
    with celery_airflow(hub, postgres, tmp_path_factory.mktemp("airflow_celery"), "e2e_celery") as stack:
        yield stack


def run_night(stack, night: date, run_id: str) -> None:
    """Trigger night D (delivering) and wait until its run is done."""
    env, meta, run_dir = stack
    triggered = subprocess.run([_airflow(), "dags", "trigger", pipeline.DAG_ID, "--run-id", run_id,
                                "--conf", json.dumps({"night": night.isoformat()})],
                               env=env, capture_output=True, text=True, timeout=120)
    assert triggered.returncode == 0, triggered.stdout[-2000:] + triggered.stderr[-2000:]

    def finished():
        rows = _rows(meta, "SELECT state FROM dag_run WHERE run_id = %s", run_id)
        return rows and rows[0][0] in ("success", "failed")

    _wait(finished, 900, f"the Celery run of night {night}", run_dir)


def test_a_night_on_two_celery_workers_succeeds_everywhere_and_matches_jaring_night(celery_stack, hub):
    env, meta, _ = celery_stack
    night = hub.nights[0]
    run_id = f"celery-{night.isoformat()}"
    run_night(celery_stack, night, run_id)
    states = dict(_rows(meta, "SELECT task_id, state FROM task_instance WHERE run_id = %s", run_id))
    assert {"night", *pipeline.STEPS} <= set(states), states
    assert set(states.values()) == {"success"}, states

    def workers_of_tasks():
        return dict(_rows(meta, """
            SELECT ti.task_id, tm.worker FROM task_instance ti
            JOIN celery_taskmeta tm ON tm.task_id = ti.external_executor_id
            WHERE ti.run_id = %s AND tm.status = 'SUCCESS'""", run_id))

    # a worker stores Celery's result after the task told Airflow it succeeded: the run can be green first
    _wait(lambda: set(workers_of_tasks()) == set(states), 60, "Celery's record of every task's worker", celery_stack[2])
    ran_on = workers_of_tasks()
    assert {worker.split("@")[0] for worker in ran_on.values()} == set(CELERY_WORKERS), ran_on

    findings = Path(env["JARING_OUTBOX"]) / night.isoformat() / "findings.csv"
    on_celery = findings.read_bytes()
    by_cli = subprocess.run([sys.executable, "-m", "jaring.cli", "night", "--date", night.isoformat(), "--no-deliver"],
                            env=env, capture_output=True, text=True, timeout=600)
    assert by_cli.returncode == 0, by_cli.stdout[-2000:] + by_cli.stderr[-2000:]
    assert findings.read_bytes() == on_celery

"""The Airflow stack of the scheduler tests: API server, scheduler, DAG processor and triggerer as processes
(LocalExecutor) on loopback, pointed at the e2e hub, with the outbox served over HTTP; and what the tests
read from it (runs, notes, the mail sink's alerts).
"""

from __future__ import annotations

import functools
import json
import os
import secrets
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from datetime import time as dtime
from email import message_from_bytes, policy
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psycopg
import pytest

from jaring import pipeline
from jaring.nights import WIB
from jaring_dev import processes
from jaring_dev.postgres import free_port
from jaring_dev.stack import EXECUTORS

ROOT = Path(__file__).resolve().parents[2]
COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer")
UI_PASSWORD = "e2e-ui-password"
DEADLINE_MINUTES = 0.25  # every run here takes longer: each one overruns its deadline
FIRST_NIGHT = datetime.now(WIB).date() - timedelta(days=2)


def nights_owed(now: datetime) -> list:
    """The nights from FIRST_NIGHT whose day has closed by `now`: night D is due at D+1 02:00 WIB."""
    owed, night = [], FIRST_NIGHT
    while datetime.combine(night + timedelta(days=1), dtime(2, 0), tzinfo=WIB) <= now:
        owed.append(night)
        night += timedelta(days=1)
    return owed


def _airflow() -> str:
    return str(Path(sys.executable).with_name("airflow"))


def airflow_env(home: Path, port: int, metadata_dsn: str, ui_password: str) -> dict[str, str]:
    """What every component of an e2e Airflow is told: its home and DAGs, the metadata database, the API
    server on loopback `port`, a quick scheduler loop, the admin's login (written to `home`), and the
    connection the run_note task writes the run's note through."""
    passwords = home / "passwords.json"
    passwords.write_text(json.dumps({"admin": ui_password}))
    passwords.chmod(0o600)
    return {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DEFAULT_TIMEZONE": "Asia/Jakarta",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata_dsn.replace("postgresql://", "postgresql+psycopg2://"),
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_hex(16),
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
        "AIRFLOW_CONN_AIRFLOW_API": json.dumps({"conn_type": "http", "host": "127.0.0.1", "port": port,
                                                "schema": "http", "login": "admin", "password": ui_password}),
    }


@pytest.fixture(scope="package")
def outbox_url(hub):
    """The outbox served read-only over HTTP on loopback, as the compose file's `outbox` service does."""
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(hub.outbox))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="package")
def scheduler(hub, postgres, outbox_url, tmp_path_factory):
    """The Airflow components on loopback, pointed at the e2e hub; yields (env, metadata DSN, run dir)."""
    home = tmp_path_factory.mktemp("airflow_sched")
    postgres.ensure_database("e2e_sched_meta")
    port = free_port()
    env = {
        **os.environ, **hub.env,
        **airflow_env(home, port, postgres.dsn("e2e_sched_meta"), UI_PASSWORD),
        "AIRFLOW__CORE__EXECUTOR": EXECUTORS["local"],
        "AIRFLOW__CORE__PARALLELISM": "4",
        "JARING_OUTBOX_URL": outbox_url,
        "JARING_DEADLINE_MINUTES": str(DEADLINE_MINUTES),
        # the deployment went live two nights ago and was down since: the scheduler owes those nights
        "JARING_FIRST_NIGHT": FIRST_NIGHT.isoformat(),
    }
    migrated = subprocess.run([_airflow(), "db", "migrate"], env=env, capture_output=True, text=True, timeout=600)
    assert migrated.returncode == 0, migrated.stderr[-2000:]
    run_dir = home / "run"
    run_dir.mkdir()
    commands = {"api-server": [_airflow(), "api-server", "--host", "127.0.0.1", "--port", str(port)],
                "scheduler": [_airflow(), "scheduler", "--skip-serve-logs"], "dag-processor": [_airflow(), "dag-processor"],
                "triggerer": [_airflow(), "triggerer", "--skip-serve-logs"]}
    for name in COMPONENTS:
        processes.start(name, commands[name], run_dir, env)
    try:
        processes.wait_for_port(port, 180, "the Airflow API server", run_dir / "api-server.log")
        meta = postgres.dsn("e2e_sched_meta")
        wait(lambda: one(meta, "SELECT count(*) FROM dag WHERE dag_id = %s", pipeline.DAG_ID), 180,
              "the DAG processor to parse jaring_nightly", run_dir)
        # Airflow runs no task of a paused DAG, backfills included (a deployment's DAG is unpaused)
        unpaused = subprocess.run([_airflow(), "dags", "unpause", pipeline.DAG_ID], env=env, capture_output=True,
                                  text=True, timeout=120)
        assert unpaused.returncode == 0, unpaused.stderr[-2000:]
        yield env, meta, run_dir, f"http://127.0.0.1:{port}"
    finally:
        processes.stop_all(COMPONENTS, run_dir)


def one(dsn: str, sql: str, *params):
    with psycopg.connect(dsn) as conn:
        return conn.execute(sql, params).fetchone()[0]


def wait(ready, timeout: float, what: str, run_dir: Path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = ready()
        if value:
            return value
        time.sleep(2)
    logs = "\n".join(f"--- {p.name}\n{p.read_text()[-1500:]}" for p in sorted(run_dir.glob("*.log")))
    raise AssertionError(f"timed out waiting for {what}\n{logs}")


def mails(maildir: Path) -> list:
    return [message_from_bytes(p.read_bytes(), policy=policy.default) for p in sorted(maildir.glob("*.eml"))]


def alerts(maildir: Path, about: str) -> list:
    """The engineers' alerts whose subject says `about`."""
    return [m for m in mails(maildir) if is_alert(m) and about in m["Subject"]]


def is_alert(message) -> bool:
    """An alert to the engineers ("[Jaring] jaring_nightly: …"), not an office's report."""
    return message["Subject"].startswith(f"[Jaring] {pipeline.DAG_ID}:")


def run_notes(meta: str) -> dict[str, str]:
    with psycopg.connect(meta) as conn:
        return dict(conn.execute("SELECT dr.run_id, n.content FROM dag_run dr JOIN dag_run_note n "
                                 "ON n.dag_run_id = dr.id WHERE dr.dag_id = %s", (pipeline.DAG_ID,)).fetchall())


def night_outputs(folder) -> dict[str, bytes]:
    """Every file a night writes: findings, resolved, summary, each audience's workbook, report and summary
    (the Data Docs aside: Great Expectations stamps its own run times)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.relative_to(folder).parts[0] != "datadocs"}


def runs_under_way(meta: str) -> int:
    """Runs of the DAG not yet ended (the catch-up nights the stack started with, say)."""
    return one(meta, "SELECT count(*) FROM dag_run WHERE dag_id = %s AND state NOT IN ('success', 'failed')",
               pipeline.DAG_ID)

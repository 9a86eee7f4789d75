"""Airflow on the local stack: its metadata database, its four components and, under CeleryExecutor, a Redis
broker and two Celery workers."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from jaring_dev import processes
from jaring_dev.stack import AIRFLOW_COMPONENTS, CELERY_WORKERS, EXECUTORS, Stack


def _airflow() -> str:
    beside_python = Path(sys.executable).with_name("airflow")
    return str(beside_python) if beside_python.exists() else (shutil.which("airflow") or "airflow")


def ensure_login(stack: Stack) -> tuple[str, str]:
    """The UI login (SimpleAuthManager, development only): admin with a generated password."""
    path = Path(stack.environment()["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"])
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(json.dumps({"admin": secrets.token_urlsafe(12)}))
    path.chmod(0o600)  # the UI's password
    return "admin", json.loads(path.read_text())["admin"]


def migrate(stack: Stack) -> None:
    """`airflow db migrate` against the local PostgreSQL; idempotent."""
    ensure_login(stack)
    env = {**os.environ, **stack.environment()}
    result = subprocess.run([_airflow(), "db", "migrate"], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"airflow db migrate failed:\n{result.stderr[-3000:]}")


def worker_command(name: str, concurrency: int = 2) -> list[str]:
    """One Celery worker, `name@<host>`; logs are read from the shared local folder (no log server)."""
    return [_airflow(), "celery", "worker", "--celery-hostname", f"{name}@%h",
            "--concurrency", str(concurrency), "--skip-serve-logs"]


def wait_for_workers(broker_url: str, names: tuple[str, ...], timeout: float, run_dir: Path) -> None:
    """Until every named worker answers a Celery ping through the broker."""
    from celery import Celery

    wanted = {f"{name}@{socket.gethostname()}" for name in names}
    app = Celery(broker=broker_url)
    answered: set[str] = set()
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            answered = {host for reply in app.control.ping(timeout=1.0) for host in reply}
            if wanted <= answered:
                return
            time.sleep(1)
    finally:
        app.close()
    logs = ", ".join(str(run_dir / f"{name}.log") for name in sorted(wanted - answered))
    raise RuntimeError(f"Celery workers {sorted(wanted - answered)} did not answer within {timeout:.0f} s; see {logs}")


def _claim_executor(stack: Stack) -> None:
    """Components already running under another executor would keep it: stop them first."""
    marker = stack.run_dir / "executor"
    running = marker.read_text() if marker.exists() else None
    if running and running != stack.executor and processes.read_pid(stack.run_dir / "scheduler.pid"):
        raise RuntimeError(f"Airflow runs with the {running} executor: `make airflow-stop` first")
    stack.run_dir.mkdir(parents=True, exist_ok=True)
    marker.write_text(stack.executor)


def start(stack: Stack) -> str:
    """Start the API server, scheduler, DAG processor and triggerer (and under CeleryExecutor the Redis broker
    and two workers); returns the UI address."""
    _claim_executor(stack)
    celery = EXECUTORS[stack.executor] == "CeleryExecutor"
    if celery:
        stack.redis.start()
    migrate(stack)
    env = stack.environment()
    port = int(env["AIRFLOW__API__PORT"])
    user, password = ensure_login(stack)
    # the run_note task writes each run's note through the API server, as the UI's admin
    env["AIRFLOW_CONN_AIRFLOW_API"] = json.dumps({"conn_type": "http", "host": "127.0.0.1", "port": port,
                                                  "schema": "http", "login": user, "password": password})
    commands = {
        "api-server": [_airflow(), "api-server", "--host", "127.0.0.1", "--port", str(port)],
        # logs are read from the shared local folder: no log server listening on every interface
        "scheduler": [_airflow(), "scheduler", "--skip-serve-logs"],
        "dag-processor": [_airflow(), "dag-processor"],
        "triggerer": [_airflow(), "triggerer", "--skip-serve-logs"],
    }
    for name in AIRFLOW_COMPONENTS:
        processes.start(name, commands[name], stack.run_dir, env)
    if celery:
        for name in CELERY_WORKERS:
            processes.start(name, worker_command(name), stack.run_dir, env)
    outbox = Path(env["JARING_OUTBOX"])
    outbox.mkdir(parents=True, exist_ok=True)
    processes.start("outbox-http", [
        sys.executable, "-m", "http.server", "--bind", "127.0.0.1", "--directory", str(outbox),
        env["JARING_OUTBOX_URL"].rsplit(":", 1)[1],
    ], stack.run_dir)
    processes.wait_for_port(port, 180, "the Airflow API server", stack.run_dir / "api-server.log")
    if celery:
        wait_for_workers(env["AIRFLOW__CELERY__BROKER_URL"], CELERY_WORKERS, 180, stack.run_dir)
    return f"http://127.0.0.1:{port}"

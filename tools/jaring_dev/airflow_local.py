"""Airflow on the local stack: its metadata database and its four components."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

from jaring_dev import processes
from jaring_dev.stack import AIRFLOW_COMPONENTS, Stack


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


def start(stack: Stack) -> str:
    """Start the API server, scheduler, DAG processor and triggerer; returns the UI address."""
    migrate(stack)
    env = stack.environment()
    port = int(env["AIRFLOW__API__PORT"])
    commands = {
        "api-server": [_airflow(), "api-server", "--host", "127.0.0.1", "--port", str(port)],
        # logs are read from the shared local folder: no log server listening on every interface
        "scheduler": [_airflow(), "scheduler", "--skip-serve-logs"],
        "dag-processor": [_airflow(), "dag-processor"],
        "triggerer": [_airflow(), "triggerer", "--skip-serve-logs"],
    }
    for name in AIRFLOW_COMPONENTS:
        processes.start(name, commands[name], stack.run_dir, env)
    outbox = Path(env["JARING_OUTBOX"])
    outbox.mkdir(parents=True, exist_ok=True)
    processes.start("outbox-http", [
        sys.executable, "-m", "http.server", "--bind", "127.0.0.1", "--directory", str(outbox),
        env["JARING_OUTBOX_URL"].rsplit(":", 1)[1],
    ], stack.run_dir)
    processes.wait_for_port(port, 180, "the Airflow API server", stack.run_dir / "api-server.log")
    return f"http://127.0.0.1:{port}"

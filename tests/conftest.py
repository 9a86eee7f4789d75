"""Shared fixtures: a real PostgreSQL cluster for the whole test session.

Each test that asks for `warehouse` gets a fresh, migrated database of its
own, and `AIRFLOW_CONN_JARING_DB` pointing at it.
"""

from __future__ import annotations

import itertools
import os
import tempfile
from pathlib import Path

import pytest

_SESSION_TMP = Path(tempfile.mkdtemp(prefix="jaring-tests-"))
_SESSION_TMP.chmod(0o755)  # the server runs as `postgres` when we are root
os.environ.setdefault("AIRFLOW_HOME", str(_SESSION_TMP / "airflow"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")

_database_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def postgres():
    """A throw-away PostgreSQL 15 cluster, started once per test session."""
    from jaring_dev.postgres import LocalPostgres

    cluster = LocalPostgres(_SESSION_TMP / "pg")
    cluster.start()
    # every role needs its password; a tool that builds its own DSN without one (the simulated DTSEN's
    # read-only DSN) finds it in the cluster's password file, as libpq does with PGPASSFILE
    os.environ["PGPASSFILE"] = str(cluster.passfile)
    yield cluster
    cluster.destroy()


@pytest.fixture
def fresh_database(postgres):
    """Factory: a new empty database on the session cluster; returns its DSN."""

    def make(prefix: str = "db") -> str:
        name = f"{prefix}_{next(_database_numbers)}"
        postgres.ensure_database(name)
        return postgres.dsn(name)

    return make


@pytest.fixture
def warehouse(fresh_database, monkeypatch):
    """A fresh migrated warehouse; `jaring_db` points at it. Yields its DSN."""
    from jaring.warehouse import db

    dsn = fresh_database("warehouse")
    monkeypatch.setenv("AIRFLOW_CONN_JARING_DB", dsn)
    with db.connect(dsn) as conn:
        db.migrate(conn)
    return dsn


@pytest.fixture
def server_tmp(tmp_path):
    """A temp folder the `postgres` system user can reach (pytest's own are 0700)."""
    path = Path(tempfile.mkdtemp(dir=_SESSION_TMP))
    path.chmod(0o755)
    return path


@pytest.fixture(autouse=True)
def _restore_umask():
    """A step sets the product's umask (0o027) for its process; each test starts from the usual one."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)

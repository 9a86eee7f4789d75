"""A local PostgreSQL cluster for development and tests.

The project starts its own server from the machine's PostgreSQL binaries,
under a folder it owns, on a free loopback port. PostgreSQL refuses to run
as root, so when we are root the server runs as the `postgres` system user
(created if missing).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

SUPERUSER = "jaring"


class PostgresNotFound(RuntimeError):
    pass


def find_bin_dir() -> Path:
    """Where initdb and pg_ctl live: on the PATH or under /usr/lib/postgresql/*/bin."""
    on_path = shutil.which("initdb")
    if on_path:
        return Path(os.path.realpath(on_path)).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if candidates:
        return Path(candidates[0]).parent
    raise PostgresNotFound(
        "PostgreSQL server binaries (initdb, pg_ctl) not found on the PATH nor under "
        "/usr/lib/postgresql/*/bin. Install the Debian package `postgresql` "
        "(apt-get install postgresql) and run again."
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run_as() -> list[str]:
    """Prefix that runs a command as an unprivileged user when we are root."""
    if os.geteuid() != 0:
        return []
    if subprocess.run(["id", "-u", "postgres"], capture_output=True).returncode != 0:
        subprocess.run(["useradd", "--system", "--no-create-home", "postgres"], check=True)
    return ["runuser", "-u", "postgres", "--"]


def _chown_for_server(path: Path) -> None:
    if os.geteuid() == 0:
        shutil.chown(path, "postgres")


@dataclass
class LocalPostgres:
    """A cluster under `root`: data in root/data, its port in root/port."""

    root: Path

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def port_file(self) -> Path:
        return self.root / "port"

    @property
    def log_file(self) -> Path:
        return self.root / "server.log"

    @property
    def port(self) -> int:
        return int(self.port_file.read_text())

    def dsn(self, dbname: str = "postgres", user: str = SUPERUSER) -> str:
        return f"postgresql://{user}@127.0.0.1:{self.port}/{dbname}"

    def _pg(self, name: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [*_run_as(), str(find_bin_dir() / name), *args]
        return subprocess.run(cmd, capture_output=True, text=True, check=check)

    def is_initialised(self) -> bool:
        return (self.data_dir / "PG_VERSION").exists()

    def is_running(self) -> bool:
        if not self.is_initialised():
            return False
        return self._pg("pg_ctl", "status", "-D", str(self.data_dir), check=False).returncode == 0

    def init(self) -> None:
        if self.is_initialised():
            return
        self.root.mkdir(parents=True, exist_ok=True)
        _chown_for_server(self.root)
        result = self._pg(
            "initdb", "-D", str(self.data_dir), "-U", SUPERUSER, "--auth=trust",
            "--encoding=UTF8", "--locale=C.UTF-8", check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"initdb failed for {self.data_dir}:\n{result.stderr}")

    def start(self, port: int | None = None) -> None:
        """Initialise if needed and start; idempotent (a running server is left as is)."""
        self.init()
        if self.is_running():
            return
        port = port or (self.port if self.port_file.exists() else free_port())
        self.port_file.write_text(str(port))
        options = (
            f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='{self.root}' "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=200 -c shared_buffers=256MB -c work_mem=64MB "
            "-c maintenance_work_mem=256MB -c timezone=Asia/Jakarta"
        )
        if not self.log_file.exists():
            self.log_file.touch()
        _chown_for_server(self.log_file)
        result = self._pg(
            "pg_ctl", "start", "-D", str(self.data_dir), "-l", str(self.log_file),
            "-o", options, "-w", "-t", "60", check=False,
        )
        if result.returncode != 0:
            tail = self.log_file.read_text()[-2000:]
            raise RuntimeError(f"PostgreSQL did not start on port {port}:\n{result.stderr}\n{tail}")
        self._wait_ready()

    def _wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"PostgreSQL on port {self.port} is not accepting connections")

    def stop(self) -> None:
        if self.is_running():
            self._pg("pg_ctl", "stop", "-D", str(self.data_dir), "-m", "fast", "-w")

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def execute(self, sql: str, dbname: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(self.dsn(dbname), autocommit=True) as conn:
            conn.execute(sql)

    def ensure_database(self, name: str, owner: str = SUPERUSER) -> None:
        import psycopg

        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}" OWNER "{owner}"')

    def ensure_role(self, name: str, login: bool = True) -> None:
        import psycopg

        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone()
            if not exists:
                conn.execute(f'CREATE ROLE "{name}" {"LOGIN" if login else "NOLOGIN"}')

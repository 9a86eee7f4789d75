"""A local PostgreSQL cluster for development and tests.

The project starts its own server from the machine's PostgreSQL binaries,
under a folder it owns, on a free loopback port. PostgreSQL refuses to run
as root, so when we are root the server runs as the `postgres` system user
(created if missing).

Nothing connects without a password, over TCP or the socket (scram-sha-256): the passwords are generated
when the cluster is created and kept in `root/pgpass` (0600, libpq's password-file format, so a tool that
connects without one finds it through PGPASSFILE). Roles: `jaring_admin`, the cluster's superuser, for the
local stack's own chores (databases, roles, loading the simulated DTSEN); `jaring`, the hub's role, a plain
LOGIN owning the warehouse and Airflow's metadata databases; `dinsos_ro`, the simulated DTSEN's read-only
role. A cluster made before passwords (trust, `jaring` a superuser) is brought to this on its next start.
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

ADMIN = "jaring_admin"  # the cluster's superuser: the local stack's chores, never the hub
HUB = "jaring"  # the hub's role: owns the warehouse, no superuser, creates no database or role
SUPERUSER = ADMIN  # the name the tools used for "the role that may do anything"
LOGIN_ROLES = (HUB, "dinsos_ro")  # made with the cluster, each with its password
_LEGACY_SUPERUSER = "jaring"  # clusters made before passwords: trust, and the hub a superuser
PG_HBA = """# Written by jaring_dev.postgres: every connection needs its role's password.
local   all   all                  scram-sha-256
host    all   all   127.0.0.1/32   scram-sha-256
host    all   all   ::1/128        scram-sha-256
"""


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

    @property
    def passfile(self) -> Path:
        """libpq's password file of the cluster's roles (0600): PGPASSFILE for tools that connect without one."""
        return self.root / "pgpass"

    def passwords(self) -> dict[str, str]:
        if not self.passfile.exists():
            return {}
        lines = (line.split(":", 4) for line in self.passfile.read_text().splitlines() if line.strip())
        return {parts[3]: parts[4] for parts in lines if len(parts) == 5}

    def password(self, role: str) -> str:
        """The role's password, generated and kept (0600) the first time it is asked for."""
        known = self.passwords()
        if role not in known:
            known[role] = secrets.token_urlsafe(24)  # letters, digits, - and _: nothing to escape
            self.root.mkdir(parents=True, exist_ok=True)
            self.passfile.touch(mode=0o600)
            self.passfile.chmod(0o600)
            self.passfile.write_text("".join(f"*:*:*:{name}:{secret}\n" for name, secret in known.items()))
        return known[role]

    def dsn(self, dbname: str = "postgres", user: str = ADMIN) -> str:
        return f"postgresql://{user}:{self.password(user)}@127.0.0.1:{self.port}/{dbname}"

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
        if self.passfile.exists():
            self.passfile.unlink()  # a new cluster, new passwords
        pwfile = self.root / "initdb.pw"  # read by initdb (as `postgres` when we are root), then gone
        pwfile.touch(mode=0o600)
        pwfile.write_text(self.password(ADMIN) + "\n")
        _chown_for_server(pwfile)
        try:
            result = self._pg(
                "initdb", "-D", str(self.data_dir), "-U", ADMIN, "--pwfile", str(pwfile),
                "--auth-local=scram-sha-256", "--auth-host=scram-sha-256",
                # text compared by code point as under C.UTF-8, but by memcmp (db.FAST_COLLATIONS);
                # upper() and the like still by C.UTF-8's character classes
                "--encoding=UTF8", "--locale=C.UTF-8", "--lc-collate=C", check=False,
            )
        finally:
            pwfile.unlink(missing_ok=True)
        if result.returncode != 0:
            raise RuntimeError(f"initdb failed for {self.data_dir}:\n{result.stderr}")
        self._write_hba()

    def _write_hba(self) -> None:
        hba = self.data_dir / "pg_hba.conf"
        hba.write_text(PG_HBA)  # the server's own file: its owner stays

    def start(self, port: int | None = None) -> None:
        """Initialise if needed and start; idempotent (a running server is left as is)."""
        legacy = self.is_initialised() and not self.passwords().get(ADMIN)
        self.init()
        if self.is_running():
            if legacy:
                self._leave_trust()
            self._ensure_login_roles()
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
        if legacy:
            self._leave_trust()
        self._ensure_login_roles()

    def _leave_trust(self) -> None:
        """A cluster made with `trust` and `jaring` as its superuser: give every role a password, make
        `jaring_admin` the superuser and `jaring` a plain role, then require passwords."""
        import psycopg
        from psycopg import sql

        legacy = f"postgresql://{_LEGACY_SUPERUSER}@127.0.0.1:{self.port}/postgres"
        with psycopg.connect(legacy, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (ADMIN,)).fetchone()
            verb = "ALTER" if exists else "CREATE"
            conn.execute(sql.SQL(verb + " ROLE {} LOGIN SUPERUSER PASSWORD {}").format(
                sql.Identifier(ADMIN), sql.Literal(self.password(ADMIN))))
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            for role in LOGIN_ROLES:
                if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone():
                    conn.execute(sql.SQL("ALTER ROLE {} NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD {}").format(
                        sql.Identifier(role), sql.Literal(self.password(role))))
        self._write_hba()
        self._pg("pg_ctl", "reload", "-D", str(self.data_dir))

    def _ensure_login_roles(self) -> None:
        for role in LOGIN_ROLES:
            self.ensure_role(role)

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

    def ensure_database(self, name: str, owner: str = ADMIN) -> None:
        import psycopg

        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}" OWNER "{owner}"')

    def ensure_role(self, name: str, login: bool = True) -> None:
        """A plain role (no superuser, no CREATEDB or CREATEROLE); a LOGIN role gets its password."""
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            exists = conn.execute("SELECT rolpassword IS NOT NULL FROM pg_authid WHERE rolname = %s",
                                  (name,)).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE ROLE {} " + ("LOGIN" if login else "NOLOGIN")).format(
                    sql.Identifier(name)))
            if login and not (exists and exists[0] and name in self.passwords()):
                conn.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                    sql.Identifier(name), sql.Literal(self.password(name))))

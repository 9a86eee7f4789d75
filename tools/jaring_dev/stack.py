"""The local stack: PostgreSQL, the simulated agencies, a mail sink, and the env file.

Everything lives under `<project>/.local/` (ignored by git). `up()` is
idempotent: what already runs is left as is. The env file `.local/env` holds
the Airflow connections and JARING_* variables that point the hub at this
stack, exactly as a deployment would set them (configuration.md).
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

from jaring_dev import processes
from jaring_dev.postgres import ADMIN, HUB, LocalPostgres, free_port
from jaring_dev.redis_local import LocalRedis

log = logging.getLogger(__name__)

DEMO_SCALE = "small"
DEMO_SEED = 1
DUKCAPIL_TOKEN = "demo-token"
BPJS_CLIENT = ("jaring", "demo-secret")
DEMO_FAULTS = "default"
# the LocalExecutor from jaring.warm_workers: its workers fork with pandas and GX imported (see that module)
EXECUTORS = {"local": "jaring.warm_workers.LocalExecutor", "celery": "CeleryExecutor"}
WARM_CELERY_WORKERS = {"imports": ["jaring.warm_workers"]}  # the same for the Celery workers' pools


def project_root() -> Path:
    """The checkout: the folder holding `dags/` above this package (or the cwd)."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "dags").is_dir() and (parent / "include").is_dir():
            return parent
    return Path.cwd()


def preferred_port(variable: str, usual: int) -> int:
    """The port named by `variable`, else the usual one when it is free, else any free one."""
    if os.environ.get(variable):
        return int(os.environ[variable])
    return usual if not processes.port_open(usual) else free_port()


def connections_env(*, warehouse_dsn: str, dtsen_dsn: str, dukcapil_port: int, dukcapil_token: str,
                    bpjs_port: int, bpjs_client: tuple[str, str], smtp_port: int,
                    inbox: Path, outbox: Path) -> dict[str, str]:
    """The Airflow connections and JARING_* variables for agencies simulated on loopback."""
    client_id, client_secret = bpjs_client
    return {
        "AIRFLOW_CONN_JARING_DB": warehouse_dsn,
        "AIRFLOW_CONN_DTSEN_DB": dtsen_dsn,
        "AIRFLOW_CONN_DUKCAPIL_API": json.dumps({
            "conn_type": "http", "host": "127.0.0.1", "port": dukcapil_port,
            "schema": "http", "password": dukcapil_token,
        }),
        "AIRFLOW_CONN_BPJS_TK_API": json.dumps({
            "conn_type": "http", "host": "127.0.0.1", "port": bpjs_port,
            "schema": "http", "login": client_id, "password": client_secret,
        }),
        "AIRFLOW_CONN_SMTP_DEFAULT": json.dumps({
            "conn_type": "smtp", "host": "127.0.0.1", "port": smtp_port,
            "extra": {"disable_tls": True, "disable_ssl": True, "from_email": "jaring@jambikota.go.id"},
        }),
        "JARING_RT_INBOX": str(inbox),
        "JARING_OUTBOX": str(outbox),
    }


def celery_env(broker_url: str, metadata_conn: str) -> dict[str, str]:
    """CeleryExecutor with a Redis broker; results in the metadata database, each with the worker that ran it."""
    return {
        "AIRFLOW__CORE__EXECUTOR": EXECUTORS["celery"],
        "AIRFLOW__CELERY__BROKER_URL": broker_url,
        "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + metadata_conn,
        # result_extended: celery_taskmeta.worker names the worker of each task (tasks of two workers on one
        # machine share task_instance.hostname)
        "AIRFLOW__CELERY__EXTRA_CELERY_CONFIG": json.dumps({"result_extended": True, **WARM_CELERY_WORKERS}),
        # Redis redelivers a task unacknowledged this long (acks are late): longer than the DAG run's timeout
        "AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__VISIBILITY_TIMEOUT": str(3 * 3600),
    }


def ensure_world(world_dir: Path, scale: str = DEMO_SCALE) -> dict:
    """Generate a world and its RT inbox once (it is deterministic: same seed, same bytes)."""
    marker = world_dir / "world.json"
    if marker.exists() and (world_dir / "inbox_manifest.csv").exists():
        return json.loads(marker.read_text())
    from jaring_sim import rt_inbox
    from jaring_sim.world import generate

    log.info("generating the %s world (seed %s)", scale, DEMO_SEED)
    meta = generate(world_dir, scale=scale, seed=DEMO_SEED)
    rt_inbox.render(world_dir, seed=DEMO_SEED)
    return meta


def fernet_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


@dataclass
class Stack:
    root: Path
    executor: str = "local"  # a key of EXECUTORS

    @property
    def local(self) -> Path:
        return self.root / ".local"

    @property
    def run_dir(self) -> Path:
        return self.local / "run"

    @property
    def world_dir(self) -> Path:
        return self.local / "world"

    @property
    def postgres(self) -> LocalPostgres:
        return LocalPostgres(self.local / "pg")

    @property
    def redis(self) -> LocalRedis:
        """Celery's broker (CeleryExecutor only)."""
        return LocalRedis(self.local / "redis")

    @property
    def env_file(self) -> Path:
        return self.local / "env"

    def settings(self) -> dict:
        """Ports, the JWT secret and the Fernet key, chosen once and kept (keys added later get a value too)."""
        path = self.local / "settings.json"
        values = json.loads(path.read_text()) if path.exists() else {}
        defaults = {
            "dukcapil_port": free_port,
            "bpjs_port": free_port,
            "smtp_port": free_port,
            "airflow_port": lambda: preferred_port("JARING_AIRFLOW_PORT", 8080),
            "outbox_port": lambda: preferred_port("JARING_OUTBOX_PORT", 8090),
            "jwt_secret": lambda: secrets.token_hex(16),
            "fernet_key": fernet_key,
        }
        missing = {key: make() for key, make in defaults.items() if key not in values}
        if missing:
            values.update(missing)
            self.local.mkdir(parents=True, exist_ok=True)
            path.touch(mode=0o600)
            path.write_text(json.dumps(values, indent=2))
        path.chmod(0o600)  # it holds the secrets every component shares
        return values

    def environment(self) -> dict[str, str]:
        s = self.settings()
        pg = self.postgres
        airflow_home = self.local / "airflow"
        metadata_conn = pg.dsn("airflow", user=HUB).replace("postgresql://", "postgresql+psycopg2://", 1)
        return {
            "AIRFLOW_HOME": str(airflow_home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(self.root / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(self.root / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": EXECUTORS[self.executor],
            "AIRFLOW__CORE__DEFAULT_TIMEZONE": "Asia/Jakarta",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata_conn,
            "AIRFLOW__API_AUTH__JWT_SECRET": s["jwt_secret"],
            "AIRFLOW__CORE__FERNET_KEY": s["fernet_key"],
            "AIRFLOW__API__PORT": str(s["airflow_port"]),
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{s['airflow_port']}/execution/",
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(airflow_home / "passwords.json"),
            **connections_env(
                warehouse_dsn=pg.dsn("jaring", user=HUB), dtsen_dsn=pg.dsn("dtsen", user="dinsos_ro"),
                dukcapil_port=s["dukcapil_port"], dukcapil_token=DUKCAPIL_TOKEN,
                bpjs_port=s["bpjs_port"], bpjs_client=BPJS_CLIENT, smtp_port=s["smtp_port"],
                inbox=self.world_dir / "inbox", outbox=self.root / "outbox",
            ),
            "JARING_OUTBOX_URL": f"http://127.0.0.1:{s['outbox_port']}",
            **(celery_env(self.redis.url(), metadata_conn) if self.executor == "celery" else {}),
        }

    def write_env_file(self) -> None:
        lines = ["# Written by `jaring-dev up`: points Jaring and Airflow at the local stack."]
        lines += [f"export {k}={shlex.quote(v)}" for k, v in self.environment().items()]
        self.env_file.touch(mode=0o600)  # it holds the stack's secrets
        self.env_file.chmod(0o600)
        self.env_file.write_text("\n".join(lines) + "\n")

    def ensure_world(self) -> dict:
        return ensure_world(self.world_dir)

    def up(self, with_world: bool = True) -> None:
        pg = self.postgres
        pg.start()
        for role in ("dinsos_ro",):
            pg.ensure_role(role)
        # the hub's role owns what the hub writes; the simulated DTSEN is the admin's (dinsos_ro reads it)
        for database, owner in (("airflow", HUB), ("jaring", HUB), ("dtsen", ADMIN)):
            pg.ensure_database(database, owner=owner)
        os.environ.update(self.environment())
        self.write_env_file()
        self.migrate_warehouse()
        if not with_world:
            return
        self.ensure_world()
        self.load_dtsen()
        self.start_agencies()
        self.start_mail_sink()

    def migrate_warehouse(self) -> None:
        """`jaring db migrate`: once per deployment, here once per `up` (it is idempotent)."""
        from jaring.warehouse import db

        with db.connect(self.postgres.dsn("jaring", user=HUB)) as conn:
            db.migrate(conn)

    def load_dtsen(self) -> None:
        from jaring_sim import dtsen_db

        pg = self.postgres
        marker = self.local / "dtsen.loaded"
        stamp = (self.world_dir / "world.json").read_text()
        if marker.exists() and marker.read_text() == stamp:
            return
        dtsen_db.load(self.world_dir, pg.dsn("dtsen"), readonly_role="dinsos_ro")
        marker.write_text(stamp)

    def start_agencies(self) -> None:
        s = self.settings()
        client_id, client_secret = BPJS_CLIENT
        processes.start("agencies", [
            sys.executable, "-m", "jaring_sim.cli", "serve",
            "--world", str(self.world_dir),
            "--dukcapil-port", str(s["dukcapil_port"]), "--bpjs-port", str(s["bpjs_port"]),
            "--token", DUKCAPIL_TOKEN, "--client-id", client_id, "--client-secret", client_secret,
            "--faults", DEMO_FAULTS,
        ], self.run_dir)
        processes.wait_for_port(s["dukcapil_port"], 120, "the Disdukcapil simulator", self.run_dir / "agencies.log")
        processes.wait_for_port(s["bpjs_port"], 120, "the BPJS simulator", self.run_dir / "agencies.log")

    def start_mail_sink(self) -> None:
        s = self.settings()
        processes.start("mail", [
            sys.executable, "-m", "jaring_sim.cli", "mail",
            "--port", str(s["smtp_port"]), "--maildir", str(self.local / "mail"),
        ], self.run_dir)
        processes.wait_for_port(s["smtp_port"], 30, "the mail sink", self.run_dir / "mail.log")

    def stop_airflow(self) -> list[str]:
        """Airflow's components, its Celery workers and broker, the outbox server; PostgreSQL and the agencies
        keep running."""
        stopped = processes.stop_all((*AIRFLOW_COMPONENTS, *CELERY_WORKERS, "outbox-http"), self.run_dir)
        (self.run_dir / "executor").unlink(missing_ok=True)
        return stopped + (["redis"] if self.redis.stop() else [])

    def down(self) -> list[str]:
        stopped = self.stop_airflow() + processes.stop_all(("agencies", "mail"), self.run_dir)
        self.postgres.stop()
        return stopped


AIRFLOW_COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer")
CELERY_WORKERS = ("w1", "w2")  # process names and Celery hostnames (w1@<host>, w2@<host>)

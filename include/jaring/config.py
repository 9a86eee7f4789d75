"""Where the hub finds the world: Airflow connections and the JARING_* variables.

Connections are resolved by Airflow (environment `AIRFLOW_CONN_*`, a secrets
backend, or the metadata database), so a deployment configures them the
standard way; nothing here hard-codes an address or a secret.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

PACKAGE_DATA = Path(__file__).parent / "data"

WAREHOUSE_CONN_ID = "jaring_db"
DUKCAPIL_CONN_ID = "dukcapil_api"
DTSEN_CONN_ID = "dtsen_db"
BPJS_CONN_ID = "bpjs_tk_api"
SMTP_CONN_ID = "smtp_default"


class ConfigurationError(RuntimeError):
    pass


@dataclass(frozen=True)
class Endpoint:
    """What a source adapter needs of a connection; `repr` hides the secret."""

    conn_id: str
    host: str
    port: int | None
    scheme: str
    login: str | None
    password: str | None
    extra: dict

    def __repr__(self) -> str:
        return f"Endpoint({self.conn_id!r}, {self.scheme}://{self.host}:{self.port})"

    @property
    def database(self) -> str:
        """For a postgres connection, Airflow's `schema` field is the database name."""
        return self.scheme

    @property
    def base_url(self) -> str:
        port = f":{self.port}" if self.port else ""
        return f"{self.scheme}://{self.host}{port}"


def endpoint(conn_id: str) -> Endpoint:
    """Resolve an Airflow connection; fails with a message naming the connection id."""
    from airflow.sdk import BaseHook  # lazy: importing Airflow costs seconds

    try:
        conn = BaseHook.get_connection(conn_id)
    except Exception as exc:  # noqa: BLE001 - Airflow raises several types here
        raise ConfigurationError(
            f"Airflow connection '{conn_id}' is not defined "
            f"(set AIRFLOW_CONN_{conn_id.upper()} or add it to a secrets backend)"
        ) from exc
    if conn.conn_type == "postgres":
        # for postgres, Airflow's "schema" field holds the database name
        scheme, default_port = conn.schema or "", 5432
    else:
        scheme, default_port = conn.schema or "http", None
    return Endpoint(
        conn_id=conn_id,
        host=conn.host or "127.0.0.1",
        port=conn.port or default_port,
        scheme=scheme,
        login=conn.login,
        password=conn.password,
        extra=conn.extra_dejson or {},
    )


def postgres_conninfo(conn_id: str) -> str:
    """A libpq URI for a postgres connection (database = the connection's schema)."""
    ep = endpoint(conn_id)
    auth = quote(ep.login or "", safe="")
    if ep.password:
        auth += ":" + quote(ep.password, safe="")
    return f"postgresql://{auth}@{ep.host}:{ep.port}/{ep.database}"


def _path_variable(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value) if value else default


def rt_inbox() -> Path:
    return _path_variable("JARING_RT_INBOX", PACKAGE_DATA / "demo" / "inbox")


def outbox() -> Path:
    return _path_variable("JARING_OUTBOX", Path("outbox"))


def policy_file() -> Path:
    return _path_variable("JARING_POLICY", PACKAGE_DATA / "policy.yaml")


def recipients_file() -> Path:
    return _path_variable("JARING_RECIPIENTS", PACKAGE_DATA / "recipients.yaml")

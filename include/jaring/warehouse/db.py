"""The hub's warehouse: connections, migrations and the night-replacing write."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from jaring.config import WAREHOUSE_CONN_ID, postgres_conninfo
from jaring.errors import Permanent

_PACKAGE = Path(__file__).resolve().parents[1]
# Every table definition of the hub, applied in this order by migrate().
SCHEMA_FILES = [
    _PACKAGE / "warehouse" / "sql" / "schema.sql",
    _PACKAGE / "sources" / "sql" / "sources_raw.sql",
    _PACKAGE / "sources" / "sql" / "rt_inbox.sql",
]


def connect(conninfo: str | None = None, **kwargs):
    """A psycopg connection to the warehouse (`jaring_db`) unless told otherwise."""
    import psycopg

    return psycopg.connect(conninfo or postgres_conninfo(WAREHOUSE_CONN_ID), **kwargs)


MIGRATIONS = _PACKAGE / "warehouse" / "sql" / "migrations"
BASELINE_VERSION = 1  # SCHEMA_FILES; each later version is migrations/NNNN_<what it changes>.sql


class SchemaOutdated(RuntimeError, Permanent):
    """The warehouse is behind the code: `jaring db migrate` has not been run since an upgrade."""


def migrations() -> dict[int, Path]:
    """Versions after the baseline, by number (`0002_….sql` is version 2)."""
    return {int(path.name[:4]): path for path in sorted(MIGRATIONS.glob("[0-9][0-9][0-9][0-9]_*.sql"))}


def code_version() -> int:
    return max(migrations(), default=BASELINE_VERSION)


def schema_version(conn) -> int:
    """The warehouse's version; 0 when it was never migrated."""
    exists = conn.execute("SELECT to_regclass('ops.schema_version') IS NOT NULL").fetchone()[0]
    if not exists:
        return 0
    return conn.execute("SELECT coalesce(max(version), 0) FROM ops.schema_version").fetchone()[0]


def migrate(conn) -> int:
    """Bring the warehouse to the code's version, each version once and in its own transaction;
    run once per deployment (`jaring db migrate`), safe to repeat. Returns the version reached."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtext('jaring.migrate'))")
        conn.execute("CREATE SCHEMA IF NOT EXISTS ops")
        conn.execute("CREATE TABLE IF NOT EXISTS ops.schema_version ("
                     " version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())")
        current = schema_version(conn)
        if current < BASELINE_VERSION:
            for path in SCHEMA_FILES:
                conn.execute(path.read_text(encoding="utf-8"))
            conn.execute("INSERT INTO ops.schema_version (version) VALUES (%s)", (BASELINE_VERSION,))
            current = BASELINE_VERSION
    for version, path in migrations().items():
        if version > current:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(hashtext('jaring.migrate'))")
                if schema_version(conn) < version:  # another migrate may have got here first
                    conn.execute(path.read_text(encoding="utf-8"))
                    conn.execute("INSERT INTO ops.schema_version (version) VALUES (%s)", (version,))
            current = version
    return current


def require_current(conn) -> None:
    """Fail fast, naming the command, when the warehouse is not at the code's version."""
    found, needed = schema_version(conn), code_version()
    if found != needed:
        raise SchemaOutdated(f"the warehouse schema is at version {found}, this code needs {needed}: "
                             f"run `jaring db migrate` (jaring_db)")


# A table whose night D is replaced: its name, or (name, {column: value or list of values}) to replace
# only the rows of night D that match, e.g. ("quarantine.record", {"source": "rt"}).
NightTable = str | tuple[str, Mapping[str, object]]


@contextmanager
def night_replacement(conn, tables: str | Sequence[NightTable], night: date):
    """A transaction that first removes night D's rows of `tables`; the caller then inserts.

    Either the whole new night is there after the block, or the old one is untouched.
    """
    with conn.transaction():
        clear_night(conn, tables, night)
        yield conn


def clear_night(conn, tables: str | Sequence[NightTable], night: date) -> None:
    """Remove night D's rows of `tables` (inside the caller's transaction)."""
    for table in [tables] if isinstance(tables, str) else tables:
        name, match = (table, {}) if isinstance(table, str) else table
        values = [list(v) if isinstance(v, list | tuple) else [v] for v in match.values()]
        where = "".join(f" AND {column} = ANY(%s)" for column in match)
        conn.execute(f"DELETE FROM {name} WHERE night = %s{where}", (night, *values))


def copy_rows(conn, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Stream rows into `table` with COPY; returns how many were written."""
    count = 0
    with conn.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count

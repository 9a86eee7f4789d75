"""The hub's warehouse: connections, migrations and the night-replacing write."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from jaring.config import WAREHOUSE_CONN_ID, postgres_conninfo

_PACKAGE = Path(__file__).resolve().parents[1]
# Every table definition of the hub, applied in this order by migrate().
SCHEMA_FILES = [
    _PACKAGE / "warehouse" / "sql" / "schema.sql",
    _PACKAGE / "sources" / "sources_raw.sql",
    _PACKAGE / "sources" / "rt_inbox.sql",
]


def connect(conninfo: str | None = None, **kwargs):
    """A psycopg connection to the warehouse (`jaring_db`) unless told otherwise."""
    import psycopg

    return psycopg.connect(conninfo or postgres_conninfo(WAREHOUSE_CONN_ID), **kwargs)


def migrate(conn) -> None:
    """Create every hub table that does not exist yet; safe to run at every start."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtext('jaring.migrate'))")
        for path in SCHEMA_FILES:
            conn.execute(path.read_text())


@contextmanager
def night_replacement(conn, table: str, night: date):
    """A transaction that first removes `table`'s rows of `night`; the caller then inserts.

    Either the whole new night is there after the block, or the old one is untouched.
    """
    with conn.transaction():
        conn.execute(f"DELETE FROM {table} WHERE night = %s", (night,))
        yield conn


def copy_rows(conn, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Stream rows into `table` with COPY; returns how many were written."""
    count = 0
    with conn.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count

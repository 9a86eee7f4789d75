"""The hub's warehouse: connections, migrations and the night-replacing write."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

from jaring.config import WAREHOUSE_CONN_ID, postgres_conninfo
from jaring.errors import Permanent

log = logging.getLogger(__name__)
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

# The night-keyed tables a single step writes whole: one partition per night (migration 0008), so that
# replacing a night is a TRUNCATE, a query of night D reads that night alone, and forgetting a night
# (`prune`) is a DROP. The findings, the quarantine and the verdicts are the record: they are kept.
NIGHT_PARTITIONED = ("raw.dukcapil_page", "raw.dukcapil_event_page", "raw.bpjs_page", "raw.dtsen_individu",
                     "staging.person", "staging.participant", "staging.payment", "staging.claim",
                     "staging.dtsen_individual", "staging.rt_row", "recon.link")
# pruned with them, row by row (every source writes it)
PRUNED_ROWS = ("staging.invalid_record",)
# what reconcile needs of a night; each source's re-ingest makes its tables' night again (`clear_night`)
STAGED = tuple(t for t in NIGHT_PARTITIONED if t.startswith("staging."))


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
        if name in NIGHT_PARTITIONED and not match:
            _empty_partition(conn, name, night)
            continue
        values = [list(v) if isinstance(v, list | tuple) else [v] for v in match.values()]
        where = "".join(f" AND {column} = ANY(%s)" for column in match)
        conn.execute(f"DELETE FROM {name} WHERE night = %s{where}", (night, *values))


def partition(table: str, night: date) -> str:
    """The partition of `table` holding night D (made by `clear_night`)."""
    return f"{table}_{night:%Y%m%d}"


def _empty_partition(conn, table: str, night: date) -> None:
    """Night D's partition of `table`, made (and attached) when missing, emptied when not."""
    from psycopg import sql

    own = partition(table, night)
    if conn.execute("SELECT to_regclass(%s)", (own,)).fetchone()[0]:
        conn.execute(f"TRUNCATE {own}")
    else:
        # built apart and attached: attaching locks the parent less than CREATE … PARTITION OF, so the
        # other nights stay readable while this one is written
        conn.execute(f"DELETE FROM {table}_default WHERE night = %s", (night,))
        conn.execute(f"CREATE TABLE {own} (LIKE {table} INCLUDING ALL)")
        conn.execute(sql.SQL("ALTER TABLE {} ATTACH PARTITION {} FOR VALUES IN ({})").format(
            sql.SQL(table), sql.SQL(own), sql.Literal(night)))
    conn.execute("DELETE FROM ops.pruned_night WHERE night = %s AND table_name = %s", (night, table))


def analyze_night(conn, table: str, night: date) -> None:
    """Fresh statistics for night D's rows of `table` (its partition alone when it has one: the night's
    queries read that partition, and analysing the parent would sample every night kept)."""
    own = partition(table, night)
    if table in NIGHT_PARTITIONED and conn.execute("SELECT to_regclass(%s)", (own,)).fetchone()[0]:
        table = own
    conn.execute(f"ANALYZE {table}")


def partition_nights(conn, table: str) -> dict[date, str]:
    """The nights of `table` that have their own partition, and the partition's name."""
    rows = conn.execute("SELECT n.nspname || '.' || c.relname FROM pg_inherits i"
                        " JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
                        " WHERE i.inhparent = %s::regclass", (table,)).fetchall()
    prefix = f"{table}_"
    return {date(int(s[:4]), int(s[4:6]), int(s[6:])): name for (name,) in rows
            if (s := name.removeprefix(prefix)).isdigit() and len(s) == 8}


class NightPruned(RuntimeError, Permanent):
    """Night D's staged rows were removed by the retention: its sources must be pulled again."""


def prune(conn, night: date, keep: int, lock_timeout_seconds: float = 5) -> list[date]:
    """Forget the rows of the night-keyed tables older than the `keep` nights up to D (D-keep and before):
    each table in its own short transaction, which gives up (till the next night) rather than wait more
    than `lock_timeout_seconds` for a reader of that table. Records what it removed in `ops.pruned_night`;
    returns the nights removed from any table. `conn` must be idle."""
    import psycopg

    if keep < 2:
        raise ValueError("keep at least 2 nights: night D builds on night D-1")
    cutoff = night - timedelta(days=keep)  # nights on or before it go
    removed: set[date] = set()
    for table in (*NIGHT_PARTITIONED, *PRUNED_ROWS):
        try:
            with conn.transaction():
                conn.execute(f"SET LOCAL lock_timeout = '{int(lock_timeout_seconds * 1000)}ms'")
                old = {n: name for n, name in partition_nights(conn, table).items() if n <= cutoff}
                for name in old.values():
                    conn.execute(f"DROP TABLE {name}")
                rows_of = f"{table}_default" if table in NIGHT_PARTITIONED else table
                gone = {n for (n,) in conn.execute(f"DELETE FROM {rows_of} WHERE night <= %s RETURNING night",
                                                   (cutoff,))}
                nights = sorted(set(old) | gone)
                conn.cursor().executemany("INSERT INTO ops.pruned_night (night, table_name) VALUES (%s, %s)"
                                          " ON CONFLICT DO NOTHING", [(n, table) for n in nights])
        except psycopg.errors.LockNotAvailable:
            log.warning("retention: %s is in use, its nights on or before %s are removed another night",
                        table, cutoff)
            continue
        removed |= set(nights)
    if removed:
        log.info("retention: nights %s … %s removed (keeping %d nights up to %s)", min(removed), max(removed),
                 keep, night)
    return sorted(removed)


def require_not_pruned(conn, night: date, tables: Sequence[str]) -> None:
    """Fail, naming the remedy, when the retention removed night D's rows of any of `tables`."""
    gone = [t for (t,) in conn.execute("SELECT table_name FROM ops.pruned_night WHERE night = %s"
                                       " AND table_name = ANY(%s) ORDER BY 1", (night, list(tables)))]
    if gone:
        raise NightPruned(f"night {night}'s staged rows ({', '.join(gone)}) were removed by the retention "
                          f"(JARING_KEEP_NIGHTS): pull its sources again first, e.g. `jaring backfill --from "
                          f"{night} --to {night}`")


def copy_rows(conn, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Stream rows into `table` with COPY; returns how many were written."""
    count = 0
    with conn.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count

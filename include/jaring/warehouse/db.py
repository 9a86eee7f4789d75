"""The hub's warehouse: connections, migrations and the night-replacing write."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

from jaring.config import WAREHOUSE_CONN_ID, postgres_conninfo
from jaring.errors import Permanent
from jaring.warehouse import partitions

log = logging.getLogger(__name__)
_PACKAGE = Path(__file__).resolve().parents[1]
# Every table definition of the hub, applied in this order by migrate().
SCHEMA_FILES = [
    _PACKAGE / "warehouse" / "sql" / "schema.sql",
    _PACKAGE / "sources" / "sql" / "sources_raw.sql",
    _PACKAGE / "sources" / "sql" / "rt_inbox.sql",
]


# PostgreSQL compiles a statement it estimates costly (jit_above_cost) before running it: the hub's statements
# are a second or less each, and compiling took longer than it saved (the RT ledgers' per-file counts: 0.64 s,
# 0.39 of it compiling, 0.18 s without)
SESSION_OPTIONS = "-c jit=off"


def connect(conninfo: str | None = None, **kwargs):
    """A psycopg connection to the warehouse (`jaring_db`) unless told otherwise, with `SESSION_OPTIONS`
    after any options its DSN (or else PGOPTIONS) gives."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    conninfo = conninfo or postgres_conninfo(WAREHOUSE_CONN_ID)
    # libpq takes PGOPTIONS only when no options are given: given here, they must include it
    given = kwargs.pop("options", None) or conninfo_to_dict(conninfo).get("options") or os.environ.get("PGOPTIONS", "")
    return psycopg.connect(conninfo, options=f"{given} {SESSION_OPTIONS}".strip(), **kwargs)


def connect_beside(conn):
    """A second connection to `conn`'s database, made as `conn` was (the same server, user and options)."""
    import psycopg

    made = {option.keyword.decode(): option.val.decode() for option in conn.pgconn.info if option.val is not None}
    return psycopg.connect(**made)


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
    _advise_on_collation(conn)
    return current


# PostgreSQL 15 compares text by memcmp only under the C collation; under any other (C.UTF-8 included) each
# comparison goes through the C library and sorts lose their abbreviated keys: sorting a night's NIKs and
# names took twice as long, reconcile ~15 % longer (README, "Decisions").
FAST_COLLATIONS = ("C", "POSIX")


def _advise_on_collation(conn) -> None:
    with conn.transaction():  # a read of its own: migrate leaves the connection as it found it
        collation, ctype = conn.execute(
            "SELECT datcollate, datctype FROM pg_database WHERE datname = current_database()").fetchone()
    if collation not in FAST_COLLATIONS:
        log.warning("the warehouse database sorts text by the %r collation: every night's sorts and keys run "
                    "slower than under 'C' (the same order for the hub's data); create it with "
                    "LC_COLLATE 'C' LC_CTYPE %r TEMPLATE template0 (README, Decisions)", collation, ctype)


def require_current(conn) -> None:
    """Fail fast, naming the command, when the warehouse is not at the code's version."""
    found, needed = schema_version(conn), code_version()
    if found != needed:
        raise SchemaOutdated(f"the warehouse schema is at version {found}, this code needs {needed}: "
                             f"run `jaring db migrate` (jaring_db)")


# A table whose night D is replaced: its name, or (name, {column: value or list of values}) to replace
# only the rows of night D that match, e.g. ("quarantine.record", {"source": "rt"}).
NightTable = str | tuple[str, Mapping[str, object]]

# The night-keyed tables a single step writes whole (the agencies' raw answers, the staged sources, the
# links): `prune` forgets their old nights. The findings, the quarantine and the verdicts are the record
# of what each agency was told: they are kept.
NIGHT_KEYED = ("raw.dukcapil_page", "raw.dukcapil_event_page", "raw.bpjs_page", "raw.bpjs_listing",
               "raw.dtsen_individu", "staging.person", "staging.person_change", "staging.participant",
               "staging.payment", "staging.claim", "staging.dtsen_individual", "staging.rt_row",
               "staging.invalid_record", "recon.link")
# Texts kept once however many nights name them (content table -> the night-keyed table naming them, and the
# key): `prune` forgets those no night kept names. A writer looks for the texts already kept and adds the others
# under `content_lock`, which `prune` takes too: no text goes between that look and the writer's commit.
CONTENT_TABLES = {"raw.bpjs_page_text": ("raw.bpjs_page", "sha256")}
# what reconcile needs of a night; each source's re-ingest clears its tables' night again (`clear_night`)
STAGED = ("staging.person", "staging.participant", "staging.payment", "staging.claim", "staging.dtsen_individual",
          "staging.rt_row")


@contextmanager
def night_replacement(conn, tables: str | Sequence[NightTable], night: date):
    """A transaction that first removes night D's rows of `tables`; the caller then inserts.

    Either the whole new night is there after the block, or the old one is untouched. A table that keeps each
    night in a partition of its own gets night D's key once the caller's rows are in (`partitions`).
    """
    with conn.transaction():
        clear_night(conn, tables, night)
        yield conn
        for table in [tables] if isinstance(tables, str) else tables:
            if isinstance(table, str) and table in partitions.PARTITIONED:  # cleared whole: made afresh
                partitions.key(conn, table, night)


def clear_night(conn, tables: str | Sequence[NightTable], night: date) -> None:
    """Remove night D's rows of `tables` (inside the caller's transaction; a partitioned table's night D is
    made ready: `partitions.fresh`). A table cleared whole is written again: the retention's mark of night D
    on it (`ops.pruned_night`) goes too."""
    for table in [tables] if isinstance(tables, str) else tables:
        name, match = (table, {}) if isinstance(table, str) else table
        values = [list(v) if isinstance(v, list | tuple) else [v] for v in match.values()]
        where = "".join(f" AND {column} = ANY(%s)" for column in match)
        if name in partitions.PARTITIONED and not match:
            partitions.fresh(conn, name, night)
        else:
            conn.execute(f"DELETE FROM {name} WHERE night = %s{where}", (night, *values))
        if not match:
            conn.execute("DELETE FROM ops.pruned_night WHERE night = %s AND table_name = %s", (night, name))


def content_lock(conn, content: str) -> None:
    """Hold `content`'s texts (CONTENT_TABLES) against the retention until the caller's transaction ends."""
    conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"jaring.{content}",))


class NightPruned(RuntimeError, Permanent):
    """Night D's staged rows were removed by the retention: its sources must be pulled again."""


def prune(conn, night: date, keep: int) -> list[date]:
    """Forget the rows of the night-keyed tables older than the `keep` nights up to D (D-keep and before),
    a table a transaction (a partitioned table: a night's table dropped, a night a transaction), then the texts
    no night kept names (CONTENT_TABLES); records what it removed in `ops.pruned_night` and returns the nights
    removed. `conn` must be idle."""
    if keep < 2:
        raise ValueError("keep at least 2 nights: night D builds on night D-1")
    cutoff = night - timedelta(days=keep)  # nights on or before it go
    removed: set[date] = set()
    for table in NIGHT_KEYED:
        if table in partitions.PARTITIONED:
            removed |= set(_drop_partitions(conn, table, cutoff))
            continue
        with conn.transaction():
            nights = [n for (n,) in conn.execute(
                f"WITH gone AS (DELETE FROM {table} WHERE night <= %s RETURNING night)"
                " SELECT DISTINCT night FROM gone ORDER BY 1", (cutoff,))]
            _mark_pruned(conn, table, nights)
        removed |= set(nights)
    for content, (named_by, key) in CONTENT_TABLES.items():
        with conn.transaction():
            content_lock(conn, content)
            conn.execute(f"DELETE FROM {content} c WHERE NOT EXISTS (SELECT 1 FROM {named_by} n WHERE n.{key} = c.{key})")
    if removed:
        log.info("retention: nights %s … %s removed (keeping %d nights up to %s)", min(removed), max(removed),
                 keep, night)
    return sorted(removed)


def _drop_partitions(conn, table: str, cutoff: date) -> list[date]:
    """Drop `table`'s nights up to `cutoff`, a night a transaction; the nights that held rows. Dropping a
    partition waits for every reader of the table: one still reading after `partitions.LOCK_WAIT` leaves the
    table's old nights for the retention's next run."""
    import psycopg

    with conn.transaction():
        nights = [n for n in partitions.nights(conn, table) if n <= cutoff]
    removed = []
    for night in nights:
        try:
            with conn.transaction():
                if partitions.drop(conn, table, night):
                    _mark_pruned(conn, table, [night])
                    removed.append(night)
        except psycopg.errors.LockNotAvailable:
            log.warning("retention: %s kept its nights from %s: the table was in use for %s; the next run "
                        "removes them", table, night, partitions.LOCK_WAIT)
            break
    return removed


def _mark_pruned(conn, table: str, nights: Iterable[date]) -> None:
    conn.cursor().executemany("INSERT INTO ops.pruned_night (night, table_name) VALUES (%s, %s)"
                              " ON CONFLICT DO NOTHING", [(n, table) for n in nights])


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

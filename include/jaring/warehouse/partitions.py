"""The tables that hold a whole city each night keep each night in a table of its own: PostgreSQL LIST
partitions by `night`, named `<table>_<yyyymmdd>` (migrations 0010, 0014, 0015).

An incremental night copies most of night D-1 into night D (630k persons, 594k payments, 206k DTSEN rows as
read and as staged, 360k links) and stages the RT ledgers' 116k rows again from the files current at its end.
Into a shared table every row written also goes into its primary key's index, one insertion at a time; a
night of its own is filled without an index and keyed once it is full (one sort): the four copies of a city
night took 2.9–3.3 s instead of 5.2–6.3 (session 16), the ledgers' rows 0.32 s instead of 0.46 (session 19),
the DTSEN release as read 0.21 s instead of 0.39 (session 20). The retention drops a night's table instead
of deleting its rows.

- A night's partition is made on its own and then attached: ATTACH PARTITION takes a lock that readers and
  writers of other nights do not wait for (CREATE TABLE … PARTITION OF and DROP TABLE do). It conflicts with
  itself: two steps writing new nights of one table (a backfill beside the night) take turns.
- `fresh` is called by `db.clear_night` in the writer's transaction, `key` once its rows are in (at the end of
  `db.night_replacement`, or by the writer itself when it reads the night back by key): rows that break the
  key fail that transaction, as an insertion into a keyed table would, and nothing of the night is written.
- A night written again keeps its partition (and its key): its rows are deleted and written, as in every
  other table.
- Statistics: `analyze` after a night is written reads that night only. The planner estimates joins from
  the partitioned table's own statistics (without them it chose nested loops that ran for minutes, session
  11), which an ANALYZE of the whole table gathers by reading every night again: `analyze` takes them the
  first time, the retention (after publishing, off the reports' path) once they are a week old (`refresh`).
  A city's columns look alike from one night to the next; a night's row count is its partition's own.
"""

from __future__ import annotations

from datetime import date, timedelta

# table -> its primary key (on each night's partition: the partitioned table itself has none)
PARTITIONED = {
    "staging.person": ("night", "nik"),
    "staging.payment": ("night", "id_bayar"),
    "staging.dtsen_individual": ("night", "id_individu"),
    "recon.link": ("night", "source", "source_key"),
    "staging.rt_row": ("night", "source_ref"),
    "raw.dtsen_individu": ("night", "id_individu"),
}
# a night's statistics are taken from 3,000 sampled rows, not PostgreSQL's default 30,000: a night's tables
# look alike from one night to the next and the plans were the same, for 0.02-0.03 s an ANALYZE instead of
# 0.1-0.4 (a city night's tables, session 18; reconcile's working tables alike, session 17)
SAMPLED_STATISTICS_TARGET = 10
# how long the retention waits for the readers of a table (readers that come after wait behind it)
LOCK_WAIT = "3s"
STATISTICS_AGE = timedelta(days=7)


def name(table: str, night: date) -> str:
    return f"{table}_{night:%Y%m%d}"


def _exists(conn, partition: str) -> bool:
    return conn.execute("SELECT to_regclass(%s) IS NOT NULL", (partition,)).fetchone()[0]


def fresh(conn, table: str, night: date) -> None:
    """Night D of `table` empty, in the caller's transaction: its partition emptied, or made without a key."""
    partition = name(table, night)
    if _exists(conn, partition):
        conn.execute(f"DELETE FROM {partition}")
        return
    conn.execute(f"CREATE TABLE {partition} (LIKE {table} INCLUDING DEFAULTS)")
    conn.execute(f"ALTER TABLE {table} ATTACH PARTITION {partition} FOR VALUES IN ('{night.isoformat()}')")


def key(conn, table: str, night: date) -> None:
    """Night D's primary key, if its partition has none yet (it was filled since `fresh` made it)."""
    partition = name(table, night)
    keyed = conn.execute("SELECT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = %s::regclass"
                         " AND contype = 'p')", (partition,)).fetchone()[0]
    if not keyed:
        conn.execute(f"ALTER TABLE {partition} ADD PRIMARY KEY ({', '.join(PARTITIONED[table])})")


def analyze(conn, table: str, night: date) -> None:
    """Fresh statistics of night D of `table`, sampled (`SAMPLED_STATISTICS_TARGET`); a partitioned table's own
    (of every night) only while it has none, `refresh`, and from PostgreSQL's default sample."""
    conn.execute(f"SET LOCAL default_statistics_target = {SAMPLED_STATISTICS_TARGET}")
    conn.execute(f"ANALYZE {name(table, night) if table in PARTITIONED else table}")
    conn.execute("SET LOCAL default_statistics_target TO DEFAULT")
    if table in PARTITIONED and not _nights_in_statistics(conn, table):
        conn.execute(f"ANALYZE {table}")


def refresh(conn, night: date) -> None:
    """The partitioned tables' own statistics, when the newest night they saw is STATISTICS_AGE before D or
    older (an ANALYZE of the whole table reads every night it holds again: 2.7 s for the city's two nights)."""
    for table in PARTITIONED:
        seen = _nights_in_statistics(conn, table)
        if not seen or max(seen) <= night - STATISTICS_AGE:
            conn.execute(f"ANALYZE {table}")


def _nights_in_statistics(conn, table: str) -> list[date]:
    """The nights the partitioned table's own statistics saw (its `night` column's common values and bounds)."""
    schema, relation = table.split(".")
    found = conn.execute(
        "SELECT most_common_vals::text::date[], histogram_bounds::text::date[] FROM pg_stats"
        " WHERE schemaname = %s AND tablename = %s AND attname = 'night' AND inherited", (schema, relation)).fetchone()
    return sorted({*(found[0] or ()), *(found[1] or ())}) if found else []


def nights(conn, table: str) -> list[date]:
    """The nights `table` has a partition for, oldest first."""
    bounds = conn.execute(
        "SELECT pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
        " WHERE i.inhparent = %s::regclass", (table,)).fetchall()
    # "FOR VALUES IN ('2026-11-20')"
    return sorted(date.fromisoformat(bound.split("'")[1]) for (bound,) in bounds)


def drop(conn, table: str, night: date) -> bool:
    """Drop night D's partition, in the caller's transaction; whether it held rows. Waits at most LOCK_WAIT
    for the table's readers (of any night), then raises psycopg's LockNotAvailable."""
    partition = name(table, night)
    conn.execute(f"SET LOCAL lock_timeout = '{LOCK_WAIT}'")
    had_rows = conn.execute(f"SELECT EXISTS (SELECT 1 FROM {partition})").fetchone()[0]
    conn.execute(f"DROP TABLE {partition}")
    return had_rows

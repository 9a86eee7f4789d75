"""Which computed nights carry a stale history.

Night D's NEW / PERSISTING / resolved and first_seen are computed against the latest computed night
before it. When an earlier night is reconciled again (a backfill after a source was fixed), every
later night computed before that is stale until it is reconciled again, in order:
`jaring backfill --stale` does that. Read from the journal (ops.step_run), so nothing else keeps it.
"""

from __future__ import annotations

from datetime import date

from jaring.warehouse import sqlfile


def stale_nights(conn) -> dict[date, date]:
    """Each stale night, with the earlier night reconciled most recently after it."""
    return dict(sqlfile.execute(conn, __name__, "stale_nights").fetchall())


def range_to_recompute(conn) -> tuple[date, date] | None:
    """The first and last stale night (a backfill of that range recomputes them in order), or None."""
    stale = stale_nights(conn)
    return (min(stale), max(stale)) if stale else None

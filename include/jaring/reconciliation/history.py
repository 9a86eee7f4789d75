"""Night D's findings into `recon.finding` with NEW/PERSISTING and first_seen; `recon.resolved`.

Night D is compared with the latest night before it that was computed (usually D-1; after an
outage, the last night before it, which the report names): `status` is NEW when the same
(finding_code, finding_key) was not a finding of that night, else PERSISTING, and `first_seen`
is that night's `first_seen` when it persists, else D. `recon.resolved` (night = D) holds that
night's findings that no longer hold at D, as they were then.
"""

from __future__ import annotations

from datetime import date

from jaring.warehouse import sqlfile


def previous_computed_night(conn, night: date) -> date | None:
    """The latest night before D whose reconciliation was kept (it wrote its figures)."""
    return conn.execute("SELECT max(night) FROM recon.figures WHERE night < %s", (night,)).fetchone()[0]


def record(conn, params: dict) -> int:
    """Replace night D's findings and resolved rows; returns how many were resolved."""
    sqlfile.execute(conn, __name__, "history", params)
    return conn.execute("SELECT count(*) FROM recon.resolved WHERE night = %s", (params["night"],)).fetchone()[0]

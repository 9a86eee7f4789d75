"""Night D's findings into `recon.finding` with NEW/PERSISTING and first_seen; `recon.resolved`.

`status` is NEW when the same (finding_code, finding_key) was not a finding of night D-1, else
PERSISTING. `first_seen` is the first night of the unbroken run of nights, ending at D, in which
the finding held: D-1's `first_seen` when it persists, else D. A night that was not computed
breaks the run (the finding comes back NEW). `recon.resolved` (night = D) holds night D-1's
findings that no longer hold at D, as they were on D-1.
"""

from __future__ import annotations

from jaring.warehouse import sqlfile


def record(conn, params: dict) -> int:
    """Replace night D's findings and resolved rows; returns how many were resolved."""
    sqlfile.execute(conn, __name__, "history", params)
    return conn.execute("SELECT count(*) FROM recon.resolved WHERE night = %s", (params["night"],)).fetchone()[0]

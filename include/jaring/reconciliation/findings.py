"""The findings of `findings.md` for night D, computed set-based into `work.rc_finding` by the reconciliation's two
sessions (`jaring.reconciliation.run`).

Severity (the hub's judgement, shown to every audience):
- TINGGI: money or a benefit is being lost now - DECEASED_STILL_ACTIVE, DEATH_BENEFIT_UNCLAIMED,
  PAYMENT_NOT_REMITTED (collected by an RT, never reached BPJS), PREMIUM_ARREARS of 3 or more
  months (the worker is effectively uncovered), DUPLICATE_PARTICIPANT when the city pays one of them;
- SEDANG: must be corrected but nobody is harmed yet - MOVED_OUT_OF_CITY, NO_LONGER_ELIGIBLE,
  NIK_NOT_IN_REGISTRY, NIK_MISMATCH, IDENTITY_MISMATCH (a wrong identity blocks a future claim),
  other DUPLICATE_PARTICIPANT, PREMIUM_ARREARS of 1-2 months, PAYMENT_AMOUNT_MISMATCH,
  ELIGIBLE_NOT_ENROLLED within the quota;
- RENDAH: ELIGIBLE_NOT_ENROLLED on the waiting list, INVALID_SOURCE_RECORD.
"""

from __future__ import annotations

from jaring.findings_contract import CODES
from jaring.warehouse import sqlfile

# by the session that made rc_participant; beside it, by the second session; then the eligible
HERE = ("participant_findings", "death_benefit")
BESIDE = ("ledger_findings", "invalid_findings")
ELIGIBLE = "eligible_findings"


def start(conn) -> None:
    """`work.rc_finding`, empty (and what a failed run before left in `work`, gone)."""
    sqlfile.execute(conn, __name__, "work_tables")


def prepare(conn, params: dict) -> None:
    """This session's working tables: `rc_participant` (needs night D's recon.link) and `rc_dead_payment`."""
    sqlfile.execute(conn, __name__, "base", params)


def compute(conn, params: dict, files: tuple[str, ...]) -> None:
    """Add the findings of `files` (HERE needs `prepare`, ELIGIBLE the eligibility tables) to `work.rc_finding`."""
    for name in files:
        sqlfile.execute(conn, __name__, name, params)


def counts(conn) -> dict[str, int]:
    """The findings of both sessions, per code."""
    found = dict.fromkeys(CODES, 0)
    for code, n in conn.execute("SELECT finding_code, count(*) FROM work.rc_finding GROUP BY finding_code"):
        found[code] = n
    return found

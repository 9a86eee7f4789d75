"""The findings of `findings.md` for night D, computed set-based into the temporary `rc_finding`.

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

FILES = ("participant_findings", "death_benefit", "eligible_findings", "ledger_findings", "invalid_findings")


def prepare(conn, params: dict) -> None:
    """The working tables: `rc_finding` (empty), `rc_participant` (needs night D's recon.link) and
    `rc_dead_payment`."""
    sqlfile.execute(conn, __name__, "base", params)


def compute(conn, params: dict) -> dict[str, int]:
    """Fill `rc_finding` (needs `prepare` and the eligibility tables); returns counts per code."""
    for name in FILES:
        sqlfile.execute(conn, __name__, name, params)
    counts = dict.fromkeys(CODES, 0)
    for code, n in conn.execute("SELECT finding_code, count(*) FROM rc_finding GROUP BY finding_code"):
        counts[code] = n
    return counts

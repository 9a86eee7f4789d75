"""Eligible people and their quota priority (policy.md), as the temporary table `rc_eligible`.

Eligible = alive, domicile in the city, age (whole years at D) within the policy's range, and
either linked to a DTSEN individual of the current release with family desil <= max desil and an
informal `status_pekerjaan`, or proposed in an RT `USULAN` sheet (any month up to D) under a
category active in D's year. Several DTSEN individuals on one person (DTSEN repeats NIKs): the
person qualifies if one of them does, and their desil is the lowest non-null desil among them.

Quota ranking of the eligible not enrolled: desil ascending, no desil after every desil (policy.md:
"RT proposals without a DTSEN desil rank after desil 5"; a proposed person with DTSEN desil 7 keeps
desil 7 and so ranks before one without any desil), then RT proposals first, then older first
(birth date), then NIK. The first
`quota(year of D) - AKTIF APBD participants` are within quota.
"""

from __future__ import annotations

from jaring.warehouse import sqlfile


def evidence(conn, params: dict) -> None:
    """`work.rc_dtsen` and `work.rc_proposal` (the second session: `jaring.reconciliation.run`)."""
    sqlfile.execute(conn, __name__, "eligibility_evidence", params)


def compute(conn, params: dict) -> None:
    """`rc_enrolled` and `rc_eligible` (needs `evidence` and `rc_participant`)."""
    sqlfile.execute(conn, __name__, "eligibility", params)

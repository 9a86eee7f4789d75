"""Reconciliation: link every person across the sources and compute the findings of night D.

`run(night, conn, policy)` replaces night D's rows of `recon.link`, `recon.finding`,
`recon.resolved` and `recon.figures` in one transaction (rerunning a night gives the same rows).
Linking: `jaring.linking.link`; eligibility and quota: `eligibility`; the codes: `findings`;
history: `history`; programme figures: `figures`.
"""

from __future__ import annotations

import logging
import time
from datetime import date

log = logging.getLogger(__name__)

_TEMP_TABLES = ("rc_finding", "rc_participant", "rc_dead_payment", "rc_dtsen", "rc_proposal", "rc_enrolled",
                "rc_eligible", "rc_ledger", "rc_received", "rc_unmatched")


def run(night: date, conn, policy, previous: date | None = None, registry_changes: bool = False) -> dict[str, int]:
    """Links, findings, history and figures of night D; returns counts per finding code
    (plus `resolved`, `links` and `links_carried`). `previous`: a night whose links may be carried,
    `registry_changes`: whether `staging.person_change` says what changed in its registry (`link_all`)."""
    from jaring.linking.link import link_all
    from jaring.reconciliation import eligibility, figures, findings, history, parameters
    from jaring.warehouse import partitions

    params = parameters.build(night, policy)
    started = time.monotonic()
    phases: dict[str, float] = {}

    def done(phase: str) -> None:  # seconds per phase, for the benchmark and the log (counts only)
        phases[phase] = round(time.monotonic() - started - sum(phases.values()), 2)

    with conn.transaction():
        links = link_all(night, conn, previous, registry_changes)
        if not links.carried:  # else link_all analysed it after carrying (only the few links after are unseen)
            partitions.analyze(conn, "recon.link", night)
        done("linking")
        # the working tables (rc_*) are planned from statistics of 3,000 sampled rows, not 30,000: their
        # ANALYZEs took over half a second of every night, for the same plans
        conn.execute(f"SET LOCAL default_statistics_target = {partitions.SAMPLED_STATISTICS_TARGET}")
        findings.prepare(conn, params)
        payers = figures.active_by_payer(conn, params)
        params["quota_left"] = max(params["quota"] - payers.get(policy.apbd_payer, 0), 0)
        eligibility.compute(conn, params)
        done("eligibility")
        counts = findings.compute(conn, params)
        done("findings")
        params["previous"] = history.previous_computed_night(conn, night)
        figures.write(conn, night, figures.compute(conn, params, payers) | {
            "compared_with": params["previous"] and params["previous"].isoformat()})
        counts["resolved"] = history.record(conn, params)
        counts["links"] = sum(links.by_method.values())
        counts["links_carried"] = links.carried
        for table in _TEMP_TABLES:
            conn.execute(f"DROP TABLE IF EXISTS {table}")
        conn.execute("SET LOCAL default_statistics_target TO DEFAULT")  # recon.*'s own, analysed after
        done("history_and_figures")
    counts["phase_seconds"] = phases
    log.info("night %s reconciled in %.1f s: %s", night, time.monotonic() - started, counts)
    return counts

"""Reconciliation: link every person across the sources and compute the findings of night D.

`run(night, conn, policy)` replaces night D's rows of `recon.link` in one transaction, then those of
`recon.finding`, `recon.resolved` and `recon.figures` in a second (rerunning a night gives the same rows; when
the second fails, the night's links are new and its findings as they were: the reconcile step failed, so the
next night links every record again and the night is not published).
Linking: `jaring.linking.link`; eligibility and quota: `eligibility`; the codes: `findings`;
history: `history`; programme figures: `figures`.

The findings are computed in two sessions at once (PostgreSQL runs a session's statements one at a time, on one
core): this one computes the participants' findings while a second computes the DTSEN and RT evidence and
the ledgers' and invalid records' findings from the committed links; then this one ranks the eligible and
writes the night. What both read goes through the unlogged tables of schema `work`.
"""

from __future__ import annotations

import contextlib
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date

log = logging.getLogger(__name__)

_TEMP_TABLES = ("rc_participant", "rc_dead_payment", "rc_enrolled", "rc_eligible")
_WORK_TABLES = ("work.rc_finding", "work.rc_dtsen", "work.rc_proposal")


def run(night: date, conn, policy, previous: date | None = None, registry_changes: bool = False) -> dict[str, int]:
    """Links, findings, history and figures of night D; returns counts per finding code
    (plus `resolved`, `links` and `links_carried`). `conn` must be idle (no transaction open): the links are
    committed before the findings are computed. `previous`: a night whose links may be carried,
    `registry_changes`: whether `staging.person_change` says what changed in its registry (`link_all`)."""
    from psycopg import pq

    from jaring.linking.link import link_all
    from jaring.reconciliation import findings, parameters
    from jaring.warehouse import db, partitions

    if conn.info.transaction_status != pq.TransactionStatus.IDLE:
        raise RuntimeError("reconciliation.run needs an idle connection: it commits night D's links "
                           "before a second session reads them")
    params = parameters.build(night, policy)
    started = time.monotonic()
    phases: dict[str, float] = {}

    def done(phase: str) -> None:  # seconds per phase, for the benchmark and the log (counts only)
        phases[phase] = round(time.monotonic() - started - sum(phases.values()), 2)

    with conn.transaction():
        links = link_all(night, conn, previous, registry_changes)
        if not links.carried:  # else link_all analysed it after carrying (only the few links after are unseen)
            partitions.analyze(conn, "recon.link", night)
        findings.start(conn)
    done("linking")
    try:
        with db.connect_beside(conn) as beside, ThreadPoolExecutor(1, thread_name_prefix="reconcile") as pool:
            evidence = pool.submit(_beside, beside, dict(params))
            with conn.transaction():
                counts = _findings_and_history(conn, params, policy, evidence, done)
    except BaseException:
        _drop_work_tables(conn)
        raise
    counts |= {"links": sum(links.by_method.values()), "links_carried": links.carried, "phase_seconds": phases}
    log.info("night %s reconciled in %.1f s: %s", night, time.monotonic() - started, counts)
    return counts


def _findings_and_history(conn, params: dict, policy, evidence, done) -> dict[str, int]:
    """This session's share, then (`evidence`: the second session's, awaited) the eligible, the history and
    the figures; the working tables dropped."""
    from jaring.reconciliation import eligibility, figures, findings, history

    _sampled_statistics(conn)
    findings.prepare(conn, params)
    payers = figures.active_by_payer(conn, params)
    params["quota_left"] = max(params["quota"] - payers.get(policy.apbd_payer, 0), 0)
    findings.compute(conn, params, findings.HERE)
    evidence.result()
    done("participants_beside_evidence")
    eligibility.compute(conn, params)
    findings.compute(conn, params, (findings.ELIGIBLE,))
    counts = findings.counts(conn)
    # the night's findings, gathered from both sessions, are compared with night D-1's (history): planned from
    # their statistics, the resolved ones are found in 0.06 s instead of 0.18-0.23
    conn.execute("ANALYZE work.rc_finding")
    done("eligibility")
    night = params["night"]
    params["previous"] = history.previous_computed_night(conn, night)
    figures.write(conn, night, figures.compute(conn, params, payers) | {
        "compared_with": params["previous"] and params["previous"].isoformat()})
    counts["resolved"] = history.record(conn, params)
    conn.execute(f"DROP TABLE IF EXISTS {', '.join(_TEMP_TABLES + _WORK_TABLES)}")
    conn.execute("SET LOCAL default_statistics_target TO DEFAULT")  # recon.*'s own, analysed after
    done("history_and_figures")
    return counts


def _beside(conn, params: dict) -> None:
    """The second session's share, in a transaction of its own (committed: the first session reads it)."""
    from jaring.reconciliation import eligibility, findings

    with conn.transaction():
        _sampled_statistics(conn)
        eligibility.evidence(conn, params)
        findings.compute(conn, params, findings.BESIDE)


def _drop_work_tables(conn) -> None:
    """The shared working tables hold NIKs and names: a failed run drops them too (when its connection is
    lost, the next run does)."""
    import psycopg

    with contextlib.suppress(psycopg.Error), conn.transaction():
        conn.execute(f"DROP TABLE IF EXISTS {', '.join(_WORK_TABLES)}")


def _sampled_statistics(conn) -> None:
    # the working tables are planned from statistics of 3,000 sampled rows, not 30,000: their ANALYZEs took
    # over half a second of every night, for the same plans
    from jaring.warehouse import partitions

    conn.execute(f"SET LOCAL default_statistics_target = {partitions.SAMPLED_STATISTICS_TARGET}")

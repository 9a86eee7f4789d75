"""
# Jaring — nightly reconciliation

**Owner:** Jaring data engineering (Kota Jambi). **Runs:** every day at 02:00 WIB
for the day before (night D = the data interval's day).

Pulls the four sources as of the end of night D, validates them with Great
Expectations, links each person across them, computes the findings of
`findings.md`, writes the outbox and delivers each agency its report.

| task | does |
| --- | --- |
| `ingest_dukcapil` | civil registry as of D → `staging.person` |
| `ingest_bpjs` | BPJS roster, payments, claims as of D |
| `ingest_dtsen` | the DTSEN release current at D |
| `ingest_rt` | RT ledgers uploaded by the end of D |
| `reconcile` | links and findings of night D (needs all four sources) |
| `publish_outbox` | `JARING_OUTBOX/<D>/` for every audience |
| `send_reports`, `put_bpjs` | e-mail each audience; PUT BPJS's share |

A failed source fails its own task (its log names the source); the other
sources still land, and reconciliation waits until the night is re-run.
Every task replaces night D's rows, so clearing a task, re-running a night or
a backfill (`airflow backfill create --dag-id jaring_nightly --from-date …
--to-date … --max-active-runs 1`) never duplicates anything. A manual run can
name its night in the `night` parameter.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Asset, CronDataIntervalTimetable, Param, dag, task

from jaring.pipeline import STEPS

SOURCE_ASSETS = {
    "ingest_dukcapil": Asset("jaring://warehouse/staging/person"),
    "ingest_bpjs": Asset("jaring://warehouse/staging/participant"),
    "ingest_dtsen": Asset("jaring://warehouse/staging/dtsen_individual"),
    "ingest_rt": Asset("jaring://warehouse/staging/rt_row"),
    "reconcile": Asset("jaring://warehouse/recon/finding"),
}


def run_step(step: str, params=None, data_interval_start=None, dag_run=None) -> dict:
    """Run one pipeline step for this run's night; returns counts (no personal data)."""
    from jaring import pipeline
    from jaring.nights import night_of_run

    night = night_of_run((params or {}).get("night"), data_interval_start, getattr(dag_run, "run_after", None))
    return {"night": night.isoformat(), **pipeline.run_step(step, night)}


@dag(
    dag_id="jaring_nightly",
    schedule=CronDataIntervalTimetable("0 2 * * *", timezone="Asia/Jakarta"),
    start_date=pendulum.datetime(2026, 11, 1, tz="Asia/Jakarta"),
    catchup=False,
    max_active_runs=1,  # night D's NEW/PERSISTING status is computed against night D-1
    default_args={
        "owner": "jaring-data",
        "retries": 2,
        "retry_delay": timedelta(minutes=5),
        "retry_exponential_backoff": True,
    },
    params={"night": Param(None, type=["null", "string"], format="date", description="YYYY-MM-DD; empty = the interval's day")},
    tags=["jaring", "nightly"],
    doc_md=__doc__,
)
def jaring_nightly():
    tasks = {}
    for name, step in STEPS.items():
        outlets = [SOURCE_ASSETS[name]] if name in SOURCE_ASSETS else []
        tasks[name] = task(run_step, task_id=name, outlets=outlets, doc_md=step.doc)(step=name)
    for name, step in STEPS.items():
        for need in step.needs:
            tasks[need] >> tasks[name]


jaring_nightly()

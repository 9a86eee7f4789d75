"""
# Jaring — nightly reconciliation

**Owner:** Jaring data engineering (Kota Jambi). **Runs:** every day at 02:00 WIB
for the day before (night D = the data interval's day).

Pulls the four sources as of the end of night D, validates them with Great
Expectations, links each person across them, computes the findings of
`findings.md`, writes the outbox and delivers each agency its report.

| task | does |
| --- | --- |
| `night` | which night this run reconciles (the interval's day, or the `night` parameter) |
| `ingest_dukcapil` | civil registry as of D → `staging.person` |
| `ingest_bpjs` | BPJS roster, payments, claims as of D |
| `ingest_dtsen` | the DTSEN release current at D |
| `parse_rt` | one mapped task per part of the RT inbox (`JARING_TASK_PARTS`): ledgers never parsed before |
| `ingest_rt` | RT ledgers uploaded by the end of D |
| `reconcile` | links and findings of night D (needs all four sources) |
| `build_datadocs` | the night's Data Docs (each source's checks), beside reconcile; also after a failed source |
| `prepare_outbox` | the plan: the audiences in parts of about equal rows |
| `publish_audiences` | one mapped task per part: its audiences' workbooks and pages (`JARING_TASK_PARTS`, default 4); part 1 also the city-wide files |
| `publish_outbox` | the complete folder swapped in as `JARING_OUTBOX/<D>/` |
| `prune_warehouse` | deletes the raw answers, staged rows and links of the nights before the `JARING_KEEP_NIGHTS` kept |
| `send_reports`, `put_bpjs` | e-mail each audience; PUT BPJS's share |
| `run_note` | the run's note: the night, its counts, links to the city report and the Data Docs (or what failed, and the Data Docs) |

A failed source fails its own task (its log names the source and its connection) and
mails the engineers (`engineers` in JARING_RECIPIENTS), and the night's Data Docs are built anyway
(a rejected source's verdicts, linked from the run's note); a run not done 4 hours after it was queued
(06:00 WIB for the 02:00 run) mails them too (a deadline alert, sent by the triggerer); the other sources still land, and
reconciliation waits until the night is re-run. A failure retrying cannot mend (a source
rejected by its expectations, refused credentials, a bad policy file) fails at once; a source
that is down is retried, the run red within ~16 minutes. Every task replaces night D's rows,
so clearing a task or re-running a night never duplicates anything.

- **Missed nights** are caught up in order (catchup from `JARING_FIRST_NIGHT`); a night is
  compared with the latest computed night before it, which its report names.
- **Backfill** nights D1..D2 inclusive with `jaring backfill --from D1 --to D2 [--deliver]`
  (it passes `--to-date` D2+1: Airflow keeps logical dates in [from, to), and night D's is
  D 02:00 WIB = D-1 19:00 UTC). In the UI's dialog pick from D1 00:00 to D2+1 00:00 with the UI's
  time zone set to Asia/Jakarta, or from D1-1 17:00 to D2 17:00 in UTC. A backfill
  ignores the `night` parameter and, unless asked, delivers nothing; it runs only while the
  DAG is unpaused. The nights after a recomputed night are stale (`jaring status` says so):
  `jaring backfill --stale` recomputes them in order.
- **deliver** off: the outbox is written, nothing is mailed or PUT (`send_reports` and
  `put_bpjs` are skipped).
- **full**: a night builds the registry on night D-1's (its `/v1/peristiwa` events), reuses an
  unchanged DTSEN release and carries over the BPJS months whose pages did not change; `full` =
  true pulls and judges them whole. A backfill pulls in full unless
  `full` = false; a night whose night before did not land pulls in full anyway.
- `jaring status --date D` lists every attempt of every step; the warehouse schema is
  migrated once per deployment (`jaring db migrate`), not by the tasks.
"""

from __future__ import annotations

import logging
import os
from datetime import date, timedelta

import pendulum
from airflow.sdk import (
    Asset,
    AsyncCallback,
    CronDataIntervalTimetable,
    DeadlineAlert,
    DeadlineReference,
    Param,
    dag,
    get_current_context,
    task,
)
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

from jaring import config, pipeline
from jaring.alerts import failure_alert, night_not_published
from jaring.pipeline import STEPS

log = logging.getLogger(__name__)
PARTS = config.task_parts()  # how many mapped tasks parse_rt is (publish_audiences: what prepare_outbox plans)


def outlets(step: str) -> list[Asset]:
    """The warehouse tables a step writes, as Assets (our own URI scheme: see README)."""
    return [Asset(f"jaring://warehouse/{table.replace('.', '/')}") for table in STEPS[step].writes]


def pulls_in_full(params, dag_run) -> bool:
    """An incremental step builds on night D-1 unless the run asks for a full pull: the `full`
    parameter, or a backfill (a source was fixed after the fact: read it whole) unless it says full=false."""
    requested = (params or {}).get("full")
    if "backfill" in str(getattr(dag_run, "run_type", "")):
        return requested is not False
    return bool(requested)


def run_step(name: str, night: str, full: bool = False, part: dict | None = None) -> dict:
    """One step of the night, journaled in ops.step_run; the XCom is its counts and the night.
    A failure retrying cannot mend (a rejected source, refused credentials) fails at once."""
    try:
        counts = pipeline.run_step(name, date.fromisoformat(night), full=full, part=part)
    except pipeline.StepFailed as failure:
        if failure.permanent:
            raise AirflowFailException(str(failure)) from None
        raise
    events = get_current_context()["outlet_events"]
    for asset in outlets(name):  # each Asset event says which night it is
        events[asset].extra = {"night": night}
    return {"night": night, **counts}


def delivery_step(name: str, night: str, params) -> dict:
    """A step that reaches the agencies runs only when the run delivers."""
    if not (params or {}).get("deliver", True):
        raise AirflowSkipException(f"deliver is off for this run: {name} sent nothing "
                                   "(trigger with deliver=true, or `jaring backfill --deliver`)")
    return run_step(name, night)


def label_part(part: dict) -> None:
    """A mapped task's name in the UI (its `map_index_template`): part n of m, and its audiences if it has any."""
    audiences = f": {len(part['audiences'])} audiences" if "audiences" in part else ""
    get_current_context()["part_label"] = f"{part['part']}/{part['of']}{audiences}"


def night_deadline(minutes: float) -> DeadlineAlert | None:
    """A scheduled run is queued at 02:00 WIB: the officials' reports must be out by 06:00, or the
    triggerer mails the engineers. JARING_DEADLINE_MINUTES shortens it in tests; 0 turns it off, which
    `airflow dags test` needs until apache/airflow#73428 (it exits 1 after a good run of a DAG with a
    deadline) is fixed."""
    if minutes <= 0:
        return None
    return DeadlineAlert(reference=DeadlineReference.DAGRUN_QUEUED_AT, interval=timedelta(minutes=minutes),
                         callback=AsyncCallback(night_not_published))


def step_task(name: str, **options):
    """The task of one pipeline step: its docs, its Assets, one XCom of counts (no personal data)."""
    return task(**{"task_id": name, "outlets": outlets(name), "doc_md": STEPS[name].doc, "multiple_outputs": False,
                   "trigger_rule": "all_done" if STEPS[name].after_failures else "all_success", **options})


@dag(
    dag_id=pipeline.DAG_ID,
    description="Kota Jambi safety net: pull the four agencies as of night D, reconcile, publish and deliver",
    schedule=CronDataIntervalTimetable("0 2 * * *", timezone="Asia/Jakarta"),
    # every night from the first one the deployment names is computed, in order: after an outage the
    # scheduler catches up the nights it missed instead of skipping them
    start_date=pendulum.parse(os.environ.get("JARING_FIRST_NIGHT", "2026-11-01"), tz="Asia/Jakarta"),
    catchup=True,
    max_active_runs=1,  # night D's NEW/PERSISTING status is computed against the night before it
    # a source down for good: 3 attempts of a 300 s HTTP budget 30 s apart, the run red in ~16 min
    default_args={
        "owner": "jaring-data",
        "retries": 2,
        "retry_delay": timedelta(seconds=30),
        "execution_timeout": timedelta(minutes=20),  # a city step takes ≤ 1 min (make benchmark)
        "on_failure_callback": failure_alert(),
    },
    on_failure_callback=failure_alert(),
    dagrun_timeout=timedelta(hours=2),
    deadline=night_deadline(float(os.environ.get("JARING_DEADLINE_MINUTES", 240))),
    params={
        "night": Param(None, type=["null", "string"], format="date",
                       description="YYYY-MM-DD; empty = the interval's day (ignored in a backfill)"),
        "deliver": Param(True, type="boolean",
                         description="mail the reports and PUT BPJS's share (jaring backfill: off unless --deliver)"),
        "full": Param(None, type=["null", "boolean"],
                      description="pull every source in full and link every record instead of building on "
                                  "night D-1 (empty: incremental, except in a backfill)"),
    },
    tags=["jaring", "nightly"],
    doc_md=__doc__,
)
def jaring_nightly():
    @task(multiple_outputs=False)
    def night(params=None, data_interval_start=None, dag_run=None) -> str:
        """The night this run reconciles, resolved once for every task."""
        from jaring.nights import night_of_run

        requested = (params or {}).get("night")
        if requested and "backfill" in str(getattr(dag_run, "run_type", "")):
            log.warning("backfill: each run reconciles its own night; the night parameter %s is ignored", requested)
            requested = None
        return night_of_run(requested, data_interval_start, getattr(dag_run, "run_after", None)).isoformat()

    @step_task("ingest_dukcapil")
    def ingest_dukcapil(night: str, params=None, dag_run=None) -> dict:
        return run_step("ingest_dukcapil", night, full=pulls_in_full(params, dag_run))

    @step_task("ingest_bpjs")
    def ingest_bpjs(night: str, params=None, dag_run=None) -> dict:
        return run_step("ingest_bpjs", night, full=pulls_in_full(params, dag_run))

    @step_task("ingest_dtsen")
    def ingest_dtsen(night: str, params=None, dag_run=None) -> dict:
        return run_step("ingest_dtsen", night, full=pulls_in_full(params, dag_run))

    @step_task("parse_rt", map_index_template="{{ part_label }}")
    def parse_rt(night: str, part: dict) -> dict:
        label_part(part)
        return run_step("parse_rt", night, part=part)

    @step_task("ingest_rt")
    def ingest_rt(night: str, params=None, dag_run=None) -> dict:
        return run_step("ingest_rt", night, full=pulls_in_full(params, dag_run))

    @step_task("reconcile")
    def reconcile(night: str, params=None, dag_run=None) -> dict:
        return run_step("reconcile", night, full=pulls_in_full(params, dag_run))

    @step_task("build_datadocs")
    def build_datadocs(night: str) -> dict:
        return run_step("build_datadocs", night)

    @step_task("prepare_outbox")
    def prepare_outbox(night: str) -> list[dict]:
        """Its XCom is what publish_audiences is mapped over: one argument per part (audience names, no
        personal data); its counts are in ops.step_run."""
        return run_step("prepare_outbox", night)["parts"]

    @step_task("publish_audiences", map_index_template="{{ part_label }}")
    def publish_audiences(night: str, part: dict) -> dict:
        label_part(part)
        return run_step("publish_audiences", night, part=part)

    @step_task("publish_outbox")
    def publish_outbox(night: str) -> dict:
        return run_step("publish_outbox", night)

    @step_task("prune_warehouse")
    def prune_warehouse(night: str) -> dict:
        return run_step("prune_warehouse", night)

    @step_task("send_reports")
    def send_reports(night: str, params=None) -> dict:
        return delivery_step("send_reports", night, params)

    @step_task("put_bpjs")
    def put_bpjs(night: str, params=None) -> dict:
        return delivery_step("put_bpjs", night, params)

    @task(trigger_rule="all_done", multiple_outputs=False,
          doc_md="Writes the run's note (shown on the run's page and in the run list): the night, its counts, "
                 "the links to the city report and the Data Docs, or which step failed. Needs the `airflow_api` "
                 "connection (the API server, a user allowed to edit runs); skipped without it. Its failure "
                 "never hides the night's own state.")
    def run_note(night: str, dag_run=None) -> dict:
        from jaring.run_note import compose, outbox_url, write
        from jaring.warehouse import db

        with db.connect() as conn:
            note = compose(date.fromisoformat(night), conn, outbox_url())
        log.info("run note:\n%s", note)
        try:
            write(pipeline.DAG_ID, dag_run.run_id, note)
        except Exception as exc:  # noqa: BLE001 - a note that cannot be written must not turn a good night red
            raise AirflowSkipException(f"the run's note is not written: {exc}") from None
        return {"night": night, "note_lines": note.count("\n\n") + 1}

    d = night()
    ledgers = ingest_rt(d)
    parse_rt.partial(night=d).expand(part=[{"part": n, "of": PARTS} for n in range(1, PARTS + 1)]) >> ledgers
    sources = [ingest_dukcapil(d), ingest_bpjs(d), ingest_dtsen(d), ledgers]
    links = reconcile(d)
    prepared = prepare_outbox(d)
    outbox = publish_outbox(d)
    sources >> links >> [prepared, put_bpjs(d)]
    docs = build_datadocs(d)
    sources >> docs >> prepared
    publish_audiences.partial(night=d).expand(part=prepared) >> outbox
    outbox >> [send_reports(d), prune_warehouse(d)]
    [outbox, docs] >> run_note(d)


jaring_nightly()

"""The steps of one night, in dependency order.

The Airflow DAG runs each step as a task; `jaring night --date D` runs them in
this process. Either way a step is `run_step(name, night)`: it opens the
warehouse (which `jaring db migrate` has brought to the code's version), does
its work in its own transaction(s), and journals each attempt in
`ops.step_run`. Steps return counts only, never personal data (they end up in
XCom and logs).
"""

from __future__ import annotations

import logging
import os
import re
import time
import traceback
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from jaring import config
from jaring.config import WAREHOUSE_CONN_ID
from jaring.errors import Permanent
from jaring.nik import mask

log = logging.getLogger(__name__)


# The steps. Each imports its work where it runs, so that the DAG file (which imports this module)
# parses without pandas or Great Expectations.

def ingest_dukcapil(night: date, conn, full: bool = False) -> dict:
    from jaring.sources import dukcapil

    return dukcapil.ingest(night, conn, full=full)


def ingest_bpjs(night: date, conn, full: bool = False) -> dict:
    from jaring.sources import bpjs

    return bpjs.ingest(night, conn, full=full)


def ingest_dtsen(night: date, conn, full: bool = False) -> dict:
    from jaring.sources import dtsen

    return dtsen.ingest(night, conn, full=full)


def parse_rt(night: date, conn, part: dict | None = None) -> dict:
    from jaring.sources import rt_inbox

    return rt_inbox.parse_new(night, conn, config.rt_inbox(), part)


def ingest_rt(night: date, conn, full: bool = False) -> dict:
    from jaring.sources import rt_inbox

    return rt_inbox.ingest(night, conn, config.rt_inbox(), full=full)


def reconcile(night: date, conn, full: bool = False) -> dict:
    from jaring import policy, reconciliation
    from jaring.warehouse import db, sqlfile

    db.require_not_pruned(conn, night, db.STAGED)
    # NEW / PERSISTING of night D are computed against the latest night before it: reconciliations
    # of different nights take turns, so none reads a night another is still writing.
    conn.execute("SELECT pg_advisory_lock(hashtext('jaring.history'))")
    previous = None if full else links_to_carry(conn, night)
    registry_changes = bool(previous) and registry_changes_known(conn, night, previous)
    conn.commit()  # the reads end here (the lock is the session's): reconciliation.run starts on an idle connection
    counts = reconciliation.run(night, conn, policy.load(), previous, registry_changes)
    later = [d for (d,) in sqlfile.execute(conn, __name__, "later_reconciled_nights", {"night": night})]
    if later:
        log.warning("night %s reconciled again: the history of the %d later night(s) %s … %s is stale until "
                    "they are recomputed (jaring backfill --stale)", night, len(later), later[0], later[-1])
    return {**counts, "later_nights_stale": len(later)}


def registry_changes_known(conn, night: date, previous: date) -> bool:
    """Whether night D's registry is night `previous`'s as it is now with only the persons of
    `staging.person_change` replaced: D's latest registry ingest applied the day's events to it, and began
    after every attempt at `previous`'s registry had ended."""
    from jaring.warehouse import sqlfile

    return sqlfile.execute(conn, __name__, "registry_changes_known", {
        "night": night, "previous": previous, "step": "ingest_dukcapil"}).fetchone() is not None


def links_to_carry(conn, night: date) -> date | None:
    """Night D-1 when night D may keep its links (`link_all`): D-1 was reconciled after its sources last
    landed. Else None: night D links every record."""
    from jaring.warehouse import sqlfile

    found = sqlfile.execute(conn, __name__, "links_to_carry", {
        "night": night, "staging_steps": [*INGEST_STEPS, "parse_rt"]}).fetchone()
    return found and found[0]


def build_datadocs(night: date, conn) -> dict:
    from jaring.validation import datadocs

    # into <D>/datadocs/, which publish_outbox carries into the night's folder it swaps in
    return {"datadocs": str(datadocs.build(night, datadocs.load_results(conn, night), config.outbox()))}


def prepare_outbox(night: date, conn) -> dict:
    from jaring.publishing import outbox

    return outbox.prepare(night, conn, config.outbox())


def publish_audiences(night: date, conn, part: dict | None = None) -> dict:
    from jaring.publishing import outbox

    return outbox.publish_part(night, conn, config.outbox(), part)


def publish_outbox(night: date, conn) -> dict:
    from jaring.publishing import outbox

    return {"outbox": str(outbox.release(night, config.outbox()))}


def prune_warehouse(night: date, conn) -> dict:
    from jaring.warehouse import db, partitions

    # night D is published: the sources and links of the nights before the kept ones are no longer needed
    pruned = db.prune(conn, night, config.keep_nights())
    partitions.refresh(conn, night)  # what the next nights' joins are planned with, off the reports' path
    return {"nights_pruned": len(pruned)}


def send_reports(night: date, conn) -> dict:
    from jaring.publishing import send_reports as send

    return send(night, config.outbox(), config.recipients_file())


def put_bpjs(night: date, conn) -> dict:
    from jaring.publishing import put_bpjs as put

    return put(night, conn)


@dataclass(frozen=True)
class Step:
    name: str
    work: Callable[[date, Any], dict]
    needs: tuple[str, ...] = ()
    doc: str = ""
    writes: tuple[str, ...] = ()  # tables whose statistics the step refreshes after it wrote them
    incremental: bool = False  # builds on the previous night unless asked for a full pull (`full`)
    mapped: bool = False  # divides into parts (`part`), each an Airflow mapped task; no part = every part
    after_failures: bool = False  # runs once its needs ended, succeeded or not (Airflow's `all_done`)


DAG_ID = "jaring_nightly"  # the Airflow DAG that runs these steps every night
INGEST_STEPS = ("ingest_dukcapil", "ingest_bpjs", "ingest_dtsen", "ingest_rt")
DELIVERY_STEPS = ("send_reports", "put_bpjs")  # what reaches the agencies: skipped when not delivering
PUBLISH_STEPS = ("prepare_outbox", "publish_audiences", "publish_outbox")  # `publish` in `jaring night --steps`


def steps_named(names: list[str]) -> list[str]:
    """`--steps` as step names: `publish` stands for the three publishing steps."""
    return [step for name in names for step in (PUBLISH_STEPS if name == "publish" else (name,))]

STEPS: dict[str, Step] = {
    step.name: step
    for step in (
        Step("ingest_dukcapil", ingest_dukcapil, doc="Civil registry as of D → `staging.person`. **On failure** "
             "the log names `dukcapil_api`: a refused token needs the connection's password; an API down "
             "for good, the agency; then clear this task.", writes=("staging.person",), incremental=True),
        Step("ingest_bpjs", ingest_bpjs, doc="BPJS roster, payments, claims as of D. **On failure** the log "
             "names `bpjs_tk_api` (credentials: login/password of the connection); clear this task once "
             "BPJS answers.", writes=("staging.participant", "staging.payment", "staging.claim"), incremental=True),
        Step("ingest_dtsen", ingest_dtsen, doc="The DTSEN release current at D. **On failure** check the "
             "`dtsen_db` connection and that a release with `tgl_rilis` ≤ D exists.",
             writes=("staging.dtsen_individual",), incremental=True),
        Step("parse_rt", parse_rt, doc="Parses the RT ledgers uploaded by the end of D that were never parsed "
             "(a file content is parsed once, kept by path and sha256): Airflow maps one task over each part of "
             "the files, `jaring night` parses them all. **On failure** check that JARING_RT_INBOX is mounted.",
             mapped=True),
        Step("ingest_rt", ingest_rt, ("parse_rt",), "RT ledgers uploaded by the end of D → `staging.rt_row` "
             "(what parse_rt has not parsed, it parses). **On failure** check that JARING_RT_INBOX is mounted; a "
             "bad file never fails the step (it is reported to its RT).", writes=("staging.rt_row",), incremental=True),
        Step("reconcile", reconcile, INGEST_STEPS, "Links and findings of night D. Runs only when all four "
             "sources landed: fix the failed source and clear it, this task follows.",
             writes=("recon.finding",), incremental=True),  # recon.link: analysed inside (reconciliation.run)
        Step("build_datadocs", build_datadocs, INGEST_STEPS, "Night D's Great Expectations Data Docs (each "
             "source's checks and verdicts) in `JARING_OUTBOX/<D>/datadocs/`; runs beside reconcile, and also "
             "when a source failed: a rejected source's verdicts are what the engineer needs then. **On "
             "failure** check the outbox volume (space, permissions).", after_failures=True),
        Step("prepare_outbox", prepare_outbox, ("reconcile", "build_datadocs"), "Night D's plan of the "
             "audiences' parts, in `JARING_OUTBOX/.<D>.building/`. "
             "**On failure** check the outbox volume (space, permissions)."),
        Step("publish_audiences", publish_audiences, ("prepare_outbox",), "The workbooks and pages of one part "
             "of the audiences, and in part 1 the city-wide files (`findings.csv`, the city report); Airflow maps "
             "one task over each part, `jaring night` writes them all. Clearing a "
             "part rewrites it; a part of an older preparation fails: clear `prepare_outbox`.", mapped=True),
        Step("publish_outbox", publish_outbox, ("publish_audiences",), "Swaps the complete folder in as "
             "`JARING_OUTBOX/<D>/` (readers see the old night or the new one, never a mix) and indexes the outbox."),
        Step("prune_warehouse", prune_warehouse, ("publish_outbox",), "Deletes the raw answers, staged rows "
             "and links of the nights before the `JARING_KEEP_NIGHTS` kept (default 14; `ops.pruned_night` "
             "records them); the findings stay. Then, once a week, the statistics the nights' joins are planned "
             "with. After publishing, off the reports' path."),
        Step("send_reports", send_reports, ("publish_outbox",), "E-mail each audience its report "
             "(`smtp_default`). Skipped when the run does not deliver."),
        Step("put_bpjs", put_bpjs, ("reconcile",), "PUT BPJS's findings to `/v1/rekonsiliasi/<D>` and "
             "read them back. Skipped when the run does not deliver."),
    )
}


def not_succeeded(latest: dict[str, str]) -> list[str]:
    """The steps whose latest attempt (`latest`: journaled name -> status) did not succeed. A mapped step
    succeeded when it did whole (`jaring night`) or when every one of its parts did (Airflow)."""
    def succeeded(name: str) -> bool:
        parts = [status for step, status in latest.items() if step.startswith(f"{name}[")]
        return latest.get(name) == "success" or (STEPS[name].mapped and bool(parts) and set(parts) == {"success"})

    return [name for name in STEPS if not succeeded(name)]


PERSONAL_DATA_UMASK = 0o027
_LONG_NUMBER = re.compile(r"\d{15,16}")


def describe_failure(exc: BaseException) -> str:
    """The failure as one line for logs and ops.step_run; a NIK-like number that slipped into a
    library's message (a database error quoting a key, say) is masked."""
    text = f"{type(exc).__name__}: {exc}"
    return _LONG_NUMBER.sub(lambda m: mask(m.group()), text)


class StepFailed(RuntimeError):
    """A step failed; the message names the step and the cause, masked. `permanent`: retrying is
    pointless until someone acts (see jaring.errors)."""

    def __init__(self, message: str, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


class StepBusy(StepFailed):
    """The same step of the same night is running elsewhere."""


class NightFailed(RuntimeError):
    """One or more steps of a night failed; the message names them and why."""

    def __init__(self, message: str, result: NightResult):
        super().__init__(message)
        self.result = result


def run_step(name: str, night: date, conninfo: str | None = None, full: bool = False,
             part: dict | None = None) -> dict:
    """Run one step of night D against the warehouse, journaled in ops.step_run (one row per attempt).
    `full`: an incremental step pulls its source in full instead of building on night D-1. `part`: one
    part of a mapped step, journaled as `<step>[<n>]`."""
    from jaring import collector
    from jaring.warehouse import db, partitions

    step = STEPS[name]
    options = {"full": full} if step.incremental else {"part": part} if step.mapped else {}
    if part is not None:
        name = f"{name}[{part['part']}]"
    t0 = time.monotonic()
    # what a step writes (the outbox: NIKs, names) is never world-readable; the group may read,
    # for a web server that serves the outbox to the officials
    os.umask(PERSONAL_DATA_UMASK)
    with _exclusive(conninfo, night, name):
        attempt = _start(conninfo, night, name)
        conn = None
        try:
            with db.connect(conninfo) as conn, collector.rarely():
                db.require_current(conn)
                conn.commit()  # the check's read ends here: a step starts on an idle connection
                counts = step.work(night, conn, **options) or {}
                for table in step.writes:
                    # fresh statistics, or the night's joins are planned for the tables as they were before
                    partitions.analyze(conn, table, night)
                conn.commit()
        except Exception as exc:
            message = describe_failure(exc)
            if _warehouse_lost(exc, conn):
                message = f"{WAREHOUSE_CONN_ID}: the warehouse connection was lost: {message}"
            # Library messages may quote a record (psycopg adds the row's key to its DETAIL):
            # re-raise with the masked message, and log where it failed without the original text.
            log.error("night %s: %s failed at\n%s", night, name, "".join(traceback.format_tb(exc.__traceback__)))
            _finish(conninfo, night, name, attempt, "failed", {}, message)
            raise StepFailed(message, permanent=isinstance(exc, Permanent)) from None
        counts = {**counts, "seconds": round(time.monotonic() - t0, 2)}
        _finish(conninfo, night, name, attempt, "success", counts, None)
    log.info("night %s: %s done in %.1f s", night, name, counts["seconds"])
    return counts


@contextmanager
def _exclusive(conninfo: str | None, night: date, name: str):
    """Held while a step runs, so the CLI and Airflow (or two clears) never run one step of a night
    twice at once: the second fails fast instead of colliding on keys or on the outbox folder."""
    from jaring.warehouse import db

    with db.connect(conninfo, autocommit=True) as conn:
        taken = conn.execute("SELECT pg_try_advisory_lock(hashtext('jaring.step'), hashtext(%s))",
                             (f"{night}/{name}",)).fetchone()[0]
        if not taken:
            raise StepBusy(f"{name} of night {night} is already running (another `jaring night` or Airflow "
                           "run); not started")
        yield  # the lock goes with the connection


# The journal writes on connections of its own: the step's may be broken or rolled back.

def _start(conninfo: str | None, night: date, name: str) -> int:
    from jaring.warehouse import db, sqlfile

    with db.connect(conninfo, autocommit=True) as conn:
        return sqlfile.execute(conn, __name__, "step_run_start", {"night": night, "step": name}).fetchone()[0]


def _finish(conninfo, night, name, attempt, status, counts, message) -> None:
    """Best effort, retried for ~15 s: with the warehouse unreachable the attempt stays `running`, and the step's own
    outcome (its error, or its counts) is what the caller sees."""
    import json

    import psycopg

    from jaring.warehouse import db, sqlfile

    # a warehouse that restarts takes a few seconds to accept connections again: the end is worth the wait
    for wait in (0.5, 1, 2, 4, 8, None):
        try:
            with db.connect(conninfo, autocommit=True) as conn:
                sqlfile.execute(conn, __name__, "step_run_finish", {
                    "night": night, "step": name, "attempt": attempt, "status": status,
                    "counts": json.dumps(counts, default=str), "message": message})
            return
        except psycopg.OperationalError:
            if wait is None:
                break
            time.sleep(wait)
    log.error("night %s: %s %s, but ops.step_run could not record it (%s unreachable)", night, name, status,
              WAREHOUSE_CONN_ID)


def _warehouse_lost(exc: BaseException, conn) -> bool:
    """The step failed because the warehouse went away (not, say, the DTSEN database)."""
    import psycopg

    return isinstance(exc, psycopg.OperationalError) and (conn is None or conn.broken)


@dataclass
class NightResult:
    night: date
    done: dict[str, dict] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failed and not self.skipped


def run_night(night: date, only: list[str] | None = None, conninfo: str | None = None,
              full: bool = False) -> NightResult:
    """Run the steps of night D in dependency order.

    A failed source does not stop the other sources; the steps that need it are
    skipped, except those that run after failures too (the Data Docs). Raises NightFailed naming
    every failed and skipped step.
    """
    result = NightResult(night)
    for name, step in STEPS.items():
        if only and name not in only:
            continue
        missing = [need for need in step.needs if need in result.failed or need in result.skipped]
        if missing and not step.after_failures:
            result.skipped[name] = "needs " + ", ".join(missing)
            log.error("night %s: %s skipped (needs %s)", night, name, ", ".join(missing))
            continue
        try:
            result.done[name] = run_step(name, night, conninfo, full=full)
        except Exception as exc:  # noqa: BLE001 - every failure is reported, the others go on
            result.failed[name] = str(exc) if isinstance(exc, StepFailed) else describe_failure(exc)
            log.error("night %s: %s FAILED: %s", night, name, result.failed[name])
    if not result.ok:
        lines = [f"night {night} failed:"]
        lines += [f"  {name}: {why}" for name, why in result.failed.items()]
        lines += [f"  {name}: skipped, {why}" for name, why in result.skipped.items()]
        raise NightFailed("\n".join(lines), result)
    return result

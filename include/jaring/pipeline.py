"""The steps of one night, in dependency order.

The Airflow DAG runs each step as a task; `jaring night --date D` runs them in
this process. Either way a step is `run_step(name, night)`: it opens the
warehouse, does its work in its own transaction(s), and records itself in
`ops.step_run`. Steps return counts only, never personal data (they end up in
XCom and logs).
"""

from __future__ import annotations

import importlib
import logging
import re
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from jaring import config
from jaring.nights import WIB
from jaring.nik import mask

log = logging.getLogger(__name__)


def _ingest_dukcapil(night: date, conn) -> dict:
    return importlib.import_module("jaring.sources.dukcapil").ingest(night, conn)


def _ingest_bpjs(night: date, conn) -> dict:
    return importlib.import_module("jaring.sources.bpjs").ingest(night, conn)


def _ingest_dtsen(night: date, conn) -> dict:
    return importlib.import_module("jaring.sources.dtsen").ingest(night, conn)


def _ingest_rt(night: date, conn) -> dict:
    return importlib.import_module("jaring.sources.rt_inbox").ingest(night, conn, config.rt_inbox())


def _reconcile(night: date, conn) -> dict:
    from jaring import policy

    return importlib.import_module("jaring.reconciliation").run(night, conn, policy.load())


def _publish(night: date, conn) -> dict:
    # Data Docs first: write_outbox carries <D>/datadocs/ into the night's folder it swaps in.
    datadocs = importlib.import_module("jaring.validation.datadocs")
    docs = datadocs.build(night, datadocs.load_results(conn, night), config.outbox())
    path = importlib.import_module("jaring.publishing").write_outbox(night, conn, config.outbox())
    return {"outbox": str(path), "datadocs": str(docs)}


def _send_reports(night: date, conn) -> dict:
    publishing = importlib.import_module("jaring.publishing")
    return publishing.send_reports(night, config.outbox(), config.recipients_file())


def _put_bpjs(night: date, conn) -> dict:
    return importlib.import_module("jaring.publishing").put_bpjs(night, conn)


@dataclass(frozen=True)
class Step:
    name: str
    work: Callable[[date, Any], dict]
    needs: tuple[str, ...] = ()
    doc: str = ""
    writes: tuple[str, ...] = ()  # tables whose statistics the step refreshes after it wrote them


INGEST_STEPS = ("ingest_dukcapil", "ingest_bpjs", "ingest_dtsen", "ingest_rt")

STEPS: dict[str, Step] = {
    step.name: step
    for step in (
        Step("ingest_dukcapil", _ingest_dukcapil, doc="civil registry as of D → staging.person",
             writes=("staging.person",)),
        Step("ingest_bpjs", _ingest_bpjs, doc="BPJS roster, payments, claims as of D",
             writes=("staging.participant", "staging.payment", "staging.claim")),
        Step("ingest_dtsen", _ingest_dtsen, doc="DTSEN release current at D", writes=("staging.dtsen_individual",)),
        Step("ingest_rt", _ingest_rt, doc="RT ledgers uploaded by the end of D", writes=("staging.rt_row",)),
        Step("reconcile", _reconcile, INGEST_STEPS, "links and findings of night D"),
        Step("publish_outbox", _publish, ("reconcile",), "outbox/<D>/ for every audience"),
        Step("send_reports", _send_reports, ("publish_outbox",), "e-mail each audience its report"),
        Step("put_bpjs", _put_bpjs, ("reconcile",), "PUT BPJS's findings to /v1/rekonsiliasi/<D>"),
    )
}


_LONG_NUMBER = re.compile(r"\d{15,16}")


def describe_failure(exc: BaseException) -> str:
    """The failure as one line for logs and ops.step_run; a NIK-like number that slipped into a
    library's message (a database error quoting a key, say) is masked."""
    text = f"{type(exc).__name__}: {exc}"
    return _LONG_NUMBER.sub(lambda m: mask(m.group()), text)


class StepFailed(RuntimeError):
    """A step failed; the message names the step and the cause, masked."""


class NightFailed(RuntimeError):
    """One or more steps of a night failed; the message names them and why."""

    def __init__(self, message: str, result: NightResult):
        super().__init__(message)
        self.result = result


def run_step(name: str, night: date, conninfo: str | None = None) -> dict:
    """Run one step of night D against the warehouse and record it in ops.step_run."""
    from jaring.warehouse import db

    step = STEPS[name]
    started = datetime.now(WIB)
    t0 = time.monotonic()
    with db.connect(conninfo) as conn:
        db.migrate(conn)
        try:
            counts = step.work(night, conn) or {}
        except Exception as exc:
            conn.rollback()
            message = describe_failure(exc)
            _record(conn, night, name, "failed", started, {}, message)
            # Library messages may quote a record (psycopg adds the row's key to its DETAIL):
            # re-raise with the masked message, and log where it failed without the original text.
            log.error("night %s: %s failed at\n%s", night, name, "".join(traceback.format_tb(exc.__traceback__)))
            raise StepFailed(message) from None
        for table in step.writes:
            # fresh statistics, or the night's joins are planned for the tables as they were before
            conn.execute(f"ANALYZE {table}")
        conn.commit()
        counts = {**counts, "seconds": round(time.monotonic() - t0, 2)}
        _record(conn, night, name, "success", started, counts, None)
    log.info("night %s: %s done in %.1f s", night, name, counts["seconds"])
    return counts


def _record(conn, night, name, status, started, counts, message) -> None:
    import json

    from jaring.warehouse import sqlfile

    with conn.transaction():
        sqlfile.execute(conn, __name__, "step_run", {"night": night, "step": name, "status": status, "started": started,
                                             "counts": json.dumps(counts, default=str), "message": message})


@dataclass
class NightResult:
    night: date
    done: dict[str, dict] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failed and not self.skipped


def run_night(night: date, only: list[str] | None = None, conninfo: str | None = None) -> NightResult:
    """Run the steps of night D in dependency order.

    A failed source does not stop the other sources; the steps that need it are
    skipped. Raises NightFailed naming every failed and skipped step.
    """
    result = NightResult(night)
    for name, step in STEPS.items():
        if only and name not in only:
            continue
        missing = [need for need in step.needs if need in result.failed or need in result.skipped]
        if missing:
            result.skipped[name] = "needs " + ", ".join(missing)
            log.error("night %s: %s skipped (needs %s)", night, name, ", ".join(missing))
            continue
        try:
            result.done[name] = run_step(name, night, conninfo)
        except Exception as exc:  # noqa: BLE001 - every failure is reported, the others go on
            result.failed[name] = str(exc) if isinstance(exc, StepFailed) else describe_failure(exc)
            log.error("night %s: %s FAILED: %s", night, name, result.failed[name])
    if not result.ok:
        lines = [f"night {night} failed:"]
        lines += [f"  {name}: {why}" for name, why in result.failed.items()]
        lines += [f"  {name}: skipped, {why}" for name, why in result.skipped.items()]
        raise NightFailed("\n".join(lines), result)
    return result

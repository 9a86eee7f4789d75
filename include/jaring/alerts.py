"""Telling the engineers a night failed: the smtp provider's notifier, addressed from JARING_RECIPIENTS.

`failure_alert()` is set as the DAG's and every task's `on_failure_callback`; `night_not_published` is
the DAG's deadline alert (run by the triggerer when a run is not done in time). The addresses are
the recipients file's `engineers` list, read when the alert is sent (never at DAG parse). The
mail names the DAG, the task, the night, the log and the error's first line, masked: a library's
message may quote a record, and alerts must carry no personal data.
"""

from __future__ import annotations

import html
import re

from airflow.providers.smtp.notifications.smtp import SmtpNotifier

ENGINEERS = "engineers"
_LONG_NUMBER = re.compile(r"\d{6,}")


def engineers() -> list[str]:
    import yaml

    from jaring import config

    doc = yaml.safe_load(config.recipients_file().read_text(encoding="utf-8")) or {}
    found = doc.get(ENGINEERS) or []
    return [found] if isinstance(found, str) else list(found)


def first_line(error: BaseException | str | None) -> str:
    """The error's first line with every run of 6+ digits masked (a NIK, a KPJ, an amount)."""
    text = (str(error) if error is not None else "").strip().splitlines()
    return _LONG_NUMBER.sub(lambda m: "*" * len(m.group()), text[0][:300]) if text else "(no message)"


def night_of_context(context) -> str:
    from jaring.nights import night_of_run

    run = context.get("dag_run")
    try:
        return night_of_run((context.get("params") or {}).get("night"), context.get("data_interval_start"),
                            getattr(run, "run_after", None)).isoformat()
    except ValueError:
        return "?"


class EngineersAlert(SmtpNotifier):
    """SmtpNotifier whose recipients, subject and body are made from the failure, at send time."""

    def __init__(self, **kwargs):
        super().__init__(to=[], **kwargs)

    def notify(self, context):
        if context.get("reason") == "task_failure":
            # the DAG run's callback after a task failed (its context may name that task): the failed
            # task has mailed already, one failure, one mail
            return
        ti = context.get("ti") or context.get("task_instance")
        self.to = engineers()
        if not self.to:
            return  # nobody to tell: the recipients file has no `engineers`
        dag_id = context["dag"].dag_id if context.get("dag") else "?"
        task_id = getattr(ti, "task_id", None)
        night = night_of_context(context)
        what = f"task {task_id}" if task_id else "the run"
        error = first_line(context.get("exception") or context.get("reason"))
        self.subject = f"[Jaring] {dag_id}: {what} failed, night {night}"
        log_url = getattr(ti, "log_url", None)
        rows = [("DAG", dag_id), ("task", task_id or "(the DAG run)"), ("night", night),
                ("run", getattr(context.get("dag_run"), "run_id", "?")), ("error", error)]
        body = "".join(f"<tr><th align='left'>{k}</th><td>{html.escape(str(v))}</td></tr>" for k, v in rows)
        link = f"<p><a href='{html.escape(log_url)}'>Open the log</a></p>" if log_url else ""
        self.html_content = (f"<p>Night {night} of Kota Jambi did not complete.</p><table>{body}</table>{link}"
                             "<p>Runbook: README, section “When a night fails”.</p>")
        super().notify(context)


def failure_alert() -> EngineersAlert:
    return EngineersAlert()


async def night_not_published(context: dict | None = None, **_) -> None:
    """Deadline alert: night D's run was not done in time (the DAG's deadline, 06:00 WIB for a run
    queued at 02:00). The triggerer calls it with the run as Airflow's API describes it."""
    import asyncio

    from jaring.nights import night_of_run

    run = (context or {}).get("dag_run") or {}
    to = engineers()
    if not to:
        return
    when = {k: _instant(run.get(k)) for k in ("data_interval_start", "run_after", "queued_at")}
    try:
        night = night_of_run((run.get("conf") or {}).get("night"), when["data_interval_start"],
                             when["run_after"]).isoformat()
    except ValueError:
        night = "?"
    deadline = _instant(((context or {}).get("deadline") or {}).get("deadline_time"))
    rows = [("DAG", run.get("dag_id", "?")), ("run", run.get("dag_run_id", "?")), ("night", night),
            ("state", run.get("state", "?")), ("queued", when["queued_at"]), ("deadline", deadline)]
    body = "".join(f"<tr><th align='left'>{k}</th><td>{html.escape(str(v))}</td></tr>" for k, v in rows)
    notifier = SmtpNotifier(
        to=to, subject=f"[Jaring] {run.get('dag_id', '?')}: night {night} not published by its deadline",
        html_content=(f"<p>Night {night} of Kota Jambi is not published yet: the officials' reports of "
                      f"this morning are missing.</p><table>{body}</table>"
                      "<p>Runbook: README, section “When a night fails”.</p>"))
    # the smtp hook is synchronous underneath; keep the triggerer's event loop free
    await asyncio.to_thread(notifier.notify, {})


def _instant(value):
    from datetime import datetime

    return datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else value

"""Telling the engineers a night failed: the smtp provider's notifier, addressed from JARING_RECIPIENTS.

`failure_alert()` is set as the DAG's and every task's `on_failure_callback`. The addresses are
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
        ti = context.get("ti") or context.get("task_instance")
        if ti is None and context.get("reason") == "task_failure":
            return  # the failed task has mailed already: one failure, one mail
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

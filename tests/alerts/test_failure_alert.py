"""The engineers' failure alert through the smtp provider's notifier, against a real SMTP server."""

from __future__ import annotations

import json
import re
import socket
from email import message_from_bytes, policy
from types import SimpleNamespace

import pendulum
import pytest

from jaring.alerts import failure_alert

NIK = "1571035203880004"


class Mailbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=policy.default)))
        return "250 Message accepted"


@pytest.fixture
def mailbox(monkeypatch, tmp_path):
    from aiosmtpd.controller import Controller

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", json.dumps({
        "conn_type": "smtp", "host": "127.0.0.1", "port": port,
        "extra": {"disable_tls": True, "disable_ssl": True, "from_email": "jaring@jambikota.example"}}))
    recipients = tmp_path / "recipients.yaml"
    recipients.write_text("engineers: [data@jambikota.example, oncall@jambikota.example]\n"
                          "dinsos: [dinsos@jambikota.example]\n")
    monkeypatch.setenv("JARING_RECIPIENTS", str(recipients))
    yield box
    controller.stop()


def context(**extra) -> dict:
    run = SimpleNamespace(run_id="scheduled__2026-11-20T19:00:00+00:00", run_after=pendulum.datetime(2026, 11, 21, 2))
    ti = SimpleNamespace(task_id="ingest_dukcapil", log_url="http://airflow.example/log?task=ingest_dukcapil")
    from airflow.sdk import DAG

    return {"dag": DAG("jaring_nightly", schedule=None), "dag_run": run, "ti": ti, "params": {},
            "data_interval_start": pendulum.datetime(2026, 11, 20, 2, tz="Asia/Jakarta"), **extra}


def test_a_failed_task_sends_one_mail_to_the_engineers_with_the_night_and_no_personal_data(mailbox):
    error = RuntimeError(f"dukcapil_api: key (nik)=({NIK}) already exists\nDETAIL: SITI AMINAH")
    failure_alert()(context(exception=error))
    assert len(mailbox.messages) == 1
    to, message = mailbox.messages[0]
    assert sorted(to) == ["data@jambikota.example", "oncall@jambikota.example"]
    assert message["Subject"] == "[Jaring] jaring_nightly: task ingest_dukcapil failed, night 2026-11-20"
    body = message.get_body(("html",)).get_content()
    assert "2026-11-20" in body and "dukcapil_api" in body and "ingest_dukcapil" in body
    assert "http://airflow.example/log?task=ingest_dukcapil" in body
    assert not re.search(r"\d{16}", body + str(message["Subject"])) and "SITI" not in body


def test_a_run_that_timed_out_names_the_run_and_a_night_named_in_its_params(mailbox):
    failure_alert()(context(ti=None, params={"night": "2026-11-18"}, reason="timed_out"))
    (_, message), = mailbox.messages
    assert message["Subject"] == "[Jaring] jaring_nightly: the run failed, night 2026-11-18"


def test_a_run_failed_by_a_task_sends_nothing_more_than_the_tasks_own_mail(mailbox):
    failure_alert()(context(exception=RuntimeError("dukcapil_api: down")))
    failure_alert()(context(ti=None, reason="task_failure"))  # the DAG run's callback after it
    failure_alert()(context(reason="task_failure"))  # the same, its context naming the failed task
    assert len(mailbox.messages) == 1


def test_no_engineers_listed_sends_nothing(mailbox, tmp_path, monkeypatch):
    (tmp_path / "only_agencies.yaml").write_text("dinsos: [dinsos@jambikota.example]\n")
    monkeypatch.setenv("JARING_RECIPIENTS", str(tmp_path / "only_agencies.yaml"))
    failure_alert()(context(exception=RuntimeError("boom")))
    assert mailbox.messages == []


def test_the_deadline_alert_mails_the_engineers_which_night_is_not_published(mailbox):
    import asyncio

    from jaring.alerts import night_not_published

    # the context the triggerer hands a deadline callback: the run as the REST API describes it
    run = {"dag_id": "jaring_nightly", "dag_run_id": "scheduled__2026-11-20T19:00:00+00:00", "state": "running",
           "data_interval_start": "2026-11-19T19:00:00Z", "run_after": "2026-11-20T19:00:00Z",
           "queued_at": "2026-11-20T19:00:03Z", "conf": {}}
    asyncio.run(night_not_published(context={"dag_run": run, "deadline": {"deadline_time": "2026-11-20T23:00:03Z"}}))
    (to, message), = mailbox.messages
    assert sorted(to) == ["data@jambikota.example", "oncall@jambikota.example"]
    assert message["Subject"] == "[Jaring] jaring_nightly: night 2026-11-20 not published by its deadline"
    assert "2026-11-20 23:00:03" in message.get_body(("html",)).get_content()


def test_the_dag_alerts_when_a_run_is_not_done_four_hours_after_it_was_queued():
    from pathlib import Path

    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(str(Path(__file__).resolve().parents[2] / "dags")).dags["jaring_nightly"]
    alerts = dag.deadline if isinstance(dag.deadline, list) else [dag.deadline]
    (alert,) = alerts
    assert alert.reference.reference_name == "DagRunQueuedAtDeadline"
    assert alert.interval.total_seconds() == 4 * 3600  # queued at 02:00 WIB: published by 06:00
    assert alert.callback.path == "jaring.alerts.night_not_published"

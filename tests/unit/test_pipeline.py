"""The night's runner: failures are reported masked, the other steps go on, dependents are skipped."""

from __future__ import annotations

import json
import re
from datetime import date

import psycopg
import pytest

from jaring import pipeline
from jaring.sources.http import SourceAuthError, SourceUnavailable
from jaring.validation import SourceRejected

NIGHT = date(2026, 11, 20)
NIK = "1571035203880004"


def _duplicate_person(night, conn):
    conn.execute("CREATE TEMP TABLE t (nik char(16) PRIMARY KEY)")
    conn.execute("INSERT INTO t VALUES (%s), (%s)", (NIK, NIK))  # the database quotes the key
    return {}


def _fine(night, conn):
    return {"rows": 3}


@pytest.fixture
def steps(monkeypatch):
    monkeypatch.setattr(pipeline, "STEPS", {
        "ingest_a": pipeline.Step("ingest_a", _duplicate_person),
        "ingest_b": pipeline.Step("ingest_b", _fine),
        "reconcile": pipeline.Step("reconcile", _fine, ("ingest_a", "ingest_b")),
        "docs": pipeline.Step("docs", _fine, ("ingest_a", "ingest_b"), after_failures=True),
    })


def test_a_failing_step_is_masked_the_others_run_and_dependents_are_skipped(warehouse, steps, caplog):
    with pytest.raises(pipeline.NightFailed) as failed:
        pipeline.run_night(NIGHT, conninfo=warehouse)
    result = failed.value.result
    assert set(result.done) == {"ingest_b", "docs"}  # a step that runs after failures too is not skipped
    assert set(result.failed) == {"ingest_a"} and "UniqueViolation" in result.failed["ingest_a"]
    assert result.skipped == {"reconcile": "needs ingest_a"}
    assert NIK not in str(failed.value) and NIK not in caplog.text
    with psycopg.connect(warehouse) as conn:
        rows = dict(conn.execute("SELECT step, status FROM ops.step_run WHERE night = %s", (NIGHT,)).fetchall())
        message = conn.execute("SELECT message FROM ops.step_run WHERE step = 'ingest_a'").fetchone()[0]
    assert rows == {"ingest_a": "failed", "ingest_b": "success", "docs": "success"}  # one attempt each
    assert NIK not in message and "157103******0004" in message


def _killed(night, conn):
    raise KeyboardInterrupt  # stands for a kill: nothing after this line of the step runs


def _journal(dsn) -> list[tuple]:
    with psycopg.connect(dsn) as conn:
        return conn.execute("SELECT step, attempt, status FROM ops.step_run WHERE night = %s"
                            " ORDER BY step, attempt", (NIGHT,)).fetchall()


def test_the_journal_keeps_every_attempt_and_a_killed_one_stays_running(warehouse, monkeypatch):
    monkeypatch.setattr(pipeline, "STEPS", {"ingest_b": pipeline.Step("ingest_b", _fine)})
    pipeline.run_step("ingest_b", NIGHT, warehouse)
    pipeline.run_step("ingest_b", NIGHT, warehouse)
    monkeypatch.setattr(pipeline, "STEPS", {"ingest_b": pipeline.Step("ingest_b", _killed)})
    with pytest.raises(KeyboardInterrupt):
        pipeline.run_step("ingest_b", NIGHT, warehouse)
    # never a stale `success` for an attempt that did not finish
    assert _journal(warehouse) == [("ingest_b", 1, "success"), ("ingest_b", 2, "success"), ("ingest_b", 3, "running")]


def test_a_step_refuses_a_warehouse_behind_the_code(fresh_database, monkeypatch):
    from jaring.warehouse import db

    dsn = fresh_database("unmigrated")
    monkeypatch.setattr(pipeline, "STEPS", {"ingest_b": pipeline.Step("ingest_b", _fine)})
    with psycopg.connect(dsn) as conn:
        conn.execute("CREATE SCHEMA ops")
        conn.execute("CREATE TABLE ops.step_run (night date, step text, attempt int, status text,"
                     " started_at timestamptz, finished_at timestamptz, counts jsonb, message text)")
    with pytest.raises(pipeline.StepFailed, match=r"version 0, this code needs \d+: run `jaring db migrate`"):
        pipeline.run_step("ingest_b", NIGHT, dsn)
    with psycopg.connect(dsn) as conn:
        conn.execute("DROP SCHEMA ops CASCADE")
        assert db.migrate(conn) == db.code_version()
        conn.commit()
    assert pipeline.run_step("ingest_b", NIGHT, dsn)["rows"] == 3


def test_a_step_already_running_for_the_night_is_not_started_twice(warehouse, monkeypatch):
    monkeypatch.setattr(pipeline, "STEPS", {"ingest_b": pipeline.Step("ingest_b", _fine)})
    with psycopg.connect(warehouse, autocommit=True) as other_run:  # another process holds the step
        other_run.execute("SELECT pg_advisory_lock(hashtext('jaring.step'), hashtext(%s))",
                          (f"{NIGHT}/ingest_b",))
        with pytest.raises(pipeline.StepBusy, match="ingest_b of night 2026-11-20 is already running"):
            pipeline.run_step("ingest_b", NIGHT, warehouse)
        assert _journal(warehouse) == []  # it never started
        # another night, or another step of this night, is not held back
        pipeline.run_step("ingest_b", date(2026, 11, 21), warehouse)
    pipeline.run_step("ingest_b", NIGHT, warehouse)
    assert _journal(warehouse) == [("ingest_b", 1, "success")]


def test_what_a_step_writes_is_not_world_readable(warehouse, monkeypatch, tmp_path):
    def writes_a_file(night, conn):
        (tmp_path / "out").mkdir()
        (tmp_path / "out" / "findings.csv").write_text("nik\n")
        return {}

    monkeypatch.setattr(pipeline, "STEPS", {"publish": pipeline.Step("publish", writes_a_file)})
    pipeline.run_step("publish", NIGHT, warehouse)  # the test starts with umask 0o022 (conftest)
    assert (tmp_path / "out").stat().st_mode & 0o777 == 0o750
    assert (tmp_path / "out" / "findings.csv").stat().st_mode & 0o777 == 0o640


def test_a_step_runs_with_the_collector_tuned_and_restored_after(warehouse, monkeypatch):
    import gc

    from jaring import collector

    seen = []
    monkeypatch.setattr(pipeline, "STEPS", {"ingest_b": pipeline.Step(
        "ingest_b", lambda night, conn: seen.append((gc.get_threshold(), gc.get_freeze_count() > 0)))})
    before = gc.get_threshold()
    pipeline.run_step("ingest_b", NIGHT, warehouse)
    assert seen == [(collector.STEP_THRESHOLDS, True)]
    assert (gc.get_threshold(), gc.get_freeze_count()) == (before, 0)


def test_status_lists_every_attempt_of_the_night(warehouse, monkeypatch, capsys):
    from jaring import cli

    monkeypatch.setattr(pipeline, "STEPS", {"ingest_a": pipeline.Step("ingest_a", _duplicate_person),
                                            "ingest_b": pipeline.Step("ingest_b", _fine)})
    with pytest.raises(pipeline.NightFailed):
        pipeline.run_night(NIGHT, conninfo=warehouse)
    pipeline.run_step("ingest_b", NIGHT, warehouse)
    assert cli.main(["status", "--date", NIGHT.isoformat()]) == 1
    out = capsys.readouterr().out
    assert re.search(r"ingest_a +#1 +failed .*UniqueViolation", out)
    assert re.search(r"ingest_b +#1 +success .*\{\"rows\": 3\}", out) and re.search(r"ingest_b +#2 +success", out)
    assert "not (yet) succeeded: ingest_a" in out and NIK not in out
    assert cli.main(["status", "--date", "2026-11-19"]) == 1
    assert "no step has run" in capsys.readouterr().out


def test_backfill_names_the_last_night_inclusively_and_delivers_only_when_asked():
    from jaring.cli import backfill_command

    command = backfill_command(date(2026, 11, 18), date(2026, 11, 20), deliver=False)
    # Airflow keeps logical dates in [from, to) and night D's is D 02:00 WIB: to = the day after D2
    assert command[command.index("--from-date") + 1] == "2026-11-18"
    assert command[command.index("--to-date") + 1] == "2026-11-21"
    assert json.loads(command[command.index("--dag-run-conf") + 1]) == {"deliver": False}
    assert command[command.index("--max-active-runs") + 1] == "1"
    assert json.loads(backfill_command(date(2026, 11, 20), date(2026, 11, 20), deliver=True)[-1]) == {"deliver": True}


def test_a_night_without_delivery_runs_every_step_but_the_delivery_ones(warehouse, monkeypatch):
    from jaring import cli

    ran = []
    monkeypatch.setattr(pipeline, "STEPS", {name: pipeline.Step(name, lambda night, conn, n=name: ran.append(n))
                                            for name in ("reconcile", "publish_outbox", *pipeline.DELIVERY_STEPS)})
    assert cli.main(["night", "--date", NIGHT.isoformat(), "--no-deliver"]) == 0
    assert ran == ["reconcile", "publish_outbox"]


def _warehouse_goes_away(night, conn):
    conn.execute("SELECT pg_terminate_backend(pg_backend_pid())")  # as a restart would
    return {}


def test_a_lost_warehouse_connection_fails_the_step_naming_jaring_db_and_is_journaled(warehouse, monkeypatch):
    monkeypatch.setattr(pipeline, "STEPS", {"reconcile": pipeline.Step("reconcile", _warehouse_goes_away)})
    with pytest.raises(pipeline.StepFailed, match="^jaring_db: the warehouse connection was lost"):
        pipeline.run_step("reconcile", NIGHT, warehouse)
    assert _journal(warehouse) == [("reconcile", 1, "failed")]


@pytest.mark.parametrize(("error", "permanent"), [
    (SourceRejected("dtsen", ["volume_within_20_percent_of_previous_night"]), True),
    (SourceAuthError("bpjs_tk_api", "credentials refused"), True),
    (SourceUnavailable("dukcapil_api", "HTTP 503 after 300 s"), False),
    (RuntimeError("a bug"), False),
])
def test_failures_retrying_cannot_mend_are_marked_permanent(warehouse, monkeypatch, error, permanent):
    def fails(night, conn):
        raise error

    monkeypatch.setattr(pipeline, "STEPS", {"ingest_a": pipeline.Step("ingest_a", fails)})
    with pytest.raises(pipeline.StepFailed) as failed:
        pipeline.run_step("ingest_a", NIGHT, warehouse)
    assert failed.value.permanent is permanent  # the DAG turns a permanent one into AirflowFailException


def test_publish_in_steps_stands_for_the_three_publishing_steps(warehouse, monkeypatch):
    from jaring import cli

    ran = []
    monkeypatch.setattr(pipeline, "STEPS", {name: pipeline.Step(name, lambda night, conn, n=name: ran.append(n))
                                            for name in ("reconcile", *pipeline.PUBLISH_STEPS, "send_reports")})
    assert cli.main(["night", "--date", NIGHT.isoformat(), "--steps", "reconcile,publish"]) == 0
    assert ran == ["reconcile", "prepare_outbox", "publish_audiences", "publish_outbox"]


def test_a_mapped_step_succeeded_when_it_did_whole_or_every_part_of_it_did():
    done = {name: "success" for name in pipeline.STEPS if name != "publish_audiences"}
    assert pipeline.not_succeeded(done) == ["publish_audiences"]
    assert pipeline.not_succeeded(done | {"publish_audiences": "success"}) == []
    assert pipeline.not_succeeded(done | {"publish_audiences[1]": "success", "publish_audiences[2]": "success"}) == []
    assert pipeline.not_succeeded(done | {"publish_audiences[1]": "success", "publish_audiences[2]": "failed"}) \
        == ["publish_audiences"]
    assert pipeline.not_succeeded(done | {"reconcile[1]": "success", "reconcile": "failed",
                                          "publish_audiences": "success"}) == ["reconcile"]

"""Every DAG imports cleanly, is documented and retried, and parses cheaply."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

DAGS = Path(__file__).resolve().parents[2] / "dags"

_PARSE_PROBE = """
import json, sys, time
t0 = time.perf_counter()
import airflow.sdk
t1 = time.perf_counter()
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(sys.argv[1])
t2 = time.perf_counter()
print(json.dumps({
    "sdk_seconds": t1 - t0,
    "dags_seconds": t2 - t1,
    "errors": {k: str(v) for k, v in bag.import_errors.items()},
    "heavy": [m for m in ("pandas", "great_expectations", "openpyxl", "python_calamine", "psycopg") if m in sys.modules],
}))
"""


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(str(DAGS))


@pytest.fixture(scope="module")
def parse_probe(tmp_path_factory):
    env = {**os.environ, "AIRFLOW_HOME": str(tmp_path_factory.mktemp("airflow_home"))}
    out = subprocess.run([sys.executable, "-c", _PARSE_PROBE, str(DAGS)], env=env,
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_no_import_errors(dagbag):
    assert dagbag.import_errors == {}
    assert "jaring_nightly" in dagbag.dag_ids


def test_every_dag_has_docs_tags_owner_and_retries(dagbag):
    for dag_id, dag in dagbag.dags.items():
        assert dag.doc_md and dag.doc_md.strip().startswith("# "), dag_id
        assert dag.tags, dag_id
        for t in dag.tasks:
            assert t.owner and t.owner != "airflow", (dag_id, t.task_id)
            assert t.retries >= 2, (dag_id, t.task_id)


def test_the_dag_runs_the_pipelines_steps_with_the_pipelines_dependencies(dagbag):
    from jaring.pipeline import STEPS

    dag = dagbag.dags["jaring_nightly"]
    assert {t.task_id for t in dag.tasks} == {"night", *STEPS, "run_note"}
    for name, step in STEPS.items():
        # the night is resolved once, by the `night` task, and handed to every step
        assert dag.get_task(name).upstream_task_ids == {"night", *step.needs}, name
        assert dag.get_task(name).trigger_rule == ("all_done" if step.after_failures else "all_success"), name
    # a rejected source's verdicts are what the engineer needs: the Data Docs are built after a failed source too
    assert dag.get_task("build_datadocs").trigger_rule == "all_done"
    assert dag.get_task("reconcile").upstream_task_ids >= {
        "ingest_dukcapil", "ingest_bpjs", "ingest_dtsen", "ingest_rt"}
    # the run's note is written whatever became of the night, and is never what makes the run red:
    # the delivery tasks stay leaves, so a failed step still fails the run through them
    note = dag.get_task("run_note")
    assert note.upstream_task_ids == {"night", "publish_outbox", "build_datadocs"} and note.trigger_rule == "all_done"
    assert {"send_reports", "put_bpjs"} <= {t.task_id for t in dag.leaves}


def test_each_step_updates_the_assets_of_the_tables_it_writes_and_returns_one_xcom(dagbag):
    from jaring.pipeline import STEPS

    dag = dagbag.dags["jaring_nightly"]
    for name, step in STEPS.items():
        t = dag.get_task(name)
        assert [a.uri for a in t.outlets] == [f"jaring://warehouse/{w.replace('.', '/')}" for w in step.writes]
        assert t.multiple_outputs is False, name
    for task_id in ("ingest_dukcapil", "ingest_bpjs", "ingest_dtsen", "ingest_rt", "reconcile"):
        assert dag.get_task(task_id).outlets, task_id


def test_the_audiences_are_published_by_one_mapped_task_per_part_of_the_plan(dagbag):
    from airflow.sdk.definitions.mappedoperator import MappedOperator

    dag = dagbag.dags["jaring_nightly"]
    parts = dag.get_task("publish_audiences")
    assert isinstance(parts, MappedOperator)
    mapped_over = parts.op_kwargs_expand_input.value["part"]
    assert (mapped_over.operator.task_id, mapped_over.key) == ("prepare_outbox", "return_value")
    assert dag.get_task("publish_outbox").upstream_task_ids == {"night", "publish_audiences"}


def test_dag_parsing_is_light(parse_probe):
    # what the parse imports is asserted; how long it takes is the benchmark's to measure (a shared
    # 2-core machine makes wall time wander 2-3x), so it is only printed here
    print(f"DAG parse beyond airflow.sdk: {parse_probe['dags_seconds']:.2f} s")
    assert parse_probe["errors"] == {}
    assert parse_probe["heavy"] == [], "DAG files must not import heavy modules at top level"


def test_every_task_and_the_run_alert_the_engineers_and_are_bounded_in_time(dagbag):
    from jaring.alerts import EngineersAlert

    def alerts(callbacks) -> bool:
        callbacks = callbacks if isinstance(callbacks, list) else [callbacks]
        return any(isinstance(c, EngineersAlert) for c in callbacks)

    dag = dagbag.dags["jaring_nightly"]
    assert alerts(dag.on_failure_callback) and dag.dagrun_timeout is not None
    for t in dag.tasks:
        assert alerts(t.on_failure_callback), t.task_id
        assert t.execution_timeout is not None, t.task_id


def test_a_run_that_does_not_deliver_skips_the_mails_and_the_put():
    import importlib.util

    from airflow.sdk.exceptions import AirflowSkipException

    spec = importlib.util.spec_from_file_location("jaring_nightly_dag", DAGS / "jaring_nightly.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for step in ("send_reports", "put_bpjs"):
        with pytest.raises(AirflowSkipException, match="deliver is off"):
            module.delivery_step(step, "2026-11-20", {"deliver": False})


def test_a_backfill_pulls_in_full_unless_told_otherwise_a_scheduled_night_builds_on_the_one_before():
    import importlib.util
    from types import SimpleNamespace

    spec = importlib.util.spec_from_file_location("jaring_nightly_dag", DAGS / "jaring_nightly.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    backfill, scheduled = SimpleNamespace(run_type="backfill"), SimpleNamespace(run_type="scheduled")
    assert module.pulls_in_full({"full": None}, backfill) is True
    assert module.pulls_in_full({"full": False}, backfill) is False
    assert module.pulls_in_full({"full": None}, scheduled) is False
    assert module.pulls_in_full({"full": True}, scheduled) is True


def test_every_step_that_builds_on_the_night_before_is_asked_to_pull_in_full_when_the_run_says_so(
        dagbag, monkeypatch):
    from types import SimpleNamespace

    from jaring.pipeline import STEPS

    dag = dagbag.dags["jaring_nightly"]
    incremental = [name for name, step in STEPS.items() if step.incremental]
    assert {"ingest_dukcapil", "ingest_dtsen", "ingest_rt", "reconcile"} <= set(incremental)
    asked = {}
    for name in incremental:
        work = dag.get_task(name).python_callable
        monkeypatch.setitem(work.__globals__, "run_step", lambda step, night, full=False, **_: asked.update(
            {step: full}) or {})
        for requested in (True, False):
            asked.clear()
            work(night="2026-11-20", params={"full": requested}, dag_run=SimpleNamespace(run_type="scheduled"))
            assert asked == {name: requested}, name

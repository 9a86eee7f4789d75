"""A real Airflow DAG run of jaring_nightly (airflow dags test) against the simulated agencies."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import psycopg

from jaring import pipeline
from jaring.config import task_parts

ROOT = Path(__file__).resolve().parents[2]


def _airflow(args, env, timeout=900):
    exe = str(Path(sys.executable).with_name("airflow"))
    return subprocess.run([exe, *args], env=env, capture_output=True, text=True, timeout=timeout)


def test_dag_run_reconciles_its_night_and_keeps_personal_data_out_of_xcom(hub, postgres, tmp_path):
    postgres.ensure_database("e2e_airflow_meta")
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(tmp_path / "airflow"),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": postgres.dsn("e2e_airflow_meta").replace(
            "postgresql://", "postgresql+psycopg2://"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        # `airflow dags test` exits 1 after a good run of a DAG with a deadline (apache/airflow#73428);
        # the deadline alert is tested under the real scheduler (test_scheduler.py)
        "JARING_DEADLINE_MINUTES": "0",
    }
    migrated = _airflow(["db", "migrate"], env)
    assert migrated.returncode == 0, migrated.stderr[-2000:]

    night = hub.nights[0]
    # a manual run names its night (without it, it reconciles the day before it was triggered)
    run = _airflow(["dags", "test", "jaring_nightly", "--conf", json.dumps({"night": night.isoformat()})], env)
    assert run.returncode == 0, (run.stdout + run.stderr)[-4000:]

    with psycopg.connect(hub.warehouse_dsn) as conn:
        steps = dict(conn.execute("SELECT step, status FROM ops.step_run WHERE night = %s ORDER BY attempt",
                                  (night,)).fetchall())  # the latest attempt of each step
        findings = conn.execute("SELECT count(*) FROM recon.finding WHERE night = %s", (night,)).fetchone()[0]
    assert set(steps.values()) == {"success"}, steps
    mapped = {name for name, step in pipeline.STEPS.items() if step.mapped}
    parts = {f"{name}[{n}]" for name in mapped for n in range(1, task_parts() + 1)}  # journaled per mapped task
    assert set(steps) == {*pipeline.STEPS, *parts} - mapped, steps
    assert findings > 0

    with psycopg.connect(postgres.dsn("e2e_airflow_meta")) as meta:
        states = dict(meta.execute("SELECT task_id || map_index, state FROM task_instance "
                                   "WHERE dag_id = 'jaring_nightly'").fetchall())
        xcoms = [str(v) for (v,) in meta.execute("SELECT value FROM xcom WHERE dag_id = 'jaring_nightly' AND key = 'return_value'").fetchall()]
    # without the `airflow_api` connection the run's note is not written: that task says so and skips
    assert states.pop("run_note-1") == "skipped" and set(states.values()) == {"success"}, states
    assert {f"{name}{i}" for name in mapped for i in range(task_parts())} <= set(states), states
    assert xcoms, "each task returns its counts"
    assert not any(re.search(r"\b\d{16}\b", x) for x in xcoms), "no NIK in XCom"
    assert all(night.isoformat() in x for x in xcoms)
    with psycopg.connect(postgres.dsn("e2e_airflow_meta")) as meta:
        events = meta.execute("SELECT a.uri, e.extra FROM asset_event e JOIN asset a ON a.id = e.asset_id").fetchall()
    assert {uri for uri, _ in events} >= {"jaring://warehouse/staging/person", "jaring://warehouse/recon/finding"}
    assert all((json.loads(extra) if isinstance(extra, str) else extra) == {"night": night.isoformat()}
               for _, extra in events), events  # the UI shows which night each Asset event is

    # the UI's links (resolved by the API server from the metadata database) point at this night
    with psycopg.connect(postgres.dsn("e2e_airflow_meta")) as meta:
        run_id = meta.execute("SELECT run_id FROM dag_run WHERE dag_id = 'jaring_nightly'").fetchone()[0]
    probe = (
        "import importlib.util, sys\n"
        "from airflow.models.taskinstancekey import TaskInstanceKey\n"
        f"spec = importlib.util.spec_from_file_location('links', {str(ROOT / 'plugins' / 'jaring_links.py')!r})\n"
        "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)\n"
        f"key = TaskInstanceKey('jaring_nightly', 'ingest_rt', {run_id!r}, 1)\n"
        "print(m.DataDocsLink().get_link(None, ti_key=key))\n"
    )
    link = subprocess.run([sys.executable, "-c", probe], env={**env, "JARING_OUTBOX_URL": "http://outbox:8090"},
                          capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
    assert link == f"http://outbox:8090/{night.isoformat()}/datadocs/index.html"

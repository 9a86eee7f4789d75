"""A night under CeleryExecutor: Redis, the scheduler and two Celery workers as processes on loopback
(`celery_stack.py`).

Every task of the night succeeds, its tasks ran on both workers, and findings.csv is byte-identical to
`jaring night --date D` of the same night. Which worker ran a task is Celery's own record: the task
instance's `external_executor_id` is its Celery task id, and the result backend (in the metadata database)
keeps the hostname of the worker that ran it (`celery_taskmeta.worker`, result_extended). Both workers run
on this machine, so `task_instance.hostname` is the same for both and proves nothing.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from celery_stack import celery_airflow, rows, trigger_and_wait, wait, workers_of_tasks

from jaring import pipeline
from jaring_dev.redis_local import RedisNotFound, find_server
from jaring_dev.stack import CELERY_WORKERS


@pytest.fixture(scope="module")
def celery_stack(hub, postgres, tmp_path_factory):
    try:
        find_server()
    except RedisNotFound as missing:
        pytest.skip(str(missing))
    with celery_airflow(hub, postgres, tmp_path_factory.mktemp("airflow_celery"), "e2e_celery") as stack:
        yield stack


def test_a_night_on_two_celery_workers_succeeds_everywhere_and_matches_jaring_night(celery_stack, hub):
    env, meta, run_dir = celery_stack
    night = hub.nights[0]
    run_id = f"celery-{night.isoformat()}"
    trigger_and_wait(celery_stack, {"night": night.isoformat()}, run_id)
    states = dict(rows(meta, "SELECT task_id, state FROM task_instance WHERE run_id = %s", run_id))
    assert {"night", *pipeline.STEPS} <= set(states), states
    assert set(states.values()) == {"success"}, states

    # a worker stores Celery's result after the task told Airflow it succeeded: the run can be green first
    wait(lambda: set(workers_of_tasks(meta, run_id)) == set(states), 60, "Celery's record of every task's worker",
         run_dir)
    ran_on = workers_of_tasks(meta, run_id)
    assert {worker.split("@")[0] for worker in ran_on.values()} == set(CELERY_WORKERS), ran_on

    findings = Path(env["JARING_OUTBOX"]) / night.isoformat() / "findings.csv"
    on_celery = findings.read_bytes()
    by_cli = subprocess.run([sys.executable, "-m", "jaring.cli", "night", "--date", night.isoformat(), "--no-deliver"],
                            env=env, capture_output=True, text=True, timeout=600)
    assert by_cli.returncode == 0, by_cli.stdout[-2000:] + by_cli.stderr[-2000:]
    assert findings.read_bytes() == on_celery

"""A night under CeleryExecutor: Redis, the scheduler and two Celery workers as processes on loopback
(`celery_stack.py`).

Every task of the night succeeds, its tasks ran on both workers (the audiences' parts are mapped tasks), and
every file of the night's outbox is byte-identical to `jaring night --date D` of the same night. Which worker ran a task is Celery's own record: the task
instance's `external_executor_id` is its Celery task id, and the result backend (in the metadata database)
keeps the hostname of the worker that ran it (`celery_taskmeta.worker`, result_extended). Both workers run
on this machine, so `task_instance.hostname` is the same for both and proves nothing.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from celery_stack import celery_airflow, tasks_of_run, trigger_and_wait, wait, workers_of_tasks
from scheduler_stack import night_outputs

from jaring import pipeline
from jaring.config import task_parts
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
    states = {task: state for task, state, _ in tasks_of_run(meta, run_id)}
    mapped = {name for name, step in pipeline.STEPS.items() if step.mapped}
    assert {"night", *(set(pipeline.STEPS) - mapped)} <= set(states), states
    for name in mapped:  # one mapped task per part
        assert len([task for task in states if task.startswith(f"{name}[")]) == task_parts(), states
    assert set(states.values()) == {"success"}, states

    # a worker stores Celery's result after the task told Airflow it succeeded: the run can be green first
    wait(lambda: set(workers_of_tasks(meta, run_id)) == set(states), 60, "Celery's record of every task's worker",
         run_dir)
    ran_on = workers_of_tasks(meta, run_id)
    assert {worker.split("@")[0] for worker in ran_on.values()} == set(CELERY_WORKERS), ran_on

    folder = Path(env["JARING_OUTBOX"]) / night.isoformat()
    on_celery = night_outputs(folder)
    by_cli = subprocess.run([sys.executable, "-m", "jaring.cli", "night", "--date", night.isoformat(), "--no-deliver"],
                            env=env, capture_output=True, text=True, timeout=600)
    assert by_cli.returncode == 0, by_cli.stdout[-2000:] + by_cli.stderr[-2000:]
    assert night_outputs(folder) == on_celery

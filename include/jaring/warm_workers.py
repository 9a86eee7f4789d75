"""What Jaring's tasks import, imported once in the process Airflow forks its tasks from.

Airflow runs each task in a process forked (not started afresh) from a worker: under the LocalExecutor
a worker process the scheduler forked at its start, under Celery a pool process of `airflow celery
worker`. A module imported before those forks is already imported in every task; otherwise each task
pays pandas' and Great Expectations' import again, ~6 s of CPU, more than most steps' own work on a
quiet night.

Importing this module does the imports. It is named in the configuration, never imported by the DAG:
- LocalExecutor: `AIRFLOW__CORE__EXECUTOR=jaring.warm_workers.LocalExecutor` (the scheduler loads the
  executor's module before it forks its workers);
- CeleryExecutor: `"imports": ["jaring.warm_workers"]` in `AIRFLOW__CELERY__EXTRA_CELERY_CONFIG` (Celery
  imports it in `airflow celery worker` before it starts its pool).
"""

from __future__ import annotations

import importlib
import os

from airflow.executors.local_executor import LocalExecutor as _AirflowLocalExecutor

TASK_MODULES = (
    "pandas",
    "great_expectations",
    "great_expectations.core.expectation_validation_result",
    "great_expectations.data_context.types.base",
    "psycopg",
    "orjson",
    "requests",
    "python_calamine",
    "xlsxwriter",
    "jinja2",
    "jaring.pipeline",
    "jaring.sources.dukcapil",
    "jaring.sources.bpjs",
    "jaring.sources.dtsen",
    "jaring.sources.rt_inbox",
    "jaring.validation",
    "jaring.validation.datadocs",
    "jaring.reconciliation",
    "jaring.publishing",
)


def import_task_modules() -> None:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")  # before GX's import reads it
    for name in TASK_MODULES:
        importlib.import_module(name)


import_task_modules()


class LocalExecutor(_AirflowLocalExecutor):
    """Airflow's LocalExecutor, loaded from this module so that its workers fork with the tasks' modules
    imported."""

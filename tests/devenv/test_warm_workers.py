"""The processes Airflow forks tasks from import pandas and GX first (`jaring.warm_workers`), so a task
does not pay their import: the LocalExecutor the local stack and the e2e scheduler run, and the Celery
workers of `make celery` and docker-compose.yaml. Each check runs Airflow's own loader in a fresh
interpreter, where nothing was imported before."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import yaml

from jaring_dev.stack import EXECUTORS, celery_env
from tests.devenv.test_compose import ROOT


def _fresh(code: str, env: dict) -> dict:
    done = subprocess.run([sys.executable, "-c", code], env={**os.environ, **env}, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_local_executor_airflow_loads_has_imported_the_tasks_modules_before_it_forks_workers():
    seen = _fresh(
        "import json, sys\n"
        "from airflow.executors.executor_loader import ExecutorLoader\n"
        "from airflow.executors.local_executor import LocalExecutor\n"
        "cls = ExecutorLoader.import_default_executor_cls()[0]\n"
        "print(json.dumps({'local': issubclass(cls, LocalExecutor), 'gx': 'great_expectations' in sys.modules,"
        " 'pandas': 'pandas' in sys.modules, 'steps': 'jaring.sources.dukcapil' in sys.modules}))",
        {"AIRFLOW__CORE__EXECUTOR": EXECUTORS["local"]})
    assert seen == {"local": True, "gx": True, "pandas": True, "steps": True}


def _celery_imports(extra_celery_config: str) -> list[str]:
    return _fresh(
        "import json\n"
        "from airflow.providers.celery.executors.default_celery import DEFAULT_CELERY_CONFIG\n"
        "print(json.dumps(list(DEFAULT_CELERY_CONFIG.get('imports', []))))",
        {"AIRFLOW__CORE__EXECUTOR": "CeleryExecutor", "AIRFLOW__CELERY__EXTRA_CELERY_CONFIG": extra_celery_config})


def test_celery_workers_import_the_tasks_modules_before_they_start_their_pool():
    local = celery_env("redis://127.0.0.1:1/0", "postgresql+psycopg2://x@127.0.0.1/airflow")
    assert _celery_imports(local["AIRFLOW__CELERY__EXTRA_CELERY_CONFIG"]) == ["jaring.warm_workers"]
    compose = yaml.safe_load((ROOT / "docker-compose.yaml").read_text())
    deployed = compose["x-airflow-common"]["environment"]["AIRFLOW__CELERY__EXTRA_CELERY_CONFIG"]
    assert _celery_imports(deployed) == ["jaring.warm_workers"]

"""One step as a warm Airflow task runs it: in a process that imported the tasks' modules before the task
began (Airflow forks tasks from workers that imported `jaring.warm_workers`).

When the harness runs a stage's steps at once, each waits, imported, until all are (`JARING_BENCH_BARRIER`:
a folder; each step writes `<pid>.ready` in it, the harness writes `go`): on warm workers no task's imports
take the CPU from another task's work, and in cold processes started together they would.

The step's process ends as an Airflow task's does (`airflow.sdk.execution_time.supervisor._fork_main`: output
flushed, then `os._exit`), not through the interpreter's shutdown, which frees the imported modules' objects one
by one: 1.2 s of CPU a step at city scale, taken in a parallel stage from the steps still running.
"""

import os
import sys
import time
from pathlib import Path

import jaring.warm_workers  # noqa: F401  (the imports a warm worker has done)
from jaring.cli import main

barrier = os.environ.get("JARING_BENCH_BARRIER")
if barrier:
    Path(barrier, f"{os.getpid()}.ready").touch()
    while not Path(barrier, "go").exists():
        time.sleep(0.01)
code = main(sys.argv[1:])
sys.stdout.flush()
sys.stderr.flush()
os._exit(code or 0)

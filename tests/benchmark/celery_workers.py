"""How much a second Celery worker shortens a night (`make benchmark-celery`, issue 13).

Serves a world from the simulated agencies (as `city.py` does), then runs the same night under
CeleryExecutor twice, each on a fresh warehouse (so a full pull) and a fresh Airflow: with one worker,
then with two. Every worker runs one task at a time, as in the Celery e2e test. Prints and writes
(`bench/results/<date>-<scale>-celery.json`) the run's wall time from the metadata database, each task's
duration and the worker that ran it, and the ratio one worker / two workers.

    .venv/bin/python tests/benchmark/celery_workers.py --world DIR [--night D] [--no-write]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import harness
import results

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
from celery_stack import celery_airflow, rows, tasks_of_run, trigger_and_wait, wait, workers_of_tasks  # noqa: E402

from jaring_dev.stack import CELERY_WORKERS  # noqa: E402


def one_night(stack: harness.Stack, scratch: Path, night: date, workers: tuple[str, ...]) -> dict:
    """The night on a fresh Airflow and warehouse with `workers`; its wall time and its tasks."""
    name = f"celery{len(workers)}"
    hub = SimpleNamespace(env=stack.env())
    (scratch / name).mkdir()
    with celery_airflow(hub, stack.pg, scratch / name, name, workers) as airflow:
        _, meta, run_dir = airflow
        run_id = f"{name}-{night.isoformat()}"
        started = time.monotonic()
        trigger_and_wait(airflow, {"night": night.isoformat(), "deliver": False, "full": True}, run_id,
                         timeout=3 * 3600)
        waited = time.monotonic() - started
        (state, wall), = rows(meta, "SELECT state, extract(epoch FROM end_date - start_date) FROM dag_run "
                                    "WHERE run_id = %s", run_id)
        tasks = tasks_of_run(meta, run_id)
        ran = [t for t, s, _ in tasks if s == "success"]
        wait(lambda: set(workers_of_tasks(meta, run_id)) >= set(ran), 120, "Celery's record of the tasks", run_dir)
        worker_of = workers_of_tasks(meta, run_id)
    return {"workers": len(workers), "state": state, "wall_seconds": round(float(wall), 1),
            "trigger_to_done_seconds": round(waited, 1),
            "tasks": {task: {"state": s, "seconds": round(d or 0.0, 1),
                             "worker": worker_of.get(task, "").split("@")[0]} for task, s, d in tasks}}


def main() -> int:
    args = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    args.add_argument("--world", required=True, help="a generated world (jaring-sim world --scale city)")
    args.add_argument("--night", help="night D (default: the world's last demo night)")
    args.add_argument("--no-write", action="store_true", help="do not write bench/results/")
    opts = args.parse_args()
    world = Path(opts.world)
    meta = json.loads((world / "world.json").read_text())
    night = date.fromisoformat(opts.night or meta["demo_nights"][-1])
    with tempfile.TemporaryDirectory(prefix="jaring-celery-bench-") as scratch:
        Path(scratch).chmod(0o755)  # PostgreSQL runs as its own user when we are root
        stack = harness.Stack(world, Path(scratch), "none")
        stack.start()
        try:
            runs = [one_night(stack, Path(scratch), night, CELERY_WORKERS[:n]) for n in (1, 2)]
        finally:
            stack.stop(keep=False)
    print(f"\nnight {night} of the {meta.get('scale')} world, full pull, deliver off, under CeleryExecutor")
    print(f"{'task':22s}" + "".join(f"{str(r['workers']) + ' worker(s)':>24s}" for r in runs))
    for task in runs[0]["tasks"]:
        cells = []
        for run in runs:
            done = run["tasks"].get(task, {})
            cells.append(f"{done.get('seconds', 0):8.1f} s {done.get('worker', ''):>3s} {done.get('state', ''):>8s}")
        print(f"{task:22s}" + "".join(f"{c:>24s}" for c in cells))
    print(f"{'run (wall)':22s}" + "".join(f"{r['wall_seconds']:22.1f} s" for r in runs))
    ratio = runs[0]["wall_seconds"] / runs[1]["wall_seconds"] if runs[1]["wall_seconds"] else None
    print(f"one worker / two workers: {ratio:.2f}" if ratio else "no ratio: a run took no time")
    out = {"scale": meta.get("scale"), "night": night, "runs": runs, "ratio_one_over_two": ratio,
           "machine": harness.machine()}
    if not opts.no_write:
        path = results.RESULTS / f"{date.today().isoformat()}-{meta.get('scale')}-celery.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(harness.dumps(out))
        print(f"results written to {path}")
    return 0 if all(r["state"] == "success" for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())

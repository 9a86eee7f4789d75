"""City-scale benchmark (`make benchmark`): each step against its floor, measured in the same run.

Serves a `city` (or `city3`) world from the simulated agencies (faults off unless --faults default),
measures the floors (floors.py), then runs two nights as the DAG runs them, each step in its own
`jaring night --steps <step>` process:
- the full pull: night D-1 on an empty warehouse, the four ingests at once, then reconcile and build_datadocs at
  once, then publish_outbox;
- the incremental night: night D after D-1 landed, whatever `jaring night` does by default then;
- night D's ingests and reconcile again with `--full`: every staging table, the links and the findings
  must equal the incremental night's.
Prints per step rows, seconds, the floor it is compared with, the ratio, rows/s and peak RSS; scores both
nights against the truth; writes everything to `bench/results/<date>[-<scale>].json`; exits 1 when a
code's precision or recall is below 1.000 or below the previous results file's.

    .venv/bin/python tests/benchmark/city.py [--world DIR] [--scale city|city3] [--night D] [--serial]
                                              [--profile] [--faults none|default] [--keep] [--no-write]
                                              [--no-compare-full] [--no-task-start]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import floors
import harness
import profiles
import results


def measure_floors(stack: harness.Stack, night: date, task_start: bool) -> dict:
    base = "http://127.0.0.1:{}"
    out = {
        "registry": floors.registry(base.format(stack.ports["dukcapil"]), harness.TOKEN, night, stack.warehouse),
        "bpjs": floors.bpjs_listings(base.format(stack.ports["bpjs"]), (harness.CLIENT, harness.SECRET), night,
                                     stack.warehouse),
        "dtsen": floors.dtsen(stack.pg.dsn("dtsen"), stack.warehouse, night),
        "ledgers": floors.ledgers(stack.world / "inbox"),
    }
    if task_start:
        out["task_start"] = floors.task_start()
    return out


def main() -> int:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--world", help="an existing world of this scale (else generated into a temp folder)")
    args.add_argument("--scale", choices=["small", "city", "city3"], default="city",
                      help="small: to try the harness itself in a minute")
    args.add_argument("--night", help="night D (default: the world's last demo night); D-1 is the full pull")
    args.add_argument("--faults", choices=["none", "default"], default="none")
    args.add_argument("--serial", action="store_true", help="ingests one by one (clean per-step figures)")
    args.add_argument("--profile", action="store_true", help="every step under py-spy; prints the top lines")
    args.add_argument("--keep", action="store_true", help="leave the warehouse running to inspect it")
    args.add_argument("--no-compare-full", action="store_true",
                      help="skip pulling night D again with --full to check the incremental night equals it")
    args.add_argument("--no-task-start", action="store_true", help="skip the fresh-interpreter floors")
    args.add_argument("--no-write", action="store_true", help="do not write bench/results/")
    opts = args.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="jaring-bench-"))
    scratch.chmod(0o755)
    world = Path(opts.world) if opts.world else scratch / "world"
    harness.generate_world(world, opts.scale)
    meta = json.loads((world / "world.json").read_text())
    night = date.fromisoformat(opts.night or meta["demo_nights"][-1])
    before = night - timedelta(days=1)
    print(f"world {world} ({meta.get('scale')}): {json.dumps(meta.get('counts', {}))}")

    stack = harness.Stack(world, scratch, opts.faults)
    wrapper = profiles.wrapper(scratch / "profiles") if opts.profile else None
    out: dict = {"scale": opts.scale, "world": meta.get("counts", {}), "night": night.isoformat(),
                 "faults": opts.faults, "profiled": opts.profile, "machine_before": harness.machine()}
    try:
        stack.start()
        t0 = time.monotonic()
        measured = measure_floors(stack, before, not opts.no_task_start)
        print(f"floors measured in {time.monotonic() - t0:.1f} s")
        results.print_floors(measured)
        parallel = not opts.serial
        full = harness.run_night(stack, before, "full pull", parallel, wrapper)
        measured["core_joins"] = floors.core_joins(stack.warehouse, before)
        measured["findings_out"] = floors.findings_out(stack.warehouse, before)
        measured["reports_out"] = floors.reports_out(stack.warehouse, before)
        results.print_night(full, results.step_rows(full, measured))
        incremental = harness.run_night(stack, night, "incremental night", parallel, wrapper)
        results.print_night(incremental, results.step_rows(incremental, measured))
        if not opts.no_compare_full:
            again, differing = harness.full_pull_again(stack, night)
            out["incremental_equals_full"] = {"differing_tables": differing, "full_ingests": {
                step: {"seconds": round(m.seconds, 1), "cpu_seconds": round(m.cpu, 1), "rows": m.rows,
                       "peak_mb": round(m.peak_mb)} for step, m in again.items()}}
    finally:
        stack.stop(opts.keep)

    results.print_floors(measured)
    out["floors"] = measured
    out["nights"] = {}
    for run in (full, incremental):
        rows = results.step_rows(run, measured)
        out["nights"][run.label] = {"night": run.night.isoformat(), "wall_seconds": round(run.wall, 1),
                                    "as_tasks_seconds": round(run.as_tasks, 1),
                                    "parallel_ingest": run.parallel, "steps": rows}
    if opts.profile:
        out["profiles"] = profiles.print_top(scratch / "profiles")

    out["scores"] = {
        run.label: results.score(world, run.night, stack.outbox / run.night.isoformat() / "findings.csv")
        for run in (full, incremental)
    }
    out["machine_after"] = harness.machine()
    failed = results.failures(out["scores"], results.previous(opts.scale))
    comparison = out.get("incremental_equals_full")
    if comparison:
        print(f"\nnight {night} pulled and reconciled again in full (one step at a time): "
              + ", ".join(f"{s} {m['seconds']:.1f} s" for s, m in comparison["full_ingests"].items()))
        print("incremental night equals the full pull: "
              + ("yes" if not comparison["differing_tables"] else f"NO: {comparison['differing_tables']}"))
        failed += [f"{table} of night {night}: incremental {d['incremental']} != full {d['full']}"
                   for table, d in comparison["differing_tables"].items()]
    out["correct"] = not failed
    if not opts.no_write:
        path = results.results_path(date.today(), opts.scale)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(harness.dumps(out), encoding="utf-8")
        print(f"\nresults written to {path}")
    if failed:
        print("\nCORRECTNESS FAILED:\n  " + "\n  ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

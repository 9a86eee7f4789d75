"""The benchmark's tables, its results file (`bench/results/<date>[-<scale>].json`) and its correctness gate:
per finding code, precision and recall against the truth must be 1.000 and not below the previous file's."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

from floors import FLOOR_OF_STEP
from harness import NightRun

RESULTS = Path(__file__).resolve().parents[2] / "bench" / "results"


def step_rows(run: NightRun, floors: dict) -> list[dict]:
    rows = []
    for step, m in run.steps.items():
        floor_name = FLOOR_OF_STEP.get(step)
        floor = (floors.get(floor_name) or {}).get("seconds")
        rows.append({
            "step": step, "rows": m.rows, "seconds": round(m.seconds, 2), "cpu_seconds": round(m.cpu, 1), "in_step_seconds": m.own,
            "floor": floor_name, "floor_seconds": round(floor, 2) if floor else None,
            "ratio": round(m.own / floor, 1) if floor and m.own else None,  # the task's own seconds / floor
            "rows_per_second": round(m.rows / m.own) if m.own else None, "peak_mb": round(m.peak_mb),
            "counts": {k: v for k, v in m.counts.items() if isinstance(v, int | float | str | bool | dict)},
        })
    return rows


def print_floors(floors: dict) -> None:
    print("\nfloors (what the data costs here, measured in this run)")
    for name, figure in floors.items():
        if name == "task_start":
            continue
        extra = ", ".join(f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}"
                          for k, v in figure.items() if k not in ("rows", "seconds"))
        print(f"  {name:14s} {figure['rows']:9d} rows {figure['seconds']:7.2f} s  {extra}")
    if "task_start" in floors:
        print("  a fresh interpreter importing (what each Airflow task pays before its work):")
        for name, figure in floors["task_start"].items():
            print(f"    {name:24s} {figure['seconds']:6.2f} s")


def print_night(run: NightRun, rows: list[dict]) -> None:
    print(f"\n{run.label}: night {run.night}, as tasks {run.as_tasks:.1f} s, wall {run.wall:.1f} s with each process's"
          f" imports (ingests {'in parallel' if run.parallel else 'one by one'})")
    print(f"{'step':16s} {'rows':>9s} {'seconds':>8s} {'cpu s':>6s} {'in-step':>8s} {'floor':>13s} {'ratio':>6s}"
          f" {'rows/s':>8s} {'peak MB':>8s}")
    for r in rows:
        floor = f"{r['floor_seconds']:.2f} {r['floor'][:7]}" if r["floor_seconds"] else "-"
        ratio = f"{r['ratio']:.1f}" if r["ratio"] else "-"
        rate = f"{r['rows_per_second']:8d}" if r["rows_per_second"] else f"{'-':>8s}"
        print(f"{r['step']:16s} {r['rows']:9d} {r['seconds']:8.1f} {r['cpu_seconds']:6.1f} {r['in_step_seconds']:8.1f}"
              f" {floor:>13s}"
              f" {ratio:>6s} {rate} {r['peak_mb']:8d}")


def score(world: Path, night: date, findings_csv: Path) -> dict[str, dict]:
    from jaring import policy
    from jaring_sim import truth

    expected = truth.compute(world, night, policy.load())
    with open(findings_csv, encoding="utf-8") as f:
        found = list(csv.DictReader(f))
    scores = truth.score(expected, found)
    print(f"\nnight {night} against the truth")
    print(f"{'finding_code':26s} {'truth':>6s} {'found':>6s} {'precision':>9s} {'recall':>7s}")
    for code, s in sorted(scores.items()):
        print(f"{code:26s} {s['tp'] + s['fn']:6d} {s['tp'] + s['fp']:6d} {s['precision']:9.4f} {s['recall']:7.4f}")
    return scores


def results_path(today: date, scale: str) -> Path:
    return RESULTS / (f"{today.isoformat()}.json" if scale == "city" else f"{today.isoformat()}-{scale}.json")


def previous(scale: str) -> dict | None:
    """The latest results file of this scale (today's earlier run included)."""
    candidates = sorted(RESULTS.glob("????-??-??.json" if scale == "city" else f"????-??-??-{scale}.json"))
    return json.loads(candidates[-1].read_text()) if candidates else None


def failures(scores: dict[str, dict[str, dict]], before: dict | None) -> list[str]:
    """Why correctness fails: a code below 1.000, or below the previous run's figure for the same night."""
    out = []
    for label, by_code in scores.items():
        earlier = ((before or {}).get("scores") or {}).get(label) or {}
        for code, s in by_code.items():
            for measure in ("precision", "recall"):
                if s[measure] < 1.0:
                    out.append(f"{label} {code}: {measure} {s[measure]:.4f} < 1.000")
                was = (earlier.get(code) or {}).get(measure)
                if was is not None and s[measure] < was:
                    out.append(f"{label} {code}: {measure} {s[measure]:.4f} below the previous run's {was:.4f}")
    return out

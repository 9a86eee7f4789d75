"""City-scale benchmark: prints figures, asserts nothing (run with `make benchmark`).

Generates the `city` world (630,000 persons), serves it from the simulated
agencies in their own process (faults on unless --no-faults), runs each step
of one night in its own process as `jaring night --steps <step>` does, and
prints per step the rows, seconds, rows/s and the step's peak memory, the
quarantine and invalid records by reason, and the per-code precision/recall
against the truth.

    .venv/bin/python tests/benchmark/city.py [--world DIR] [--night YYYY-MM-DD] [--no-faults]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import psycopg

from jaring import policy
from jaring.warehouse import db
from jaring_dev import processes
from jaring_dev.postgres import LocalPostgres, free_port
from jaring_dev.stack import connections_env

ROWS_OF_STEP = {
    "ingest_dukcapil": ["staging.person"],
    "ingest_bpjs": ["staging.participant", "staging.payment", "staging.claim"],
    "ingest_dtsen": ["staging.dtsen_individual"],
    "ingest_rt": ["staging.rt_row"],
    "reconcile": ["recon.link", "recon.finding"],
    "publish_outbox": ["recon.finding"],
}
JARING = [sys.executable, "-m", "jaring.cli"]
JARING_SIM = [sys.executable, "-m", "jaring_sim.cli"]


def run_measured(argv: list[str], env: dict) -> tuple[float, float]:
    """Run a command; returns (seconds, its peak resident memory in MB)."""
    t0 = time.monotonic()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.monotonic() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(argv[2:])} failed:\n{proc.stderr.read().decode()[-3000:]}")
    return seconds, usage.ru_maxrss / 1024


def main() -> None:
    args = argparse.ArgumentParser()
    args.add_argument("--world", help="an existing city world (else generated into a temp folder)")
    args.add_argument("--night")
    args.add_argument("--no-faults", action="store_true")
    args.add_argument("--keep", action="store_true", help="leave the warehouse running to inspect it")
    opts = args.parse_args()

    from jaring_sim import dtsen_db, truth

    scratch = Path(tempfile.mkdtemp(prefix="jaring-bench-"))
    scratch.chmod(0o755)
    world = Path(opts.world) if opts.world else scratch / "world"
    if not (world / "world.json").exists():
        seconds, peak = run_measured([*JARING_SIM, "world", "--scale", "city", "--out", str(world)],
                                     dict(os.environ))
        print(f"city world generated and its inbox rendered in {seconds:.1f} s (peak {peak:.0f} MB)")
    meta = json.loads((world / "world.json").read_text())
    night = date.fromisoformat(opts.night or meta["demo_nights"][-1])
    print(f"world counts: {json.dumps(meta.get('counts', {}))}")

    pg = LocalPostgres(scratch / "pg")
    pg.start()
    pg.ensure_role("dinsos_ro")
    for name in ("dtsen", "jaring"):
        pg.ensure_database(name)
    with psycopg.connect(pg.dsn("jaring")) as conn:
        db.migrate(conn)
    t0 = time.monotonic()
    dtsen_db.load(world, pg.dsn("dtsen"))
    print(f"DTSEN extract (all releases) loaded in {time.monotonic() - t0:.1f} s")

    ports = {"dukcapil": free_port(), "bpjs": free_port()}
    processes.start("bench-agencies", [
        *JARING_SIM, "serve", "--world", str(world), "--dukcapil-port", str(ports["dukcapil"]),
        "--bpjs-port", str(ports["bpjs"]), "--token", "bench", "--client-id", "bench", "--client-secret", "bench",
        "--faults", "none" if opts.no_faults else "default",
    ], scratch)
    env = {**os.environ, **connections_env(
        warehouse_dsn=pg.dsn("jaring"), dtsen_dsn=pg.dsn("dtsen", user="dinsos_ro"),
        dukcapil_port=ports["dukcapil"], dukcapil_token="bench", bpjs_port=ports["bpjs"],
        bpjs_client=("bench", "bench"), smtp_port=free_port(),
        inbox=world / "inbox", outbox=scratch / "outbox",
    )}
    try:
        processes.wait_for_port(ports["dukcapil"], 180, "the Disdukcapil simulator", scratch / "bench-agencies.log")
        processes.wait_for_port(ports["bpjs"], 180, "the BPJS simulator", scratch / "bench-agencies.log")
        print(f"\nnight {night}, faults {'off' if opts.no_faults else 'on'}; each step in its own process")
        print("(seconds = the whole process, Python and Airflow imports included; in-step = the step's own work)")
        print(f"{'step':18s} {'rows':>9s} {'seconds':>8s} {'in-step':>8s} {'rows/s':>9s} {'peak MB':>8s}")
        for step in ROWS_OF_STEP:
            seconds, peak = run_measured([*JARING, "night", "--date", night.isoformat(), "--steps", step], env)
            with psycopg.connect(pg.dsn("jaring")) as conn:
                rows = sum(conn.execute(f"SELECT count(*) FROM {t} WHERE night = %s", (night,)).fetchone()[0]
                           for t in ROWS_OF_STEP[step])
                own = conn.execute("SELECT (counts->>'seconds')::float FROM ops.step_run WHERE night = %s AND step = %s"
                                   " ORDER BY attempt DESC LIMIT 1",
                                   (night, step)).fetchone()[0]
            print(f"{step:18s} {rows:9d} {seconds:8.1f} {own:8.1f} {rows / own:9.0f} {peak:8.0f}")
    finally:
        processes.stop("bench-agencies", scratch)

    with psycopg.connect(pg.dsn("jaring")) as conn:
        print("\nrecords reported as INVALID_SOURCE_RECORD, by source and reason")
        for source, where, reason, n in conn.execute(
            """SELECT source, kept, regexp_replace(reason, ' \\(.*\\)$', ''), count(*) FROM (
                 SELECT source, 'quarantined' AS kept, reason FROM quarantine.record WHERE night = %(n)s
                 UNION ALL SELECT source, 'staged', reason FROM staging.invalid_record WHERE night = %(n)s) r
               GROUP BY 1, 2, 3 ORDER BY 1, 2, 3""", {"n": night}).fetchall():
            print(f"  {source:9s} {where:12s} {reason:58s} {n:7d}")

    t0 = time.monotonic()
    expected = truth.compute(world, night, policy.load())
    print(f"\ntruth computed in {time.monotonic() - t0:.1f} s")
    with open(scratch / "outbox" / night.isoformat() / "findings.csv", encoding="utf-8") as f:
        found = list(csv.DictReader(f))
    print(f"{'finding_code':26s} {'truth':>6s} {'found':>6s} {'precision':>9s} {'recall':>7s}")
    for code, s in sorted(truth.score(expected, found).items()):
        print(f"{code:26s} {s['tp'] + s['fn']:6d} {s['tp'] + s['fp']:6d} {s['precision']:9.4f} {s['recall']:7.4f}")
    if opts.keep:
        print(f"\nwarehouse kept: {pg.dsn('jaring')} (stop: pg_ctl -D {pg.data_dir} stop)")
    else:
        pg.destroy()


if __name__ == "__main__":
    sys.exit(main())

"""City-scale benchmark: prints figures, asserts nothing (run with `make benchmark`).

Generates the `city` world (630,000 persons), serves it from the simulators
with faults on, runs one night step by step and prints, per step, the rows,
seconds, rows/s and peak memory, the quarantine counts by reason, and the
per-code precision/recall against the truth.

    .venv/bin/python tests/benchmark/city.py [--world DIR] [--night YYYY-MM-DD] [--no-faults]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import psycopg

from jaring import pipeline, policy
from jaring.devenv.postgres import LocalPostgres, free_port
from jaring.devenv.stack import connections_env

ROWS_OF_STEP = {
    "ingest_dukcapil": ["staging.person"],
    "ingest_bpjs": ["staging.participant", "staging.payment", "staging.claim"],
    "ingest_dtsen": ["staging.dtsen_individual"],
    "ingest_rt": ["staging.rt_row"],
    "reconcile": ["recon.link", "recon.finding"],
}


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    args = argparse.ArgumentParser()
    args.add_argument("--world", help="an existing city world (else generated into a temp folder)")
    args.add_argument("--night")
    args.add_argument("--no-faults", action="store_true")
    opts = args.parse_args()

    from jaring.simulate import bpjs_api, dtsen_db, dukcapil_api, rt_inbox, truth
    from jaring.simulate.faults import FaultPlan
    from jaring.simulate.world import generate

    scratch = Path(tempfile.mkdtemp(prefix="jaring-bench-"))
    scratch.chmod(0o755)
    world = Path(opts.world) if opts.world else scratch / "world"
    if not (world / "world.json").exists():
        t0 = time.monotonic()
        generate(world, scale="city", seed=1)
        t1 = time.monotonic()
        rt_inbox.render(world, seed=1)
        print(f"city world: generated in {t1 - t0:.1f} s, inbox rendered in {time.monotonic() - t1:.1f} s")
    meta = json.loads((world / "world.json").read_text())
    night = date.fromisoformat(opts.night or meta["demo_nights"][-1])
    print(f"world counts: {json.dumps(meta.get('counts', {}))}")

    pg = LocalPostgres(scratch / "pg")
    pg.start()
    pg.ensure_role("dinsos_ro")
    for name in ("dtsen", "jaring"):
        pg.ensure_database(name)
    t0 = time.monotonic()
    dtsen_db.load(world, pg.dsn("dtsen"))
    print(f"DTSEN extract loaded in {time.monotonic() - t0:.1f} s")

    faults = FaultPlan.none() if opts.no_faults else FaultPlan.parse("default")
    dukcapil = dukcapil_api.make_server(world, port=0, token="bench", faults=faults)
    bpjs = bpjs_api.make_server(world, port=0, client_id="bench", client_secret="bench",
                                state_dir=scratch / "bpjs", faults=faults)
    dukcapil.start()
    bpjs.start()
    os.environ.update(connections_env(
        warehouse_dsn=pg.dsn("jaring"), dtsen_dsn=pg.dsn("dtsen", user="dinsos_ro"),
        dukcapil_port=dukcapil.port, dukcapil_token="bench", bpjs_port=bpjs.port,
        bpjs_client=("bench", "bench"), smtp_port=free_port(),
        inbox=world / "inbox", outbox=scratch / "outbox",
    ))

    print(f"\nnight {night}, faults {'off' if opts.no_faults else 'on'}")
    print(f"{'step':18s} {'rows':>9s} {'seconds':>8s} {'rows/s':>9s} {'peak RSS MB':>12s}")
    try:
        for step in ("ingest_dukcapil", "ingest_bpjs", "ingest_dtsen", "ingest_rt", "reconcile", "publish_outbox"):
            t0 = time.monotonic()
            pipeline.run_step(step, night)
            seconds = time.monotonic() - t0
            rows = 0
            with psycopg.connect(pg.dsn("jaring")) as conn:
                for table in ROWS_OF_STEP.get(step, []):
                    rows += conn.execute(f"SELECT count(*) FROM {table} WHERE night = %s", (night,)).fetchone()[0]
            rate = f"{rows / seconds:9.0f}" if rows else f"{'-':>9s}"
            print(f"{step:18s} {rows:9d} {seconds:8.1f} {rate} {_peak_rss_mb():12.0f}")
    finally:
        dukcapil.shutdown()
        bpjs.shutdown()

    with psycopg.connect(pg.dsn("jaring")) as conn:
        print("\nquarantine and invalid records by source and reason")
        for source, reason, n in conn.execute(
            """SELECT source, reason, count(*) FROM (
                 SELECT source, reason FROM quarantine.record WHERE night = %(n)s
                 UNION ALL SELECT source, reason || ' (staged)' FROM staging.invalid_record WHERE night = %(n)s) r
               GROUP BY 1, 2 ORDER BY 1, 2""", {"n": night}).fetchall():
            print(f"  {source:9s} {reason:50s} {n:7d}")

    expected = truth.compute(world, night, policy.load())
    with open(scratch / "outbox" / night.isoformat() / "findings.csv", encoding="utf-8") as f:
        found = list(csv.DictReader(f))
    print(f"\n{'finding_code':26s} {'truth':>6s} {'found':>6s} {'precision':>9s} {'recall':>7s}")
    for code, s in sorted(truth.score(expected, found).items()):
        print(f"{code:26s} {s['tp'] + s['fn']:6d} {s['tp'] + s['fp']:6d} {s['precision']:9.4f} {s['recall']:7.4f}")
    pg.destroy()


if __name__ == "__main__":
    sys.exit(main())

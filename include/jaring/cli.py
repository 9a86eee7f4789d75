"""The `jaring` command: what an operator runs against a deployment.

    jaring night --date 2026-11-20            run night D end to end (exit 1 if a step failed)
    jaring night --date 2026-11-20 --steps ingest_rt,reconcile,publish   (publish: its three steps)
    jaring night --date 2026-11-20 --no-deliver   compute and publish the outbox, mail and PUT nothing
    jaring night --date 2026-11-20 --full     every source pulled in full, every record linked: nothing
                                              built on night D-1
    jaring status --date 2026-11-20           every attempt of every step of night D
    jaring send --night 2026-11-20 [--again]  mail night D's reports to whoever has not had them (or all)
    jaring backfill --from 2026-11-18 --to 2026-11-20 [--deliver]
                                              the nights D1..D2 (inclusive) under the scheduler
    jaring backfill --stale [--deliver]       the nights whose history a backfill made stale, in order
    jaring db migrate                         bring the warehouse schema up to date

The simulated agencies are `jaring-sim`, the local stack `jaring-dev` (tools/, not shipped).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from datetime import date, timedelta
from pathlib import Path


def night_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value}") from exc


def cmd_night(args) -> int:
    from jaring import pipeline

    steps = pipeline.steps_named(args.steps.split(",")) if args.steps else None
    if args.no_deliver:
        steps = [s for s in (steps or pipeline.STEPS) if s not in pipeline.DELIVERY_STEPS]
    unknown = [s for s in steps or [] if s not in pipeline.STEPS]
    if unknown:
        print(f"unknown step(s): {', '.join(unknown)}; steps are {', '.join(pipeline.STEPS)}", file=sys.stderr)
        return 2
    t0 = time.monotonic()
    try:
        result = pipeline.run_night(args.date, only=steps, full=args.full)
    except pipeline.NightFailed as exc:
        _print_steps(exc.result)
        print(f"\n{exc}", file=sys.stderr)
        return 1
    _print_steps(result)
    print(f"night {args.date}: all {len(result.done)} steps succeeded in {time.monotonic() - t0:.1f} s")
    return 0


def _print_steps(result) -> None:
    for name, counts in result.done.items():
        shown = {k: v for k, v in counts.items() if k != "seconds"}
        print(f"  ok      {name:16s} {counts.get('seconds', 0):7.1f} s  {json.dumps(shown, default=str)[:160]}")
    for name, why in result.failed.items():
        print(f"  FAILED  {name:16s} {why.splitlines()[0][:160]}")
    for name, why in result.skipped.items():
        print(f"  skipped {name:16s} {why}")


def cmd_status(args) -> int:
    from jaring import pipeline, stale_history
    from jaring.warehouse import db, sqlfile

    with db.connect() as conn:
        attempts = sqlfile.execute(conn, __name__, "step_runs_of_night", {"night": args.date}).fetchall()
        recomputed = stale_history.stale_nights(conn).get(args.date)
    if not attempts:
        print(f"night {args.date}: no step has run")
        return 1
    print(f"night {args.date}:")
    for step, attempt, status, started, finished, counts, message in attempts:
        took = f"{(finished - started).total_seconds():7.1f} s" if finished else "        "
        detail = message or json.dumps({k: v for k, v in (counts or {}).items() if k != "seconds"}, default=str)
        print(f"  {step:16s} #{attempt:<2d} {status:8s} {started:%Y-%m-%d %H:%M:%S} {took}  {detail[:120]}")
    latest = {step: status for step, _, status, *_ in attempts}
    missing = pipeline.not_succeeded(latest)
    print("all steps succeeded" if not missing else f"not (yet) succeeded: {', '.join(missing)}")
    if recomputed:
        print(f"history stale: night {recomputed} was reconciled again after this night; "
              "recompute the later nights in order with `jaring backfill --stale`")
    return 0 if not missing and not recomputed else 1


def backfill_command(first: date, last: date, deliver: bool) -> list[str]:
    """`airflow backfill create` for nights first..last inclusive.

    Night D's run has logical date D 02:00 WIB, and the command reads its dates as midnight in the
    DAG's time zone, keeping logical dates in [from, to): so `--to-date` is the day after the last night.
    """
    from jaring.pipeline import DAG_ID

    return ["backfill", "create", "--dag-id", DAG_ID, "--from-date", first.isoformat(),
            "--to-date", (last + timedelta(days=1)).isoformat(), "--max-active-runs", "1",
            "--reprocess-behavior", "completed", "--dag-run-conf", json.dumps({"deliver": deliver})]


def cmd_backfill(args) -> int:
    import shutil
    import subprocess

    if args.stale and (args.first or args.last):
        print("--stale picks the nights itself: give it without --from/--to", file=sys.stderr)
        return 2
    if args.stale:
        from jaring import stale_history
        from jaring.warehouse import db

        with db.connect() as conn:
            stale = stale_history.range_to_recompute(conn)
        if stale is None:
            print("no stale night: every computed night was reconciled after the nights before it")
            return 0
        args.first, args.last = stale
    elif args.first is None or args.last is None:
        print("name the nights (--from D1 --to D2) or ask for the stale ones (--stale)", file=sys.stderr)
        return 2
    if args.last < args.first:
        print("--to is before --from", file=sys.stderr)
        return 2
    airflow = shutil.which("airflow") or str(Path(sys.executable).with_name("airflow"))
    command = [airflow, *backfill_command(args.first, args.last, args.deliver)]
    print(f"nights {args.first} to {args.last} ({'delivering' if args.deliver else 'not delivering'}): "
          + " ".join(command[1:]))
    return subprocess.run(command).returncode


def cmd_send(args) -> int:
    from jaring import config
    from jaring.publishing import send_reports
    from jaring.publishing.email import DeliveryError

    try:
        result = send_reports(args.night, config.outbox(), config.recipients_file(), again=args.again)
    except DeliveryError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(f"night {args.night}: mailed {len(result['sent'])} audiences; "
          f"{len(result['already_sent'])} had it already; {len(result['no_recipients'])} without recipients")
    return 0


def cmd_db(args) -> int:
    from jaring.warehouse import db

    with db.connect() as conn:
        db.migrate(conn)
    print("warehouse schema is up to date")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="jaring", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-v", "--verbose", action="store_true")
    sub = p.add_subparsers(dest="command", required=True)

    night = sub.add_parser("night", help="run night D end to end")
    night.add_argument("--date", type=night_date, required=True)
    night.add_argument("--steps", help="comma-separated subset of steps (`publish`: the three publishing steps)")
    night.add_argument("--no-deliver", action="store_true", help="skip the e-mails and the BPJS PUT")
    night.add_argument("--full", action="store_true",
                       help="pull every source in full and link every record (else the registry, DTSEN, the "
                            "ledgers, BPJS's unchanged months and the links build on night D-1)")
    night.set_defaults(func=cmd_night)

    backfill = sub.add_parser("backfill", help="re-run nights D1..D2 (inclusive) under the Airflow scheduler")
    backfill.add_argument("--from", dest="first", type=night_date)
    backfill.add_argument("--to", dest="last", type=night_date)
    backfill.add_argument("--stale", action="store_true",
                          help="the nights a backfill of an earlier night made stale (jaring status names them)")
    backfill.add_argument("--deliver", action="store_true", help="also mail the reports and PUT to BPJS")
    backfill.set_defaults(func=cmd_backfill)

    send = sub.add_parser("send", help="mail night D's reports (the delivery ledger skips who had them)")
    send.add_argument("--night", type=night_date, required=True)
    send.add_argument("--again", action="store_true", help="mail every audience again")
    send.set_defaults(func=cmd_send)

    status = sub.add_parser("status", help="every attempt of every step of night D (ops.step_run)")
    status.add_argument("--date", type=night_date, required=True)
    status.set_defaults(func=cmd_status)

    dbp = sub.add_parser("db", help="warehouse schema")
    dbp.add_argument("action", choices=["migrate"])
    dbp.set_defaults(func=cmd_db)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())

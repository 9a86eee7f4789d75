"""The `jaring` command: run a night, simulate the agencies, manage the local stack.

    jaring night --date 2026-11-20            run night D end to end (exit 1 if a step failed)
    jaring night --date 2026-11-20 --steps ingest_rt,reconcile
    jaring db migrate                         create the warehouse tables
    jaring dev up | down | status | airflow   the local stack (PostgreSQL, simulators, mail sink, Airflow)
    jaring demo                               dev up + the demo nights + where to look
    jaring simulate world --scale small --seed 1 --out DIR
    jaring simulate truth --world DIR --date D
    jaring simulate serve --world DIR --dukcapil-port P --bpjs-port P [--faults default]
    jaring simulate mail --port P --maildir DIR
    jaring score --world DIR --date D --findings outbox/D/findings.csv
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from datetime import date
from pathlib import Path


def _night(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value}") from exc


def cmd_night(args) -> int:
    from jaring import pipeline

    steps = args.steps.split(",") if args.steps else None
    unknown = [s for s in steps or [] if s not in pipeline.STEPS]
    if unknown:
        print(f"unknown step(s): {', '.join(unknown)}; steps are {', '.join(pipeline.STEPS)}", file=sys.stderr)
        return 2
    t0 = time.monotonic()
    try:
        result = pipeline.run_night(args.date, only=steps)
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


def cmd_db(args) -> int:
    from jaring.warehouse import db

    with db.connect() as conn:
        db.migrate(conn)
    print("warehouse schema is up to date")
    return 0


def cmd_dev(args) -> int:
    from jaring.devenv.stack import Stack, project_root

    stack = Stack(project_root())
    if args.action == "up":
        stack.up(with_world=not args.no_world)
        print(f"local stack is up; environment in {stack.env_file}")
    elif args.action == "airflow":
        from jaring.devenv import airflow_local

        stack.up()
        url = airflow_local.start(stack)
        user, password = airflow_local.ensure_login(stack)
        print(f"Airflow is up at {url} (login {user} / {password}); `make stop` stops it")
    elif args.action == "down":
        stopped = stack.down()
        print("stopped: " + (", ".join(stopped + ["postgres"]) if stopped else "postgres (nothing else ran)"))
    else:
        from jaring.devenv import processes

        print(f"postgres: {'running on port ' + str(stack.postgres.port) if stack.postgres.is_running() else 'stopped'}")
        for name in ("agencies", "mail", "api-server", "scheduler", "dag-processor", "triggerer"):
            pid = processes.read_pid(stack.run_dir / f"{name}.pid")
            print(f"{name}: {'running, pid ' + str(pid) if pid else 'stopped'}")
    return 0


def cmd_demo(args) -> int:
    from jaring.devenv import demo

    return demo.run(nights=args.nights)


def cmd_simulate(args) -> int:
    if args.what == "world":
        from jaring.simulate import rt_inbox
        from jaring.simulate.world import generate

        t0 = time.monotonic()
        meta = generate(Path(args.out), scale=args.scale, seed=args.seed)
        t1 = time.monotonic()
        counts = rt_inbox.render(Path(args.out), seed=args.seed)
        t2 = time.monotonic()
        print(json.dumps({"world": meta.get("counts", {}), "inbox": counts}, indent=2, default=str))
        print(f"world generated in {t1 - t0:.1f} s, inbox rendered in {t2 - t1:.1f} s")
    elif args.what == "truth":
        from jaring import policy
        from jaring.simulate import truth

        path = truth.write(Path(args.world), args.date, policy.load(Path(args.policy) if args.policy else None))
        print(path)
    elif args.what == "serve":
        from jaring.simulate import agencies
        from jaring.simulate.faults import FaultPlan

        agencies.serve(
            Path(args.world), args.dukcapil_port, args.bpjs_port, FaultPlan.parse(args.faults),
            args.token, args.client_id, args.client_secret, varied=not args.plain,
        )
    elif args.what == "mail":
        from jaring.simulate import mail_sink

        mail_sink.serve(args.port, Path(args.maildir))
    elif args.what == "dtsen":
        from jaring.simulate import dtsen_db

        print(json.dumps(dtsen_db.load(Path(args.world), args.dsn), default=str))
    return 0


def cmd_score(args) -> int:
    import csv

    from jaring import policy
    from jaring.simulate import truth

    world = Path(args.world)
    expected = truth.compute(world, args.date, policy.load(Path(args.policy) if args.policy else None))
    with open(args.findings, encoding="utf-8") as f:
        found = list(csv.DictReader(f))
    table = truth.score(expected, found)
    print(f"{'finding_code':26s} {'truth':>6s} {'found':>6s} {'tp':>6s} {'precision':>9s} {'recall':>7s}")
    worst = 1.0
    for code, s in sorted(table.items()):
        print(f"{code:26s} {s['tp'] + s['fn']:6d} {s['tp'] + s['fp']:6d} {s['tp']:6d} "
              f"{s['precision']:9.4f} {s['recall']:7.4f}")
        worst = min(worst, s["precision"], s["recall"])
    return 0 if worst >= args.threshold else 1


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="jaring", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-v", "--verbose", action="store_true")
    sub = p.add_subparsers(dest="command", required=True)

    night = sub.add_parser("night", help="run night D end to end")
    night.add_argument("--date", type=_night, required=True)
    night.add_argument("--steps", help="comma-separated subset of steps")
    night.set_defaults(func=cmd_night)

    dbp = sub.add_parser("db", help="warehouse schema")
    dbp.add_argument("action", choices=["migrate"])
    dbp.set_defaults(func=cmd_db)

    dev = sub.add_parser("dev", help="the local stack")
    dev.add_argument("action", choices=["up", "down", "status", "airflow"])
    dev.add_argument("--no-world", action="store_true", help="only PostgreSQL and the env file")
    dev.set_defaults(func=cmd_dev)

    demo = sub.add_parser("demo", help="local stack + the demo nights")
    demo.add_argument("--nights", type=int, default=2, help="how many of the world's demo nights to run")
    demo.set_defaults(func=cmd_demo)

    sim = sub.add_parser("simulate", help="the simulated agencies")
    simsub = sim.add_subparsers(dest="what", required=True)
    world = simsub.add_parser("world")
    world.add_argument("--scale", choices=["small", "city"], default="small")
    world.add_argument("--seed", type=int, default=1)
    world.add_argument("--out", required=True)
    truth = simsub.add_parser("truth")
    truth.add_argument("--world", required=True)
    truth.add_argument("--date", type=_night, required=True)
    truth.add_argument("--policy")
    serve = simsub.add_parser("serve")
    serve.add_argument("--world", required=True)
    serve.add_argument("--dukcapil-port", type=int, required=True)
    serve.add_argument("--bpjs-port", type=int, required=True)
    serve.add_argument("--faults", default="none")
    serve.add_argument("--token", default="demo-token")
    serve.add_argument("--client-id", default="jaring")
    serve.add_argument("--client-secret", default="demo-secret")
    serve.add_argument("--plain", action="store_true",
                       help="only the contract's fields, full pages (default: every shape the contracts allow)")
    mail = simsub.add_parser("mail")
    mail.add_argument("--port", type=int, required=True)
    mail.add_argument("--maildir", required=True)
    dtsen = simsub.add_parser("dtsen")
    dtsen.add_argument("--world", required=True)
    dtsen.add_argument("--dsn", required=True)
    sim.set_defaults(func=cmd_simulate)

    score = sub.add_parser("score", help="precision and recall of a night's findings against the truth")
    score.add_argument("--world", required=True)
    score.add_argument("--date", type=_night, required=True)
    score.add_argument("--findings", required=True)
    score.add_argument("--policy")
    score.add_argument("--threshold", type=float, default=0.99)
    score.set_defaults(func=cmd_score)
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

"""The `jaring-sim` command: the simulated world and agencies (development and tests only).

    jaring-sim world --scale small --seed 1 --out DIR
    jaring-sim truth --world DIR --date D
    jaring-sim serve --world DIR --dukcapil-port P --bpjs-port P [--faults default] [--plain]
    jaring-sim mail --port P --maildir DIR
    jaring-sim dtsen --world DIR --dsn DSN
    jaring-sim score --world DIR --date D --findings outbox/D/findings.csv
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

from jaring.cli import night_date


def cmd_run(args) -> int:
    if args.what == "world":
        from jaring_sim import rt_inbox
        from jaring_sim.world import generate

        t0 = time.monotonic()
        meta = generate(Path(args.out), scale=args.scale, seed=args.seed)
        t1 = time.monotonic()
        counts = rt_inbox.render(Path(args.out), seed=args.seed)
        t2 = time.monotonic()
        print(json.dumps({"world": meta.get("counts", {}), "inbox": counts}, indent=2, default=str))
        print(f"world generated in {t1 - t0:.1f} s, inbox rendered in {t2 - t1:.1f} s")
    elif args.what == "truth":
        from jaring import policy
        from jaring_sim import truth

        path = truth.write(Path(args.world), args.date, policy.load(Path(args.policy) if args.policy else None))
        print(path)
    elif args.what == "serve":
        from jaring_sim import agencies
        from jaring_sim.faults import FaultPlan

        agencies.serve(
            Path(args.world), args.dukcapil_port, args.bpjs_port, FaultPlan.parse(args.faults),
            args.token, args.client_id, args.client_secret, varied=not args.plain,
        )
    elif args.what == "mail":
        from jaring_sim import mail_sink

        mail_sink.serve(args.port, Path(args.maildir))
    elif args.what == "dtsen":
        from jaring_sim import dtsen_db

        print(json.dumps(dtsen_db.load(Path(args.world), args.dsn), default=str))
    return 0


def cmd_score(args) -> int:
    import csv

    from jaring import policy
    from jaring_sim import truth

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
    p = argparse.ArgumentParser(prog="jaring-sim", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    simsub = p.add_subparsers(dest="what", required=True)
    world = simsub.add_parser("world", help="generate a deterministic world")
    world.add_argument("--scale", choices=["small", "city", "city3"], default="small")
    world.add_argument("--seed", type=int, default=1)
    world.add_argument("--out", required=True)
    truth = simsub.add_parser("truth", help="the findings that hold at night D, from the world's knowledge")
    truth.add_argument("--world", required=True)
    truth.add_argument("--date", type=night_date, required=True)
    truth.add_argument("--policy")
    serve = simsub.add_parser("serve", help="the Disdukcapil and BPJS APIs")
    serve.add_argument("--world", required=True)
    serve.add_argument("--dukcapil-port", type=int, required=True)
    serve.add_argument("--bpjs-port", type=int, required=True)
    serve.add_argument("--faults", default="none")
    serve.add_argument("--token", default="demo-token")
    serve.add_argument("--client-id", default="jaring")
    serve.add_argument("--client-secret", default="demo-secret")
    serve.add_argument("--plain", action="store_true",
                       help="only the contract's fields, full pages (default: every shape the contracts allow)")
    mail = simsub.add_parser("mail", help="an SMTP server writing a Maildir")
    mail.add_argument("--port", type=int, required=True)
    mail.add_argument("--maildir", required=True)
    dtsen = simsub.add_parser("dtsen", help="load the DTSEN extract database from the world")
    dtsen.add_argument("--world", required=True)
    dtsen.add_argument("--dsn", required=True)
    for sub in (world, truth, serve, mail, dtsen):
        sub.set_defaults(func=cmd_run)
    score = simsub.add_parser("score", help="precision and recall of a night's findings against the truth")
    score.add_argument("--world", required=True)
    score.add_argument("--date", type=night_date, required=True)
    score.add_argument("--findings", required=True)
    score.add_argument("--policy")
    score.add_argument("--threshold", type=float, default=0.99)
    score.set_defaults(func=cmd_score)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())

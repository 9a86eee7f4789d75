"""The `jaring-dev` command: the local stack (PostgreSQL, simulated agencies, mail sink, Airflow).

    jaring-dev up | down | status | airflow [--executor celery] | airflow-stop
    jaring-dev celery          airflow --executor celery: Redis and two Celery workers besides the components
    jaring-dev demo            up + the demo nights + where to look
    jaring-dev screenshots     the README's pictures of a kelurahan report (phone, desktop)
    jaring-dev agencies        the simulated Disdukcapil and BPJS in a container (docker-compose's `agencies`)
"""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path


def cmd_stack(args) -> int:
    from jaring_dev.stack import AIRFLOW_COMPONENTS, CELERY_WORKERS, EXECUTORS, Stack, project_root

    stack = Stack(project_root(), executor="celery" if args.action == "celery" else args.executor)
    if args.action == "up":
        stack.up(with_world=not args.no_world)
        print(f"local stack is up; environment in {stack.env_file}")
    elif args.action in ("airflow", "celery"):
        from jaring_dev import airflow_local

        stack.up()
        url = airflow_local.start(stack)
        user, password = airflow_local.ensure_login(stack)
        workers = f", Celery workers {', '.join(CELERY_WORKERS)}" if stack.executor == "celery" else ""
        print(f"Airflow ({EXECUTORS[stack.executor]}{workers}) is up at {url} (login {user} / {password}); "
              "`make airflow-stop` stops it (`make stop` stops everything)")
    elif args.action == "airflow-stop":
        stopped = stack.stop_airflow()
        print("stopped: " + (", ".join(stopped) if stopped else "nothing (Airflow was not running)"))
    elif args.action == "down":
        stopped = stack.down()
        print("stopped: " + (", ".join(stopped + ["postgres"]) if stopped else "postgres (nothing else ran)"))
    else:
        from jaring_dev import processes

        print(f"postgres: {'running on port ' + str(stack.postgres.port) if stack.postgres.is_running() else 'stopped'}")
        print(f"redis: {'running on port ' + str(stack.redis.port) if stack.redis.is_running() else 'stopped'}")
        for name in ("agencies", "mail", *AIRFLOW_COMPONENTS, *CELERY_WORKERS):
            pid = processes.read_pid(stack.run_dir / f"{name}.pid")
            print(f"{name}: {'running, pid ' + str(pid) if pid else 'stopped'}")
    return 0


def cmd_demo(args) -> int:
    from jaring_dev import demo

    return demo.run(nights=args.nights)


def cmd_agencies(args) -> int:
    """A generated world's Disdukcapil (8081) and BPJS (8082) on `--host`, its DTSEN loaded into
    JARING_SIM_DTSEN_DSN; the secrets the hub's connections hold come from the environment."""
    from jaring_dev.stack import BPJS_CLIENT, ensure_world
    from jaring_sim import agencies
    from jaring_sim.faults import FaultPlan

    world = Path(args.world)
    ensure_world(world, scale=args.scale)
    agencies.serve(world, 8081, 8082, FaultPlan.parse(args.faults), os.environ["JARING_SIM_DUKCAPIL_TOKEN"],
                   BPJS_CLIENT[0], os.environ["JARING_SIM_BPJS_SECRET"], host=args.host,
                   dtsen_admin_dsn=os.environ.get("JARING_SIM_DTSEN_DSN"))
    return 0


def cmd_screenshots(args) -> int:
    from jaring_dev import screenshots
    from jaring_dev.stack import project_root

    root = project_root()
    for path in screenshots.take(root / "outbox", root / "docs"):
        print(path)
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="jaring-dev", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="action", required=True)
    for action in ("up", "down", "status", "airflow", "celery", "airflow-stop"):
        stack = sub.add_parser(action)
        stack.add_argument("--no-world", action="store_true", help="only PostgreSQL and the env file")
        stack.add_argument("--executor", choices=("local", "celery"), default="local",
                           help="airflow: LocalExecutor, or CeleryExecutor with Redis and two workers")
        stack.set_defaults(func=cmd_stack)
    demo = sub.add_parser("demo", help="local stack + the demo nights")
    demo.add_argument("--nights", type=int, default=2, help="how many of the world's demo nights to run")
    demo.set_defaults(func=cmd_demo)
    agencies = sub.add_parser("agencies", help="the simulated agencies of a world (generated once) in a container")
    agencies.add_argument("--world", required=True)
    agencies.add_argument("--scale", choices=("small", "city"), default="small")
    agencies.add_argument("--host", default="127.0.0.1", help="0.0.0.0 in a container, for the other services")
    agencies.add_argument("--faults", default="none")
    agencies.set_defaults(func=cmd_agencies)
    shots = sub.add_parser("screenshots", help="docs/kelurahan-{phone,desktop}.png from the local outbox")
    shots.set_defaults(func=cmd_screenshots)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())

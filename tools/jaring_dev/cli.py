"""The `jaring-dev` command: the local stack (PostgreSQL, simulated agencies, mail sink, Airflow).

    jaring-dev up | down | status | airflow | airflow-stop
    jaring-dev demo            up + the demo nights + where to look
    jaring-dev screenshots     the README's pictures of a kelurahan report (phone, desktop)
"""

from __future__ import annotations

import argparse
import logging


def cmd_stack(args) -> int:
    from jaring_dev.stack import Stack, project_root

    stack = Stack(project_root())
    if args.action == "up":
        stack.up(with_world=not args.no_world)
        print(f"local stack is up; environment in {stack.env_file}")
    elif args.action == "airflow":
        from jaring_dev import airflow_local

        stack.up()
        url = airflow_local.start(stack)
        user, password = airflow_local.ensure_login(stack)
        print(f"Airflow is up at {url} (login {user} / {password}); `make airflow-stop` stops it "
              "(`make stop` stops everything)")
    elif args.action == "airflow-stop":
        stopped = stack.stop_airflow()
        print("stopped: " + (", ".join(stopped) if stopped else "nothing (Airflow was not running)"))
    elif args.action == "down":
        stopped = stack.down()
        print("stopped: " + (", ".join(stopped + ["postgres"]) if stopped else "postgres (nothing else ran)"))
    else:
        from jaring_dev import processes

        print(f"postgres: {'running on port ' + str(stack.postgres.port) if stack.postgres.is_running() else 'stopped'}")
        for name in ("agencies", "mail", "api-server", "scheduler", "dag-processor", "triggerer"):
            pid = processes.read_pid(stack.run_dir / f"{name}.pid")
            print(f"{name}: {'running, pid ' + str(pid) if pid else 'stopped'}")
    return 0


def cmd_demo(args) -> int:
    from jaring_dev import demo

    return demo.run(nights=args.nights)


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
    for action in ("up", "down", "status", "airflow", "airflow-stop"):
        stack = sub.add_parser(action)
        stack.add_argument("--no-world", action="store_true", help="only PostgreSQL and the env file")
        stack.set_defaults(func=cmd_stack)
    demo = sub.add_parser("demo", help="local stack + the demo nights")
    demo.add_argument("--nights", type=int, default=2, help="how many of the world's demo nights to run")
    demo.set_defaults(func=cmd_demo)
    shots = sub.add_parser("screenshots", help="docs/kelurahan-{phone,desktop}.png from the local outbox")
    shots.set_defaults(func=cmd_screenshots)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())

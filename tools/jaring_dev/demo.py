"""`make demo`: the local stack, the demo world, and its most recent nights."""

from __future__ import annotations

import json
import time
from datetime import date

from jaring_dev import airflow_local
from jaring_dev.stack import Stack, project_root


def run(nights: int = 2) -> int:
    from jaring import pipeline

    t0 = time.monotonic()
    stack = Stack(project_root())
    print("1/4 starting local PostgreSQL, generating the demo world, starting the simulated agencies …")
    stack.up()
    print(f"    ready in {time.monotonic() - t0:.0f} s")
    print("2/4 migrating Airflow's metadata database …")
    airflow_local.migrate(stack)
    meta = json.loads((stack.world_dir / "world.json").read_text())
    demo_nights = [date.fromisoformat(d) for d in meta["demo_nights"]][-nights:]
    failed = False
    for i, night in enumerate(demo_nights, start=1):
        print(f"3/4 night {night} ({i} of {len(demo_nights)}): jaring night --date {night}")
        try:
            result = pipeline.run_night(night)
        except pipeline.NightFailed as exc:
            print(exc)
            failed = True
            continue
        for name, counts in result.done.items():
            print(f"    {name:16s} {counts.get('seconds', 0):6.1f} s")
    env = stack.environment()
    user, password = airflow_local.ensure_login(stack)
    print("4/4 done in", f"{time.monotonic() - t0:.0f} s")
    print(f"""
Outputs
  outbox:          {env['JARING_OUTBOX']}  (open index.html)
  e-mails sent:    {stack.local / 'mail'}
  warehouse:       psql {env['AIRFLOW_CONN_JARING_DB']}
  environment:     . {stack.env_file}   (then e.g. jaring night --date {demo_nights[-1]})
Airflow UI
  make airflow     then open http://127.0.0.1:{env['AIRFLOW__API__PORT']}  (login {user} / {password})
""")
    return 1 if failed else 0

"""The whole hub against the simulated agencies: one small world per test session.

The world is generated once, the DTSEN extract loaded into the session's
PostgreSQL, the Disdukcapil and BPJS simulators and an SMTP server started on
free loopback ports (faults switched on), and the Airflow connections and
JARING_* variables pointed at them exactly as a deployment would.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from jaring_dev.postgres import free_port
from jaring_dev.stack import connections_env


@dataclass
class Hub:
    world: Path
    outbox: Path
    maildir: Path
    warehouse_dsn: str
    nights: list[date]
    env: dict[str, str]
    dukcapil: object
    bpjs: object


def migrate(dsn: str) -> None:
    """What `jaring db migrate` does once per deployment."""
    from jaring.warehouse import db

    with db.connect(dsn) as conn:
        db.migrate(conn)


@pytest.fixture(scope="session")
def small_world(tmp_path_factory) -> Path:
    from jaring_sim import rt_inbox
    from jaring_sim.world import generate

    world = tmp_path_factory.mktemp("world")
    generate(world, scale="small", seed=7)
    rt_inbox.render(world, seed=7)
    return world


@pytest.fixture(scope="session")
def hub(small_world, postgres, tmp_path_factory):
    from jaring_sim import bpjs_api, dtsen_db, dukcapil_api, mail_sink
    from jaring_sim.faults import FaultPlan

    postgres.ensure_role("dinsos_ro")
    postgres.ensure_database("e2e_dtsen")
    postgres.ensure_database("e2e_warehouse")
    migrate(postgres.dsn("e2e_warehouse"))
    dtsen_db.load(small_world, postgres.dsn("e2e_dtsen"), readonly_role="dinsos_ro")

    faults = FaultPlan(rate_limit_every=17, unavailable_every=13, unavailable_run=2, error_every=41,
                       token_ttl_seconds=5, cursor_ttl_seconds=600)
    dukcapil = dukcapil_api.make_server(small_world, port=0, token="e2e-token", faults=faults)
    bpjs = bpjs_api.make_server(small_world, port=0, client_id="jaring", client_secret="e2e-secret",
                                state_dir=tmp_path_factory.mktemp("bpjs_state"), faults=faults)
    dukcapil.start()
    bpjs.start()

    from aiosmtpd.controller import Controller

    maildir = tmp_path_factory.mktemp("mail")
    smtp_port = free_port()
    smtp = Controller(mail_sink.MaildirHandler(maildir), hostname="127.0.0.1", port=smtp_port)
    smtp.start()

    outbox = tmp_path_factory.mktemp("outbox")
    env = connections_env(
        warehouse_dsn=postgres.dsn("e2e_warehouse"), dtsen_dsn=postgres.dsn("e2e_dtsen", user="dinsos_ro"),
        dukcapil_port=dukcapil.port, dukcapil_token="e2e-token", bpjs_port=bpjs.port,
        bpjs_client=("jaring", "e2e-secret"), smtp_port=smtp_port,
        inbox=small_world / "inbox", outbox=outbox,
    )
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    meta = json.loads((small_world / "world.json").read_text())
    yield Hub(small_world, outbox, maildir, env["AIRFLOW_CONN_JARING_DB"],
              [date.fromisoformat(d) for d in meta["demo_nights"]], env, dukcapil, bpjs)
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    smtp.stop()
    dukcapil.shutdown()
    bpjs.shutdown()


@pytest.fixture(scope="session")
def last_night(hub):
    """The world's last demo night, run after the night before it (for NEW / PERSISTING / resolved)."""
    from jaring import pipeline

    night = hub.nights[-1]
    pipeline.run_night(hub.nights[-2])  # the night before, for NEW / PERSISTING / resolved
    result = pipeline.run_night(night)
    return night, result


from scheduler_stack import outbox_url, scheduler  # noqa: E402,F401 - fixtures of the scheduler tests

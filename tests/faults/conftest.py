"""Fixtures of the fault suite: the tiny world (~1,200 persons), its DTSEN in the session's PostgreSQL, the
simulated agencies on loopback, a small RT inbox; every scenario gets a warehouse of its own, owned by the
hub's role (no superuser). The helpers are in fault_hub.py."""

from __future__ import annotations

import csv
import itertools
import json
import os
from pathlib import Path

import pytest
from fault_hub import CLIENT, TOKEN, Hub, World, assert_nothing_personal, ledger, night_counts
from simulate.tiny_world import NIGHT, build

from jaring.warehouse import db
from jaring_dev.postgres import HUB
from jaring_dev.stack import connections_env

# the tiny world uses two codes that are not among the city's 68 kelurahan (see tests/sources/test_dukcapil.py)
NOT_KELURAHAN = {"1571021001": "1571021002", "1571071003": "1571071004"}
_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def fault_world(tmp_path_factory) -> World:
    world = build(tmp_path_factory.mktemp("fault-world"), extra_people=1200, extra_participants=40)
    for path in world.dir.glob("*.csv"):
        text = path.read_text(encoding="utf-8")
        for bad, good in NOT_KELURAHAN.items():
            text = text.replace(bad, good)
        path.write_text(text, encoding="utf-8")
    with open(world.dir / "registry.csv", encoding="utf-8") as f:
        people = [(r["NIK"], r["NAMA_LGKP"].strip()) for r in csv.DictReader(f) if r["TGL_LHR"] <= NIGHT.isoformat()]
    inbox = world.dir / "inbox"
    for rt in range(1, 7):  # six RT ledgers of October, uploaded in November; a few rows each
        rows = [[n, nik, name, "PEDAGANG", "", 16800, "05/10/2026", "MANDIRI", ""]
                for n, (nik, name) in enumerate(people[rt * 10:rt * 10 + 5], start=1)]
        ledger(inbox / f"2026-10/1571031003-RT{rt:03d}-RW002.xlsx", rows)
    return World(world.dir, [nik for nik, _ in people], [name for _, name in people])


@pytest.fixture(scope="session")
def fault_dtsen(fault_world, postgres) -> str:
    """The tiny world's DTSEN in a database of its own; the DSN of the read-only role."""
    from jaring_sim import dtsen_db

    postgres.ensure_database("faults_dtsen")
    dtsen_db.load(fault_world.dir, postgres.dsn("faults_dtsen"), readonly_role="dinsos_ro")
    return postgres.dsn("faults_dtsen", user="dinsos_ro")


@pytest.fixture(scope="session")
def agencies(fault_world, tmp_path_factory):
    """Disdukcapil and BPJS as they answer on a good night: no faults, the contracts' bare shape (`--plain`:
    the variety and its short, slow pages are the e2e tests' business; here they would only cost minutes)."""
    from jaring_sim import bpjs_api, dukcapil_api

    dukcapil = dukcapil_api.make_server(fault_world.dir, token=TOKEN, varied=False).start()
    bpjs = bpjs_api.make_server(fault_world.dir, client_id=CLIENT[0], client_secret=CLIENT[1],
                                state_dir=tmp_path_factory.mktemp("bpjs-state"), varied=False).start()
    yield dukcapil, bpjs
    dukcapil.shutdown()
    bpjs.shutdown()


@pytest.fixture
def make_hub(postgres, fault_world, fault_dtsen, agencies, tmp_path):
    """Factory: a fresh migrated warehouse owned by the hub's role, and the environment of `jaring night`."""

    def make(inbox: Path | None = None, dukcapil_port: int | None = None, bpjs_port: int | None = None,
             dukcapil_extra: dict | None = None) -> Hub:
        name = f"faults_{next(_numbers)}"
        postgres.ensure_database(name, owner=HUB)
        dsn = postgres.dsn(name, user=HUB)
        with db.connect(dsn) as conn:
            db.migrate(conn)
        outbox = tmp_path / f"outbox-{name}"
        dukcapil, bpjs = agencies
        env = connections_env(
            warehouse_dsn=dsn, dtsen_dsn=fault_dtsen, dukcapil_port=dukcapil_port or dukcapil.port,
            dukcapil_token=TOKEN, bpjs_port=bpjs_port or bpjs.port, bpjs_client=CLIENT, smtp_port=1,
            inbox=inbox or fault_world.dir / "inbox", outbox=outbox)
        if dukcapil_extra:
            conn = json.loads(env["AIRFLOW_CONN_DUKCAPIL_API"])
            env["AIRFLOW_CONN_DUKCAPIL_API"] = json.dumps(conn | {"extra": dukcapil_extra})
        return Hub(dsn, outbox, {**os.environ, **env})

    return make


@pytest.fixture(scope="session")
def baseline(postgres, fault_world, fault_dtsen, agencies, tmp_path_factory) -> tuple[Hub, bytes, dict]:
    """An uninterrupted night: its hub, its findings.csv (what every interrupted night must end with, byte for
    byte) and its rows per table."""
    hub = _session_hub(postgres, fault_world, fault_dtsen, agencies, tmp_path_factory.mktemp("baseline"))
    done = hub.night()
    assert done.returncode == 0, done.stderr[-3000:]
    assert_nothing_personal(fault_world, done)
    return hub, hub.findings(), night_counts(hub)


def _session_hub(postgres, fault_world, fault_dtsen, agencies, folder: Path) -> Hub:
    name = f"faults_{next(_numbers)}"
    postgres.ensure_database(name, owner=HUB)
    dsn = postgres.dsn(name, user=HUB)
    with db.connect(dsn) as conn:
        db.migrate(conn)
    dukcapil, bpjs = agencies
    env = connections_env(warehouse_dsn=dsn, dtsen_dsn=fault_dtsen, dukcapil_port=dukcapil.port,
                          dukcapil_token=TOKEN, bpjs_port=bpjs.port, bpjs_client=CLIENT, smtp_port=1,
                          inbox=fault_world.dir / "inbox", outbox=folder / "outbox")
    return Hub(dsn, folder / "outbox", {**os.environ, **env})



"""The policy's absolute volume floor: an empty source is rejected even on its first night (issue 9, item 4).

Before it, an empty registry on a warehouse with no earlier night had no volume rule at all: 0 persons
staged, every participant published as NIK_NOT_IN_REGISTRY, exit 0.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml
from simulate.tiny_world import REGISTRY_HEADER, build

from jaring import pipeline, policy
from jaring.sources import dukcapil
from jaring.validation import SourceRejected, validate
from jaring.warehouse import db
from jaring_sim import dukcapil_api

PACKAGE_POLICY = Path(policy.__file__).with_name("data") / "policy.yaml"


def bundled() -> dict:
    return yaml.safe_load(PACKAGE_POLICY.read_text(encoding="utf-8"))


def test_the_bundled_policy_sets_a_floor_for_every_agency_source_and_none_for_ledgers():
    floors = policy.load(PACKAGE_POLICY).volume_floor
    assert {suite: floors.get(suite) for suite in ("dukcapil", "bpjs_peserta", "dtsen", "rt")} == {
        "dukcapil": 1, "bpjs_peserta": 1, "dtsen": 1, "rt": None}


@pytest.mark.parametrize("change, key", [
    ({"volume_floor": {"dukcapil": -1}}, "volume_floor.dukcapil"),
    ({"volume_floor": {"dukcapil": "banyak"}}, "volume_floor.dukcapil"),
    ({"volume_floor": {"penduduk": 10}}, "volume_floor.penduduk"),
    ({"volume_floor": [1, 2]}, "volume_floor"),
])
def test_a_bad_floor_is_refused_naming_its_key(change, key):
    with pytest.raises(policy.PolicyError, match=key.replace(".", r"\.")):
        policy.parse(bundled() | change)


def test_a_policy_without_floors_is_refused():
    doc = bundled()
    del doc["volume_floor"]
    with pytest.raises(policy.PolicyError, match="volume_floor"):
        policy.parse(doc)


def test_a_deployment_raises_the_floor_without_code(tmp_path, monkeypatch):
    doc = bundled()
    doc["volume_floor"]["dukcapil"] = 500_000
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    monkeypatch.setenv("JARING_POLICY", str(path))
    assert policy.load().volume_floor["dukcapil"] == 500_000


def test_an_empty_frame_fails_the_floor_as_a_blocking_rule_without_any_earlier_night():
    empty = pd.DataFrame(columns=list(dukcapil.DUKCAPIL_COLUMNS))
    assert validate("dukcapil", empty, dukcapil.DUKCAPIL_COLUMNS).success  # no floor: nothing stopped it
    result = validate("dukcapil", empty, dukcapil.DUKCAPIL_COLUMNS, previous_count=None, floor=1)
    assert result.blocking == ["volume_at_least_policy_floor"]


@pytest.fixture
def empty_registry(tmp_path, monkeypatch):
    """A world whose registry answers with nobody in it; `dukcapil_api` points at it. Yields the world."""
    world = build(tmp_path / "world")
    with open(world.dir / "registry.csv", "w", encoding="utf-8") as f:
        f.write(",".join(REGISTRY_HEADER) + "\n")
    server = dukcapil_api.make_server(world.dir, token="t").start()
    monkeypatch.setenv("AIRFLOW_CONN_DUKCAPIL_API", json.dumps({
        "conn_type": "http", "host": server.host, "port": server.port, "schema": "http", "password": "t"}))
    try:
        yield world
    finally:
        server.shutdown()


def test_an_empty_registry_is_rejected_on_a_first_night(warehouse, empty_registry):
    with db.connect(warehouse, autocommit=True) as conn:
        with pytest.raises(SourceRejected, match="volume_at_least_policy_floor"):
            dukcapil.ingest(empty_registry.night, conn)
        staged = conn.execute("SELECT count(*) FROM staging.person").fetchone()[0]
        verdict = conn.execute("SELECT success FROM ops.validation_result WHERE suite = 'dukcapil'").fetchall()
    assert staged == 0 and verdict == [(False,)]  # nothing staged; the verdict kept for the Data Docs


def test_a_rejected_registry_still_gets_the_nights_data_docs_with_its_failed_rule(warehouse, empty_registry,
                                                                                 tmp_path, monkeypatch):
    monkeypatch.setenv("JARING_OUTBOX", str(tmp_path / "outbox"))
    night = empty_registry.night
    with pytest.raises(pipeline.NightFailed) as failed:
        pipeline.run_night(night, only=["ingest_dukcapil", "build_datadocs"], conninfo=warehouse)
    assert set(failed.value.result.failed) == {"ingest_dukcapil"} and set(failed.value.result.done) == {"build_datadocs"}
    docs = tmp_path / "outbox" / night.isoformat() / "datadocs"
    pages = [p for p in docs.rglob("*.html") if "validations" in p.parts and "dukcapil" in p.parts]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]*>", " ", "".join(p.read_text(encoding="utf-8") for p in pages)))
    # the suite failed, on the floor rule, with what was observed
    assert "Expectation Suite: dukcapil Data asset: None Status: Failed" in text
    assert "Unsuccessful Expectations 1 " in text and "Must have greater than or equal to 1 rows. 0 " in text

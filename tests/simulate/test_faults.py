"""The fault plan: parsed presets, and each fault observed on the real simulated servers."""

from __future__ import annotations

import time

import pytest
import requests
from tiny_world import build

from jaring_sim import bpjs_api, dukcapil_api
from jaring_sim.faults import FaultPlan

TOKEN = "t"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return build(tmp_path_factory.mktemp("faults-world"), extra_people=1500)


def penduduk(server, **params):
    return requests.get(f"{server.url}/v1/penduduk", headers={"Authorization": f"Bearer {TOKEN}"},
                        params={"as_of": "2026-11-30", "per_page": 1000, **params}, timeout=10)


def statuses(server, count):
    return [penduduk(server).status_code for _ in range(count)]


def test_parse_presets_and_settings():
    assert FaultPlan.parse("none") == FaultPlan.none() == FaultPlan.parse("")
    plan = FaultPlan.parse("429,503,500,slow,token")
    assert plan.rate_limit_every > 0 and plan.unavailable_every > 0 and plan.error_every > 0
    assert plan.slow_every > 0 and plan.token_ttl_seconds < 300 and not plan.always_fail
    assert FaultPlan.parse("down").always_fail
    assert FaultPlan.parse("429,rate_limit_every=3,slow_seconds=0.1") == FaultPlan(
        rate_limit_every=3, slow_seconds=0.1)
    mix = FaultPlan.parse("default-faults")
    assert mix.rate_limit_every and mix.unavailable_every and mix.error_every and not mix.always_fail
    with pytest.raises(ValueError):
        FaultPlan.parse("418")
    with pytest.raises(ValueError):
        FaultPlan.parse("nonsense=1")


def test_rate_limit_every_nth_request_with_retry_after(world):
    with dukcapil_api.make_server(world.dir, token=TOKEN,
                                  faults=FaultPlan(rate_limit_every=3, retry_after=2)) as server:
        responses = [penduduk(server) for _ in range(6)]
    assert [r.status_code for r in responses] == [200, 200, 429, 200, 200, 429]
    assert responses[2].headers["Retry-After"] == "2"
    assert responses[2].json() == {"error": "too_many_requests"}


def test_unavailable_spells(world):
    with dukcapil_api.make_server(world.dir, token=TOKEN,
                                  faults=FaultPlan(unavailable_every=4, unavailable_run=2)) as server:
        seen = statuses(server, 10)
    assert seen == [200, 200, 200, 503, 503, 200, 200, 503, 503, 200]


def test_server_errors_and_a_source_down_for_good(world, tmp_path):
    with dukcapil_api.make_server(world.dir, token=TOKEN, faults=FaultPlan(error_every=2)) as server:
        assert statuses(server, 4) == [200, 500, 200, 500]
    with bpjs_api.make_server(world.dir, state_dir=tmp_path, faults=FaultPlan(always_fail=True)) as server:
        issued = requests.post(f"{server.url}/oauth/token", auth=("jaring", "demo-secret"),
                               data={"grant_type": "client_credentials"}, timeout=10)
        assert issued.status_code == 200  # token issuance is never faulted
        headers = {"Authorization": f"Bearer {issued.json()['access_token']}"}
        seen = [requests.get(f"{server.url}/v1/peserta", headers=headers, timeout=10).status_code
                for _ in range(5)]
        assert seen == [500] * 5
        assert server.faults.injected == {500: 5}


def test_slow_requests(world):
    with dukcapil_api.make_server(world.dir, token=TOKEN,
                                  faults=FaultPlan(slow_every=2, slow_seconds=0.4)) as server:
        penduduk(server)  # warm the as-of cache
        timings = []
        for _ in range(2):
            started = time.perf_counter()
            assert penduduk(server).status_code == 200
            timings.append(time.perf_counter() - started)
    assert timings[0] >= 0.4 > timings[1]


def test_bpjs_rate_limit(world, tmp_path):
    with bpjs_api.make_server(world.dir, state_dir=tmp_path, faults=FaultPlan(rate_limit_every=2)) as server:
        issued = requests.post(f"{server.url}/oauth/token", auth=("jaring", "demo-secret"),
                               data={"grant_type": "client_credentials"}, timeout=10).json()
        headers = {"Authorization": f"Bearer {issued['access_token']}"}
        seen = [requests.get(f"{server.url}/v1/peserta", headers=headers, timeout=10) for _ in range(2)]
    assert [r.status_code for r in seen] == [200, 429] and seen[1].headers["Retry-After"] == "1"


def test_a_retrying_client_survives_the_default_mix(world):
    """Every page exactly once despite 429s, 503 spells, 500s and slowness (a minimal honest client)."""
    plan = FaultPlan.parse("default-faults")
    with dukcapil_api.make_server(world.dir, token=TOKEN, faults=plan) as server:
        niks, failures = [], 0
        with requests.Session() as http:
            http.headers["Authorization"] = f"Bearer {TOKEN}"
            for page in range(1, 200):
                for _attempt in range(6):
                    response = http.get(f"{server.url}/v1/penduduk", timeout=10,
                                        params={"as_of": "2026-11-30", "page": page, "per_page": 20})
                    if response.status_code == 200:
                        break
                    failures += 1
                    time.sleep(min(float(response.headers.get("Retry-After", 0.01)), 0.01))
                data = response.json()["data"]
                if not data:
                    break
                niks += [row["NIK"] for row in data]
        assert failures == sum(server.faults.injected.values()) > 5
        assert {429, 503, 500} <= set(server.faults.injected)
    assert niks == world.registry_niks

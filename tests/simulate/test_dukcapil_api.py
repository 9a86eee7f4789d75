"""Contract tests of the simulated Disdukcapil API (civil-registry.md) on a real server."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from tiny_world import build

from jaring_sim import dukcapil_api

TOKEN = "test-token"
LATER = "2026-11-30"  # every event of the tiny world has happened
# the contract's field list, in its order
CONTRACT_FIELDS = [
    "NIK", "NO_KK", "NAMA_LGKP", "TMPT_LHR", "TGL_LHR", "JENIS_KLMIN", "STAT_HBKEL", "STATUS_KAWIN",
    "JENIS_PKRJN", "KODE_WILAYAH", "NO_RT", "NO_RW", "ALAMAT", "STATUS", "TGL_MATI", "TGL_PINDAH",
    "TGL_UPDATE",
]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return build(tmp_path_factory.mktemp("dukcapil-world"), extra_people=2345)


@pytest.fixture(scope="module")
def server(world):
    handle = dukcapil_api.make_server(world.dir, token=TOKEN).start()
    yield handle
    handle.shutdown()


@pytest.fixture(scope="module")
def http():
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {TOKEN}"
        yield session


def get(http, server, path, **params):
    return http.get(server.url + path, params=params, timeout=10)


def all_pages(http, server, as_of, per_page=1000):
    rows, page = [], 1
    while True:
        body = get(http, server, "/v1/penduduk", as_of=as_of, page=page, per_page=per_page).json()
        if not body["data"]:
            return rows, body["meta"]
        rows += body["data"]
        page += 1


def test_paging_serves_every_row_once_in_nik_order(http, server, world):
    rows, meta = all_pages(http, server, LATER)
    niks = [row["NIK"] for row in rows]
    assert niks == world.registry_niks  # sorted, complete, no duplicates
    assert meta["total"] == len(world.registry_niks) and meta["as_of"] == LATER
    # the contract's fields, then fields a real registry row carries beyond them (civil-registry.md lists
    # what the hub may rely on, not everything an answer holds)
    assert all(list(row)[:len(CONTRACT_FIELDS)] == CONTRACT_FIELDS and "AGAMA" in row for row in rows)


def test_plain_shape_serves_only_the_contracts_fields(world):
    with dukcapil_api.make_server(world.dir, token=TOKEN, varied=False) as plain, requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {TOKEN}"
        rows, _ = all_pages(session, plain, LATER)
    assert [row["NIK"] for row in rows] == world.registry_niks
    assert all(list(row) == CONTRACT_FIELDS for row in rows)


def test_parallel_pages_give_the_same_rows(http, server, world):
    sequential, meta = all_pages(http, server, LATER, per_page=400)
    pages = range(1, meta["total"] // 400 + 2)

    def fetch(page):
        with requests.Session() as session:
            response = session.get(f"{server.url}/v1/penduduk", timeout=10, headers=http.headers,
                                   params={"as_of": LATER, "page": page, "per_page": 400})
            return response.json()["data"]

    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = [row for page in pool.map(fetch, reversed(pages)) for row in page]
    assert sorted(parallel, key=lambda r: r["NIK"]) == sequential


def test_page_size_rules(http, server):
    assert get(http, server, "/v1/penduduk", as_of=LATER, per_page=1001).status_code == 400
    assert get(http, server, "/v1/penduduk", as_of=LATER, page=0).status_code == 400
    assert get(http, server, "/v1/penduduk", as_of="2026-13-01").status_code == 400
    default = get(http, server, "/v1/penduduk", as_of=LATER).json()
    assert len(default["data"]) == 500 and default["meta"]["per_page"] == 500 and default["meta"]["page"] == 1
    past_end = get(http, server, "/v1/penduduk", as_of=LATER, page=1000, per_page=1000)
    assert past_end.status_code == 200 and past_end.json()["data"] == []


def test_as_of_hides_later_births_deaths_and_moves(http, server, world):
    night = world.night.isoformat()
    rows, _ = all_pages(http, server, night)
    by_nik = {row["NIK"]: row for row in rows}
    p = world.people
    assert p["born_after"] not in by_nik
    assert p["born_on_night"] in by_nik and p["born_before"] in by_nik

    dead = by_nik[p["dies_before"]]
    assert (dead["STATUS"], dead["TGL_MATI"]) == ("MATI", "2026-11-10")
    not_yet_dead = by_nik[p["dies_after"]]
    assert (not_yet_dead["STATUS"], not_yet_dead["TGL_MATI"]) == ("HIDUP", None)

    moved = by_nik[p["moves_out_before"]]
    assert (moved["KODE_WILAYAH"], moved["NO_RT"], moved["NO_RW"], moved["TGL_PINDAH"]) == (
        "1505011001", "001", "003", "2026-11-05")
    assert moved["STATUS"] == "HIDUP"
    not_yet_moved = by_nik[p["moves_out_after"]]
    assert (not_yet_moved["KODE_WILAYAH"], not_yet_moved["TGL_PINDAH"]) == ("1571031004", None)

    later = {row["NIK"]: row for row in all_pages(http, server, LATER)[0]}
    assert later[p["dies_after"]]["STATUS"] == "MATI" and later[p["dies_after"]]["TGL_MATI"] == "2026-11-25"
    assert later[p["moves_out_after"]]["KODE_WILAYAH"] == "1505011002"
    assert later[p["born_after"]]["TGL_LHR"] == "2026-11-22"


def test_values_are_served_as_the_registry_holds_them(http, server, world):
    person = get(http, server, f"/v1/penduduk/{world.people['alive']}", as_of="2026-11-20").json()
    assert person["NAMA_LGKP"] == "SITI  AMINAH "  # double space and trailing blank kept
    assert person["TGL_LHR"] == "1988-03-12" and person["JENIS_KLMIN"] == "PEREMPUAN"
    assert person["NO_RT"] == "005" and list(person)[:len(CONTRACT_FIELDS)] == CONTRACT_FIELDS


def test_one_person_and_not_found(http, server, world):
    p = world.people
    dead = get(http, server, f"/v1/penduduk/{p['dies_before']}", as_of="2026-11-09").json()
    assert dead["STATUS"] == "HIDUP"
    dead = get(http, server, f"/v1/penduduk/{p['dies_before']}", as_of="2026-11-10").json()
    assert dead["STATUS"] == "MATI"
    unborn = get(http, server, f"/v1/penduduk/{p['born_after']}", as_of="2026-11-21")
    assert unborn.status_code == 404 and unborn.json() == {"error": "not_found"}
    unknown = get(http, server, "/v1/penduduk/1571999999999999", as_of=LATER)
    assert unknown.status_code == 404 and unknown.json() == {"error": "not_found"}


def test_events_in_range_ordered_by_date_then_nik(http, server, world):
    p = world.people
    body = get(http, server, "/v1/peristiwa", dari="2026-11-01", sampai="2026-11-30", per_page=3).json()
    assert body["meta"]["total"] == 7
    events = []
    for page in range(1, 4):
        events += get(http, server, "/v1/peristiwa", dari="2026-11-01", sampai="2026-11-30",
                      page=page, per_page=3).json()["data"]
    seen = [(e["TGL_PERISTIWA"], e["NIK"], e["JENIS_PERISTIWA"]) for e in events]
    expected = {
        ("2026-11-05", p["moves_out_before"], "PINDAH_KELUAR"), ("2026-11-10", p["dies_before"], "MATI"),
        ("2026-11-15", p["born_before"], "LAHIR"), ("2026-11-20", p["born_on_night"], "LAHIR"),
        ("2026-11-22", p["born_after"], "LAHIR"), ("2026-11-22", p["moves_out_after"], "PINDAH_KELUAR"),
        ("2026-11-25", p["dies_after"], "MATI"),
    }
    assert set(seen) == expected and seen == sorted(seen)
    death = next(e for e in events if e["JENIS_PERISTIWA"] == "MATI" and e["NIK"] == p["dies_before"])
    assert death["DATA"]["STATUS"] == "MATI" and list(death["DATA"])[:len(CONTRACT_FIELDS)] == CONTRACT_FIELDS
    move = next(e for e in events if e["NIK"] == p["moves_out_before"])
    assert move["DATA"]["KODE_WILAYAH"] == "1505011001"
    assert get(http, server, "/v1/peristiwa", dari="2026-11-01").status_code == 400


def test_auth_is_required(server, world):
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}):
        response = requests.get(f"{server.url}/v1/penduduk/{world.people['alive']}", headers=headers,
                                timeout=10)
        assert response.status_code == 401 and response.json() == {"error": "unauthorized"}


def test_request_log_and_logging_hold_no_nik(http, server, world, caplog):
    nik = world.people["alive"]
    with caplog.at_level(logging.DEBUG, logger="jaring_sim"):
        get(http, server, f"/v1/penduduk/{nik}", as_of=LATER)
        get(http, server, "/v1/penduduk/1571999999999999", as_of=LATER)
    assert "/v1/penduduk/{nik}" in {entry.route for entry in server.request_log}
    assert not [entry for entry in server.request_log if nik in entry.route or "1571999" in entry.route]
    assert nik not in caplog.text and "1571999999999999" not in caplog.text
    assert server.request_count >= 2

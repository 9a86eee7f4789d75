"""Contract tests of the simulated BPJS Ketenagakerjaan API (bpjs-tk.md) on a real server."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from tiny_world import build

from jaring_sim import bpjs_api
from jaring_sim.faults import FaultPlan

CLIENT, SECRET = "jaring", "test-secret"
LATER = "2026-11-30"
PESERTA_FIELDS = [
    "KPJ", "NIK", "NAMA", "TGL_LAHIR", "JENIS_KELAMIN", "SEGMEN", "PROGRAM", "STATUS_KEPESERTAAN",
    "TGL_KEPESERTAAN", "TGL_NONAKTIF", "PEMBIAYAAN", "KODE_WILAYAH", "UPAH_DILAPORKAN", "IURAN_BULANAN",
]
IURAN_FIELDS = ["ID_BAYAR", "KPJ", "BULAN_IURAN", "JUMLAH", "TGL_BAYAR", "KANAL"]
KLAIM_FIELDS = ["NO_KLAIM", "KPJ", "JENIS_KLAIM", "TGL_KEJADIAN", "TGL_PENGAJUAN", "STATUS", "NILAI"]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return build(tmp_path_factory.mktemp("bpjs-world"), extra_participants=2150)


@pytest.fixture(scope="module")
def server(world, tmp_path_factory):
    handle = bpjs_api.make_server(world.dir, client_id=CLIENT, client_secret=SECRET,
                                  state_dir=tmp_path_factory.mktemp("bpjs-state")).start()
    yield handle
    handle.shutdown()


def token(server, secret=SECRET) -> requests.Response:
    return requests.post(f"{server.url}/oauth/token", auth=(CLIENT, secret),
                         data={"grant_type": "client_credentials"}, timeout=10)


@pytest.fixture(scope="module")
def http(server):
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {token(server).json()['access_token']}"
        yield session


def listing(http, server, path, sizes: list | None = None, **params) -> list[dict]:
    """Follow next_cursor from the first page to the end."""
    rows, cursor = [], None
    while True:
        response = http.get(server.url + path, params={**params, **({"cursor": cursor} if cursor else {})},
                            timeout=10)
        assert response.status_code == 200, response.text
        body = response.json()
        rows += body["data"]
        if sizes is not None:
            sizes.append(len(body["data"]))
        cursor = body["next_cursor"]
        if cursor is None:
            return rows


def test_token_issuance(server):
    body = token(server).json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 300 and body["access_token"]
    bad = token(server, secret="nope")
    assert bad.status_code == 401
    no_grant = requests.post(f"{server.url}/oauth/token", auth=(CLIENT, SECRET), data={"grant_type": "password"},
                             timeout=10)
    assert no_grant.status_code == 400


def test_roster_paging_serves_every_row_once(http, server, world):
    sizes = []
    rows = listing(http, server, "/v1/peserta", as_of=LATER, limit=1000, sizes=sizes)
    assert [row["KPJ"] for row in rows] == world.peserta_kpjs
    # the contract's fields first, then fields BPJS adds; the world's hidden columns never served
    assert all(list(row)[:len(PESERTA_FIELDS)] == PESERTA_FIELDS and not any(k.startswith("_") for k in row)
               for row in rows)
    assert all("KODE_KANTOR" in row for row in rows)
    assert sizes[:2] == [1000, 999]  # short pages although more follow: at most `limit`, not exactly
    first = http.get(f"{server.url}/v1/peserta", params={"as_of": LATER}, timeout=10).json()
    assert len(first["data"]) == 500 and first["next_cursor"]
    assert http.get(f"{server.url}/v1/peserta", params={"limit": 1001}, timeout=10).status_code == 400


def test_plain_shape_serves_only_the_contracts_fields_in_full_pages(world, tmp_path):
    with bpjs_api.make_server(world.dir, client_id=CLIENT, client_secret=SECRET, state_dir=tmp_path,
                              varied=False) as plain, requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {token(plain).json()['access_token']}"
        sizes = []
        rows = listing(session, plain, "/v1/peserta", as_of=LATER, limit=1000, sizes=sizes)
    assert [row["KPJ"] for row in rows] == world.peserta_kpjs
    assert all(list(row) == PESERTA_FIELDS for row in rows)
    assert sizes[:-1] == [1000] * (len(sizes) - 1) and 0 < sizes[-1] <= 1000


def test_a_listing_that_fills_its_last_page_ends_with_an_empty_page(http, server):
    month = {"as_of": LATER, "bulan": "2026-09"}
    total = len(listing(http, server, "/v1/iuran", limit=1000, **month))
    assert 0 < total <= 1000
    sizes = []
    assert len(listing(http, server, "/v1/iuran", limit=total, sizes=sizes, **month)) == total
    assert sizes == [total, 0]


def test_concurrent_listings_agree(http, server):
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda _: listing(http, server, "/v1/peserta", as_of=LATER, limit=700),
                                range(3)))
    assert results[0] == results[1] == results[2]


def test_roster_as_of(http, server, world):
    rows = {r["KPJ"]: r for r in listing(http, server, "/v1/peserta", as_of=world.night.isoformat())}
    kpj = world.kpj
    assert kpj["joins_after"] not in rows and kpj["joins_on_night"] in rows
    before = rows[kpj["nonaktif_before"]]
    assert (before["STATUS_KEPESERTAAN"], before["TGL_NONAKTIF"]) == ("NONAKTIF", "2026-10-31")
    after = rows[kpj["nonaktif_after"]]
    assert (after["STATUS_KEPESERTAAN"], after["TGL_NONAKTIF"]) == ("AKTIF", None)
    active = rows[kpj["active"]]
    assert active["NIK"] == world.people["alive"] and active["IURAN_BULANAN"] == 16800
    assert active["UPAH_DILAPORKAN"] == 1000000 and active["TGL_NONAKTIF"] is None
    later = {r["KPJ"]: r for r in listing(http, server, "/v1/peserta", as_of=LATER)}
    assert later[kpj["nonaktif_after"]]["STATUS_KEPESERTAAN"] == "NONAKTIF"


def test_payments_as_of(http, server, world):
    night = world.night.isoformat()
    october = listing(http, server, "/v1/iuran", bulan="2026-10", as_of=night)
    assert [p["ID_BAYAR"] for p in october] == ["B0002", "B0004"]  # B0003 was paid the day after
    assert all(list(p)[:len(IURAN_FIELDS)] == IURAN_FIELDS for p in october) and october[0]["JUMLAH"] == 16800
    later = listing(http, server, "/v1/iuran", bulan="2026-10", as_of="2026-11-21")
    assert [p["ID_BAYAR"] for p in later] == ["B0002", "B0003", "B0004"]
    september = listing(http, server, "/v1/iuran", bulan="2026-09", as_of=night)
    assert {p["ID_BAYAR"] for p in september} == {"B0001", "B0005"}
    assert http.get(f"{server.url}/v1/iuran", params={"bulan": "2026-13"}, timeout=10).status_code == 400


def test_claims_as_of(http, server, world):
    window = {"dari": "2026-10-01", "sampai": "2026-11-30"}
    at_night = {c["NO_KLAIM"]: c for c in listing(http, server, "/v1/klaim", as_of="2026-11-20", **window)}
    assert set(at_night) == {"K0001", "K0002"}  # K0003 filed on the 22nd
    assert at_night["K0001"]["STATUS"] == "DIAJUKAN"  # paid only on the 25th
    assert at_night["K0002"]["STATUS"] == "DITOLAK" and at_night["K0002"]["NILAI"] == 5000000
    # TGL_STATUS is the world's, never served; the fields after the contract's are BPJS's own
    assert all(list(c)[:len(KLAIM_FIELDS)] == KLAIM_FIELDS and "TGL_STATUS" not in c for c in at_night.values())
    later = {c["NO_KLAIM"]: c for c in listing(http, server, "/v1/klaim", as_of="2026-11-26", **window)}
    assert (later["K0001"]["STATUS"], later["K0003"]["STATUS"]) == ("DIBAYAR", "DIPROSES")
    november = listing(http, server, "/v1/klaim", as_of="2026-11-26", dari="2026-11-01", sampai="2026-11-30")
    assert {c["NO_KLAIM"] for c in november} == {"K0001", "K0003"}


def test_wrong_or_missing_token_is_rejected(server):
    for headers in ({}, {"Authorization": "Bearer not-a-token"}):
        response = requests.get(f"{server.url}/v1/peserta", headers=headers, timeout=10)
        assert response.status_code == 401 and response.json() == {"error": "invalid_token"}


def test_tampered_or_foreign_cursor_is_rejected(http, server):
    cursor = http.get(f"{server.url}/v1/peserta", params={"as_of": LATER}, timeout=10).json()["next_cursor"]
    tampered = http.get(f"{server.url}/v1/peserta", params={"cursor": cursor[:-1] + ("1" if cursor[-1] == "0" else "0")}, timeout=10)
    assert tampered.status_code == 400
    foreign = http.get(f"{server.url}/v1/iuran", params={"cursor": cursor}, timeout=10)
    assert foreign.status_code == 400
    other_date = http.get(f"{server.url}/v1/peserta", params={"cursor": cursor, "as_of": "2026-11-01"},
                          timeout=10)
    assert other_date.status_code == 400


def test_token_expiry_then_a_new_token_works(world, tmp_path):
    with bpjs_api.make_server(world.dir, client_id=CLIENT, client_secret=SECRET, state_dir=tmp_path,
                              faults=FaultPlan(token_ttl_seconds=1)) as server:
        issued = token(server).json()
        assert issued["expires_in"] == 1
        headers = {"Authorization": f"Bearer {issued['access_token']}"}
        assert requests.get(f"{server.url}/v1/peserta", headers=headers, timeout=10).status_code == 200
        time.sleep(1.2)
        expired = requests.get(f"{server.url}/v1/peserta", headers=headers, timeout=10)
        assert expired.status_code == 401 and expired.json() == {"error": "invalid_token"}
        fresh = {"Authorization": f"Bearer {token(server).json()['access_token']}"}
        assert requests.get(f"{server.url}/v1/peserta", headers=fresh, timeout=10).status_code == 200


def test_cursor_expiry(world, tmp_path):
    with bpjs_api.make_server(world.dir, client_id=CLIENT, client_secret=SECRET, state_dir=tmp_path,
                              faults=FaultPlan(cursor_ttl_seconds=1)) as server:
        headers = {"Authorization": f"Bearer {token(server).json()['access_token']}"}
        first = requests.get(f"{server.url}/v1/peserta", headers=headers, timeout=10).json()
        fresh = requests.get(f"{server.url}/v1/peserta", headers=headers, timeout=10,
                             params={"cursor": first["next_cursor"]})
        assert fresh.status_code == 200
        time.sleep(1.2)
        stale = requests.get(f"{server.url}/v1/peserta", headers=headers, timeout=10,
                             params={"cursor": first["next_cursor"]})
        assert stale.status_code == 410 and stale.json() == {"error": "cursor_expired"}


def test_rekonsiliasi_put_replaces_and_survives_a_restart(world, tmp_path):
    state = tmp_path / "state"
    first = {"tanggal": "2026-11-20", "temuan": [
        {"kode": "DECEASED_STILL_ACTIVE", "kpj": "22014587314", "nik": world.people["dies_before"], "rincian": {}},
        {"kode": "PREMIUM_ARREARS", "kpj": "22014587310", "nik": world.people["alive"], "rincian": {"bulan": 3}},
    ]}
    second = {"tanggal": "2026-11-20", "temuan": first["temuan"][:1]}
    with bpjs_api.make_server(world.dir, client_id=CLIENT, client_secret=SECRET, state_dir=state) as server:
        url = f"{server.url}/v1/rekonsiliasi/2026-11-20"
        assert requests.put(url, json=first, timeout=10).status_code == 401
        headers = {"Authorization": f"Bearer {token(server).json()['access_token']}"}
        answer = requests.put(url, json=first, headers=headers, timeout=10)
        assert answer.status_code == 200 and answer.json() == {"tanggal": "2026-11-20", "jumlah_temuan": 2}
        answer = requests.put(url, json=second, headers=headers, timeout=10)
        assert answer.json() == {"tanggal": "2026-11-20", "jumlah_temuan": 1}
        mismatch = requests.put(url, json={"tanggal": "2026-11-19", "temuan": []}, headers=headers, timeout=10)
        assert mismatch.status_code == 400
        missing = requests.get(f"{server.url}/v1/rekonsiliasi/2026-11-19", headers=headers, timeout=10)
        assert missing.status_code == 404

    with bpjs_api.make_server(world.dir, client_id=CLIENT, client_secret=SECRET, state_dir=state) as server:
        headers = {"Authorization": f"Bearer {token(server).json()['access_token']}"}
        stored = requests.get(f"{server.url}/v1/rekonsiliasi/2026-11-20", headers=headers, timeout=10).json()
    # the body of the last PUT, as stored, plus a field BPJS adds (bpjs-tk.md); no count of its own
    assert stored.pop("diterima_pada") and stored == second
    assert [p.name for p in state.iterdir()] == ["rekonsiliasi-2026-11-20.json"]

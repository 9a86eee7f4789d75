"""put_bpjs against real HTTP servers: the BPJS simulator (with faults) and a server that loses an answer."""

from __future__ import annotations

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from publishing_sample import NIGHT, sample_findings

from jaring.publishing import put_bpjs
from jaring.publishing.bpjs_put import BpjsPublishError
from jaring.sources.http import RetryPolicy
from jaring.warehouse import db

# The share BPJS should get, restated from the "goes to" column: every code naming BPJS, and BPJS's own records.
BPJS_CODES = {"DECEASED_STILL_ACTIVE", "DEATH_BENEFIT_UNCLAIMED", "MOVED_OUT_OF_CITY", "NIK_NOT_IN_REGISTRY",
              "NIK_MISMATCH", "IDENTITY_MISMATCH", "DUPLICATE_PARTICIPANT", "PREMIUM_ARREARS",
              "PAYMENT_NOT_REMITTED", "PAYMENT_AMOUNT_MISMATCH"}
EXPECTED = sorted(
    (f["finding_code"], f["kpj"] or "", f["nik"] or "") for f in sample_findings()
    if f["finding_code"] in BPJS_CODES or (f["finding_code"] == "INVALID_SOURCE_RECORD" and f["source"] == "bpjs")
)


def _connection(monkeypatch, port: int, secret: str = "demo-secret") -> None:
    monkeypatch.setenv("AIRFLOW_CONN_BPJS_TK_API", json.dumps({
        "conn_type": "http", "host": "127.0.0.1", "port": port, "schema": "http", "login": "jaring",
        "password": secret}))


def _put(dsn, total_seconds: float = 10.0):
    """Short waits (the client's own tests cover honouring a long `Retry-After`)."""
    with db.connect(dsn) as conn:
        return put_bpjs(NIGHT, conn, policy=RetryPolicy(total_seconds, base_delay=0.01, max_delay=0.05))


def _stored(document: dict) -> list[tuple]:
    return sorted((t["kode"], t["kpj"] or "", t["nik"] or "") for t in document["temuan"])


@pytest.fixture
def simulator(tmp_path, monkeypatch):
    from jaring_sim.bpjs_api import IURAN_FIELDS, KLAIM_FIELDS, PESERTA_FIELDS, make_server
    from jaring_sim.faults import FaultPlan

    world = tmp_path / "world"
    world.mkdir()
    for name, header in (("bpjs_peserta", PESERTA_FIELDS), ("bpjs_iuran", IURAN_FIELDS),
                         ("bpjs_klaim", KLAIM_FIELDS)):
        (world / f"{name}.csv").write_text(",".join(header) + "\n")
    faults = FaultPlan(rate_limit_every=3, retry_after=0, unavailable_every=2, unavailable_run=1)
    server = make_server(world, port=0, client_id="jaring", client_secret="demo-secret",
                         state_dir=tmp_path / "state", faults=faults).start()
    _connection(monkeypatch, server.port)
    yield server, tmp_path / "state"
    server.shutdown()


def test_put_through_faults_and_again_replaces(sample_night, simulator):
    server, state = simulator
    assert _put(sample_night) == {"tanggal": NIGHT.isoformat(), "jumlah_temuan": len(EXPECTED)}
    assert server.faults.injected.get(429) and server.faults.injected.get(503)
    stored = json.loads((state / f"rekonsiliasi-{NIGHT.isoformat()}.json").read_text())
    assert stored["tanggal"] == NIGHT.isoformat() and _stored(stored) == EXPECTED
    periods = {t["rincian"].get("periode") for t in stored["temuan"] if t["kode"] == "PAYMENT_NOT_REMITTED"}
    assert periods == {"2026-09"}
    _put(sample_night)
    assert _stored(json.loads((state / f"rekonsiliasi-{NIGHT.isoformat()}.json").read_text())) == EXPECTED


def test_wrong_secret_fails_with_the_connection_named(sample_night, simulator, monkeypatch):
    server, _ = simulator
    _connection(monkeypatch, server.port, secret="wrong")
    with pytest.raises(BpjsPublishError, match="bpjs_tk_api") as failure:
        _put(sample_night)
    assert not any(c.isdigit() and len(c) == 16 for c in str(failure.value).split())


class ForgetfulBpjs(BaseHTTPRequestHandler):
    """Token + PUT/GET; the first PUT is stored but its answer is lost; the first token is refused once.

    GET answers as bpjs-tk.md says: the stored document with a field BPJS adds, or 404. `keeps_only`
    stores that many findings of a PUT (a partner that lost some); `forgets` answers every GET 404.
    """

    store: dict = {}
    puts = 0
    tokens_issued = 0
    always_unavailable = False
    keeps_only: int | None = None
    forgets = False

    def log_message(self, *args):  # keep test output quiet
        pass

    def _answer(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _authorised(self) -> bool:
        token = self.headers.get("Authorization", "")
        if token != f"Bearer token-{type(self).tokens_issued}" or token == "Bearer token-1":
            self._answer(401, {"error": "invalid_token"})
            return False
        return True

    def do_POST(self):  # noqa: N802
        length = int(self.headers.get("Content-Length", 0))
        form = self.rfile.read(length).decode()
        expected = "Basic " + base64.b64encode(b"jaring:demo-secret").decode()
        if self.path != "/oauth/token" or self.headers.get("Authorization") != expected or "client_credentials" not in form:
            return self._answer(401, {"error": "invalid_client"})
        type(self).tokens_issued += 1
        self._answer(200, {"access_token": f"token-{type(self).tokens_issued}", "token_type": "Bearer", "expires_in": 300})

    def do_PUT(self):  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if type(self).always_unavailable:
            return self._answer(503, {"error": "service_unavailable"})
        if not self._authorised():
            return
        type(self).puts += 1
        document = json.loads(body)
        type(self).store[self.path] = {**document, "temuan": document["temuan"][:type(self).keeps_only]}
        if type(self).puts == 1:
            self.close_connection = True  # processed, but the answer never arrives
            return
        self._answer(200, {"tanggal": document["tanggal"], "jumlah_temuan": len(document["temuan"])})

    def do_GET(self):  # noqa: N802
        if not self._authorised():
            return
        document = None if type(self).forgets else type(self).store.get(self.path)
        if document is None:
            return self._answer(404, {"error": "not_found"})
        self._answer(200, {**document, "diterima_pada": "2026-11-21T02:41:07+07:00"})


@pytest.fixture
def forgetful(monkeypatch):
    handler = type("Handler", (ForgetfulBpjs,), {"store": {}, "puts": 0, "tokens_issued": 0})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _connection(monkeypatch, server.server_address[1])
    yield handler
    server.shutdown()
    server.server_close()


def test_lost_answer_is_retried_without_duplicates(sample_night, forgetful):
    result = _put(sample_night)
    assert result["jumlah_temuan"] == len(EXPECTED)
    assert forgetful.puts == 2  # the lost answer was retried once
    assert forgetful.tokens_issued == 2  # the refused token was renewed
    (document,) = forgetful.store.values()
    assert _stored(document) == EXPECTED


def test_gives_up_after_bounded_retries(sample_night, forgetful):
    forgetful.always_unavailable = True
    with pytest.raises(BpjsPublishError, match="503"):
        _put(sample_night, total_seconds=0.5)


def test_a_read_back_that_is_missing_fails_naming_the_connection(sample_night, forgetful):
    forgetful.forgets = True
    with pytest.raises(BpjsPublishError, match="bpjs_tk_api.*404"):
        _put(sample_night)


def test_a_read_back_holding_fewer_findings_fails_with_both_counts(sample_night, forgetful):
    forgetful.keeps_only = len(EXPECTED) - 2
    with pytest.raises(BpjsPublishError, match=f"bpjs_tk_api.*sent {len(EXPECTED)}.*holds {len(EXPECTED) - 2}"):
        _put(sample_night)


def test_a_share_already_delivered_is_not_put_again_unless_asked_or_changed(sample_night, simulator):
    server, state = simulator
    stored = state / f"rekonsiliasi-{NIGHT.isoformat()}.json"
    first = _put(sample_night)
    stored.unlink()  # BPJS's copy gone: only a new PUT would bring it back

    again = _put(sample_night)  # a retry or a clear of put_bpjs: the ledger holds this very document
    assert again == {**first, "already_delivered": True} and not stored.exists()

    with db.connect(sample_night) as conn:
        put_bpjs(NIGHT, conn, again=True, policy=RetryPolicy(10.0, base_delay=0.01, max_delay=0.05))
    assert _stored(json.loads(stored.read_text())) == EXPECTED
    stored.unlink()

    with db.connect(sample_night) as conn:  # the night was recomputed: BPJS's share changed
        conn.execute("DELETE FROM recon.finding WHERE night = %s AND finding_code = 'PREMIUM_ARREARS'", (NIGHT,))
    changed = _put(sample_night)
    assert "already_delivered" not in changed and stored.exists()
    with db.connect(sample_night) as conn:
        times = conn.execute("SELECT times FROM ops.delivery WHERE night = %s AND audience = 'bpjs-tk'",
                             (NIGHT,)).fetchone()[0]
    assert times == 3

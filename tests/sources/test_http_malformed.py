"""A malformed page from an agency fails its source naming the connection; a retry is never silent (issue 9)."""

from __future__ import annotations

import json
import logging
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from jaring.config import Endpoint
from jaring.sources import bpjs, dukcapil
from jaring.sources.http import BearerToken, ClientCredentials, HttpClient, RetryPolicy, SourceError

NIGHT = date(2026, 11, 20)
NIK = "1571034507900001"
FAST = RetryPolicy(total_seconds=10, base_delay=0.05, max_delay=0.1, read_timeout=5)
RECORD = {"NIK": NIK, "NAMA_LGKP": "SITI AMINAH"}


class Raw:
    """A loopback server answering every request from `answer(path) -> (status, bytes)`."""

    def __init__(self, answer):
        self.requests: list[str] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                owner.requests.append(self.path)
                status, payload = answer(self.path)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_POST(self):  # the OAuth2 token endpoint
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                payload = json.dumps({"access_token": "t", "expires_in": 600}).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def client(self, conn_id: str) -> HttpClient:
        endpoint = Endpoint(conn_id, "127.0.0.1", self.server.server_address[1], "http", "id", "secret", {})
        auth = ClientCredentials("id", "secret") if conn_id == "bpjs_tk_api" else BearerToken("secret")
        return HttpClient(endpoint, auth, FAST)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def body(document) -> tuple[int, bytes]:
    return 200, json.dumps(document).encode()


GARBAGE = {
    "no_meta": body({"data": [RECORD]}),
    "meta_total_not_a_number": body({"data": [RECORD], "meta": {"page": 1, "total": "banyak"}}),
    "meta_not_an_object": body({"data": [RECORD], "meta": [1]}),
    "data_not_a_list": body({"data": {"0": RECORD}, "meta": {"page": 1, "total": 1}}),
    "record_not_an_object": body({"data": [NIK], "meta": {"page": 1, "total": 1}}),
    "not_json": (200, b"<html><body>Gateway " + NIK.encode() + b"</body></html>"),
    "json_not_an_object": body([RECORD]),
}


@pytest.mark.parametrize("garbage", GARBAGE)
def test_a_malformed_registry_page_is_a_source_error_naming_the_connection(garbage):
    server = Raw(lambda path: GARBAGE[garbage])
    try:
        with pytest.raises(SourceError) as raised:
            dukcapil._pull(server.client("dukcapil_api"), dukcapil.PATH, {"as_of": NIGHT.isoformat()}, per_page=10,
                           workers=2)
    finally:
        server.close()
    message = str(raised.value)
    assert message.startswith("dukcapil_api: ") and NIK not in message and "SITI" not in message


BPJS_GARBAGE = {k: v for k, v in GARBAGE.items() if k in ("data_not_a_list", "record_not_an_object", "not_json",
                                                          "json_not_an_object")}
BPJS_GARBAGE["cursor_not_text"] = body({"data": [RECORD], "next_cursor": {"after": NIK}})


@pytest.mark.parametrize("garbage", BPJS_GARBAGE)
def test_a_malformed_bpjs_page_is_a_source_error_naming_the_connection(garbage):
    server = Raw(lambda path: BPJS_GARBAGE[garbage])
    try:
        with pytest.raises(SourceError) as raised:
            bpjs._pull(server.client("bpjs_tk_api"), NIGHT, limit=10, workers=2)
    finally:
        server.close()
    message = str(raised.value)
    assert message.startswith("bpjs_tk_api: ") and NIK not in message and "SITI" not in message


def test_every_retry_is_logged_at_warning_without_query_values(caplog):
    answers = iter([(503, b"{}"), (502, b"{}")])
    server = Raw(lambda path: next(answers, body({"ok": True})))
    try:
        with caplog.at_level(logging.WARNING, logger="jaring.sources.http"):
            assert server.client("dukcapil_api").get_json(f"/v1/penduduk/{NIK}", {"nik": NIK}) == {"ok": True}
    finally:
        server.close()
    lines = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(lines) == 2, lines
    assert "dukcapil_api: GET /v1/penduduk/157103… failed (HTTP 503), attempt 1; retrying in" in lines[0]
    assert "(HTTP 502), attempt 2" in lines[1]
    assert not any(NIK in line or NIK[6:] in line for line in lines)

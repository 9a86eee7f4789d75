"""The retrying client against a real loopback server that answers from a script."""

from __future__ import annotations

import base64
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from jaring.config import Endpoint
from jaring.sources.http import (
    BearerToken,
    ClientCredentials,
    CursorExpired,
    HttpClient,
    RetryPolicy,
    SourceAuthError,
    SourceUnavailable,
)

FAST = RetryPolicy(total_seconds=10, base_delay=0.05, max_delay=0.2, read_timeout=5)


class Scripted:
    """A server answering each request with the next scripted (status, body, headers); then 200s."""

    def __init__(self, script=(), token_script=()):
        self.script = list(script)
        self.token_script = list(token_script)
        self.log: list[tuple[float, str, str, str | None]] = []  # (time, method, path, Authorization)
        self.lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                owner.answer(self)

            def do_POST(self):
                owner.answer(self)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)

    def answer(self, handler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        handler.rfile.read(length)
        with self.lock:
            self.log.append((time.monotonic(), handler.command, handler.path, handler.headers.get("Authorization")))
            queue = self.token_script if handler.path.startswith("/oauth/token") else self.script
            status, body, headers = queue.pop(0) if queue else (200, {"ok": True}, {})
        if callable(body):
            status, body = body(handler)
        payload = json.dumps(body).encode()
        handler.send_response(status)
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)

    def endpoint(self, conn_id="test_api", password="s3cret-value", login=None) -> Endpoint:
        return Endpoint(conn_id, "127.0.0.1", self.server.server_address[1], "http", login, password, {})

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def test_429_waits_for_retry_after_then_succeeds():
    with Scripted([(429, {"error": "too_many_requests"}, {"Retry-After": "1"})]) as server:
        client = HttpClient(server.endpoint(), BearerToken("t"), FAST)
        assert client.get_json("/v1/x") == {"ok": True}
    (first, *_), (second, *_) = server.log
    assert second - first >= 1.0  # Retry-After honoured, not the 50 ms backoff
    assert client.stats["retries"] == 1


def test_a_503_spell_and_500s_are_retried_with_backoff():
    script = [(503, {"error": "service_unavailable"}, {})] * 3 + [(500, {"error": "internal_error"}, {})] * 2
    with Scripted(script) as server:
        client = HttpClient(server.endpoint(), BearerToken("t"), FAST)
        assert client.get_json("/v1/x", {"page": 1}) == {"ok": True}
    assert len(server.log) == 6
    gaps = [b[0] - a[0] for a, b in zip(server.log, server.log[1:], strict=False)]
    assert all(gap >= 0.02 for gap in gaps)  # never hammered back-to-back


def test_a_source_answering_500_for_good_gives_up_within_the_budget_naming_the_connection():
    script = [(500, {"error": "internal_error"}, {})] * 1000
    with Scripted(script) as server:
        client = HttpClient(server.endpoint("dukcapil_api"), BearerToken("s3cret-value"),
                            RetryPolicy(total_seconds=1.5, base_delay=0.05, max_delay=0.3))
        started = time.monotonic()
        with pytest.raises(SourceUnavailable) as error:
            client.get_json("/v1/penduduk/1571035203880004")
        elapsed = time.monotonic() - started
    assert elapsed < 2.5
    message = str(error.value)
    assert message.startswith("dukcapil_api:") and "HTTP 500" in message
    assert "s3cret-value" not in message and "1571035203880004" not in message


def test_retry_after_longer_than_the_budget_gives_up_at_once():
    with Scripted([(429, {"error": "too_many_requests"}, {"Retry-After": "60"})]) as server:
        client = HttpClient(server.endpoint(), BearerToken("t"), RetryPolicy(total_seconds=2))
        started = time.monotonic()
        with pytest.raises(SourceUnavailable, match="Retry-After"):
            client.get_json("/v1/x")
    assert time.monotonic() - started < 1


def test_a_refused_bearer_token_fails_fast():
    with Scripted([(401, {"error": "unauthorized"}, {})] * 5) as server:
        client = HttpClient(server.endpoint("dukcapil_api"), BearerToken("s3cret-value"), FAST)
        with pytest.raises(SourceAuthError) as error:
            client.get_json("/v1/x")
    assert len(server.log) == 1
    assert "dukcapil_api" in str(error.value) and "s3cret-value" not in str(error.value)


def test_an_expired_oauth_token_is_renewed_and_the_request_repeated():
    def token_answer(handler):
        expected = "Basic " + base64.b64encode(b"jaring:demo-secret").decode()
        if handler.headers.get("Authorization") != expected:
            return 401, {"error": "invalid_client"}
        return 200, {"access_token": f"tok{time.monotonic_ns()}", "token_type": "Bearer", "expires_in": 1}

    tokens = [(200, token_answer, {})] * 3
    with Scripted([(401, {"error": "invalid_token"}, {})], tokens) as server:
        client = HttpClient(server.endpoint("bpjs_tk_api", "demo-secret", "jaring"),
                            ClientCredentials("jaring", "demo-secret"), FAST)
        assert client.get_json("/v1/peserta") == {"ok": True}
    data_calls = [entry for entry in server.log if entry[2].startswith("/v1/")]
    assert len(data_calls) == 2 and data_calls[0][3] != data_calls[1][3]  # repeated with a new token
    assert client.stats["token_refreshes"] == 1


def test_wrong_client_credentials_fail_fast_naming_the_connection():
    with Scripted([], [(401, {"error": "invalid_client"}, {})] * 5) as server:
        client = HttpClient(server.endpoint("bpjs_tk_api"), ClientCredentials("jaring", "wrong-secret"), FAST)
        with pytest.raises(SourceAuthError, match="bpjs_tk_api") as error:
            client.get_json("/v1/peserta")
    assert len(server.log) == 1 and "wrong-secret" not in str(error.value)


def test_410_means_the_cursor_expired():
    with Scripted([(410, {"error": "cursor_expired"}, {})]) as server:
        client = HttpClient(server.endpoint(), BearerToken("t"), FAST)
        with pytest.raises(CursorExpired):
            client.get_json("/v1/peserta", {"cursor": "abc"})


def test_an_unreachable_host_is_retried_then_reported():
    with Scripted() as server:
        endpoint = server.endpoint("dtsen_api")
    client = HttpClient(endpoint, BearerToken("t"), RetryPolicy(total_seconds=1, base_delay=0.05, max_delay=0.2))
    started = time.monotonic()
    with pytest.raises(SourceUnavailable, match="dtsen_api.*ConnectionError"):
        client.get_json("/v1/x")
    assert time.monotonic() - started < 2

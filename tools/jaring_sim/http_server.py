"""A small JSON HTTP server on the stdlib ThreadingHTTPServer, shared by the simulated agencies.

An app is a list of routes (method, path pattern with `{name}` parameters,
handler). Handlers take a `Request` and return a `Response`. The request log
records the route *pattern* (`/v1/penduduk/{nik}`), never the path or query,
so no NIK reaches a log line.
"""

from __future__ import annotations

import base64
import hmac
import json
import logging
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import orjson

from jaring_sim.faults import FaultInjector, FaultPlan

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024 * 1024
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class HttpError(Exception):
    """Raised by a handler to answer `status {"error": error, ...}`."""

    def __init__(self, status: int, error: str, detail: str | None = None, headers: dict | None = None):
        super().__init__(error)
        self.status, self.error, self.detail, self.headers = status, error, detail, headers or {}

    def response(self) -> Response:
        body = {"error": self.error}
        if self.detail:
            body["detail"] = self.detail
        return Response(self.status, body, self.headers)


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes
    params: dict[str, str] = field(default_factory=dict)

    def arg(self, name: str, default: str | None = None) -> str | None:
        return self.query.get(name, default)

    def date_arg(self, name: str, default: date | None = None, required: bool = False) -> date | None:
        value = self.query.get(name)
        if value is None or value == "":
            if required:
                raise HttpError(400, "bad_request", f"{name} is required (YYYY-MM-DD)")
            return default
        return parse_date(value, name)

    def int_arg(self, name: str, default: int, low: int, high: int | None = None) -> int:
        value = self.query.get(name)
        if value is None or value == "":
            return default
        try:
            number = int(value)
        except ValueError:
            raise HttpError(400, "bad_request", f"{name} must be an integer") from None
        if number < low or (high is not None and number > high):
            bound = f"between {low} and {high}" if high is not None else f"at least {low}"
            raise HttpError(400, "bad_request", f"{name} must be {bound}")
        return number

    def json(self) -> object:
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            raise HttpError(400, "bad_request", "body is not JSON") from None

    def bearer_token(self) -> str | None:
        auth = self.headers.get("authorization", "")
        scheme, _, token = auth.partition(" ")
        return token.strip() if scheme.lower() == "bearer" and token.strip() else None

    def basic_credentials(self) -> tuple[str, str] | None:
        auth = self.headers.get("authorization", "")
        scheme, _, encoded = auth.partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            user, sep, password = base64.b64decode(encoded.strip()).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
        return (user, password) if sep else None


@dataclass
class Response:
    status: int
    body: object  # a JSON value, or `Encoded` JSON text
    headers: dict[str, str] = field(default_factory=dict)


class Encoded(bytes):
    """JSON text already encoded (UTF-8): served as is, so a handler can assemble pages from cached parts."""


def encode(body: object) -> bytes:
    """Compact UTF-8 JSON; orjson unless a value is beyond it (an integer over 64 bits)."""
    try:
        return orjson.dumps(body)
    except TypeError:
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def parse_date(value: str, name: str = "date") -> date:
    if not _DATE.match(value):
        raise HttpError(400, "bad_request", f"{name} must be YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise HttpError(400, "bad_request", f"{name} is not a valid date") from None


def same_secret(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


Handler = Callable[[Request], Response]


@dataclass
class Route:
    method: str
    pattern: str  # e.g. "/v1/penduduk/{nik}"
    handler: Handler
    faulty: bool = True  # subject to the fault plan
    regex: re.Pattern = field(init=False)

    def __post_init__(self):
        self.regex = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.pattern) + "$")


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    route: str  # the pattern, never the concrete path
    status: int
    millis: float


class App:
    """Routes plus the fault injector of one simulated agency."""

    def __init__(self, name: str, faults: FaultPlan | None = None):
        self.name = name
        self.routes: list[Route] = []
        self.faults = FaultInjector(faults or FaultPlan.none())
        self.request_log: deque[LoggedRequest] = deque(maxlen=10_000)
        self._lock = threading.Lock()
        self.request_count = 0

    def route(self, method: str, pattern: str, faulty: bool = True):
        def register(handler: Handler) -> Handler:
            self.routes.append(Route(method, pattern, handler, faulty))
            return handler
        return register

    def add(self, method: str, pattern: str, handler: Handler, faulty: bool = True) -> None:
        self.routes.append(Route(method, pattern, handler, faulty))

    def dispatch(self, request: Request) -> tuple[Response, str]:
        """The response for a request and the route pattern it matched (for the log)."""
        allowed = []
        for route in self.routes:
            match = route.regex.match(request.path)
            if not match:
                continue
            if route.method != request.method:
                allowed.append(route.method)
                continue
            request.params = match.groupdict()
            if route.faulty:
                fault = self.faults.next_request()
                if fault is not None:
                    return Response(fault.status, {"error": fault.error}, dict(fault.headers)), route.pattern
            try:
                return route.handler(request), route.pattern
            except HttpError as exc:
                return exc.response(), route.pattern
            except Exception:
                log.exception("%s: handler for %s %s failed", self.name, route.method, route.pattern)
                return Response(500, {"error": "internal_error"}), route.pattern
        if allowed:
            return Response(405, {"error": "method_not_allowed"}, {"Allow": ", ".join(allowed)}), "?"
        return Response(404, {"error": "not_found"}), "?"

    def record(self, method: str, route: str, status: int, millis: float) -> None:
        with self._lock:
            self.request_count += 1
            self.request_log.append(LoggedRequest(method, route, status, millis))
        log.debug("%s %s %s %d %.1f ms", self.name, method, route, status, millis)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive for clients with a session
    server_version = "JaringSim/1"
    timeout = 60  # idle keep-alive connections are closed after a minute
    disable_nagle_algorithm = True  # else headers and body in two writes cost a 40 ms delayed ACK

    def _handle(self) -> None:
        started = time.perf_counter()
        app: App = self.server.app  # type: ignore[attr-defined]
        parts = urlsplit(self.path)
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY_BYTES:
            self._send(Response(413 if length > 0 else 400, {"error": "bad_content_length"}), close=True)
            return
        body = self.rfile.read(length) if length else b""
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        headers = {k.lower(): v for k, v in self.headers.items()}
        request = Request(self.command, parts.path, query, headers, body)
        response, route = app.dispatch(request)
        self._send(response)
        app.record(self.command, route, response.status, (time.perf_counter() - started) * 1000)

    def _send(self, response: Response, close: bool = False) -> None:
        body = response.body
        payload = body if isinstance(body, Encoded) else encode(body)
        self.send_response(response.status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        pass  # the stdlib line holds the full path (a NIK); App.record logs the route instead


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, app: App):
        self.app = app
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request, client_address):
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._connections_lock:
            open_now = list(self._connections)
        for sock in open_now:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class ServerHandle:
    """A running (or ready) simulated agency: `.url`, `.port`, `.start()`, `.shutdown()`."""

    def __init__(self, app: App, host: str = "127.0.0.1", port: int = 0):
        self.app = app
        self._server = _Server((host, port), app)
        self.host = host
        self.port: int = self._server.server_address[1]
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def request_count(self) -> int:
        return self.app.request_count

    @property
    def request_log(self) -> list[LoggedRequest]:
        return list(self.app.request_log)

    @property
    def faults(self) -> FaultInjector:
        return self.app.faults

    def start(self) -> ServerHandle:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                name=f"sim-{self.app.name}", daemon=True,
            )
            self._thread.start()
            log.info("%s simulator listening on %s", self.app.name, self.url)
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever(poll_interval=0.1)

    def shutdown(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.close_connections()
        self._server.server_close()

    def __enter__(self) -> ServerHandle:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.shutdown()

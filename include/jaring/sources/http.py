"""A retrying JSON client for the agencies' HTTP APIs.

Retries what is transient (429, 500, 502, 503, 504, connection errors,
timeouts) with exponential backoff and full jitter, honours `Retry-After`
(shared by every thread of the client, so parallel page fetches all slow
down), and gives up once a request has spent its time budget. An
authentication failure is not retried: it fails fast. Every error names the
connection id, never the secret, and never a NIK that may sit in a path.
"""

from __future__ import annotations

import json
import logging
import math
import random
import re
import threading
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

import requests

from jaring.config import Endpoint
from jaring.errors import Permanent

log = logging.getLogger(__name__)
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_REFRESHES = 3  # a token may expire again while a request waits out a 503 spell
_LONG_DIGITS = re.compile(r"\d{12,}")


class SourceError(RuntimeError):
    """A source could not be read; the message names its connection id."""

    def __init__(self, conn_id: str, message: str):
        super().__init__(f"{conn_id}: {message}")
        self.conn_id = conn_id


class SourceUnavailable(SourceError):
    """Still failing after the retry budget was spent."""


class SourceAuthError(SourceError, Permanent):
    """Credentials refused: fixing them needs a person, so no retry."""


class CursorExpired(SourceError):
    """HTTP 410: a cursor listing must be restarted from the beginning."""


class NotFound(SourceError):
    """HTTP 404: nothing is stored under that path (a read-back may need to tell this apart)."""


@dataclass(frozen=True)
class RetryPolicy:
    total_seconds: float = 300.0  # budget of one request, retries and waits included
    base_delay: float = 0.5
    max_delay: float = 30.0
    connect_timeout: float = 5.0
    read_timeout: float = 60.0

    @classmethod
    def from_extra(cls, extra: dict) -> RetryPolicy:
        """Connection `extra` may tune the budget: {"retry_total_seconds": 60, ...}."""
        fields = {
            "total_seconds": extra.get("retry_total_seconds"),
            "base_delay": extra.get("retry_base_delay"),
            "max_delay": extra.get("retry_max_delay"),
            "read_timeout": extra.get("read_timeout"),
        }
        return cls(**{k: float(v) for k, v in fields.items() if v is not None})


class BearerToken:
    """A fixed token (Disdukcapil): a 401 means the token is wrong."""

    refreshable = False

    def __init__(self, token: str | None):
        self._token = token or ""

    def header(self, client: HttpClient) -> dict:
        return {"Authorization": f"Bearer {self._token}"}

    def invalidate(self, used_header: dict) -> None:  # pragma: no cover - never refreshable
        pass


class ClientCredentials:
    """OAuth2 client credentials (BPJS): tokens expire; a 401 fetches a new one once."""

    refreshable = True

    def __init__(self, client_id: str | None, secret: str | None, token_path: str = "/oauth/token"):
        self._client_id = client_id or ""
        self._secret = secret or ""
        self._token_path = token_path
        self._token: str | None = None
        self._lock = threading.Lock()

    def header(self, client: HttpClient) -> dict:
        with self._lock:
            if self._token is None:
                self._token = self._fetch(client)
            return {"Authorization": f"Bearer {self._token}"}

    def invalidate(self, used_header: dict) -> None:
        with self._lock:
            # another thread may already have replaced the token that failed
            if used_header.get("Authorization") == f"Bearer {self._token}":
                self._token = None

    def _fetch(self, client: HttpClient) -> str:
        body = client.request_json(
            "POST", self._token_path, data={"grant_type": "client_credentials"},
            basic_auth=(self._client_id, self._secret), authenticate=False,
        )
        token = body.get("access_token") if isinstance(body, dict) else None
        if not token:
            raise SourceAuthError(client.conn_id, "token endpoint answered without an access_token")
        return token


class HttpClient:
    """JSON over HTTP for one connection; safe to share between threads."""

    def __init__(self, endpoint: Endpoint, auth=None, policy: RetryPolicy | None = None):
        self.endpoint = endpoint
        self.conn_id = endpoint.conn_id
        self.auth = auth
        self.policy = policy or RetryPolicy.from_extra(endpoint.extra)
        self._local = threading.local()
        self._pause_lock = threading.Lock()
        self._not_before = 0.0  # monotonic time before which nobody calls (Retry-After)
        self.stats = {"requests": 0, "retries": 0, "token_refreshes": 0, "cursor_restarts": 0}

    def get_json(self, path: str, params: dict | None = None):
        return self.request_json("GET", path, params=params)

    def request_json(self, method: str, path: str, *, params=None, json=None, data=None,
                     basic_auth=None, authenticate: bool = True):
        """One request, retried within the budget; returns the decoded JSON body."""
        deadline = time.monotonic() + self.policy.total_seconds
        attempt, refreshes, last = 0, 0, "no answer"
        where = f"{method} {_safe_path(path)}"
        while True:
            self._wait_for_pause(deadline, where, last)
            headers = self.auth.header(self) if (authenticate and self.auth) else {}
            self.count("requests")
            try:
                response = self._session().request(
                    method, self.endpoint.base_url + path, params=params, json=json, data=data,
                    headers=headers, auth=basic_auth,
                    timeout=(self.policy.connect_timeout, self.policy.read_timeout),
                )
            except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError) as exc:
                last, retry_after = f"{type(exc).__name__}", None
                delay = self._backoff(attempt)
            else:
                status = response.status_code
                if status < 400:
                    try:
                        return decode_json(response.content)
                    except ValueError as exc:
                        raise SourceError(self.conn_id, f"{where} answered {status} with a body that is not JSON") from exc
                if status == 401:
                    if authenticate and self.auth and self.auth.refreshable and refreshes < MAX_REFRESHES:
                        self.auth.invalidate(headers)
                        self.count("token_refreshes")
                        refreshes += 1
                        continue
                    raise SourceAuthError(self.conn_id, f"{where} refused the credentials (HTTP 401); check the connection's secret")
                if status == 403:
                    raise SourceAuthError(self.conn_id, f"{where} forbidden (HTTP 403)")
                if status == 410:
                    raise CursorExpired(self.conn_id, f"{where}: cursor expired (HTTP 410)")
                if status == 404:
                    raise NotFound(self.conn_id, f"{where} failed with HTTP 404: {_error_text(response)}")
                if status not in RETRY_STATUSES:
                    raise SourceError(self.conn_id, f"{where} failed with HTTP {status}: {_error_text(response)}")
                last = f"HTTP {status}"
                retry_after = _retry_after_seconds(response)
                if retry_after is not None:
                    self._pause_everyone(retry_after)
                    delay = 0.0
                else:
                    delay = self._backoff(attempt)
            attempt += 1
            self.count("retries")
            if time.monotonic() + delay > deadline:
                raise self._gave_up(where, attempt, last)
            # a source that is down must show in the log while the step waits, not only when it gives up;
            # the path only (query values may be personal), never a header
            wait = delay if retry_after is None else retry_after
            log.warning("%s: %s failed (%s), attempt %d; retrying in %.1f s", self.conn_id, where, last, attempt, wait)
            time.sleep(delay)

    # -- helpers

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self.policy.max_delay, self.policy.base_delay * (2 ** attempt))
        return random.uniform(ceiling / 2, ceiling)

    def _pause_everyone(self, seconds: float) -> None:
        with self._pause_lock:
            self._not_before = max(self._not_before, time.monotonic() + seconds)

    def _wait_for_pause(self, deadline: float, where: str, last: str) -> None:
        with self._pause_lock:
            wake = self._not_before
        now = time.monotonic()
        if wake > now:
            if wake > deadline:
                raise self._gave_up(where, None, f"{last}; Retry-After beyond the time budget")
            time.sleep(wake - now)

    def _gave_up(self, where: str, attempts: int | None, last: str) -> SourceUnavailable:
        tries = f" after {attempts} attempts" if attempts else ""
        return SourceUnavailable(
            self.conn_id,
            f"{where} still failing{tries} within {self.policy.total_seconds:g} s (last: {last}); giving up",
        )

    def count(self, key: str) -> None:
        """Add one to a statistic (requests, retries, token refreshes, cursor restarts)."""
        with self._pause_lock:
            self.stats[key] = self.stats.get(key, 0) + 1


def decode_json(body: bytes):
    """orjson's speed; the stdlib for what orjson refuses but lenient parsers accept (integers beyond 64
    bits; NaN, Infinity and numbers beyond a float, kept as their text): validation must see such a value
    rather than a failed page, and no float that JSON cannot write again comes out."""
    import orjson

    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return json.loads(body, parse_constant=str, parse_float=_finite_or_text)


def _finite_or_text(text: str) -> float | str:
    number = float(text)
    return number if math.isfinite(number) else text


def _retry_after_seconds(response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _safe_path(path: str) -> str:
    return _LONG_DIGITS.sub(lambda m: m.group(0)[:6] + "…", path)


def _error_text(response) -> str:
    try:
        body = response.json()
    except ValueError:
        return "(no JSON body)"
    if isinstance(body, dict) and "error" in body:
        return str(body["error"])[:100]
    return "(no error field)"

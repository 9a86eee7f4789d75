"""BPJS's share of night D: `PUT /v1/rekonsiliasi/<D>`, then `GET` to verify (bpjs-tk.md).

The PUT replaces the date's findings on BPJS's side, so repeating it after a
lost answer (connection reset, timeout, 503) cannot duplicate anything. OAuth2
client credentials come from the `bpjs_tk_api` connection (login = client id,
password = secret); an expired token (401) is renewed once per request.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from datetime import date

from jaring.config import BPJS_CONN_ID, endpoint
from jaring.publishing.audiences import BPJS, GOES_TO
from jaring.publishing.night_data import sql_text

log = logging.getLogger(__name__)
BPJS_CODES = sorted(code for code, targets in GOES_TO.items() if BPJS in targets)
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})  # PUT and GET are idempotent


class BpjsPublishError(RuntimeError):
    pass


def share(conn, night: date) -> dict:
    """The PUT body: BPJS's findings of night D, in a stable order."""
    temuan = []
    for code, nik, kpj, period, source_ref, details in conn.execute(
        sql_text("bpjs_share"), {"night": night, "codes": BPJS_CODES}
    ):
        rincian = dict(details or {})
        if period:
            rincian.setdefault("periode", period.strip())
        if code == "INVALID_SOURCE_RECORD":
            rincian.setdefault("rujukan_sumber", source_ref)
        temuan.append({"kode": code, "kpj": kpj.strip() if kpj else None, "nik": nik.strip() if nik else None,
                       "rincian": rincian})
    temuan.sort(key=lambda t: (t["kode"], t["kpj"] or "", t["nik"] or "", t["rincian"].get("periode") or "",
                               t["rincian"].get("rujukan_sumber") or ""))
    return {"tanggal": night.isoformat(), "temuan": temuan}


class _Client:
    def __init__(self, attempts: int, backoff: float, max_wait: float, timeout: float):
        import requests

        self.requests = requests
        self.ep = endpoint(BPJS_CONN_ID)
        self.session = requests.Session()
        self.attempts, self.backoff, self.max_wait, self.timeout = attempts, backoff, max_wait, timeout
        self.token: str | None = None

    def _wait(self, attempt: int, response=None) -> None:
        delay = self.backoff * 2 ** (attempt - 1)
        if response is not None and response.headers.get("Retry-After", "").strip().isdigit():
            delay = float(response.headers["Retry-After"])
        time.sleep(min(delay, self.max_wait))

    def _send(self, method: str, path: str, **kwargs):
        """One call with retries on 429/5xx and lost connections; returns the final response."""
        url = self.ep.base_url + path
        last = "no attempt"
        for attempt in range(1, self.attempts + 1):
            try:
                response = self.session.request(method, url, timeout=self.timeout, **kwargs)
            except (self.requests.ConnectionError, self.requests.Timeout) as exc:
                last = type(exc).__name__
                log.warning("%s %s: %s (attempt %d/%d)", method, path, last, attempt, self.attempts)
                self._wait(attempt)
                continue
            if response.status_code not in RETRY_STATUS:
                return response
            last = f"HTTP {response.status_code}"
            log.warning("%s %s: %s (attempt %d/%d)", method, path, last, attempt, self.attempts)
            self._wait(attempt, response)
        raise BpjsPublishError(f"{BPJS_CONN_ID}: {method} {path} failed after {self.attempts} attempts ({last})")

    def _fetch_token(self) -> str:
        response = self._send("POST", "/oauth/token", auth=(self.ep.login or "", self.ep.password or ""),
                              data={"grant_type": "client_credentials"})
        if response.status_code != 200:
            raise BpjsPublishError(f"{BPJS_CONN_ID}: token request refused (HTTP {response.status_code})")
        return response.json()["access_token"]

    def call(self, method: str, path: str, **kwargs) -> dict | None:
        """The answer's JSON; None for a 404 (nothing stored under that path)."""
        for renewed in (False, True):
            if self.token is None or renewed:
                self.token = self._fetch_token()
            response = self._send(method, path, headers={"Authorization": f"Bearer {self.token}"}, **kwargs)
            if response.status_code == 401 and not renewed:
                continue
            if response.status_code == 404:
                return None
            if response.status_code != 200:
                raise BpjsPublishError(f"{BPJS_CONN_ID}: {method} {path} answered HTTP {response.status_code}")
            return response.json()
        raise AssertionError("unreachable")


def _check_read_back(stored: dict | None, sent: dict, path: str) -> None:
    """BPJS must hold what was sent: as many `temuan`, of the same codes (bpjs-tk.md: count them)."""
    if stored is None:
        raise BpjsPublishError(f"{BPJS_CONN_ID}: GET {path} answered HTTP 404: BPJS holds nothing for the night")
    held = stored.get("temuan") if isinstance(stored, dict) else None
    if not isinstance(held, list):
        raise BpjsPublishError(f"{BPJS_CONN_ID}: GET {path} answered without a list of temuan")
    codes_sent = Counter(t["kode"] for t in sent["temuan"])
    codes_held = Counter(t.get("kode") for t in held if isinstance(t, dict))
    if len(held) != len(sent["temuan"]) or codes_held != codes_sent:
        raise BpjsPublishError(
            f"{BPJS_CONN_ID}: sent {len(sent['temuan'])} findings, BPJS holds {len(held)} "
            f"(per code sent {dict(sorted(codes_sent.items()))}, held {dict(sorted(codes_held.items()))})")


def put_bpjs(night: date, conn, *, attempts: int = 6, backoff: float = 1.0, max_wait: float = 30.0,
             timeout: float = 60.0) -> dict:
    """PUT BPJS's findings of night D and read them back; raises unless BPJS holds exactly what was sent."""
    body = share(conn, night)
    client = _Client(attempts, backoff, max_wait, timeout)
    path = f"/v1/rekonsiliasi/{night.isoformat()}"
    if client.call("PUT", path, json=body) is None:
        raise BpjsPublishError(f"{BPJS_CONN_ID}: PUT {path} answered HTTP 404")
    _check_read_back(client.call("GET", path), body, path)
    sent = len(body["temuan"])
    log.info("BPJS holds %d findings for %s", sent, night)
    return {"tanggal": night.isoformat(), "jumlah_temuan": sent}

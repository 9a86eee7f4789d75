"""BPJS's share of night D: `PUT /v1/rekonsiliasi/<D>`, then `GET` to verify (bpjs-tk.md).

The PUT replaces the date's findings on BPJS's side, so repeating it after a
lost answer (connection reset, timeout, 503) cannot duplicate anything. The
calls go through the sources' client (`jaring.sources.http`): OAuth2 client
credentials of the `bpjs_tk_api` connection, a refused token renewed, retries
within the connection's time budget. The delivery ledger records the document's digest once BPJS
holds it: a retry or a clear of the task does not PUT the same document again (`again` does), a
recomputed night whose share changed does.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from datetime import date

from jaring.config import BPJS_CONN_ID, endpoint
from jaring.publishing.audiences import BPJS, GOES_TO
from jaring.publishing.delivery_ledger import DeliveryLedger
from jaring.sources.http import ClientCredentials, HttpClient, NotFound, RetryPolicy, SourceError
from jaring.warehouse import sqlfile

log = logging.getLogger(__name__)
BPJS_CODES = sorted(code for code, targets in GOES_TO.items() if BPJS in targets)


class BpjsPublishError(RuntimeError):
    """BPJS did not take or does not hold the night's share; the message names `bpjs_tk_api`."""


def share(conn, night: date) -> dict:
    """The PUT body: BPJS's findings of night D, in a stable order."""
    temuan = []
    for code, nik, kpj, period, source_ref, details in conn.execute(
        sqlfile.text(__name__, "bpjs_share"), {"night": night, "codes": BPJS_CODES}
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


def put_bpjs(night: date, conn, *, again: bool = False, policy: RetryPolicy | None = None) -> dict:
    """PUT BPJS's findings of night D and read them back; raises unless BPJS holds exactly what was sent.

    The same document already delivered for night D is not PUT again unless `again`. `policy` defaults
    to the retry budget of the connection's extra (`jaring.sources.http.RetryPolicy`).
    """
    body = share(conn, night)
    path = f"/v1/rekonsiliasi/{night.isoformat()}"
    digest = "sha256:" + hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
    ledger = DeliveryLedger(conn)
    counts = {"tanggal": night.isoformat(), "jumlah_temuan": len(body["temuan"])}
    if not again and ledger.delivered(night, BPJS).get(f"PUT {path}") == digest:
        log.info("BPJS already holds the %d findings of %s (delivery ledger): not PUT again", len(body["temuan"]),
                 night)
        return {**counts, "already_delivered": True}
    ep = endpoint(BPJS_CONN_ID)
    http = HttpClient(ep, ClientCredentials(ep.login, ep.password), policy)
    try:
        http.request_json("PUT", path, json=body)
        try:
            stored = http.get_json(path)
        except NotFound:
            stored = None
    except SourceError as exc:
        raise BpjsPublishError(str(exc)) from exc
    _check_read_back(stored, body, path)
    ledger.record(night, BPJS, [f"PUT {path}"], digest)
    log.info("BPJS holds %d findings for %s (%s)", counts["jumlah_temuan"], night, http.stats)
    return counts

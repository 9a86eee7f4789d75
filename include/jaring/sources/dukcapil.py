"""Disdukcapil: the whole registry as of night D -> `raw.dukcapil_page`, `staging.person`.

Page 1 tells the total; the other pages are fetched by a small thread pool
(every thread honours the shared Retry-After), each page is checked for its
number and size, and the page after the last must be empty: no page is
counted twice or skipped. Raw pages, staged persons, quarantined records
and the verdict of night D are replaced in one transaction.
"""

from __future__ import annotations

import json
import logging
import math
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import date

from jaring.sources import landing
from jaring.sources.http import BearerToken, HttpClient, SourceError
from jaring.validation.suites import DUKCAPIL_COLUMNS

log = logging.getLogger(__name__)

SOURCE = "dukcapil"
PATH = "/v1/penduduk"
PER_PAGE = 1000
WORKERS = 4
SEX = {"LAKI-LAKI": "L", "PEREMPUAN": "P"}
STAGING_COLUMNS = ("night", "nik", "no_kk", "nama", "nama_key", "tgl_lahir", "jenis_kelamin", "stat_hbkel",
                   "status_kawin", "jenis_pkrjn", "kode_wilayah", "no_rt", "no_rw", "status", "tgl_mati",
                   "tgl_pindah")


def client() -> HttpClient:
    from jaring.config import DUKCAPIL_CONN_ID, endpoint

    ep = endpoint(DUKCAPIL_CONN_ID)
    return HttpClient(ep, BearerToken(ep.password))


def ingest(night: date, conn, http: HttpClient | None = None, per_page: int = PER_PAGE,
           workers: int = WORKERS) -> dict:
    """Pull the registry as of `night` and stage it; returns counts (no personal data)."""
    from jaring.validation import SourceRejected, validate

    landing.require_idle(conn)
    http = http or client()
    started = time.monotonic()
    result = None
    try:
        with conn.transaction():
            previous = landing.previous_count(conn, "staging.person", night)
            landing.clear_night(conn, night, ("raw.dukcapil_page", "staging.person"), (SOURCE,), SOURCE)
            df, pages = _pull(http, night, conn, per_page, workers)
            fetched = time.monotonic()
            result = validate(SOURCE, df, previous)
            validated = time.monotonic()
            result.raise_if_blocking()
            counts = _stage(conn, night, df, result, per_page)
            landing.store_verdict(conn, night, result)
    except SourceRejected:
        landing.store_rejection(conn, night, result)
        raise
    elapsed = time.monotonic() - started
    counts |= {
        "source": SOURCE, "pages": pages, "received": len(df), "warnings": result.warnings,
        "seconds": round(elapsed, 2), "fetch_seconds": round(fetched - started, 2),
        "validate_seconds": round(validated - fetched, 2),
        "rows_per_second": round(len(df) / elapsed) if elapsed else None, "http": dict(http.stats),
    }
    log.info("dukcapil night %s: %s", night, {k: v for k, v in counts.items() if k != "warnings"})
    return counts


def _pull(http: HttpClient, night: date, conn, per_page: int, workers: int):
    """Every page of the as-of listing, landed raw as it arrives; returns (dataframe, pages)."""
    import pandas as pd

    first = _page(http, night, 1, per_page)
    total = int(first["meta"]["total"])
    pages = max(1, math.ceil(total / per_page))
    frames: dict[int, object] = {}
    with conn.cursor().copy("COPY raw.dukcapil_page (night, page, records) FROM STDIN") as copy:

        def land(number: int, body: dict) -> None:
            data = body["data"]
            expected = 0 if number > pages else min(per_page, total - (number - 1) * per_page)
            meta = body.get("meta") or {}
            if meta.get("page", number) != number or int(meta.get("total", total)) != total \
                    or len(data) != expected:
                raise SourceError(http.conn_id, f"page {number} of {PATH} has {len(data)} rows "
                                                f"(expected {expected} of total {total}); the listing changed")
            if number <= pages:
                copy.write_row((night, number, json.dumps(data)))
                frames[number] = pd.DataFrame.from_records(data, columns=list(DUKCAPIL_COLUMNS))

        land(1, first)
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dukcapil")
        try:
            # the page after the last must be empty: proof that nothing was skipped
            futures = {pool.submit(_page, http, night, n, per_page): n for n in range(2, pages + 2)}
            for future in as_completed(futures):
                land(futures[future], future.result())
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
    frame = pd.concat([frames[n] for n in range(1, pages + 1)], ignore_index=True)
    return frame, pages


def _page(http: HttpClient, night: date, number: int, per_page: int) -> dict:
    body = http.get_json(PATH, {"as_of": night.isoformat(), "page": number, "per_page": per_page})
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        raise SourceError(http.conn_id, f"page {number} of {PATH} is not a {{data, meta}} document")
    return body


def _stage(conn, night: date, df, result, per_page: int) -> dict:
    from jaring.linking.names import normalise
    from jaring.validation import quarantine
    from jaring.validation.suites import per_value

    def source_ref(index: int, raw: dict) -> str:
        nik = quarantine.ref_value(raw.get("NIK"))
        return f"{SOURCE}:{nik}" if nik else f"{SOURCE}:page={index // per_page + 1}&row={index % per_page + 1}"

    quarantined = quarantine.record(conn, night, SOURCE,
                                    quarantine.failures(result, df, source_ref, DUKCAPIL_COLUMNS))
    flagged = quarantine.flag(conn, night, SOURCE, quarantine.flags(result, df, source_ref, DUKCAPIL_COLUMNS))
    kept = df.drop(index=list(result.row_failures))
    staged = kept.assign(
        night=night, nik=kept["NIK"], no_kk=kept["NO_KK"], nama=kept["NAMA_LGKP"],
        nama_key=per_value(kept["NAMA_LGKP"], normalise), tgl_lahir=kept["TGL_LHR"],
        jenis_kelamin=kept["JENIS_KLMIN"].map(SEX), stat_hbkel=kept["STAT_HBKEL"],
        status_kawin=kept["STATUS_KAWIN"], jenis_pkrjn=kept["JENIS_PKRJN"], kode_wilayah=kept["KODE_WILAYAH"],
        no_rt=kept["NO_RT"], no_rw=kept["NO_RW"], status=kept["STATUS"], tgl_mati=kept["TGL_MATI"],
        tgl_pindah=kept["TGL_PINDAH"],
    )
    landing.clear_flagged(staged, result)
    landing.copy_frame(conn, "staging.person", staged, STAGING_COLUMNS)
    return {"staged": len(staged), "quarantined": len(result.row_failures), "quarantine_rows": quarantined,
            "flagged": flagged}

"""Disdukcapil: the whole registry as of night D -> `raw.dukcapil_page`, `staging.person`.

Page 1 tells the total; the other pages are fetched by a small thread pool
(every thread honours the shared Retry-After), each page is checked for its
number and size, and the page after the last must be empty: no page is
counted twice or skipped. The pages are pulled before the warehouse
transaction; raw pages, staged persons, quarantined records and the verdict
of night D are then replaced in one transaction (`landing.ingest`).
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import date

from jaring.sources import landing
from jaring.sources.http import BearerToken, HttpClient, SourceError
from jaring.warehouse import db

# the registry's fields (civil-registry.md): the contract the `dukcapil` suite checks
DUKCAPIL_COLUMNS = ("NIK", "NO_KK", "NAMA_LGKP", "TMPT_LHR", "TGL_LHR", "JENIS_KLMIN", "STAT_HBKEL",
                    "STATUS_KAWIN", "JENIS_PKRJN", "KODE_WILAYAH", "NO_RT", "NO_RW", "ALAMAT", "STATUS",
                    "TGL_MATI", "TGL_PINDAH", "TGL_UPDATE")
SOURCE = landing.Source("dukcapil", ("raw.dukcapil_page", "staging.person"), {"dukcapil": DUKCAPIL_COLUMNS},
                        {"dukcapil": "staging.person"})
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
    http = http or client()

    def land(conn, pulled) -> dict:
        pages, frame = pulled
        db.copy_rows(conn, "raw.dukcapil_page", ("night", "page", "records"),
                     ((night, number, page) for number, page in enumerate(pages, start=1)))
        return {"dukcapil": frame}

    def stage(conn, pulled, frames, results) -> dict:
        counts = _stage(conn, night, frames["dukcapil"], results["dukcapil"], per_page)
        return counts | {"pages": len(pulled[0]), "http": dict(http.stats)}

    return landing.ingest(SOURCE, night, conn, lambda: _pull(http, night, per_page, workers), land, stage)


def _pull(http: HttpClient, night: date, per_page: int, workers: int):
    """Every page of the as-of listing: (each page's records as JSON text, in order; the dataframe)."""
    first = _page(http, night, 1, per_page)
    total = _total(http, first, 1)
    pages = max(1, math.ceil(total / per_page))
    received: dict[int, list] = {}

    def keep(number: int, body: dict) -> None:
        data = body["data"]
        expected = 0 if number > pages else min(per_page, total - (number - 1) * per_page)
        meta = body.get("meta") or {}
        if not isinstance(meta, dict):
            raise SourceError(http.conn_id, f"page {number} of {PATH} has a meta that is not an object")
        if meta.get("page", number) != number or _total(http, body, number, total) != total or len(data) != expected:
            raise SourceError(http.conn_id, f"page {number} of {PATH} has {len(data)} rows "
                                            f"(expected {expected} of total {total}); the listing changed")
        if number <= pages:
            received[number] = data

    keep(1, first)
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dukcapil")
    try:
        # the page after the last must be empty: proof that nothing was skipped
        futures = {pool.submit(_page, http, night, n, per_page): n for n in range(2, pages + 2)}
        for future in as_completed(futures):
            keep(futures[future], future.result())
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    in_order = [received[n] for n in range(1, pages + 1)]
    return [landing.json_text(page) for page in in_order], frame([r for page in in_order for r in page])


def frame(records: list[dict]):
    """The registry's records as a dataframe of the contract's columns (a missing field is None)."""
    import pandas as pd

    return pd.DataFrame({column: [r.get(column) for r in records] for column in DUKCAPIL_COLUMNS},
                        columns=list(DUKCAPIL_COLUMNS))


def _page(http: HttpClient, night: date, number: int, per_page: int) -> dict:
    """One page, checked for its shape: a malformed page fails the source naming its connection (never a
    KeyError or a pandas error deep in the pull), and without quoting the page (it holds NIKs and names)."""
    body = http.get_json(PATH, {"as_of": night.isoformat(), "page": number, "per_page": per_page})
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        raise SourceError(http.conn_id, f"page {number} of {PATH} is not a {{data, meta}} document")
    if not all(isinstance(record, dict) for record in body["data"]):
        raise SourceError(http.conn_id, f"page {number} of {PATH} has a record that is not an object")
    return body


def _total(http: HttpClient, body: dict, number: int, default: int | None = None) -> int:
    """`meta.total` of a page as a whole number >= 0 (`default` when a later page leaves it out)."""
    meta = body.get("meta")
    if default is not None and (not isinstance(meta, dict) or "total" not in meta):
        return default
    total = meta.get("total") if isinstance(meta, dict) else None
    if isinstance(total, bool) or not isinstance(total, int | str) or not str(total).strip().isdigit():
        raise SourceError(http.conn_id, f"page {number} of {PATH} has no meta.total as a whole number")
    return int(total)


def _stage(conn, night: date, df, result, per_page: int) -> dict:
    from jaring.linking.names import normalise
    from jaring.validation import quarantine
    from jaring.validation.suites import per_value

    def source_ref(index: int, raw: dict) -> str:
        nik = quarantine.ref_value(raw.get("NIK"))
        return f"dukcapil:{nik}" if nik else f"dukcapil:page={index // per_page + 1}&row={index % per_page + 1}"

    quarantined, flagged = landing.report(conn, night, SOURCE.name, result, df, source_ref, DUKCAPIL_COLUMNS)
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

"""BPJS Ketenagakerjaan: roster, premiums and claims as of night D -> staging.participant/payment/claim.

OAuth2 client credentials (a 401 renews the token and repeats the request);
cursor listings are followed to the end and restarted from the beginning
when a cursor expires (410), so a listing is always one consistent pass.
Payments are read for every coverage month the rules need: from the later of
2025-01 and the earliest participation's month (but at least the 12 months of
the arrears window) up to the month of D, months in parallel.
The whole source (raw pages, three staging tables, quarantine, verdicts) is
replaced in one transaction; one blocking failure rejects all of BPJS tonight.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date

from jaring.nights import add_months, month_of
from jaring.sources import landing
from jaring.sources.http import ClientCredentials, CursorExpired, HttpClient, SourceError, SourceUnavailable
from jaring.validation.suites import BPJS_IURAN_COLUMNS, BPJS_KLAIM_COLUMNS, BPJS_PESERTA_COLUMNS

log = logging.getLogger(__name__)

SOURCE = "bpjs"
LIMIT = 1000
WORKERS = 4
MAX_RESTARTS = 5
PAYMENTS_FROM = "2025-01"  # the programme's data start; older months are never needed
CLAIMS_FROM = date(2025, 1, 1)
ARREARS_MONTHS = 12
TABLES = ("raw.bpjs_page", "staging.participant", "staging.payment", "staging.claim")
SUITES = ("bpjs_peserta", "bpjs_iuran", "bpjs_klaim")
PARTICIPANT_COLUMNS = ("night", "kpj", "nik", "nik_raw", "nama", "nama_key", "tgl_lahir", "jenis_kelamin",
                       "status_kepesertaan", "tgl_kepesertaan", "tgl_nonaktif", "pembiayaan", "kode_wilayah",
                       "iuran_bulanan")
PAYMENT_COLUMNS = ("night", "id_bayar", "kpj", "bulan", "jumlah", "tgl_bayar", "kanal")
CLAIM_COLUMNS = ("night", "no_klaim", "kpj", "jenis_klaim", "tgl_kejadian", "tgl_pengajuan", "status", "nilai")


def client() -> HttpClient:
    from jaring.config import BPJS_CONN_ID, endpoint

    ep = endpoint(BPJS_CONN_ID)
    return HttpClient(ep, ClientCredentials(ep.login, ep.password))


def ingest(night: date, conn, http: HttpClient | None = None, limit: int = LIMIT, workers: int = WORKERS) -> dict:
    """Pull BPJS as of `night` and stage it; returns counts (no personal data)."""
    from jaring.validation import SourceRejected, validate

    landing.require_idle(conn)
    http = http or client()
    started = time.monotonic()
    roster_pages = listing(http, "/v1/peserta", {"as_of": night.isoformat()}, limit)
    roster = _frame(roster_pages, BPJS_PESERTA_COLUMNS)
    months = payment_months(night, roster["TGL_KEPESERTAAN"])
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="bpjs") as pool:
        payment_pages = dict(zip(months, pool.map(
            lambda m: listing(http, "/v1/iuran", {"bulan": m, "as_of": night.isoformat()}, limit), months),
            strict=True))
    claim_pages = listing(http, "/v1/klaim", {"dari": CLAIMS_FROM.isoformat(), "sampai": night.isoformat(),
                                              "as_of": night.isoformat()}, limit)
    payments = _frame([p for m in months for p in payment_pages[m]], BPJS_IURAN_COLUMNS)
    claims = _frame(claim_pages, BPJS_KLAIM_COLUMNS)
    fetched = time.monotonic()

    results = []
    try:
        with conn.transaction():
            previous = {
                "bpjs_peserta": landing.previous_count(conn, "staging.participant", night),
                "bpjs_iuran": landing.previous_count(conn, "staging.payment", night),
            }
            landing.clear_night(conn, night, TABLES, SUITES, SOURCE)
            for suite, frame in (("bpjs_peserta", roster), ("bpjs_iuran", payments), ("bpjs_klaim", claims)):
                results.append(validate(suite, frame, previous.get(suite)))
            validated = time.monotonic()
            for result in results:
                result.raise_if_blocking()
            _land_raw(conn, night, roster_pages, payment_pages, claim_pages)
            counts = {
                "participants": _stage_roster(conn, night, roster, results[0]),
                "payments": _stage_payments(conn, night, payments, results[1]),
                "claims": _stage_claims(conn, night, claims, results[2]),
            }
            for result in results:
                landing.store_verdict(conn, night, result)
    except SourceRejected:
        with conn.transaction():
            for result in results:
                landing.store_verdict(conn, night, result)
        raise
    elapsed = time.monotonic() - started
    received = len(roster) + len(payments) + len(claims)
    counts |= {
        "source": SOURCE, "months": len(months), "received": received,
        "warnings": [w for r in results for w in r.warnings], "seconds": round(elapsed, 2),
        "fetch_seconds": round(fetched - started, 2), "validate_seconds": round(validated - fetched, 2),
        "rows_per_second": round(received / elapsed) if elapsed else None, "http": dict(http.stats),
    }
    log.info("bpjs night %s: %s", night, {k: v for k, v in counts.items() if k != "warnings"})
    return counts


def listing(http: HttpClient, path: str, params: dict, limit: int) -> list[list[dict]]:
    """Every page of a cursor listing, in order; restarted from the start when a cursor expires."""
    for _ in range(MAX_RESTARTS + 1):
        pages, cursor = [], None
        try:
            while True:
                query = dict(params, limit=limit) | ({"cursor": cursor} if cursor else {})
                body = http.get_json(path, query)
                if not isinstance(body, dict) or not isinstance(body.get("data"), list):
                    raise SourceError(http.conn_id, f"{path} answered without a data list")
                pages.append(body["data"])
                cursor = body.get("next_cursor")
                if not cursor:
                    return pages
        except CursorExpired:
            http.count("cursor_restarts")
            log.info("%s: cursor expired after %d pages; restarting the listing", path, len(pages))
    raise SourceUnavailable(http.conn_id, f"GET {path}: cursors kept expiring; gave up after "
                                          f"{MAX_RESTARTS} restarts of the listing")


def payment_months(night: date, participation_dates) -> list[str]:
    """Coverage months whose payments the findings need, oldest first."""
    last = month_of(night)
    known = [str(d)[:7] for d in participation_dates if isinstance(d, str) and len(d) >= 7]
    first = max(PAYMENTS_FROM, min(known, default=last))
    first = min(first, add_months(last, -ARREARS_MONTHS))
    months, month = [], first
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months


def _frame(pages, columns):
    """The records as a frame. JSON's NaN and Infinity become text first: as floats pandas would take NaN
    for an empty field, and a quarantined record's raw copy could not be stored as jsonb."""
    import pandas as pd

    records = [landing.finite(r) if isinstance(r, dict) else r for page in pages for r in page]
    return pd.DataFrame.from_records(records, columns=list(columns))


def _land_raw(conn, night, roster_pages, payment_pages, claim_pages) -> None:
    listings = [("peserta", roster_pages), ("klaim", claim_pages)]
    listings += [(f"iuran:{month}", pages) for month, pages in payment_pages.items()]
    with conn.cursor().copy("COPY raw.bpjs_page (night, listing, seq, records) FROM STDIN") as copy:
        for name, pages in listings:
            for seq, page in enumerate(pages, start=1):
                copy.write_row((night, name, seq, landing.dumps(page)))


def _ref(index: int, raw: dict) -> str:
    from jaring.validation.quarantine import ref_value

    return f"{SOURCE}:{ref_value(raw.get('KPJ'))}"


def _report(conn, night, df, result, columns, label=None) -> int:
    from jaring.validation import quarantine

    quarantine.record(conn, night, SOURCE, quarantine.failures(result, df, _ref, columns, label))
    quarantine.flag(conn, night, SOURCE, quarantine.flags(result, df, _ref, columns, label))
    return len(result.row_failures)


def _stage_roster(conn, night, df, result) -> dict:
    from jaring.linking.names import normalise
    from jaring.validation.suites import clean_nik, per_value

    quarantined = _report(conn, night, df, result, BPJS_PESERTA_COLUMNS)
    kept = df.drop(index=list(result.row_failures))
    staged = kept.assign(
        night=night, kpj=kept["KPJ"], nik=[clean_nik(v) for v in kept["NIK"].tolist()], nik_raw=kept["NIK"],
        nama=kept["NAMA"], nama_key=per_value(kept["NAMA"], normalise),
        tgl_lahir=landing.date_or_none(kept["TGL_LAHIR"]), jenis_kelamin=kept["JENIS_KELAMIN"],
        status_kepesertaan=kept["STATUS_KEPESERTAAN"], tgl_kepesertaan=kept["TGL_KEPESERTAAN"],
        tgl_nonaktif=kept["TGL_NONAKTIF"], pembiayaan=kept["PEMBIAYAAN"], kode_wilayah=kept["KODE_WILAYAH"],
        iuran_bulanan=landing.as_int(kept["IURAN_BULANAN"]),
    )
    landing.clear_flagged(staged, result)
    staged_count = landing.copy_frame(conn, "staging.participant", staged, PARTICIPANT_COLUMNS)
    return {"received": len(df), "staged": staged_count, "quarantined": quarantined, "flagged": len(result.row_flags)}


def _stage_payments(conn, night, df, result) -> dict:
    quarantined = _report(conn, night, df, result, BPJS_IURAN_COLUMNS, lambda r: f"ID_BAYAR {r.get('ID_BAYAR')}")
    kept = df.drop(index=list(result.row_failures))
    staged = kept.assign(night=night, id_bayar=kept["ID_BAYAR"], kpj=kept["KPJ"], bulan=kept["BULAN_IURAN"],
                         jumlah=landing.as_int(kept["JUMLAH"]), tgl_bayar=kept["TGL_BAYAR"], kanal=kept["KANAL"])
    staged_count = landing.copy_frame(conn, "staging.payment", staged, PAYMENT_COLUMNS)
    return {"received": len(df), "staged": staged_count, "quarantined": quarantined}


def _stage_claims(conn, night, df, result) -> dict:
    quarantined = _report(conn, night, df, result, BPJS_KLAIM_COLUMNS, lambda r: f"NO_KLAIM {r.get('NO_KLAIM')}")
    kept = df.drop(index=list(result.row_failures))
    staged = kept.assign(night=night, no_klaim=kept["NO_KLAIM"], kpj=kept["KPJ"], jenis_klaim=kept["JENIS_KLAIM"],
                         tgl_kejadian=kept["TGL_KEJADIAN"], tgl_pengajuan=kept["TGL_PENGAJUAN"],
                         status=kept["STATUS"], nilai=landing.as_int(kept["NILAI"]))
    staged_count = landing.copy_frame(conn, "staging.claim", staged, CLAIM_COLUMNS)
    return {"received": len(df), "staged": staged_count, "quarantined": quarantined}

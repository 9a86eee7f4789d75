"""BPJS Ketenagakerjaan: roster, premiums and claims as of night D -> staging.participant/payment/claim.

OAuth2 client credentials (a 401 renews the token and repeats the request);
cursor listings are followed to the end and restarted from the beginning
when a cursor expires (410), so a listing is always one consistent pass.
Payments are read for every coverage month the rules need: from the later of
2025-01 and the earliest participation's month (but at least the 12 months of
the arrears window) up to the month of D, months in parallel.
The whole source (raw pages, three staging tables, quarantine, verdicts) is
replaced in one transaction; one blocking failure rejects all of BPJS tonight.

The API has no "changed since": every night reads every month. A month whose
pages are byte for byte those of night D-1 (when all of BPJS landed then) is
not judged again: its payments staged on D-1 are carried over, and only the
other months' payments, with those D-1 quarantined, are validated (the volume
rules are judged on the whole count first). Where that could differ from
judging every payment (a payment without an ID_BAYAR, two sharing one, a whole
count the volume rules refuse, a payment rule that flags rather than
quarantines) every month is validated; so does `full=True`.
"""

from __future__ import annotations

import hashlib
import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from functools import partial
from itertools import chain, compress
from operator import eq, methodcaller

from jaring.nights import add_months, month_of
from jaring.sources import landing
from jaring.sources.http import ClientCredentials, CursorExpired, HttpClient, SourceError, SourceUnavailable
from jaring.warehouse import db, sqlfile

log = logging.getLogger(__name__)

# the partner API's fields (bpjs-tk.md): the contracts the three BPJS suites check
BPJS_PESERTA_COLUMNS = ("KPJ", "NIK", "NAMA", "TGL_LAHIR", "JENIS_KELAMIN", "SEGMEN", "PROGRAM",
                        "STATUS_KEPESERTAAN", "TGL_KEPESERTAAN", "TGL_NONAKTIF", "PEMBIAYAAN",
                        "KODE_WILAYAH", "UPAH_DILAPORKAN", "IURAN_BULANAN")
BPJS_IURAN_COLUMNS = ("ID_BAYAR", "KPJ", "BULAN_IURAN", "JUMLAH", "TGL_BAYAR", "KANAL")
BPJS_KLAIM_COLUMNS = ("NO_KLAIM", "KPJ", "JENIS_KLAIM", "TGL_KEJADIAN", "TGL_PENGAJUAN", "STATUS", "NILAI")
SOURCE = landing.Source(
    "bpjs", ("raw.bpjs_page", "raw.bpjs_listing", "staging.participant", "staging.payment", "staging.claim"),
    {"bpjs_peserta": BPJS_PESERTA_COLUMNS, "bpjs_iuran": BPJS_IURAN_COLUMNS, "bpjs_klaim": BPJS_KLAIM_COLUMNS},
    {"bpjs_peserta": "staging.participant", "bpjs_iuran": "staging.payment"},
)

LIMIT = 1000
WORKERS = 4
MAX_RESTARTS = 5
PAYMENTS_FROM = "2025-01"  # the programme's data start; older months are never needed
CLAIMS_FROM = date(2025, 1, 1)
ARREARS_MONTHS = 12
PARTICIPANT_COLUMNS = ("night", "kpj", "nik", "nik_raw", "nama", "nama_key", "tgl_lahir", "jenis_kelamin",
                       "status_kepesertaan", "tgl_kepesertaan", "tgl_nonaktif", "pembiayaan", "kode_wilayah",
                       "iuran_bulanan")
PAYMENT_COLUMNS = ("night", "id_bayar", "kpj", "bulan", "jumlah", "tgl_bayar", "kanal")
CLAIM_COLUMNS = ("night", "no_klaim", "kpj", "jenis_klaim", "tgl_kejadian", "tgl_pengajuan", "status", "nilai")
_ID_BAYAR, _BULAN_IURAN = methodcaller("get", "ID_BAYAR"), methodcaller("get", "BULAN_IURAN")


def client() -> HttpClient:
    from jaring.config import BPJS_CONN_ID, endpoint

    ep = endpoint(BPJS_CONN_ID)
    return HttpClient(ep, ClientCredentials(ep.login, ep.password))


def ingest(night: date, conn, http: HttpClient | None = None, limit: int = LIMIT, workers: int = WORKERS,
           full: bool = False) -> dict:
    """Pull BPJS as of `night` and stage it; returns counts (no personal data). `full`: judge every month's
    payments, carrying nothing over from night D-1."""
    from jaring import policy

    http = http or client()
    floor = policy.load().volume_floor
    previous = None if full else previous_night(conn, night)
    carried: dict = {}

    def land(conn, pulled) -> dict:
        digests = _land_raw(conn, night, pulled["listings"])
        frames = {"bpjs_peserta": pulled["roster"], "bpjs_klaim": _frame(pulled["listings"]["klaim"], BPJS_KLAIM_COLUMNS)}
        plan = previous and _carry_plan(conn, night, previous, pulled, digests, floor.get("bpjs_iuran"))
        if plan:
            carried.update(plan)
            frames["bpjs_iuran"] = landing.Partial(landing.frame(plan["judged"], BPJS_IURAN_COLUMNS))
        else:
            frames["bpjs_iuran"] = _frame(_payment_pages(pulled), BPJS_IURAN_COLUMNS)
        return frames

    def stage(conn, pulled, frames, results) -> dict:
        payments = _stage_payments(conn, night, frames["bpjs_iuran"], results["bpjs_iuran"])
        if carried:
            moved = sqlfile.execute(conn, __name__, "bpjs_carry_payments",
                                    {"night": night, "previous": previous, "months": carried["months"]})
            payments |= {"received": carried["received"], "judged": payments["received"],
                         "staged": payments["staged"] + moved.rowcount, "carried_over": moved.rowcount}
        return {
            "participants": _stage_roster(conn, night, frames["bpjs_peserta"], results["bpjs_peserta"]),
            "payments": payments,
            "claims": _stage_claims(conn, night, frames["bpjs_klaim"], results["bpjs_klaim"]),
            "months": len(pulled["months"]), "http": dict(http.stats),
        } | ({"mode": "months_carried", "previous_night": previous.isoformat(),
              "months_carried": len(carried["months"])} if carried else {"mode": "full"})

    return landing.ingest(SOURCE, night, conn, lambda: _pull(http, night, limit, workers), land, stage, floor)


def previous_night(conn, night: date) -> date | None:
    """Night D-1 when all of BPJS landed then (each of its suites accepted), else None."""
    with conn.transaction():  # a read of its own: the ingest needs an idle connection
        found = sqlfile.execute(conn, __name__, "bpjs_previous_night", {"night": night}).fetchone()
    return found[0] if found else None


def _carry_plan(conn, night: date, previous: date, pulled: dict, digests: dict[str, str],
                floor: int | None) -> dict | None:
    """The months whose pages are night D-1's and the payments still to judge (the other months', and those
    D-1 quarantined); None when carrying could differ from judging every payment."""
    from jaring.validation.suites import FLAG, suite, volume_passes

    if any(rule.disposition == FLAG for rule in suite("bpjs_iuran", BPJS_IURAN_COLUMNS).rules):
        return None  # a flagged payment is staged and reported: its report is not carried over
    # a city night's 600k payments: each dict is read twice (its ID_BAYAR, its BULAN_IURAN), in passes made in C;
    # the rest works on the IDs, month by month (0.52-0.58 -> 0.44-0.47 s)
    by_month = {month: list(chain.from_iterable(pulled["listings"][f"iuran:{month}"])) for month in pulled["months"]}
    ids_of = {month: list(map(_ID_BAYAR, records)) for month, records in by_month.items()}
    ids = list(chain.from_iterable(ids_of.values()))
    if not set(map(type, ids)) <= {str} or "" in (unique := set(ids)) or len(unique) != len(ids):
        return None  # a payment without an ID_BAYAR, or two sharing one: every payment is judged together
    if not volume_passes(len(ids), landing.previous_count(conn, "staging.payment", night), floor):
        return None  # the volume rules refuse the whole count: every payment is judged, so the verdict says so
    before = dict(sqlfile.execute(conn, __name__, "bpjs_previous_digests", {"previous": previous}).fetchall())
    quarantined = {i for (i,) in sqlfile.execute(conn, __name__, "bpjs_previous_quarantined", {"previous": previous})}
    # a month is carried when its pages are D-1's and each of its payments is of that month (a payment
    # listed under another month is staged under its own: D-1's rows of a month are then not one listing's)
    same = {m for m, records in by_month.items() if before.get(f"iuran:{m}") == digests[f"iuran:{m}"]
            and all(map(partial(eq, m), map(_BULAN_IURAN, records)))}
    expected = {m: len(ids_of[m]) - len(quarantined.intersection(ids_of[m])) for m in same}
    staged = dict(sqlfile.execute(conn, __name__, "bpjs_previous_months", {"previous": previous,
                                                                           "months": sorted(same)}).fetchall())
    same = {m for m in same if staged.get(m, 0) == expected[m]}  # else D-1 staged that month otherwise
    if not same:
        return None
    judged = [r for m, records in by_month.items()
              for r in (compress(records, map(quarantined.__contains__, ids_of[m])) if m in same else records)]
    return {"months": sorted(same), "judged": judged, "received": len(ids)}


def _pull(http: HttpClient, night: date, limit: int, workers: int) -> dict:
    """Roster, the payments of every month the rules need, and claims: raw pages per listing."""
    as_of = night.isoformat()
    roster_pages = listing(http, "/v1/peserta", {"as_of": as_of}, limit)
    roster = _frame(roster_pages, BPJS_PESERTA_COLUMNS)
    months = payment_months(night, roster["TGL_KEPESERTAAN"])
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="bpjs") as pool:
        payment_pages = dict(zip(months, pool.map(
            lambda m: listing(http, "/v1/iuran", {"bulan": m, "as_of": as_of}, limit), months), strict=True))
    claim_pages = listing(http, "/v1/klaim", {"dari": CLAIMS_FROM.isoformat(), "sampai": as_of, "as_of": as_of},
                          limit)
    listings = {"peserta": roster_pages, "klaim": claim_pages}
    listings |= {f"iuran:{month}": pages for month, pages in payment_pages.items()}
    return {"listings": listings, "roster": roster, "months": months}


def _payment_pages(pulled: dict) -> list[list[dict]]:
    return [page for month in pulled["months"] for page in pulled["listings"][f"iuran:{month}"]]


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
                if not all(isinstance(record, dict) for record in body["data"]):
                    raise SourceError(http.conn_id, f"{path} answered a record that is not an object")
                cursor = body.get("next_cursor")
                if cursor is not None and not isinstance(cursor, str):
                    raise SourceError(http.conn_id, f"{path} answered a next_cursor that is not text")
                pages.append(body["data"])
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
    """The records as a frame (the client keeps JSON's NaN and Infinity as text: as floats pandas would take
    NaN for an empty field, and a quarantined record's raw copy could not be stored as jsonb)."""
    return landing.frame([r for page in pages for r in page], columns)


def _land_raw(conn, night, listings: dict[str, list]) -> dict[str, str]:
    """Store night D's pages (each page's JSON text once in raw.bpjs_page_text, by its sha256: most are the
    nights before's, and only the new ones are sent) and each listing's digest (of its pages' texts joined by
    newlines: JSON text holds none of its own), for the next night to compare with its own; returns the
    digests. The texts are made twice rather than held: a night's are 110 MB."""
    digests = {name: hashlib.sha256() for name in listings}
    pages = []
    for name, listed in listings.items():
        for seq, page in enumerate(listed, start=1):
            text = landing.json_bytes(page)
            digests[name].update(text if seq == 1 else b"\n" + text)
            pages.append((night, name, seq, hashlib.sha256(text).hexdigest()))
    db.content_lock(conn, "raw.bpjs_page_text")
    known = {sha for (sha,) in conn.execute("SELECT sha256 FROM raw.bpjs_page_text WHERE sha256 = ANY(%s)",
                                            ([sha for *_, sha in pages],))}

    def new_texts():
        every_page = (page for listed in listings.values() for page in listed)  # in the order of `pages`
        for (*_, sha), page in zip(pages, every_page, strict=True):
            if sha not in known:
                known.add(sha)
                yield sha, landing.json_bytes(page).decode()

    db.copy_rows(conn, "raw.bpjs_page_text", ("sha256", "records"), new_texts())
    db.copy_rows(conn, "raw.bpjs_page", ("night", "listing", "seq", "sha256"), pages)
    landed = {name: digest.hexdigest() for name, digest in digests.items()}
    db.copy_rows(conn, "raw.bpjs_listing", ("night", "listing", "digest"),
                 ((night, name, digest) for name, digest in landed.items()))
    return landed


def _ref(index: int, raw: dict) -> str:
    from jaring.validation.quarantine import ref_value

    return f"bpjs:{ref_value(raw.get('KPJ'))}"


def _report(conn, night, df, result, columns, label=None) -> int:
    landing.report(conn, night, SOURCE.name, result, df, _ref, columns, label)
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

"""Disdukcapil: the registry as of night D -> `staging.person` (raw pages in `raw.dukcapil_page` or
`raw.dukcapil_event_page`).

A full pull pages through `/v1/penduduk`: page 1 tells the total; the other
pages are fetched by a small thread pool (every thread honours the shared
Retry-After), each page is checked for its number and size, and the page
after the last must be empty: no page is counted twice or skipped. Each page
is kept as its JSON text and its values column by column as it arrives
(`landing.Listing`), not as 1000 dicts.

An incremental night (the default when night D-1's registry landed) reads
only the vital events of day D from `/v1/peristiwa` (paged the same way) and
applies them to D-1's staged registry: each event's `DATA` is the person
after it, so the last event of a NIK replaces (or, a birth, adds) that
person, validated by the same suite as a full pull (without the volume
rules, which judge a whole listing); every other person, quarantined record
and reported record of D-1 is carried over. Where that could differ from a
full pull (an event on a NIK two records share, a birth bringing a NIK the
registry already held) the night pulls in full. `full=True` always does.

Either way the pages are pulled before the warehouse transaction; night D's
raw pages, staged persons, quarantined records and verdict are then replaced
in one transaction (`landing.ingest`).
"""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import date

from jaring.sources import landing
from jaring.sources.http import BearerToken, HttpClient, SourceError
from jaring.warehouse import db, sqlfile

log = logging.getLogger(__name__)

# the registry's fields (civil-registry.md): the contract the `dukcapil` suite checks
DUKCAPIL_COLUMNS = ("NIK", "NO_KK", "NAMA_LGKP", "TMPT_LHR", "TGL_LHR", "JENIS_KLMIN", "STAT_HBKEL",
                    "STATUS_KAWIN", "JENIS_PKRJN", "KODE_WILAYAH", "NO_RT", "NO_RW", "ALAMAT", "STATUS",
                    "TGL_MATI", "TGL_PINDAH", "TGL_UPDATE")
TABLES = ("raw.dukcapil_page", "raw.dukcapil_event_page", "staging.person", "staging.person_change")
SOURCE = landing.Source("dukcapil", TABLES, {"dukcapil": DUKCAPIL_COLUMNS}, {"dukcapil": "staging.person"})
EVENTS_SOURCE = landing.Source("dukcapil", TABLES, {"dukcapil": DUKCAPIL_COLUMNS})  # no volume rule
PATH = "/v1/penduduk"
EVENTS_PATH = "/v1/peristiwa"
BIRTH = "LAHIR"
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
           workers: int = WORKERS, full: bool = False) -> dict:
    """Stage the registry as of `night`, from D-1's and day D's events when it can, else in full; returns
    counts (no personal data)."""
    http = http or client()
    previous = None if full else previous_night(conn, night)
    if previous is not None:
        try:
            return _ingest_events(night, previous, conn, http, per_page, workers)
        except NotExact:
            log.info("dukcapil night %s: the events cannot be applied exactly; pulling in full", night)
    return _ingest_full(night, conn, http, per_page, workers)


def previous_night(conn, night: date) -> date | None:
    """Night D-1 when its registry landed, else None (the caller's transaction is left idle)."""
    found = sqlfile.execute(conn, __name__, "dukcapil_previous_night", {"night": night}).fetchone()
    conn.commit()
    return found[0] if found else None


class NotExact(Exception):
    """Night D's events cannot reproduce a full pull from D-1's registry."""


def _ingest_full(night: date, conn, http: HttpClient, per_page: int, workers: int) -> dict:
    def pull():
        listing = landing.Listing(DUKCAPIL_COLUMNS, distinct=("NIK", "TGL_UPDATE"))
        _receive(http, PATH, {"as_of": night.isoformat()}, per_page, workers, listing.add)
        return listing, listing.frame()

    def land(conn, pulled) -> dict:
        _land_pages(conn, "raw.dukcapil_page", night, pulled[0].texts())
        return {"dukcapil": pulled[1]}

    def stage(conn, pulled, frames, results) -> dict:
        def source_ref(index: int, raw: dict) -> str:
            return f"dukcapil:page={index // per_page + 1}&row={index % per_page + 1}"

        counts = _stage(conn, night, frames["dukcapil"], results["dukcapil"], source_ref)
        return counts | {"mode": "full", "pages": len(pulled[0]), "http": dict(http.stats)}

    return landing.ingest(SOURCE, night, conn, pull, land, stage)


def _ingest_events(night: date, previous: date, conn, http: HttpClient, per_page: int, workers: int) -> dict:
    def pull():
        day = night.isoformat()
        pages = _pull(http, EVENTS_PATH, {"dari": day, "sampai": day}, per_page, workers)
        events = [event for page in pages for event in page]
        persons = {}  # NIK -> the person after its last event of the night (the listing is in date order)
        born = set()
        for event in events:
            data = event.get("DATA")
            if not isinstance(data, dict):
                raise SourceError(http.conn_id, f"an event of {EVENTS_PATH} has no DATA object")
            nik = landing_key(event.get("NIK"))
            persons.pop(nik, None)
            persons[nik] = data
            if event.get("JENIS_PERISTIWA") == BIRTH:
                born.add(nik)
        refs = [f"dukcapil:{nik}" for nik in persons if nik]
        exact = sqlfile.execute(conn, __name__, "dukcapil_events_exact", {
            "previous": previous, "refs": refs, "born": sorted(n for n in born if n),
            "born_refs": [f"dukcapil:{nik}" for nik in sorted(born) if nik]}).fetchone()[0]
        conn.commit()
        if not exact:
            raise NotExact
        return pages, frame(list(persons.values())), refs, len(events)

    def land(conn, pulled) -> dict:
        _land_pages(conn, "raw.dukcapil_event_page", night, map(landing.json_text, pulled[0]))
        return {"dukcapil": pulled[1]}

    def stage(conn, pulled, frames, results) -> dict:
        def source_ref(index: int, raw: dict) -> str:
            return f"dukcapil:peristiwa={night}&record={index + 1}"

        changed = _stage(conn, night, frames["dukcapil"], results["dukcapil"], source_ref, pulled[2], previous)
        return changed | {"mode": "events", "previous_night": previous.isoformat(), "events": pulled[3],
                          "pages": len(pulled[0]), "http": dict(http.stats)}

    # the policy's volume floor judges a whole listing, not a day's events
    return landing.ingest(EVENTS_SOURCE, night, conn, pull, land, stage, volume_floor={})


def _record_changes(conn, night: date, replaced: list[str], staged: Iterable) -> None:
    """`staging.person_change`: the NIKs whose persons night D's events replaced (maybe by none: quarantined)
    or staged, as char(16) compares them (trailing spaces ignored). A NIK no person can hold (over 16
    characters) is left out: no person of either night has it."""
    niks = {str(nik).rstrip(" ") for nik in itertools.chain(replaced, staged) if nik is not None}
    niks = {nik for nik in niks if 0 < len(nik) <= 16}
    db.copy_rows(conn, "staging.person_change", ("night", "nik"), ((night, nik) for nik in sorted(niks)))


def landing_key(value) -> str:
    """A NIK as the source_refs spell it ('' when missing)."""
    from jaring.validation.quarantine import ref_value

    return ref_value(value)


def _land_pages(conn, table: str, night: date, texts: Iterable[str]) -> None:
    """Each page's records (their JSON text), in page order."""
    db.copy_rows(conn, table, ("night", "page", "records"),
                 ((night, number, text) for number, text in enumerate(texts, start=1)))


def frame(records: list[dict]):
    """The registry's records as a dataframe of the contract's columns (a missing field is None)."""
    return landing.frame(records, DUKCAPIL_COLUMNS)


def _pull(http: HttpClient, path: str, params: dict, per_page: int, workers: int) -> list[list[dict]]:
    """Every page of a numbered listing (`/v1/penduduk`, `/v1/peristiwa`), in order."""
    received: dict[int, list[dict]] = {}
    _receive(http, path, params, per_page, workers, received.__setitem__)
    return [received[n] for n in sorted(received)]


def _receive(http: HttpClient, path: str, params: dict, per_page: int, workers: int,
             receive: Callable[[int, list[dict]], None]) -> None:
    """Every page of a numbered listing, checked, handed to `receive(number, records)` as it arrives (in any
    order): a page is let go as soon as `receive` has kept what it needs."""
    first = _page(http, path, params, 1, per_page)
    total = _total(http, path, first, 1)
    pages = max(1, math.ceil(total / per_page))

    def keep(number: int, body: dict) -> None:
        data = body["data"]
        expected = 0 if number > pages else min(per_page, total - (number - 1) * per_page)
        meta = body.get("meta") or {}
        if not isinstance(meta, dict):
            raise SourceError(http.conn_id, f"page {number} of {path} has a meta that is not an object")
        if meta.get("page", number) != number or _total(http, path, body, number, total) != total \
                or len(data) != expected:
            raise SourceError(http.conn_id, f"page {number} of {path} has {len(data)} rows "
                                            f"(expected {expected} of total {total}); the listing changed")
        if number <= pages:
            receive(number, data)

    keep(1, first)
    numbers = iter(range(2, pages + 2))  # the page after the last must be empty: proof that nothing was skipped
    pending: dict[Future, int] = {}
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dukcapil")

    def fetch(count: int) -> None:
        for number in itertools.islice(numbers, count):
            pending[pool.submit(_page, http, path, params, number, per_page)] = number

    try:
        # the pool fetches (and decodes) while this thread keeps: a few pages ahead, not a backlog of decoded
        # pages, and `receive` (CPU-bound) in one thread rather than contending in every worker
        fetch(2 * workers)
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                keep(pending.pop(future), future.result())
            fetch(len(done))
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _page(http: HttpClient, path: str, params: dict, number: int, per_page: int) -> dict:
    """One page, checked for its shape: a malformed page fails the source naming its connection (never a
    KeyError or a pandas error deep in the pull), and without quoting the page (it holds NIKs and names)."""
    body = http.get_json(path, {**params, "page": number, "per_page": per_page})
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        raise SourceError(http.conn_id, f"page {number} of {path} is not a {{data, meta}} document")
    if not all(isinstance(record, dict) for record in body["data"]):
        raise SourceError(http.conn_id, f"page {number} of {path} has a record that is not an object")
    return body


def _total(http: HttpClient, path: str, body: dict, number: int, default: int | None = None) -> int:
    """`meta.total` of a page as a whole number >= 0 (`default` when a later page leaves it out)."""
    meta = body.get("meta")
    if default is not None and (not isinstance(meta, dict) or "total" not in meta):
        return default
    total = meta.get("total") if isinstance(meta, dict) else None
    if isinstance(total, bool) or not isinstance(total, int | str) or not str(total).strip().isdigit():
        raise SourceError(http.conn_id, f"page {number} of {path} has no meta.total as a whole number")
    return int(total)


def _stage(conn, night: date, df, result, unkeyed_ref, replaced: list[str] | None = None,
           previous: date | None = None) -> dict:
    """Stage the persons `df` holds; with a `previous` night, carry over the rest of its registry first
    (`replaced`: the source_refs of the persons in `df`). A record without a NIK is `unkeyed_ref(index)`."""
    from jaring.linking.names import normalise
    from jaring.validation.suites import per_value

    def source_ref(index: int, raw: dict) -> str:
        nik = landing_key(raw.get("NIK"))
        return f"dukcapil:{nik}" if nik else unkeyed_ref(index, raw)

    quarantined, flagged = landing.report(conn, night, SOURCE.name, result, df, source_ref, DUKCAPIL_COLUMNS)
    carried = 0
    if previous is not None:
        carried = sqlfile.execute(conn, __name__, "dukcapil_carry_over",
                                  {"night": night, "previous": previous, "refs": replaced}).fetchone()[0]
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
    if previous is not None:
        _record_changes(conn, night, [ref.removeprefix("dukcapil:") for ref in replaced], staged["nik"])
    return {"staged": carried + len(staged), "quarantined": len(result.row_failures), "quarantine_rows": quarantined,
            "flagged": flagged} | ({"carried_over": carried} if previous is not None else {})

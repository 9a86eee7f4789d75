"""The simulated Disdukcapil population API (contract: civil-registry.md).

`registry.csv` is read once into memory, sorted by NIK; the people visible at
an `as_of` (born, and arrived, by then) are an index array cached per date, so
a page is a slice of it. Deaths, moves and biodata changes are applied to each
served row as of the date. `/v1/peristiwa` lists every event type of the
contract: `LAHIR` (born in the city), `DATANG` (a family arriving from outside,
or a move to another kelurahan of the city), `UBAH_BIODATA`, `PINDAH_KELUAR`
(out of the city), `MATI`.
"""

from __future__ import annotations

import bisect
import csv
import sys
import threading
from collections import OrderedDict
from datetime import date, datetime
from operator import itemgetter
from pathlib import Path

from jaring.nights import WIB
from jaring_sim.faults import FaultPlan
from jaring_sim.http_server import (
    App,
    Encoded,
    HttpError,
    Request,
    Response,
    ServerHandle,
    encode,
    same_secret,
)

# the fields the API serves, in the contract's order
PENDUDUK_FIELDS = (
    "NIK", "NO_KK", "NAMA_LGKP", "TMPT_LHR", "TGL_LHR", "JENIS_KLMIN", "STAT_HBKEL", "STATUS_KAWIN",
    "JENIS_PKRJN", "KODE_WILAYAH", "NO_RT", "NO_RW", "ALAMAT", "STATUS", "TGL_MATI", "TGL_PINDAH",
    "TGL_UPDATE",
)
# registry.csv: the state before any death or move, then the event columns
REGISTRY_BASE_COLUMNS = (
    "NIK", "NO_KK", "NAMA_LGKP", "TMPT_LHR", "TGL_LHR", "JENIS_KLMIN", "STAT_HBKEL", "STATUS_KAWIN",
    "JENIS_PKRJN", "KODE_WILAYAH", "NO_RT", "NO_RW", "ALAMAT", "TGL_UPDATE",
)
REGISTRY_EVENT_COLUMNS = ("TGL_MATI", "TGL_PINDAH", "KODE_WILAYAH_PINDAH", "NO_RT_PINDAH", "NO_RW_PINDAH",
                          "TGL_DATANG", "TGL_UBAH", "JENIS_PKRJN_UBAH", "STATUS_KAWIN_UBAH")
REGISTRY_COLUMNS = REGISTRY_BASE_COLUMNS + REGISTRY_EVENT_COLUMNS
CITY_PREFIX = "1571"
MAX_PER_PAGE, DEFAULT_PER_PAGE = 1000, 500
# positions in a stored row (REGISTRY_COLUMNS order)
_NIK, _TGL_LHR, _TGL_MATI, _TGL_PINDAH, _KODE_P, _TGL_DATANG, _TGL_UBAH = 0, 4, 14, 15, 16, 19, 20
_CHANGES = (_TGL_MATI, _TGL_PINDAH, _TGL_UBAH)  # dates after which a visible person is shown differently
# the order of one person's events on one day
_EVENT_ORDER = {"LAHIR": 0, "DATANG": 1, "UBAH_BIODATA": 2, "PINDAH_KELUAR": 3, "MATI": 4}


def today_wib() -> date:
    return datetime.now(WIB).date()


class Registry:
    """Every person the registry ever knew, sorted by NIK, with as-of views (rows of str, "" = null)."""

    def __init__(self, rows: list[tuple]):
        import numpy as np

        self.rows = sorted(rows, key=itemgetter(_NIK))
        self.by_nik = {row[_NIK]: i for i, row in enumerate(self.rows)}
        # from birth, or arrival in the city (no date: visible at any date)
        self._birth = np.array([max(r[_TGL_LHR], r[_TGL_DATANG]) or "0001-01-01" for r in self.rows],
                               dtype="datetime64[D]")
        self._visible: OrderedDict[date, object] = OrderedDict()
        self._events: tuple[list[str], list[tuple[str, int]]] | None = None
        self._lock = threading.Lock()
        self._events_lock = threading.Lock()  # building the events takes seconds: don't block pages

    @classmethod
    def from_csv(cls, path: Path) -> Registry:
        """Read the world's registry; empty values stay "" here and are served as null."""
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            header = next(reader)
            missing = [c for c in REGISTRY_BASE_COLUMNS if c not in header]
            if missing:
                raise ValueError(f"{path}: missing columns {', '.join(missing)}")
            # an absent event column reads as the empty last field appended below
            pick = itemgetter(*(header.index(c) if c in header else len(header) for c in REGISTRY_COLUMNS))
            padded = any(c not in header for c in REGISTRY_COLUMNS)
            try:
                # interning shares the many repeated values (places, codes, dates) between rows
                rows = [tuple(map(sys.intern, pick([*record, ""] if padded else record)))
                        for record in reader if record]
            except IndexError:
                raise ValueError(f"{path}: a row has fewer fields than the header "
                                 f"(near line {reader.line_num})") from None
        return cls(rows)

    def visible(self, as_of: date):
        """Indices (into `rows`, NIK order) of the people born by the end of `as_of`."""
        import numpy as np

        with self._lock:
            cached = self._visible.get(as_of)
            if cached is not None:
                self._visible.move_to_end(as_of)
                return cached
        indices = np.flatnonzero(self._birth <= np.datetime64(as_of, "D"))
        with self._lock:
            self._visible[as_of] = indices
            while len(self._visible) > 16:
                self._visible.popitem(last=False)
        return indices

    def find(self, nik: str, as_of: date) -> dict | None:
        import numpy as np

        i = self.by_nik.get(nik)
        if i is None or self._birth[i] > np.datetime64(as_of, "D"):
            return None
        return person_as_of(self.rows[i], as_of.isoformat())

    def events(self) -> tuple[list[str], list[tuple[str, int]]]:
        """(dates, [(kind, row index)]) of every vital event, ordered by date, NIK, kind."""
        with self._events_lock:
            if self._events is None:
                found = []
                for i, row in enumerate(self.rows):
                    if row[_TGL_DATANG]:
                        found.append((row[_TGL_DATANG], row[_NIK], _EVENT_ORDER["DATANG"], i))
                    elif row[_TGL_LHR]:
                        found.append((row[_TGL_LHR], row[_NIK], _EVENT_ORDER["LAHIR"], i))
                    if row[_TGL_UBAH]:
                        found.append((row[_TGL_UBAH], row[_NIK], _EVENT_ORDER["UBAH_BIODATA"], i))
                    if row[_TGL_PINDAH]:
                        # a move to another kelurahan of the city is an arrival there
                        within = (row[_KODE_P] or "").startswith(CITY_PREFIX)
                        found.append((row[_TGL_PINDAH], row[_NIK], _EVENT_ORDER["DATANG" if within else
                                                                                "PINDAH_KELUAR"], i))
                    if row[_TGL_MATI]:
                        found.append((row[_TGL_MATI], row[_NIK], _EVENT_ORDER["MATI"], i))
                found.sort()
                kinds = {v: k for k, v in _EVENT_ORDER.items()}
                self._events = ([e[0] for e in found], [(kinds[e[2]], e[3]) for e in found])
            return self._events


def events_seen(row: tuple, as_of: str) -> tuple[bool, ...]:
    """Which of the row's dated events have happened by the end of `as_of`: all that `person_as_of` depends on."""
    return tuple(row[at] != "" and row[at] <= as_of for at in _CHANGES)


def person_as_of(row: tuple, as_of: str) -> dict:
    """A registry row as the API shows it at the end of `as_of` (ISO date string)."""
    (nik, no_kk, nama, tmpt_lhr, tgl_lhr, jenis_klmin, stat_hbkel, status_kawin, jenis_pkrjn, kode, rt, rw,
     alamat, updated, tgl_mati, tgl_pindah, kode_pindah, rt_pindah, rw_pindah, tgl_datang, tgl_ubah,
     pkrjn_ubah, kawin_ubah) = row
    if tgl_mati > as_of:
        tgl_mati = ""
    if tgl_ubah and tgl_ubah <= as_of:
        jenis_pkrjn, status_kawin = pkrjn_ubah, kawin_ubah
    else:
        tgl_ubah = ""
    if tgl_datang > as_of:
        tgl_datang = ""
    if tgl_pindah:
        if tgl_pindah <= as_of:
            kode, rt, rw = kode_pindah, rt_pindah, rw_pindah
        else:
            tgl_pindah = ""
    latest_event = max(tgl_mati, tgl_pindah, tgl_ubah, tgl_datang)
    if latest_event and updated[:10] < latest_event:
        updated = f"{latest_event}T09:00:00+07:00"
    return {
        "NIK": nik or None, "NO_KK": no_kk or None, "NAMA_LGKP": nama or None, "TMPT_LHR": tmpt_lhr or None,
        "TGL_LHR": tgl_lhr or None, "JENIS_KLMIN": jenis_klmin or None, "STAT_HBKEL": stat_hbkel or None,
        "STATUS_KAWIN": status_kawin or None, "JENIS_PKRJN": jenis_pkrjn or None, "KODE_WILAYAH": kode or None,
        "NO_RT": rt or None, "NO_RW": rw or None, "ALAMAT": alamat or None,
        "STATUS": "MATI" if tgl_mati else "HIDUP", "TGL_MATI": tgl_mati or None,
        "TGL_PINDAH": tgl_pindah or None, "TGL_UPDATE": updated or None,
    }


_AGAMA = ("ISLAM", "ISLAM", "ISLAM", "ISLAM", "KRISTEN", "KATHOLIK", "BUDHA", "KONGHUCU")
_GOL_DARAH = ("A", "B", "AB", "O", "TIDAK TAHU")


def fields_beyond_the_contract(nik: str | None) -> dict:
    """What a real registry row carries besides the contract's fields (deterministic per NIK)."""
    n = int(nik[-4:]) if nik and nik[-4:].isdigit() else 0
    return {"AGAMA": _AGAMA[n % len(_AGAMA)], "GOL_DARAH": _GOL_DARAH[n % len(_GOL_DARAH)],
            "NO_AKTA_LHR": None if n % 3 else f"AL-{n:06d}"}


def build_app(registry: Registry, token: str, faults: FaultPlan, varied: bool = True,
              precompute: bool = False) -> App:
    """`varied`: rows carry fields the contract does not list (as it allows); off for the plain shape.
    `precompute`: encode the rows before serving (seconds at the city's scale), so that the first pull is
    as fast as the next."""
    app = App("dukcapil", faults)

    def shown(person: dict) -> dict:
        return {**person, **fields_beyond_the_contract(person["NIK"])} if varied else person

    def authorise(request: Request) -> None:
        if not same_secret(request.bearer_token(), token):
            raise HttpError(401, "unauthorized", headers={"WWW-Authenticate": "Bearer"})

    def paging(request: Request) -> tuple[int, int]:
        page = request.int_arg("page", 1, low=1)
        per_page = request.int_arg("per_page", DEFAULT_PER_PAGE, low=1, high=MAX_PER_PAGE)
        return page, per_page

    # a row's JSON depends on the date only through which of its events have happened: encoded once per
    # (row, events seen), pages are joined from these parts (a city-sized pull is then paced by the client)
    encoded: dict[tuple, bytes] = {}

    def person_json(i: int, as_of_iso: str) -> bytes:
        row = registry.rows[i]
        key = (i, events_seen(row, as_of_iso))
        part = encoded.get(key)
        if part is None:
            # orjson's bytes keep a 4 KB buffer for a 0.5 KB row: a copy of the exact size is kept instead
            part = encoded[key] = bytes(memoryview(encode(shown(person_as_of(row, as_of_iso)))))
        return part

    if precompute:  # the events, and rows without any event (the same at every date), before serving
        registry.events()
        for i, row in enumerate(registry.rows):
            if not any(row[at] for at in (*_CHANGES, _TGL_DATANG)):
                person_json(i, "")

    def page_json(parts: list[bytes], meta: dict) -> Encoded:
        return Encoded(b'{"data":[' + b",".join(parts) + b'],"meta":' + encode(meta) + b"}")

    def penduduk(request: Request) -> Response:
        authorise(request)
        as_of = request.date_arg("as_of", default=today_wib())
        page, per_page = paging(request)
        indices = registry.visible(as_of)
        start = (page - 1) * per_page
        as_of_iso = as_of.isoformat()
        parts = [person_json(i, as_of_iso) for i in indices[start:start + per_page].tolist()]
        meta = {"page": page, "per_page": per_page, "total": int(len(indices)), "as_of": as_of_iso}
        return Response(200, page_json(parts, meta))

    def satu_penduduk(request: Request) -> Response:
        authorise(request)
        as_of = request.date_arg("as_of", default=today_wib())
        person = registry.find(request.params["nik"], as_of)
        if person is None:
            raise HttpError(404, "not_found")
        return Response(200, shown(person))

    def peristiwa(request: Request) -> Response:
        authorise(request)
        dari = request.date_arg("dari", required=True)
        sampai = request.date_arg("sampai", required=True)
        page, per_page = paging(request)
        dates, events = registry.events()
        low = bisect.bisect_left(dates, dari.isoformat())
        high = bisect.bisect_right(dates, sampai.isoformat())
        start = low + (page - 1) * per_page
        data = []
        for position in range(start, min(start + per_page, high)):
            kind, i = events[position]
            row = registry.rows[i]
            data.append({
                "NIK": row[_NIK], "JENIS_PERISTIWA": kind, "TGL_PERISTIWA": dates[position],
                "DATA": shown(person_as_of(row, dates[position])),
            })
        meta = {"page": page, "per_page": per_page, "total": max(0, high - low),
                "dari": dari.isoformat(), "sampai": sampai.isoformat()}
        return Response(200, {"data": data, "meta": meta})

    app.add("GET", "/v1/penduduk", penduduk)
    app.add("GET", "/v1/penduduk/{nik}", satu_penduduk)
    app.add("GET", "/v1/peristiwa", peristiwa)
    return app


def make_server(world_dir: Path, host: str = "127.0.0.1", port: int = 0, token: str = "demo-token",
                faults: FaultPlan | None = None, varied: bool = True, precompute: bool = False) -> ServerHandle:
    """The API over `world_dir/registry.csv` (loaded now); call `.start()` to serve."""
    registry = Registry.from_csv(Path(world_dir) / "registry.csv")
    return ServerHandle(build_app(registry, token, faults or FaultPlan.none(), varied, precompute), host, port)

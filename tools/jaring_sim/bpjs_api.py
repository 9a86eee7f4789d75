"""The simulated BPJS Ketenagakerjaan partner API (contract: bpjs-tk.md).

OAuth client-credentials tokens, cursor paging, as-of views of the roster,
payments and claims, and the hub's `rekonsiliasi` documents kept as JSON files.

A cursor is a signed, opaque token holding the listing's parameters and the
offset reached; a listing is the same index array for the same parameters
(the world is static), so following cursors never repeats nor skips a row.
Faults apply to every endpoint except `POST /oauth/token`.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import json
import os
import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs

from jaring_sim.dukcapil_api import today_wib
from jaring_sim.faults import FaultPlan
from jaring_sim.http_server import (
    App,
    HttpError,
    Request,
    Response,
    ServerHandle,
    parse_date,
    same_secret,
)

PESERTA_FIELDS = (
    "KPJ", "NIK", "NAMA", "TGL_LAHIR", "JENIS_KELAMIN", "SEGMEN", "PROGRAM", "STATUS_KEPESERTAAN",
    "TGL_KEPESERTAAN", "TGL_NONAKTIF", "PEMBIAYAAN", "KODE_WILAYAH", "UPAH_DILAPORKAN", "IURAN_BULANAN",
)
IURAN_FIELDS = ("ID_BAYAR", "KPJ", "BULAN_IURAN", "JUMLAH", "TGL_BAYAR", "KANAL")
KLAIM_FIELDS = ("NO_KLAIM", "KPJ", "JENIS_KLAIM", "TGL_KEJADIAN", "TGL_PENGAJUAN", "STATUS", "NILAI")
KLAIM_INTERNAL = ("TGL_STATUS",)  # in the world file, never served
NUMERIC_FIELDS = {"UPAH_DILAPORKAN", "IURAN_BULANAN", "JUMLAH", "NILAI"}
MAX_LIMIT, DEFAULT_LIMIT = 1000, 500
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


@dataclass
class Table:
    """Rows of one world file as tuples of `columns`, sorted by the first column."""

    columns: tuple[str, ...]
    rows: list[tuple]

    @classmethod
    def from_csv(cls, path: Path, columns: tuple[str, ...], optional: tuple[str, ...] = ()) -> Table:
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            header = next(reader)
            missing = [c for c in columns if c not in header and c not in optional]
            if missing:
                raise ValueError(f"{path}: missing columns {', '.join(missing)}")
            positions = [header.index(c) if c in header else None for c in columns]
            pools: list[dict] = [{} for _ in columns]
            rows = []
            for record in reader:
                if not record:
                    continue
                row = []
                for name, pos, pool in zip(columns, positions, pools, strict=True):
                    value = record[pos] if pos is not None and pos < len(record) else ""
                    if not value:
                        row.append(None)
                    elif name in NUMERIC_FIELDS:
                        row.append(_number(value))
                    else:
                        row.append(pool.setdefault(value, value))
                rows.append(tuple(row))
        rows.sort(key=lambda row: (row[0] is not None, row[0] or ""))  # a record without its key comes first
        return cls(columns, rows)

    def index(self, name: str) -> int:
        return self.columns.index(name)


def _now_wib() -> str:
    from datetime import datetime

    from jaring.nights import WIB

    return datetime.now(WIB).isoformat(timespec="seconds")


def _number(value: str) -> int | float | str:
    try:
        return int(value)
    except ValueError:
        try:
            return float(value)
        except ValueError:
            return value  # served as the agency has it; the hub's validation decides


class BpjsWorld:
    """The three listings with their as-of rules; listings are cached index lists."""

    def __init__(self, world_dir: Path):
        world_dir = Path(world_dir)
        self.peserta = Table.from_csv(world_dir / "bpjs_peserta.csv", PESERTA_FIELDS)
        self.iuran = Table.from_csv(world_dir / "bpjs_iuran.csv", IURAN_FIELDS)
        self.klaim = Table.from_csv(world_dir / "bpjs_klaim.csv", KLAIM_FIELDS + KLAIM_INTERNAL,
                                    optional=KLAIM_INTERNAL)
        self._iuran_by_month: dict[str, list[int]] = {}
        month = self.iuran.index("BULAN_IURAN")
        for i, row in enumerate(self.iuran.rows):
            self._iuran_by_month.setdefault(row[month] or "", []).append(i)
        self._cache: OrderedDict[tuple, list[int]] = OrderedDict()
        self._lock = threading.Lock()
        self.listings: dict[str, Callable[[dict], tuple[list[int], Callable[[int], dict]]]] = {
            "peserta": self._peserta, "iuran": self._iuran, "klaim": self._klaim,
        }

    def listing(self, name: str, params: dict) -> tuple[list[int], Callable[[int], dict]]:
        return self.listings[name](params)

    def _cached(self, key: tuple, compute: Callable[[], list[int]]) -> list[int]:
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        found = compute()
        with self._lock:
            self._cache[key] = found
            while len(self._cache) > 64:
                self._cache.popitem(last=False)
        return found

    def _peserta(self, params: dict):
        as_of = params["as_of"]
        rows = self.peserta.rows
        since, until = self.peserta.index("TGL_KEPESERTAAN"), self.peserta.index("TGL_NONAKTIF")
        status = self.peserta.index("STATUS_KEPESERTAAN")
        indices = self._cached(("peserta", as_of), lambda: [
            i for i, row in enumerate(rows) if row[since] is not None and row[since] <= as_of])

        def view(i: int) -> dict:
            row = list(rows[i])
            if row[until] is not None and row[until] <= as_of:
                row[status] = "NONAKTIF"
            else:
                row[until] = None
            return dict(zip(PESERTA_FIELDS, row, strict=True))
        return indices, view

    def _iuran(self, params: dict):
        as_of, month = params["as_of"], params.get("bulan")
        rows = self.iuran.rows
        paid = self.iuran.index("TGL_BAYAR")

        def compute() -> list[int]:
            candidates = self._iuran_by_month.get(month, []) if month else range(len(rows))
            return [i for i in candidates if rows[i][paid] is not None and rows[i][paid] <= as_of]
        indices = self._cached(("iuran", as_of, month), compute)
        return indices, lambda i: dict(zip(IURAN_FIELDS, rows[i], strict=True))

    def _klaim(self, params: dict):
        as_of, dari, sampai = params["as_of"], params.get("dari"), params.get("sampai")
        rows = self.klaim.rows
        filed, status, decided = (self.klaim.index(c) for c in ("TGL_PENGAJUAN", "STATUS", "TGL_STATUS"))
        low, high = dari or "0000-00-00", min(sampai or as_of, as_of)
        indices = self._cached(("klaim", as_of, dari, sampai), lambda: [
            i for i, row in enumerate(rows) if row[filed] is not None and low <= row[filed] <= high])

        def view(i: int) -> dict:
            row = list(rows[i][:len(KLAIM_FIELDS)])
            if rows[i][decided] is not None and rows[i][decided] > as_of:
                row[status] = "DIAJUKAN"
            return dict(zip(KLAIM_FIELDS, row, strict=True))
        return indices, view


class Cursors:
    """Opaque signed cursors: base64(json) + '.' + HMAC; they carry their issue time."""

    def __init__(self, key: bytes, ttl_seconds: float):
        self.key, self.ttl = key, ttl_seconds

    def issue(self, listing: str, params: dict, offset: int) -> str:
        payload = json.dumps({"l": listing, "p": params, "o": offset, "t": time.time()},
                             separators=(",", ":")).encode()
        body = base64.urlsafe_b64encode(payload).decode().rstrip("=")
        return f"{body}.{self._sign(body)}"

    def read(self, cursor: str) -> tuple[str, dict, int]:
        body, _, signature = cursor.partition(".")
        if not hmac.compare_digest(signature.encode(), self._sign(body).encode()):
            raise HttpError(400, "invalid_cursor")
        state = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        if time.time() - state["t"] > self.ttl:
            raise HttpError(410, "cursor_expired")
        return state["l"], state["p"], state["o"]

    def _sign(self, body: str) -> str:
        return hmac.new(self.key, body.encode(), hashlib.sha256).hexdigest()[:32]


class Tokens:
    def __init__(self, ttl_seconds: float):
        self.ttl = ttl_seconds
        self._expiry: dict[str, float] = {}
        self._lock = threading.Lock()

    def issue(self) -> str:
        token = secrets.token_urlsafe(24)
        now = time.monotonic()
        with self._lock:
            self._expiry = {t: e for t, e in self._expiry.items() if e > now}
            self._expiry[token] = now + self.ttl
        return token

    def valid(self, token: str | None) -> bool:
        with self._lock:
            expiry = self._expiry.get(token or "")
        return expiry is not None and expiry > time.monotonic()


class Rekonsiliasi:
    """The hub's published findings, one JSON file per date, replaced atomically."""

    def __init__(self, state_dir: Path):
        self.dir = Path(state_dir)
        self._lock = threading.Lock()

    def path(self, day: str) -> Path:
        return self.dir / f"rekonsiliasi-{day}.json"

    def put(self, day: str, document: dict) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        with self._lock:
            temporary = self.dir / f".rekonsiliasi-{day}.{secrets.token_hex(4)}.tmp"
            with open(temporary, "w", encoding="utf-8") as f:
                json.dump(document, f, ensure_ascii=False)
                f.flush()
                os.fsync(f.fileno())
            os.replace(temporary, self.path(day))

    def get(self, day: str) -> dict | None:
        try:
            return json.loads(self.path(day).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None


EXTRA_FIELDS = {  # what BPJS's records carry besides the contract's fields
    "peserta": lambda row: {"KODE_KANTOR": "1500", "TGL_UPDATE": row.get("TGL_KEPESERTAAN")},
    "iuran": lambda row: {"NO_REFERENSI": f"REF{row['ID_BAYAR']}" if row.get("ID_BAYAR") else None},
    "klaim": lambda row: {"KODE_KANTOR": "1500", "KETERANGAN": None},
}


def page_size(limit: int, offset: int, varied: bool) -> int:
    """Rows in the page at `offset`: with `varied`, some pages are short although more follow (the
    contract promises at most `limit`, not exactly)."""
    if not varied or limit < 4:
        return limit
    return limit - (offset // limit) % 3


def build_app(world: BpjsWorld, client_id: str, client_secret: str, state_dir: Path,
              faults: FaultPlan, varied: bool = True) -> App:
    """`varied`: extra fields on records, short pages, an empty last page, as the contract allows."""
    app = App("bpjs", faults)
    tokens = Tokens(faults.token_ttl_seconds)
    cursors = Cursors(hashlib.sha256(f"cursor:{client_id}:{client_secret}".encode()).digest(),
                      faults.cursor_ttl_seconds)
    store = Rekonsiliasi(state_dir)

    def issue_token(request: Request) -> Response:
        credentials = request.basic_credentials()
        if credentials is None or not (same_secret(credentials[0], client_id)
                                       and same_secret(credentials[1], client_secret)):
            raise HttpError(401, "invalid_client", headers={"WWW-Authenticate": 'Basic realm="bpjs"'})
        form = {k: v[-1] for k, v in parse_qs(request.body.decode("utf-8", "replace")).items()}
        if form.get("grant_type") != "client_credentials":
            raise HttpError(400, "unsupported_grant_type")
        return Response(200, {"access_token": tokens.issue(), "token_type": "Bearer",
                              "expires_in": faults.token_ttl_seconds})

    def authorise(request: Request) -> None:
        if not tokens.valid(request.bearer_token()):
            raise HttpError(401, "invalid_token", headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})

    def page(listing: str, request: Request, params: dict) -> Response:
        """One page of a listing: from the cursor if given (it carries its parameters), else the start."""
        authorise(request)
        limit = request.int_arg("limit", DEFAULT_LIMIT, low=1, high=MAX_LIMIT)
        cursor = request.arg("cursor")
        offset = 0
        if cursor:
            listing_of_cursor, cursor_params, offset = cursors.read(cursor)
            given = {k: v for k, v in params.items() if k in request.query}
            if listing_of_cursor != listing or any(cursor_params.get(k) != v for k, v in given.items()):
                raise HttpError(400, "invalid_cursor", "the cursor belongs to another listing")
            params = cursor_params
        indices, view = world.listing(listing, params)
        end = min(offset + page_size(limit, offset, varied), len(indices))
        data = [view(i) for i in indices[offset:end]]
        if varied:
            data = [row | EXTRA_FIELDS[listing](row) for row in data]
        # a listing that fills its last page exactly ends, when varied, with one empty page
        more = end < len(indices) or (varied and data and end == len(indices) and (end - offset) == limit)
        next_cursor = cursors.issue(listing, params, end) if more else None
        return Response(200, {"data": data, "next_cursor": next_cursor})

    def as_of(request: Request) -> str:
        return request.date_arg("as_of", default=today_wib()).isoformat()

    def peserta(request: Request) -> Response:
        return page("peserta", request, {"as_of": as_of(request)})

    def iuran(request: Request) -> Response:
        month = request.arg("bulan")
        if month and not _MONTH.match(month):
            raise HttpError(400, "bad_request", "bulan must be YYYY-MM")
        return page("iuran", request, {"as_of": as_of(request), "bulan": month or None})

    def klaim(request: Request) -> Response:
        dari, sampai = request.date_arg("dari"), request.date_arg("sampai")
        return page("klaim", request, {"as_of": as_of(request), "dari": dari and dari.isoformat(),
                                       "sampai": sampai and sampai.isoformat()})

    def put_rekonsiliasi(request: Request) -> Response:
        authorise(request)
        day = parse_date(request.params["tanggal"], "tanggal").isoformat()
        document = request.json()
        if not isinstance(document, dict) or not isinstance(document.get("temuan"), list):
            raise HttpError(400, "bad_request", "body must be {tanggal, temuan: [...]}")
        if document.get("tanggal", day) != day:
            raise HttpError(400, "bad_request", "tanggal in the body differs from the path")
        store.put(day, {**document, "tanggal": day, "diterima_pada": _now_wib()})
        return Response(200, {"tanggal": day, "jumlah_temuan": len(document["temuan"])})

    def get_rekonsiliasi(request: Request) -> Response:
        authorise(request)
        day = parse_date(request.params["tanggal"], "tanggal").isoformat()
        document = store.get(day)
        if document is None:
            raise HttpError(404, "not_found")
        # the document as stored, with a field BPJS adds (bpjs-tk.md allows any)
        return Response(200, document)

    app.add("POST", "/oauth/token", issue_token, faulty=False)
    app.add("GET", "/v1/peserta", peserta)
    app.add("GET", "/v1/iuran", iuran)
    app.add("GET", "/v1/klaim", klaim)
    app.add("PUT", "/v1/rekonsiliasi/{tanggal}", put_rekonsiliasi)
    app.add("GET", "/v1/rekonsiliasi/{tanggal}", get_rekonsiliasi)
    return app


def make_server(world_dir: Path, host: str = "127.0.0.1", port: int = 0, client_id: str = "jaring",
                client_secret: str = "demo-secret", state_dir: Path | None = None,
                faults: FaultPlan | None = None, varied: bool = True) -> ServerHandle:
    """The API over the world's `bpjs_*.csv` (loaded now); call `.start()` to serve."""
    world_dir = Path(world_dir)
    app = build_app(BpjsWorld(world_dir), client_id, client_secret,
                    Path(state_dir) if state_dir else world_dir / "bpjs_state", faults or FaultPlan.none(),
                    varied)
    return ServerHandle(app, host, port)

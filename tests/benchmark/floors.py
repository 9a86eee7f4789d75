"""What the data itself costs on this machine, measured in the same run as the steps.

- `registry` / `bpjs`: a bare client (requests + orjson, as many threads as the adapter) paging through the
  simulated API as of night D, every row `COPY`ed raw (text columns) into an unlogged table;
- `dtsen`: the release's `COPY … TO STDOUT` on the DTSEN database, `COPY FROM` into an unlogged table;
- `ledgers`: every ledger file of the inbox read to cells (python-calamine; csv for the CSV uploads);
- `core_joins`: staged persons joined on NIK to participants, DTSEN individuals and ledger rows (what
  linking must at least cost), after a night landed;
- `findings_out`: night D's findings `COPY`ed out as CSV (what publishing must at least read);
- `reports_out` (a reference, not a floor: no step is compared with it): the same, then every audience's
  findings written by bare XlsxWriter (one sheet of the rows as text, its faster constant-memory mode) and as
  a bare HTML table (the report's first 300 rows of each code), in as many forked processes as publishing
  uses: what the contract's formats cost through the library without labels, masking or layout (who receives
  which finding is settled before the clock starts);
- `task_start`: a fresh interpreter importing Airflow's task SDK, pandas and Great Expectations (what every
  Airflow task pays before it works), and validating a one-row frame with Jaring's GX path.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import orjson
import psycopg
import requests

from jaring.sources import bpjs, dukcapil
from jaring.sources import dtsen as dtsen_source
from jaring.warehouse import sqlfile

FLOOR_OF_STEP = {
    "ingest_dukcapil": "registry", "ingest_bpjs": "bpjs", "ingest_dtsen": "dtsen", "ingest_rt": "ledgers",
    "reconcile": "core_joins", "publish_outbox": "findings_out",
}


def _copy_raw(dsn: str, table: str, columns, rows) -> int:
    with psycopg.connect(dsn) as conn:
        conn.execute(f"DROP TABLE IF EXISTS {table}")
        conn.execute(f"CREATE UNLOGGED TABLE {table} ({', '.join(f'{c} text' for c in columns)})")
        with conn.cursor().copy(f"COPY {table} FROM STDIN") as copy:
            for row in rows:
                copy.write_row(["" if v is None else str(v) for v in (row.get(c) for c in columns)])
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def registry(base: str, token: str, night: date, dsn: str) -> dict:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"

    def page(number: int) -> dict:
        reply = session.get(f"{base}{dukcapil.PATH}", params={
            "as_of": night.isoformat(), "page": number, "per_page": dukcapil.PER_PAGE}, timeout=120)
        reply.raise_for_status()
        return orjson.loads(reply.content)

    t0 = time.monotonic()
    first = page(1)
    pages = -(-first["meta"]["total"] // dukcapil.PER_PAGE)
    with ThreadPoolExecutor(dukcapil.WORKERS) as pool:
        rest = list(pool.map(page, range(2, pages + 1)))
    rows = [r for body in (first, *rest) for r in body["data"]]
    fetched = time.monotonic()
    copied = _copy_raw(dsn, "bench_floor_registry", dukcapil.DUKCAPIL_COLUMNS, rows)
    return {"rows": copied, "seconds": time.monotonic() - t0, "fetch_seconds": fetched - t0,
            "copy_seconds": time.monotonic() - fetched}


def bpjs_listings(base: str, client: tuple[str, str], night: date, dsn: str) -> dict:
    session = requests.Session()
    t0 = time.monotonic()
    token = orjson.loads(session.post(f"{base}/oauth/token", data={"grant_type": "client_credentials"},
                                      auth=client, timeout=60).content)["access_token"]
    session.headers["Authorization"] = f"Bearer {token}"
    as_of = night.isoformat()

    def listing(path: str, params: dict) -> list[dict]:
        rows, cursor = [], None
        while True:
            query = {**params, "limit": bpjs.LIMIT} | ({"cursor": cursor} if cursor else {})
            reply = session.get(f"{base}{path}", params=query, timeout=120)
            reply.raise_for_status()
            body = orjson.loads(reply.content)
            rows += body["data"]
            cursor = body.get("next_cursor")
            if not cursor:
                return rows

    roster = listing("/v1/peserta", {"as_of": as_of})
    months = bpjs.payment_months(night, [r.get("TGL_KEPESERTAAN") for r in roster])
    with ThreadPoolExecutor(bpjs.WORKERS) as pool:
        payments = [r for rows in pool.map(lambda m: listing("/v1/iuran", {"bulan": m, "as_of": as_of}), months)
                    for r in rows]
    claims = listing("/v1/klaim", {"dari": bpjs.CLAIMS_FROM.isoformat(), "sampai": as_of, "as_of": as_of})
    fetched = time.monotonic()
    copied = (_copy_raw(dsn, "bench_floor_peserta", bpjs.BPJS_PESERTA_COLUMNS, roster)
              + _copy_raw(dsn, "bench_floor_iuran", bpjs.BPJS_IURAN_COLUMNS, payments)
              + _copy_raw(dsn, "bench_floor_klaim", bpjs.BPJS_KLAIM_COLUMNS, claims))
    return {"rows": copied, "seconds": time.monotonic() - t0, "fetch_seconds": fetched - t0,
            "copy_seconds": time.monotonic() - fetched, "months": len(months)}


def dtsen(dtsen_dsn: str, warehouse_dsn: str, night: date) -> dict:
    from psycopg import sql

    t0 = time.monotonic()
    with psycopg.connect(dtsen_dsn) as source:
        periode = sqlfile.execute(source, dtsen_source.__name__, "dtsen_release", {"night": night}).fetchone()[0]
        query = sql.SQL(sqlfile.text(dtsen_source.__name__, "dtsen_extract")).format(
            night=sql.Literal(night), periode=sql.Literal(periode.strip()))
        buffer = io.BytesIO()
        with source.cursor().copy(query) as copy:
            for chunk in copy:
                buffer.write(chunk)
    with psycopg.connect(warehouse_dsn) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_floor_dtsen")
        conn.execute("CREATE UNLOGGED TABLE bench_floor_dtsen (LIKE raw.dtsen_individu)")
        columns = next(csv.reader(io.StringIO(buffer.getvalue()[:1000].decode())))
        with conn.cursor().copy(f"COPY bench_floor_dtsen ({', '.join(columns)}) FROM STDIN "
                                "WITH (FORMAT csv, HEADER true)") as copy:
            copy.write(buffer.getvalue())
        rows = conn.execute("SELECT count(*) FROM bench_floor_dtsen").fetchone()[0]
    return {"rows": rows, "seconds": time.monotonic() - t0}


def ledgers(inbox: Path) -> dict:
    """Every file of the inbox (all months: the step sees those uploaded by D, nearly all) read to cells."""
    from python_calamine import load_workbook

    t0 = time.monotonic()
    files = rows = unreadable = 0
    for path in sorted(inbox.rglob("*")):
        if not path.is_file():
            continue
        files += 1
        try:
            if path.suffix.lower() == ".csv":
                rows += sum(1 for _ in csv.reader(io.StringIO(path.read_bytes().decode("utf-8", "replace"))))
            else:
                book = load_workbook(path)
                rows += sum(len(book.get_sheet_by_name(name).to_python()) for name in book.sheet_names)
        except Exception:  # noqa: BLE001 - the inbox plants unreadable files on purpose
            unreadable += 1
    return {"rows": rows, "files": files, "unreadable": unreadable, "seconds": time.monotonic() - t0}


CORE_JOINS = """
CREATE UNLOGGED TABLE bench_floor_joined AS
SELECT 'bpjs' AS source, x.kpj AS key, p.nik, p.nama_key = x.nama_key AS same_name, p.tgl_lahir = x.tgl_lahir AS same_birth
  FROM staging.participant x LEFT JOIN staging.person p ON p.night = x.night AND p.nik = x.nik WHERE x.night = %(n)s
UNION ALL
SELECT 'dtsen', x.id_individu::text, p.nik, p.nama_key = x.nama_key, p.tgl_lahir = x.tgl_lahir
  FROM staging.dtsen_individual x LEFT JOIN staging.person p ON p.night = x.night AND p.nik = x.nik WHERE x.night = %(n)s
UNION ALL
SELECT 'rt', x.source_ref, p.nik, p.nama_key = x.nama_key, NULL
  FROM staging.rt_row x LEFT JOIN staging.person p ON p.night = x.night AND p.nik = x.nik WHERE x.night = %(n)s
UNION ALL
SELECT 'payment', y.id_bayar, x.nik, NULL, NULL
  FROM staging.payment y JOIN staging.participant x ON x.night = y.night AND x.kpj = y.kpj WHERE y.night = %(n)s
"""


def core_joins(dsn: str, night: date) -> dict:
    with psycopg.connect(dsn) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_floor_joined")
        conn.commit()
        t0 = time.monotonic()
        conn.execute(CORE_JOINS, {"n": night})
        conn.commit()
        seconds = time.monotonic() - t0
        rows = conn.execute("SELECT count(*) FROM bench_floor_joined").fetchone()[0]
    return {"rows": rows, "seconds": seconds}


def findings_out(dsn: str, night: date) -> dict:
    t0 = time.monotonic()
    out = _findings_csv(dsn, night)
    return {"rows": out.count(b"\n") - 1, "seconds": time.monotonic() - t0}


def _findings_csv(dsn: str, night: date) -> bytes:
    out = io.BytesIO()
    with psycopg.connect(dsn) as conn, conn.cursor().copy(
            "COPY (SELECT * FROM recon.finding WHERE night = %s ORDER BY finding_code, finding_key) "
            "TO STDOUT WITH (FORMAT csv, HEADER true)", (night,)) as copy:
        for chunk in copy:
            out.write(chunk)
    return out.getvalue()


_REPORTED: dict = {}  # what the forked writers of `reports_out` share: header, rows, each audience's positions


def reports_out(dsn: str, night: date) -> dict:
    import multiprocessing
    import tempfile

    from jaring import policy
    from jaring.publishing import outbox

    with psycopg.connect(dsn) as conn:
        cur = conn.execute("SELECT finding_code, source, source_ref, kode_wilayah, ledger_kelurahan, details "
                           "FROM recon.finding WHERE night = %s ORDER BY finding_code, finding_key", (night,))
        routing = [dict(zip([c.name for c in cur.description], row, strict=True)) for row in cur]
    members = outbox.audience_members(routing, policy.load())
    by_size = sorted(members, key=lambda audience: -len(members[audience]))
    t0 = time.monotonic()
    header, *rows = csv.reader(io.StringIO(_findings_csv(dsn, night).decode()))
    _REPORTED.update(header=header, rows=rows, members=members)
    with tempfile.TemporaryDirectory(prefix="jaring-floor-") as folder, \
            multiprocessing.get_context("fork").Pool(outbox.PROCESSES) as pool:
        pool.map(_write_bare, [(folder, by_size[n::outbox.PROCESSES]) for n in range(outbox.PROCESSES)])
    _REPORTED.clear()
    return {"rows": len(rows), "audiences": len(members), "cells": sum(map(len, members.values())) * len(header),
            "seconds": time.monotonic() - t0}


def _write_bare(job: tuple[str, list[str]]) -> None:
    from html import escape

    import xlsxwriter

    folder, audiences = job
    header, rows, members = _REPORTED["header"], _REPORTED["rows"], _REPORTED["members"]
    code = header.index("finding_code")
    for number, audience in enumerate(audiences):
        book = xlsxwriter.Workbook(f"{folder}/{os.getpid()}-{number}.xlsx", {"constant_memory": True})
        sheet = book.add_worksheet()
        sheet.write_row(0, 0, header)
        shown: dict[str, list[str]] = {}
        for r, position in enumerate(members[audience], start=1):
            row = rows[position]
            sheet.write_row(r, 0, row)
            if len(in_code := shown.setdefault(row[code], [])) < 300:
                in_code.append("<tr>" + "".join(f"<td>{escape(v)}</td>" for v in row) + "</tr>")
        book.close()
        Path(f"{folder}/{os.getpid()}-{number}.html").write_text(
            "".join(f"<h2>{escape(c)}</h2><table>{''.join(trs)}</table>" for c, trs in shown.items()), encoding="utf-8")


_VALIDATE_ONE_ROW = """
import pandas as pd
from jaring.validation import validate
columns = ("source_ref", "sheet", "kode_kelurahan", "nik", "nama", "kpj", "jumlah", "tgl_bayar")
validate("rt", pd.DataFrame([dict.fromkeys(columns, "x")]), columns)
"""


def task_start() -> dict:
    """Fresh interpreters, one per probe (the first warms the page cache for the others)."""
    probes = {
        "airflow_sdk": "import airflow.sdk",
        "pandas": "import pandas",
        "great_expectations": "import great_expectations",
        "airflow_sdk_pandas_gx": "import airflow.sdk, pandas, great_expectations",
        "jaring_gx_validation": _VALIDATE_ONE_ROW,
    }
    out = {}
    for name, code in probes.items():
        t0 = time.monotonic()
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                       env={**os.environ, "GX_ANALYTICS_ENABLED": "false"})
        out[name] = {"seconds": time.monotonic() - t0}
    return out

"""DTSEN: the release current at night D, read from Dinas Sosial's database -> staging.dtsen_individual.

The extract is one `COPY (SELECT …) TO STDOUT` on the source (read-only role,
read-only transaction), read before the warehouse transaction, then piped as
is into `raw.dtsen_individu` and read once by pandas for validation and
staging; no row-by-row fetching. A present NIK that is not 16 digits once
cleaned is staged as NULL and reported (`staging.invalid_record`,
`dtsen:<id_individu>`); a NULL NIK is normal.

A release is a full copy that never changes: when night D-1 landed the
release still current at D, night D reuses it (its rows, quarantine and
verdict, copied inside the warehouse) without reading it again, unless
`full=True`.
"""

from __future__ import annotations

import io
from datetime import date

from jaring.sources import landing
from jaring.sources.http import SourceError
from jaring.warehouse import db, sqlfile

# a DTSEN individual with their family's desil and kelurahan (poverty-db.md): the `dtsen` suite's contract
DTSEN_COLUMNS = ("periode", "id_individu", "id_keluarga", "nik", "nama", "tgl_lahir", "jenis_kelamin",
                 "hub_kk", "status_pekerjaan", "lapangan_usaha", "desil", "kode_wilayah")
SOURCE = landing.Source("dtsen", ("raw.dtsen_individu", "staging.dtsen_individual"), {"dtsen": DTSEN_COLUMNS},
                        {"dtsen": "staging.dtsen_individual"})
RAW_COLUMNS = ("night", *DTSEN_COLUMNS)
SEX = {1: "L", 2: "P"}
STAGING_COLUMNS = ("night", "periode", "id_individu", "id_keluarga", "nik", "nik_raw", "nama", "nama_key",
                   "tgl_lahir", "jenis_kelamin", "hub_kk", "status_pekerjaan", "lapangan_usaha", "desil",
                   "kode_wilayah")
_DTYPES = {"periode": "str", "nik": "str", "nama": "str", "tgl_lahir": "str", "lapangan_usaha": "str",
           "kode_wilayah": "str", "id_individu": "int64", "id_keluarga": "int64", "jenis_kelamin": "Int64",
           "hub_kk": "Int64", "status_pekerjaan": "Int64", "desil": "Int64"}


def source_dsn() -> str:
    from jaring.config import DTSEN_CONN_ID, postgres_conninfo

    return postgres_conninfo(DTSEN_CONN_ID)


def ingest(night: date, conn, dsn: str | None = None, full: bool = False) -> dict:
    """Stage the release current at `night` (read, or reused from night D-1); returns counts (no personal data)."""
    dsn = dsn or source_dsn()
    if not full:
        landed = sqlfile.execute(conn, __name__, "dtsen_previous_release", {"night": night}).fetchone()
        conn.commit()
        if landed and landed[1] and landed[1].strip() == current_release(night, dsn):
            return _reuse(night, landed[0], conn, landed[1].strip())

    def land(conn, pulled) -> dict:
        _, extract = pulled
        with conn.cursor().copy(
            f"COPY raw.dtsen_individu ({', '.join(RAW_COLUMNS)}) FROM STDIN WITH (FORMAT csv, HEADER true)"
        ) as copy:
            copy.write(extract)
        return {"dtsen": _frame(extract)}

    def stage(conn, pulled, frames, results) -> dict:
        return _stage(conn, night, frames["dtsen"], results["dtsen"]) | {"periode": pulled[0]}

    return landing.ingest(SOURCE, night, conn, lambda: read_release(night, dsn), land, stage)


def _reuse(night: date, previous: date, conn, periode: str) -> dict:
    import time

    started = time.monotonic()
    landing.require_idle(conn)
    with db.night_replacement(conn, SOURCE.night_tables(), night):
        raw, staged, quarantined = sqlfile.execute(conn, __name__, "dtsen_reuse",
                                                   {"night": night, "previous": previous}).fetchone()
    return {"source": SOURCE.name, "periode": periode, "mode": "reused", "previous_night": previous.isoformat(),
            "received": raw, "staged": staged, "quarantined": quarantined,
            "seconds": round(time.monotonic() - started, 2)}


def current_release(night: date, dsn: str) -> str:
    """The periode of the release current at `night` (asks the source for that only)."""
    import psycopg

    try:
        with psycopg.connect(dsn) as source:
            source.read_only = True
            found = sqlfile.execute(source, __name__, "dtsen_release", {"night": night}).fetchone()
    except psycopg.Error as exc:
        raise SourceError("dtsen_db", f"reading DTSEN failed ({type(exc).__name__}, SQLSTATE {exc.sqlstate})") \
            from None
    if found is None:
        raise SourceError("dtsen_db", f"no DTSEN release is current at {night} "
                                      f"(no dtsen.periode with tgl_rilis <= {night})")
    return found[0].strip()


def read_release(night: date, dsn: str) -> tuple[str, bytes]:
    """(periode, the release's CSV extract) of the release current at `night`."""
    import psycopg
    from psycopg import sql

    try:
        with psycopg.connect(dsn) as source:
            source.read_only = True
            found = sqlfile.execute(source, __name__, "dtsen_release", {"night": night}).fetchone()
            if found is None:
                raise SourceError("dtsen_db", f"no DTSEN release is current at {night} "
                                              f"(no dtsen.periode with tgl_rilis <= {night})")
            periode = found[0].strip()
            query = sql.SQL(sqlfile.text(__name__, "dtsen_extract")).format(
                night=sql.Literal(night), periode=sql.Literal(periode))
            buffer = io.BytesIO()
            with source.cursor().copy(query) as copy:
                for chunk in copy:
                    buffer.write(chunk)
    except psycopg.Error as exc:
        # the server's text may quote a row: name the failure, not the data
        raise SourceError("dtsen_db", f"reading DTSEN failed ({type(exc).__name__}, SQLSTATE {exc.sqlstate})") \
            from None
    return periode, buffer.getvalue()


def _frame(extract: bytes):
    import pandas as pd

    frame = pd.read_csv(io.BytesIO(extract), dtype=_DTYPES, keep_default_na=False, na_values={
        c: [""] for c in _DTYPES}, encoding="utf-8")
    return frame.drop(columns=["night"])


def _stage(conn, night: date, df, result) -> dict:
    from jaring.linking.names import normalise
    from jaring.validation.quarantine import ref_value
    from jaring.validation.suites import clean_nik, per_value

    def source_ref(index: int, raw: dict) -> str:
        return f"dtsen:{ref_value(raw.get('id_individu'))}"

    _, flagged = landing.report(conn, night, SOURCE.name, result, df, source_ref, DTSEN_COLUMNS)
    kept = df.drop(index=list(result.row_failures))
    staged = kept.assign(
        night=night, nik=[clean_nik(v) for v in kept["nik"].tolist()], nik_raw=kept["nik"],
        nama_key=per_value(kept["nama"], normalise), tgl_lahir=landing.date_or_none(kept["tgl_lahir"]),
        jenis_kelamin=kept["jenis_kelamin"].map(SEX),
    )
    landing.clear_flagged(staged, result)
    staged_count = landing.copy_frame(conn, "staging.dtsen_individual", staged, STAGING_COLUMNS)
    return {"staged": staged_count, "quarantined": len(result.row_failures), "flagged": flagged}

"""DTSEN: the release current at night D, read from Dinas Sosial's database -> staging.dtsen_individual.

The extract is one `COPY (SELECT …) TO STDOUT` on the source (read-only role,
read-only transaction), piped as is into `raw.dtsen_individu` and read once
by pandas for validation and staging; no row-by-row fetching. A present NIK
that is not 16 digits once cleaned is staged as NULL and reported
(`staging.invalid_record`, `dtsen:<id_individu>`); a NULL NIK is normal.
"""

from __future__ import annotations

import io
import logging
import time
from datetime import date
from pathlib import Path

from jaring.sources import landing
from jaring.sources.http import SourceError
from jaring.validation.suites import DTSEN_COLUMNS

log = logging.getLogger(__name__)

SOURCE = "dtsen"
EXTRACT_SQL = Path(__file__).with_name("dtsen_extract.sql")
RELEASE_SQL = Path(__file__).with_name("dtsen_release.sql")
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


def ingest(night: date, conn, dsn: str | None = None) -> dict:
    """Read the release current at `night` and stage it; returns counts (no personal data)."""
    from jaring.validation import SourceRejected, validate

    landing.require_idle(conn)
    started = time.monotonic()
    periode, extract = read_release(night, dsn or source_dsn())
    fetched = time.monotonic()
    result = None
    try:
        with conn.transaction():
            previous = landing.previous_count(conn, "staging.dtsen_individual", night)
            landing.clear_night(conn, night, ("raw.dtsen_individu", "staging.dtsen_individual"), (SOURCE,), SOURCE)
            with conn.cursor().copy(
                f"COPY raw.dtsen_individu ({', '.join(RAW_COLUMNS)}) FROM STDIN WITH (FORMAT csv, HEADER true)"
            ) as copy:
                copy.write(extract)
            df = _frame(extract)
            result = validate(SOURCE, df, previous)
            validated = time.monotonic()
            result.raise_if_blocking()
            counts = _stage(conn, night, df, result)
            landing.store_verdict(conn, night, result)
    except SourceRejected:
        landing.store_rejection(conn, night, result)
        raise
    elapsed = time.monotonic() - started
    counts |= {"source": SOURCE, "periode": periode, "received": len(df), "warnings": result.warnings,
               "seconds": round(elapsed, 2), "fetch_seconds": round(fetched - started, 2),
               "validate_seconds": round(validated - fetched, 2),
               "rows_per_second": round(len(df) / elapsed) if elapsed else None}
    log.info("dtsen night %s: %s", night, {k: v for k, v in counts.items() if k != "warnings"})
    return counts


def read_release(night: date, dsn: str) -> tuple[str, bytes]:
    """(periode, the release's CSV extract) of the release current at `night`."""
    import psycopg
    from psycopg import sql

    try:
        with psycopg.connect(dsn) as source:
            source.read_only = True
            found = source.execute(RELEASE_SQL.read_text(), {"night": night}).fetchone()
            if found is None:
                raise SourceError("dtsen_db", f"no DTSEN release is current at {night} "
                                              f"(no dtsen.periode with tgl_rilis <= {night})")
            periode = found[0].strip()
            query = sql.SQL(EXTRACT_SQL.read_text()).format(night=sql.Literal(night), periode=sql.Literal(periode))
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
    from jaring.validation import quarantine
    from jaring.validation.suites import clean_nik, per_value

    def source_ref(index: int, raw: dict) -> str:
        return f"{SOURCE}:{quarantine.ref_value(raw.get('id_individu'))}"

    quarantine.record(conn, night, SOURCE, quarantine.failures(result, df, source_ref, DTSEN_COLUMNS))
    flagged = quarantine.flag(conn, night, SOURCE, quarantine.flags(result, df, source_ref, DTSEN_COLUMNS))
    kept = df.drop(index=list(result.row_failures))
    staged = kept.assign(
        night=night, nik=[clean_nik(v) for v in kept["nik"].tolist()], nik_raw=kept["nik"],
        nama_key=per_value(kept["nama"], normalise), tgl_lahir=landing.date_or_none(kept["tgl_lahir"]),
        jenis_kelamin=kept["jenis_kelamin"].map(SEX),
    )
    landing.clear_flagged(staged, result)
    staged_count = landing.copy_frame(conn, "staging.dtsen_individual", staged, STAGING_COLUMNS)
    return {"staged": staged_count, "quarantined": len(result.row_failures), "flagged": flagged}

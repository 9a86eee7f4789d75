"""What the three API/database adapters share: their tables, the night's replacement, staged rows."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Sequence
from datetime import date

BIGINT_MAX = 2**63 - 1


def require_idle(conn) -> None:
    """An ingest owns its transaction: started inside the caller's, it would never commit on its own."""
    from psycopg.pq import TransactionStatus

    if conn.info.transaction_status != TransactionStatus.IDLE:
        raise RuntimeError("ingest needs a warehouse connection outside a transaction "
                           "(commit first, or connect with autocommit=True)")


def clear_night(conn, night: date, tables: Sequence[str], suites: Sequence[str], source: str) -> None:
    """Remove night D's rows of a source (call inside the source's transaction)."""
    from jaring.validation import quarantine

    for table in tables:
        conn.execute(f"DELETE FROM {table} WHERE night = %s", (night,))
    conn.execute("DELETE FROM ops.validation_result WHERE night = %s AND suite = ANY(%s)", (night, list(suites)))
    quarantine.clear(conn, night, source)


def previous_count(conn, table: str, night: date) -> int | None:
    """Rows staged in `table` on the latest night before D, None when there is none."""
    row = conn.execute(
        f"SELECT night, count(*) FROM {table} WHERE night = (SELECT max(night) FROM {table} WHERE night < %s)"
        " GROUP BY night", (night,),
    ).fetchone()
    return row[1] if row else None


def store_verdict(conn, night: date, result) -> None:
    conn.execute("DELETE FROM ops.validation_result WHERE night = %s AND suite = %s", (night, result.source))
    conn.execute(
        "INSERT INTO ops.validation_result (night, suite, success, blocking, warnings, counts, report)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s)",
        (night, result.source, result.success, result.blocking, result.warnings,
         dumps(result.counts), dumps(result.report, default=str)),
    )


def store_rejection(conn, night: date, result) -> None:
    """After a rejected source's transaction rolled back: keep its verdict for the Data Docs."""
    with conn.transaction():
        store_verdict(conn, night, result)


def records(df, columns: Sequence[str]) -> Iterator[tuple]:
    """Rows of `df[columns]` as tuples with None for every missing value (for COPY)."""
    frame = df[list(columns)].astype(object)
    frame = frame.where(frame.notna(), None)
    return frame.itertuples(index=False, name=None)


def as_int(series):
    """A column of numbers (possibly floats or text from JSON) as nullable integers; None for what is not a
    finite number or beyond bigint (validation has reported it: one record must not fail the COPY)."""
    import pandas as pd

    numbers = pd.to_numeric(series, errors="coerce").astype("float64")
    return numbers.where(numbers.abs() < BIGINT_MAX).round().astype("Int64")


def finite(value):
    """`value` with every non-finite float as its JSON spelling in text (`"Infinity"`, `"NaN"`)."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite(v) for v in value]
    return value


def dumps(value, **options) -> str:
    """JSON that PostgreSQL's json/jsonb accept: Python writes NaN and Infinity as bare tokens, jsonb does not."""
    return json.dumps(finite(value), allow_nan=False, **options)


def date_or_none(series):
    """ISO date text kept when it is a date, else None (validation has reported it)."""
    import pandas as pd

    parsed = pd.to_datetime(series, format="%Y-%m-%d", errors="coerce")
    return parsed.dt.strftime("%Y-%m-%d").where(parsed.notna(), None)


def clear_flagged(staged, result) -> None:
    """Empty, in place, the staged fields a FLAG rule names on the rows it flagged."""
    for index, names in result.row_flags.items():
        if index not in staged.index:
            continue  # quarantined as well
        for name in names:
            for column in result.rules[name].clears:
                staged.at[index, column] = None


def copy_frame(conn, table: str, frame, columns: Sequence[str]) -> int:
    """COPY the frame's `columns` into `table`."""
    count = 0
    with conn.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in records(frame, columns):
            copy.write_row(row)
            count += 1
    return count

"""The one way a source lands night D (`ingest`), and what the adapters share to stage their rows.

    counts = landing.ingest(SOURCE, night, conn, pull, land, stage)

`pull()` reads the agency (HTTP, the DTSEN database, the inbox) outside any warehouse transaction: a slow
or failing agency never holds the warehouse. Then one transaction replaces night D: the source's rows of
night D (its tables, verdicts, quarantine) are removed, `land(conn, pulled)` writes the raw rows and gives
a frame per suite (or a `Partial` one), every frame is validated, a blocking failure rolls it all back
(night D's previous rows stay) and raises `SourceRejected` with its verdicts kept for the Data Docs,
`stage(conn, pulled, frames, results)` stages and returns counts, and the verdicts are stored.
"""

from __future__ import annotations

import json
import logging
import math
import operator
import time
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from jaring.warehouse import db, sqlfile

log = logging.getLogger(__name__)

BIGINT_MAX = 2**63 - 1


@dataclass(frozen=True)
class Source:
    """What the skeleton needs to know of an adapter."""

    name: str  # the source of quarantine rows and source_refs: dukcapil | bpjs | dtsen | rt
    tables: tuple[str, ...]  # its night-scoped tables (raw and staging), replaced together
    suites: Mapping[str, Sequence[str]]  # suite -> the contract's columns of the frame it checks
    volume_tables: Mapping[str, str] = field(default_factory=dict)  # suite -> table sizing its volume rule

    def night_tables(self) -> list:
        return [*self.tables, ("ops.validation_result", {"suite": list(self.suites)}),
                ("quarantine.record", {"source": self.name}), ("staging.invalid_record", {"source": self.name})]


@dataclass(frozen=True)
class Partial:
    """What `land` gives for a suite whose frame holds only the records night D-1 did not already judge (the
    rest is carried over): validated without the volume rules, which judge a whole listing (the adapter
    judged its whole count with `suites.volume_passes` before choosing to carry)."""

    frame: object


def ingest(source: Source, night: date, conn, pull: Callable[[], object], land: Callable[..., dict],
           stage: Callable[..., dict], volume_floor: Mapping[str, int] | None = None) -> dict:
    """Pull, then replace night D of `source` in one transaction; returns counts (no personal data).

    `volume_floor` (suite -> fewest rows) defaults to the policy's (`policy.load().volume_floor`): read
    before the pull, so a broken policy file fails before the agency is asked anything."""
    import psycopg

    if volume_floor is None:
        from jaring import policy

        volume_floor = policy.load().volume_floor
    try:
        return _ingest(source, night, conn, pull, land, stage, volume_floor)
    except psycopg.OperationalError as error:
        # a warehouse restarted or unreachable mid-ingest: say which connection, not a bare libpq text
        raise WarehouseUnavailable(source.name, error) from None


class WarehouseUnavailable(RuntimeError):
    """The warehouse connection (`jaring_db`) failed during an ingest: transient, the step may be retried."""

    def __init__(self, source: str, error: Exception):
        from jaring.logsafe import safe_text

        first_line = (str(error).strip().splitlines() or [""])[0]
        super().__init__(f"jaring_db: the warehouse connection failed while ingesting {source} "
                         f"({type(error).__name__}: {safe_text(first_line)[:200]})")


def _ingest(source: Source, night: date, conn, pull, land, stage, volume_floor: Mapping[str, int]) -> dict:
    from jaring.validation import SourceRejected, validate

    require_idle(conn)
    started = time.monotonic()
    pulled = pull()
    fetched = time.monotonic()
    require_idle(conn)  # a pull that read the warehouse must not have left a transaction open
    results = {}
    try:
        with db.night_replacement(conn, source.night_tables(), night):
            previous = {suite: previous_count(conn, table, night) for suite, table in source.volume_tables.items()}
            frames = land(conn, pulled)
            partial = {suite for suite, frame in frames.items() if isinstance(frame, Partial)}
            frames = {suite: frame.frame if suite in partial else frame for suite, frame in frames.items()}
            results = {suite: validate(suite, frames[suite], columns, *(
                           (None, None) if suite in partial else (previous.get(suite), volume_floor.get(suite))))
                       for suite, columns in source.suites.items()}
            validated = time.monotonic()
            for result in results.values():
                result.raise_if_blocking()
            counts = stage(conn, pulled, frames, results)
            for result in results.values():
                store_verdict(conn, night, result)
    except SourceRejected:
        store_rejection(conn, night, results.values())
        raise
    elapsed = time.monotonic() - started
    received = sum(len(frame) for frame in frames.values())
    counts |= {
        "source": source.name, "received": received, "warnings": [w for r in results.values() for w in r.warnings],
        "seconds": round(elapsed, 2), "fetch_seconds": round(fetched - started, 2),
        "validate_seconds": round(validated - fetched, 2),
        "rows_per_second": round(received / elapsed) if elapsed else None,
    }
    log.info("%s night %s: %s", source.name, night, json.dumps(
        {k: v for k, v in counts.items() if k != "warnings"}, sort_keys=True, default=str))
    return counts


def require_idle(conn) -> None:
    """An ingest owns its transaction: started inside the caller's, it would never commit on its own."""
    from psycopg.pq import TransactionStatus

    if conn.info.transaction_status != TransactionStatus.IDLE:
        raise RuntimeError("ingest needs a warehouse connection outside a transaction "
                           "(commit first, or connect with autocommit=True)")


def previous_count(conn, table: str, night: date) -> int | None:
    """Rows staged in `table` on the latest night before D, None when there is none."""
    row = conn.execute(
        f"SELECT night, count(*) FROM {table} WHERE night = (SELECT max(night) FROM {table} WHERE night < %s)"
        " GROUP BY night", (night,),
    ).fetchone()
    return row[1] if row else None


def store_verdict(conn, night: date, result) -> None:
    sqlfile.execute(conn, __name__, "store_verdict", {
        "night": night, "suite": result.source, "success": result.success, "blocking": result.blocking,
        "warnings": result.warnings, "counts": dumps(result.counts), "report": dumps(result.report, default=str),
    })


def store_rejection(conn, night: date, results) -> None:
    """After a rejected source's transaction rolled back: keep its verdicts for the Data Docs."""
    with conn.transaction():
        for result in results:
            store_verdict(conn, night, result)


def report(conn, night: date, source: str, result, df, source_ref, columns, label=None) -> tuple[int, int]:
    """Quarantine the rows `result` failed, report the rows it flagged; (quarantine rows, reported rows)."""
    from jaring.validation import quarantine

    return (quarantine.record(conn, night, source, quarantine.failures(result, df, source_ref, columns, label)),
            quarantine.flag(conn, night, source, quarantine.flags(result, df, source_ref, columns, label)))


def records(df, columns: Sequence[str]) -> Iterator[tuple]:
    """Rows of `df[columns]` as tuples with None for every missing value (for COPY)."""
    return zip(*(df[column].to_numpy(dtype=object, na_value=None).tolist() for column in columns), strict=True)


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


def frame(records: list[dict], columns: Sequence[str]):
    """Records (dicts) as a dataframe of `columns`, a missing field None."""
    return frame_of_columns({column: [r.get(column) for r in records] for column in columns})


def frame_of_columns(values: Mapping[str, list]):
    """A dataframe of `values` (column -> its values, in order), each column's dtype inferred from them."""
    import pandas as pd

    return pd.DataFrame(values, columns=list(values))


class Listing:
    """The records of a paged listing, from their arrival (pages in any order) until they land: each page as
    its JSON text (`json_text`'s, compressed) and its records' values of `columns`, not as dicts. At city
    scale the registry's 630k dicts held until staging took 1.1 GB. A text that repeats (a sex, a kelurahan,
    a birth date) is held once, however many rows share it (validation and staging then run faster too),
    except in the `distinct` columns (a key, a timestamp), where that would cost a dict entry a row and
    save nothing."""

    def __init__(self, columns: Sequence[str], distinct: Sequence[str] = ()):
        self.columns = tuple(columns)
        self._fields = operator.itemgetter(*self.columns)
        self._texts: dict[int, bytes] = {}  # page number -> its JSON, UTF-8, compressed
        self._values: dict[int, dict[str, list]] = {}  # page number -> column -> values, until `frame`
        # column -> each text seen in it, as the str object kept
        self._seen: dict[str, dict] = {column: {} for column in self.columns if column not in distinct}

    def add(self, number: int, records: list[dict]) -> None:
        self._texts[number] = zlib.compress(json_bytes(records), 1)
        self._values[number] = {column: self._once(column, values)
                                for column, values in zip(self.columns, self._by_column(records), strict=True)}

    def __len__(self) -> int:
        return len(self._texts)

    def texts(self) -> Iterator[str]:
        """Each page's JSON text, in page order."""
        return (zlib.decompress(self._texts[number]).decode() for number in sorted(self._texts))

    def frame(self):
        """The records as `frame` makes them of the dicts (the same values, so the same dtypes), once every
        page was added; the values move into the frame, the listing keeps its texts."""
        self._seen.clear()
        return frame_of_columns(self._take_columns())

    def _take_columns(self) -> dict[str, list]:
        pages = [self._values.pop(number) for number in sorted(self._values)]
        return {column: [value for page in pages for value in page.pop(column)] for column in self.columns}

    def _by_column(self, records: list[dict]) -> list[Sequence]:
        """The records' values, column by column, a missing field None (as in `frame`)."""
        if len(self.columns) > 1 and records:
            try:  # a tuple of the fields a record, then transposed: twice as fast as a pass per column
                return list(zip(*map(self._fields, records), strict=True))
            except KeyError:
                pass
        return [[r.get(column) for r in records] for column in self.columns]

    def _once(self, column: str, values: Sequence) -> Sequence:
        """`values`, each text the str object first seen with that text in `column`. Only when every value
        is text or null: equal keys would merge a JSON `true` with another row's 1."""
        seen = self._seen.get(column)
        if seen is None or not set(map(type, values)) <= _TEXT_OR_NULL:
            return values
        return list(map(seen.setdefault, values, values))


_TEXT_OR_NULL = frozenset({str, type(None)})


def json_bytes(value) -> bytes:
    """JSON of what an agency answered (decoded by `http.decode_json`: no NaN left), fast, in UTF-8."""
    import orjson

    try:
        return orjson.dumps(value)
    except TypeError:  # an integer beyond 64 bits
        return dumps(value).encode()


def json_text(value) -> str:
    """`json_bytes` as text."""
    return json_bytes(value).decode()


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
    return db.copy_rows(conn, table, columns, records(frame, columns))

"""Where failing records go: `quarantine.record` (not staged) and `staging.invalid_record` (staged, reported).

Both are INVALID_SOURCE_RECORD findings (docs/internals.md). A source's rows of
night D are cleared (`landing.ingest`) and rewritten inside the source's own transaction.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable
from datetime import date

from jaring.warehouse.db import copy_rows

QUARANTINE_COLUMNS = ("night", "source", "source_ref", "reason", "expectation", "raw_record")
INVALID_COLUMNS = ("night", "source", "source_ref", "reason")


def record(conn, night: date, source: str, rows: Iterable[tuple[str, str, str | None, dict | None]]) -> int:
    """Quarantine (source_ref, reason, expectation, raw record); one row per source_ref and reason."""
    unique: dict[tuple[str, str], tuple] = {}
    for source_ref, reason, expectation, raw in rows:
        unique.setdefault((source_ref, reason), (expectation, raw))
    return copy_rows(conn, "quarantine.record", QUARANTINE_COLUMNS, (
        (night, source, ref, reason, expectation, None if raw is None else json.dumps(_plain(raw), default=str))
        for (ref, reason), (expectation, raw) in unique.items()
    ))


def flag(conn, night: date, source: str, rows: Iterable[tuple[str, str]]) -> int:
    """Report staged records: (source_ref, reason) -> staging.invalid_record."""
    unique = dict.fromkeys(rows)
    return copy_rows(conn, "staging.invalid_record", INVALID_COLUMNS,
                     ((night, source, ref, reason) for ref, reason in unique))


def failures(result, df, source_ref: Callable[[int, dict], str], columns,
             label: Callable[[dict], str] | None = None):
    """The quarantine rows of a validation result: one per failing row and rule.

    `source_ref(index, record)` gives the record's source_ref; `label(record)` may name the record inside the reason (e.g. a payment's ID_BAYAR)
    so that two records sharing a source_ref stay apart.
    """
    rows = []
    for index, names in result.row_failures.items():
        raw = {c: df.at[index, c] for c in columns if c in df.columns}
        ref, suffix = source_ref(index, raw), (f" ({label(raw)})" if label else "")
        for name in names:
            rows.append((ref, result.rules[name].reason + suffix, name, raw))
    return rows


def flags(result, df, source_ref: Callable[[int, dict], str], columns,
          label: Callable[[dict], str] | None = None):
    rows = []
    for index, names in result.row_flags.items():
        raw = {c: df.at[index, c] for c in columns if c in df.columns}
        ref, suffix = source_ref(index, raw), (f" ({label(raw)})" if label else "")
        rows.extend((ref, result.rules[name].reason + suffix) for name in names)
    return rows


def ref_value(value) -> str:
    """A record's key as given, for a source_ref ('' when missing)."""
    return "" if _is_missing(value) else str(value)


def _is_missing(value) -> bool:
    if value is None:
        return True
    if isinstance(value, str | int):
        return False
    if isinstance(value, float):
        return math.isnan(value)
    import pandas as pd

    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _plain(raw: dict) -> dict:
    return {k: (None if _is_missing(v) else (v.item() if hasattr(v, "item") else v)) for k, v in raw.items()}

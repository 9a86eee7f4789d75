"""The reconciliation → publishing contract holds: jaring.findings_contract names exactly what the
reconciliation writes (its SQL's jsonb_build_object keys, figures.py), and publishing covers every code."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from jaring import findings_contract as contract
from jaring.publishing import labels
from jaring.publishing.audiences import GOES_TO
from jaring.reconciliation import figures, findings

RECONCILIATION_SQL = Path(findings.__file__).parent / "sql"


def _arguments(text: str, open_paren: int) -> list[str]:
    """The top-level arguments of the call whose "(" is at `open_paren`."""
    depth, quoted, args, current = 0, False, [], []
    for ch in text[open_paren:]:
        if quoted or ch == "'":
            quoted = not quoted if ch == "'" else quoted
        elif ch in "()":
            depth += 1 if ch == "(" else -1
            if depth == 0:
                return [*args, "".join(current).strip()]
            if depth == 1:
                continue
        elif ch == "," and depth == 1:
            args.append("".join(current).strip())
            current = []
            continue
        current.append(ch)
    raise ValueError("unbalanced parentheses")


def _object_keys(sql: str) -> set[str]:
    """Keys of every jsonb_build_object in `sql` (nested ones included)."""
    keys = set()
    for call in re.finditer(r"jsonb_build_object\s*\(", sql):
        keys |= {arg.strip("'") for arg in _arguments(sql, call.end() - 1)[::2]}
    return keys


def _keys_written_per_code() -> dict[str, set[str]]:
    written: dict[str, set[str]] = {}
    for path in sorted(RECONCILIATION_SQL.glob("*.sql")):
        sql = "\n".join(line for line in path.read_text().splitlines() if not line.strip().startswith("--"))
        for statement in sql.split(";\n"):
            keys = _object_keys(statement)
            for code in (c for c in contract.CODES if keys and f"'{c}'" in statement):
                written.setdefault(code, set()).update(keys)
    return written


def _expected_keys(code: str) -> set[str]:
    keys = set(contract.DETAILS[code])
    if "heirs" in keys:
        keys |= set(contract.HEIR)
    if "participations" in keys:
        keys |= set(contract.PARTICIPATION)
    return keys


@pytest.mark.parametrize("code", contract.CODES)
def test_details_keys_are_those_the_reconciliation_sql_writes(code):
    assert _keys_written_per_code().get(code) == _expected_keys(code)


class _NoRows:
    def execute(self, *args):
        return []


def test_figure_names_are_those_the_reconciliation_writes():
    params = {"night": date(2026, 11, 20), "apbd_payer": "APBD_KOTA_JAMBI", "premium": 16800, "quota": 4000}
    written = figures.compute(_NoRows(), params, {"APBD_KOTA_JAMBI": 3})
    assert set(written) | {contract.COMPARED_WITH} == set(contract.FIGURES)  # run() adds the last one
    for name, value in written.items():
        keys = contract.FIGURES[name]
        entries = value.values() if name == contract.COVERAGE_BY_KELURAHAN else \
            value if isinstance(value, list) else [value]
        for entry in entries if keys else []:
            assert set(entry) == set(keys), name


def test_codes_are_stated_once_and_publishing_covers_each():
    assert findings.CODES is contract.CODES
    assert tuple(GOES_TO) == contract.CODES and tuple(labels.CODE_TEXT) == contract.CODES


def test_detail_labels_name_only_keys_of_the_contract():
    known = set().union(*contract.DETAILS.values(), contract.HEIR, contract.PARTICIPATION)
    assert set(labels.DETAIL_LABELS) <= known

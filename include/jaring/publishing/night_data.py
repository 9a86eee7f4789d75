"""What publishing reads of night D from the warehouse: findings, resolved, figures, 30-night history,
and how each source's checks went."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property

from jaring.warehouse import sqlfile

HISTORY_NIGHTS = 30
SORT_FIELDS = ("finding_code", "nik", "kpj", "period", "source_ref")


def sort_key(row: dict) -> tuple:
    return tuple(str(row.get(name) or "") for name in SORT_FIELDS)


@dataclass
class Night:
    night: date
    findings: list[dict]
    resolved: list[dict]
    figures: dict
    history: dict[date, dict[str, int]] = field(default_factory=dict)  # night -> code -> count
    validation: list[tuple[str, bool, list[str]]] = field(default_factory=list)  # (suite, accepted, blocking)

    @cached_property
    def invalid_by_source(self) -> Counter:
        """How many INVALID_SOURCE_RECORD findings each source has (every audience's page shows them)."""
        return Counter(r.get("source") for r in self.findings if r["finding_code"] == "INVALID_SOURCE_RECORD")

    @property
    def history_nights(self) -> list[date]:
        return [self.night - timedelta(days=i) for i in range(HISTORY_NIGHTS - 1, -1, -1)]


def _rows(conn, table: str, night: date) -> list[dict]:
    """The rows as dicts, `details` parsed by orjson (a city night's 65k: half the time of psycopg's json
    loader), text stripped (char(n) columns come back padded; the reports show the values as written)."""
    from psycopg import sql

    from jaring.sources.http import decode_json

    schema, name = table.split(".")
    query = sql.SQL(sqlfile.text(__name__, "findings")).format(table=sql.Identifier(schema, name))
    with conn.cursor() as cur:
        cur.execute(query, {"night": night})
        columns = [column.name for column in cur.description]
        rows = [{key: value.strip() if type(value) is str else value for key, value in zip(columns, row, strict=True)}
                for row in cur.fetchall()]
    for row in rows:
        if row["details"] is not None:
            row["details"] = decode_json(row["details"])
    return sorted(rows, key=sort_key)


def routing(conn, night: date) -> list[dict]:
    """Night D's findings with only what `audiences.audiences_of` reads (the payer the only detail)."""
    from jaring.findings_contract import PAYER

    with conn.cursor() as cur:
        cur.execute(sqlfile.text(__name__, "routing"), {"night": night, "payer": PAYER})
        return [{"finding_code": code, "source": source, "source_ref": ref, "kode_wilayah": kode,
                 "ledger_kelurahan": ledger, "details": {PAYER: payer} if payer is not None else None}
                for code, source, ref, kode, ledger, payer in cur]


def load(conn, night: date) -> Night:
    findings = _rows(conn, "recon.finding", night)
    resolved = _rows(conn, "recon.resolved", night)
    row = conn.execute(sqlfile.text(__name__, "figures"), {"night": night}).fetchone()
    history: dict[date, dict[str, int]] = {}
    for day, code, count in conn.execute(sqlfile.text(__name__, "history"), {"night": night, "nights": HISTORY_NIGHTS}):
        history.setdefault(day, {})[code] = count
    validation = [tuple(r) for r in conn.execute(sqlfile.text(__name__, "validation"), {"night": night})]
    return Night(night, findings, resolved, (row[0] if row else None) or {}, history, validation)

"""What publishing reads of night D from the warehouse: findings, resolved, figures, 30-night history,
and how each source's checks went."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from jaring.warehouse import sqlfile

HISTORY_NIGHTS = 30
SORT_FIELDS = ("finding_code", "nik", "kpj", "period", "source_ref")


def _clean(row: dict) -> dict:
    # char(n) columns come back padded; the reports show the values as written.
    return {k: (v.strip() if isinstance(v, str) and k != "details" else v) for k, v in row.items()}


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

    @property
    def history_nights(self) -> list[date]:
        return [self.night - timedelta(days=i) for i in range(HISTORY_NIGHTS - 1, -1, -1)]


def _rows(conn, table: str, night: date) -> list[dict]:
    from psycopg import sql
    from psycopg.rows import dict_row

    schema, name = table.split(".")
    query = sql.SQL(sqlfile.text(__name__, "findings")).format(table=sql.Identifier(schema, name))
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(query, {"night": night})
        rows = [_clean(r) for r in cur.fetchall()]
    return sorted(rows, key=sort_key)


def load(conn, night: date) -> Night:
    findings = _rows(conn, "recon.finding", night)
    resolved = _rows(conn, "recon.resolved", night)
    row = conn.execute(sqlfile.text(__name__, "figures"), {"night": night}).fetchone()
    history: dict[date, dict[str, int]] = {}
    for day, code, count in conn.execute(sqlfile.text(__name__, "history"), {"night": night, "nights": HISTORY_NIGHTS}):
        history.setdefault(day, {})[code] = count
    validation = [tuple(r) for r in conn.execute(sqlfile.text(__name__, "validation"), {"night": night})]
    return Night(night, findings, resolved, (row[0] if row else None) or {}, history, validation)

"""`laporan.html`: the city summary and each audience's report, from `report.html.j2` (self-contained)."""

from __future__ import annotations

from collections import Counter
from functools import cache
from pathlib import Path

from jaring import findings_contract as contract
from jaring.publishing import charts, labels
from jaring.publishing.audiences import DINSOS, sees_full_nik
from jaring.publishing.formatting import angka, as_date, bulan, is_missing, is_money, rupiah, tanggal
from jaring.publishing.night_data import Night

TABLE_LIMIT = 300  # rows per code in the HTML; the workbook has them all


@cache
def _template():
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(tanggal=tanggal, bulan=bulan, angka=lambda n: angka(n or 0), value=show_value)
    return env.get_template("report.html.j2")


def show_value(value, key: str = "") -> str:
    """A details value in words: dates in Indonesian, Rupiah, Ya/Tidak, lists joined."""
    if is_missing(value):
        return "–"
    if isinstance(value, bool):
        return "Ya" if value else "Tidak"
    day = as_date(value)
    if day is not None:
        return tanggal(day)
    if isinstance(value, int | float):
        return rupiah(value) if is_money(key) else angka(value)
    if isinstance(value, dict):
        return "; ".join(f"{labels.detail_label(k)}: {show_value(v, k)}" for k, v in sorted(value.items()))
    if isinstance(value, list | tuple):
        return " | ".join(show_value(v, key) for v in value) or "–"
    return str(value)


# ---------------------------------------------------------------- figures
def _amount(value) -> float | None:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def figures_view(figures: dict) -> dict:
    """What the charts need from `recon.figures` (names: jaring.findings_contract); a missing part is None."""
    view: dict = {"payers": [], "quota": None, "cost": [], "coverage": []}
    payers = figures.get(contract.ACTIVE_BY_PAYER)
    if isinstance(payers, dict):
        view["payers"] = sorted(((labels.PAYERS.get(k, k), v) for k, v in payers.items()
                                 if isinstance(v, int | float)), key=lambda item: -item[1])
    quota = figures.get(contract.APBD_QUOTA) or {}
    total, used = _amount(quota.get("quota")), _amount(quota.get("used"))
    if total is not None and used is not None:
        view["quota"] = {"quota": int(total), "used": int(used), "left": int(total - used), "year": quota.get("year")}
    cost = figures.get(contract.APBD_PROJECTED_COST) or {}
    amount = _amount(cost.get("amount"))
    if amount is not None:
        view["cost"].append(("Proyeksi biaya setahun", amount))
        full = _amount(cost.get("at_full_quota"))
        if full is not None:
            view["cost"].append(("Bila kuota terisi penuh", full))
    rows = []
    for item in figures.get(contract.COVERAGE_BY_KECAMATAN) or []:
        if isinstance(item, dict):
            rows.append((labels.nama_wilayah(str(item.get("nama_kecamatan") or item.get("kode_kecamatan"))),
                         int(_amount(item.get("eligible")) or 0), int(_amount(item.get("enrolled")) or 0)))
    view["coverage"] = sorted(rows)
    return view


def _city_charts(data: Night) -> dict:
    view = figures_view(data.figures)
    nights = data.history_nights
    codes = sorted({code for counts in data.history.values() for code in counts})
    series = {code: [data.history.get(day, {}).get(code, 0) for day in nights] for code in codes}
    names = {code: labels.CODE_TEXT[code].judul for code in codes if code in labels.CODE_TEXT}
    return {
        "payers": view["payers"],
        "quota": view["quota"],
        "coverage_svg": charts.coverage_bars(view["coverage"]) if view["coverage"] else None,
        "quota_svg": charts.quota_bar(view["quota"]["quota"], view["quota"]["used"]) if view["quota"] else None,
        "cost_svg": charts.cost_bars(view["cost"]) if view["cost"] else None,
        "cost": view["cost"],
        "history_svg": charts.history_columns(nights, series, names),
    }


# ---------------------------------------------------------------- pages
def _code_sections(audience: str | None, rows: list[dict], resolved: list[dict]) -> list[dict]:
    by_code: dict[str, list[dict]] = {}
    for row in rows:
        by_code.setdefault(row["finding_code"], []).append(row)
    done = Counter(r["finding_code"] for r in resolved)
    sections = []
    codes = contract.CODES
    for code in [c for c in codes if c in by_code or done[c]] + sorted(set(by_code) - set(codes)):
        text = labels.CODE_TEXT.get(code) or labels.CodeText(code, "", {"*": ""})
        code_rows = by_code.get(code, [])
        sections.append({
            "code": code, "judul": text.judul, "arti": text.arti,
            "tindakan": text.what_to_do(audience or DINSOS),
            "count": len(code_rows), "new": sum(1 for r in code_rows if r.get("status") == "NEW"),
            "resolved": done[code], "rows": code_rows[:TABLE_LIMIT],
            "more": max(len(code_rows) - TABLE_LIMIT, 0),
        })
    return sections


def _page(data: Night, audience: str | None, rows: list[dict], resolved: list[dict], with_charts: bool,
          show_rows: bool) -> str:
    return _template().render(
        night=data.night,
        audience=audience,
        audience_name=labels.audience_name(audience) if audience else "Ringkasan Kota Jambi",
        masked=not sees_full_nik(audience),
        total=len(rows),
        new=sum(1 for r in rows if r.get("status") == "NEW"),
        resolved_total=len(resolved),
        sections=_code_sections(audience, rows, resolved),
        charts=_city_charts(data) if with_charts else None,
        show_rows=show_rows,
        status_label=labels.STATUS,
        severity_label=labels.SEVERITY,
        detail_label=labels.detail_label,
        kelurahan_name=labels.kelurahan_name,
        limit=TABLE_LIMIT,
    )


def render_city(data: Night) -> str:
    """`<D>/laporan.html`: counts and charts for the whole city; no personal data."""
    return _page(data, None, data.findings, data.resolved, with_charts=True, show_rows=False)


def render_audience(data: Night, audience: str, rows: list[dict], resolved: list[dict]) -> str:
    """An audience's report (rows already masked for it); Dinas Sosial also gets the city charts."""
    return _page(data, audience, rows, resolved, with_charts=audience == DINSOS, show_rows=True)


def render_index(nights: list[dict]) -> str:
    """The outbox root's `index.html` (see `jaring.publishing.index`)."""
    return _template().environment.get_template("index.html.j2").render(nights=nights)

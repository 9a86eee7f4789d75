"""The programme's figures of night D (`recon.figures`, published in summary.json).

- `active_by_payer`: AKTIF participants by PEMBIAYAAN;
- `apbd_quota`: the year's quota, `used` = AKTIF participants paid by the city, `left` = max(quota - used, 0);
- `coverage_by_kecamatan`: eligible people (policy.md), those enrolled (an AKTIF participant linked,
  any payer) and the percentage, per kecamatan of domicile (`jaring.regions`), plus the city total;
- `coverage_by_kelurahan`: {kode kelurahan: eligible, enrolled, within_quota, waiting} for each kelurahan
  with eligible residents (a kelurahan's report shows its own);
- `apbd_projected_cost`: `amount = active APBD participants x monthly premium x 12`, the cost of a
  full budget year (the year of D) at tonight's head count; `at_full_quota` the same for the quota.
"""

from __future__ import annotations

import json

from jaring.regions import kecamatan
from jaring.warehouse import db, sqlfile


def active_by_payer(conn, params: dict) -> dict[str, int]:
    return {payer: n for payer, n in sqlfile.execute(conn, __name__, "figures_payers", params)}


def _percent(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


def compute(conn, params: dict, payers: dict[str, int]) -> dict:
    used = payers.get(params["apbd_payer"], 0)
    rows = {kec: (eligible, enrolled, within) for kec, eligible, enrolled, within in
            sqlfile.execute(conn, __name__, "figures_coverage", params)}
    coverage = []
    for kode, nama in sorted(kecamatan().items()):
        eligible, enrolled, within = rows.get(kode, (0, 0, 0))
        coverage.append({"kode_kecamatan": kode, "nama_kecamatan": nama, "eligible": eligible,
                         "enrolled": enrolled, "percent": _percent(enrolled, eligible), "within_quota": within})
    total_eligible = sum(r[0] for r in rows.values())
    total_enrolled = sum(r[1] for r in rows.values())
    year, premium = params["night"].year, params["premium"]
    return {
        "night": params["night"].isoformat(),
        "active_by_payer": payers,
        "active_total": sum(payers.values()),
        "apbd_quota": {"year": year, "quota": params["quota"], "used": used,
                       "left": max(params["quota"] - used, 0), "over": max(used - params["quota"], 0)},
        "coverage_by_kecamatan": coverage,
        "coverage_by_kelurahan": {
            kode: {"eligible": eligible, "enrolled": enrolled, "within_quota": within,
                   "waiting": eligible - enrolled - within}
            for kode, eligible, enrolled, within in sqlfile.execute(conn, __name__, "figures_coverage_kelurahan",
                                                                     params)},
        "coverage_total": {"eligible": total_eligible, "enrolled": total_enrolled,
                           "percent": _percent(total_enrolled, total_eligible)},
        "apbd_projected_cost": {
            "year": year, "active_apbd": used, "monthly_premium": premium, "months": 12,
            "amount": used * premium * 12, "at_full_quota": params["quota"] * premium * 12,
            "formula": "active APBD participants x monthly premium x 12",
        },
    }


def write(conn, night, figures: dict) -> None:
    db.clear_night(conn, "recon.figures", night)
    conn.execute("INSERT INTO recon.figures (night, figures) VALUES (%s, %s::jsonb)", (night, json.dumps(figures)))

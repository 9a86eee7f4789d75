"""`laporan.html`: the city summary and each audience's report, from `report.html.j2` (self-contained)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path

from jaring import findings_contract as contract
from jaring.nights import action_deadline
from jaring.publishing import charts, labels
from jaring.publishing.audiences import BPKAD, DINSOS, GOES_TO, KELURAHAN, sees_full_nik
from jaring.publishing.formatting import angka, as_date, bulan, is_missing, rupiah, tanggal
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
    """A details value in words (labels.detail_lines), its lines joined."""
    return "; ".join(labels.detail_lines(key, value))


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


AGENCIES_WITH_SUMMARY = frozenset({DINSOS, "bpjs-tk", "disdukcapil", "bpkad"})
MIN_TREND_NIGHTS = 7  # fewer computed nights make an empty chart, not a trend


def _city_charts(data: Night, audience: str | None) -> dict:
    view = figures_view(data.figures)
    nights = data.history_nights
    computed = sum(1 for day in nights if day in data.history)
    # an office sees the trend of its own codes only
    codes = sorted({code for counts in data.history.values() for code in counts
                    if audience is None or audience in GOES_TO.get(code, ())})
    series = {code: [data.history.get(day, {}).get(code, 0) for day in nights] for code in codes}
    names = {code: labels.CODE_TEXT[code].judul for code in codes if code in labels.CODE_TEXT}
    return {
        "payers": view["payers"],
        "quota": view["quota"],
        "coverage_svg": charts.coverage_bars(view["coverage"]) if view["coverage"] else None,
        "quota_svg": charts.quota_bar(view["quota"]["quota"], view["quota"]["used"]) if view["quota"] else None,
        "cost_svg": charts.cost_bars(view["cost"]) if view["cost"] else None,
        "cost": view["cost"],
        "history_svg": charts.history_columns(nights, series, names) if computed >= MIN_TREND_NIGHTS else None,
    }


# ---------------------------------------------------------------- pages
# What each row says first (its action or its cause), before the evidence; keys said there are not repeated.
_SAID_FIRST = {"ELIGIBLE_NOT_ENROLLED": {"quota_rank", "within_quota"}, "INVALID_SOURCE_RECORD": {"reason"}}


def not_eligible_because(details: dict, policy=None) -> str:
    """NO_LONGER_ELIGIBLE in one sentence from the details the reconciliation writes, e.g.
    `umur 65 melebihi batas 64` or `desil 6 > 5; status pekerjaan buruh/karyawan/pegawai (kode 4) bukan
    pekerjaan informal; tidak diusulkan RT`. The thresholds not in `details` come from the policy."""
    why = []
    umur, bounds = details.get("umur"), details.get("age_range")
    if isinstance(umur, int) and isinstance(bounds, list | tuple) and len(bounds) == 2:
        if umur > bounds[1]:
            why.append(f"umur {umur} melebihi batas {bounds[1]}")
        elif umur < bounds[0]:
            why.append(f"umur {umur} di bawah batas {bounds[0]}")
    if why:
        return why[0]
    max_desil = getattr(policy, "max_desil", None)
    informal = getattr(policy, "informal_status_pekerjaan", None)
    if details.get("in_dtsen") is False:
        why.append("tidak terdaftar di DTSEN")
    else:
        desil = details.get("desil")
        if desil is None:
            why.append("desil keluarga tidak tercatat di DTSEN")
        elif max_desil is not None and desil > max_desil:
            why.append(f"desil {desil} > {max_desil}")
        status = details.get("status_pekerjaan")
        if status is None:
            why.append("tidak bekerja menurut DTSEN")
        elif informal is not None and status not in informal:
            why.append(f"status pekerjaan {labels.status_pekerjaan(status)} bukan pekerjaan informal")
    if not details.get("rt_proposal"):
        why.append("tidak diusulkan RT")
    return "; ".join(why) or "tidak lagi memenuhi syarat Perwal"


def row_action(row: dict, policy=None) -> list[str]:
    """The row's own first lines: why, or what exactly to do (before the evidence)."""
    code, d = row["finding_code"], row.get("details") or {}
    period = bulan(row["period"]) if row.get("period") else ""
    if code == "NO_LONGER_ELIGIBLE":
        text = not_eligible_because(d, policy)
        return [text[0].upper() + text[1:]]
    if code == "ELIGIBLE_NOT_ENROLLED":
        rank = d.get("quota_rank")
        where = "Dalam kuota — daftarkan" if d.get("within_quota") else "Daftar tunggu — belum perlu dihubungi"
        return [f"{where} (urutan {angka(rank)})" if rank is not None else where]
    if code == "INVALID_SOURCE_RECORD":
        return labels.detail_lines("reason", d.get("reason")) + [labels.source_ref_text(row.get("source_ref"))]
    if code == "PREMIUM_ARREARS":
        months = d.get("missing_months") or []
        amount = d.get("arrears_amount")
        owed = f": {rupiah(amount)}" if isinstance(amount, int | float) else ""
        return [f"{len(months)} bulan belum dibayar{owed}"]
    if code == "PAYMENT_NOT_REMITTED":
        return [f"Iuran {period} {rupiah(d.get('ledger_amount') or 0)} tercatat di buku kas RT, belum diterima BPJS"]
    if code == "PAYMENT_AMOUNT_MISMATCH":
        return [f"Iuran {period}: RT mencatat {rupiah(d.get('ledger_amount') or 0)}, BPJS menerima "
                f"{rupiah(d.get('bpjs_amount') or 0)}"]
    if code in ("DECEASED_STILL_ACTIVE", "DEATH_BENEFIT_UNCLAIMED") and as_date(d.get("tgl_mati")):
        line = f"Meninggal {tanggal(as_date(d['tgl_mati']))}"
        if code == "DEATH_BENEFIT_UNCLAIMED" and isinstance(d.get("jkm_benefit"), int | float):
            line += f"; ahli waris berhak santunan {rupiah(d['jkm_benefit'])}"
        return [line]
    if code == "NIK_NOT_IN_REGISTRY":
        return ["NIK di BPJS tidak dikenal Disdukcapil dan tidak ada warga lain yang cocok: minta peserta "
                "menunjukkan KTP/KK, lalu perbaiki NIK di BPJS"]
    if code == "NIK_MISMATCH":
        return ["Peserta ini tercatat di Disdukcapil dengan NIK lain: ganti NIK di BPJS dengan NIK Disdukcapil"]
    if code == "IDENTITY_MISMATCH":
        return ["NIK dikenal Disdukcapil, tetapi nama atau tanggal lahir di BPJS berbeda: cocokkan dengan KTP, "
                "lalu perbaiki data di BPJS"]
    if code == "DUPLICATE_PARTICIPANT":
        kpjs = d.get("kpjs") or []
        many = f"{len(kpjs)} kartu" if isinstance(kpjs, list) and kpjs else "lebih dari satu kartu"
        return [f"Satu orang, {many} aktif: pertahankan satu kepesertaan, nonaktifkan yang lain"]
    if code == "MOVED_OUT_OF_CITY" and d.get("kode_wilayah_baru"):
        since = f" sejak {tanggal(as_date(d['tgl_pindah']))}" if as_date(d.get("tgl_pindah")) else ""
        return [f"Pindah ke {labels.region_name(d['kode_wilayah_baru'])}{since}"]
    return []


@dataclass(frozen=True, slots=True)
class RowView:
    """One finding as a report's table row shows it (attributes, which the template reads fastest)."""

    new: bool
    status: str
    first_seen: date | None
    nama: str | None
    nik: str | None
    kpj: str | None
    place: str
    action: list[str]
    evidence: list[tuple[str, list[str]]]


def _row_view(row: dict, policy) -> RowView:
    details = row.get("details") or {}
    hidden = _SAID_FIRST.get(row["finding_code"], set())
    evidence = [(labels.detail_label(k), labels.detail_lines(k, v)) for k, v in sorted(details.items())
                if k not in hidden and not (is_missing(v) or v == [])]
    if row.get("period"):
        evidence.insert(0, (labels.COLUMNS["period"], [bulan(row["period"])]))
    if row.get("source_ref") and row["finding_code"] in ("PAYMENT_NOT_REMITTED", "PAYMENT_AMOUNT_MISMATCH"):
        evidence.append((labels.COLUMNS["source_ref"], [labels.source_ref_text(row["source_ref"])]))
    return RowView(
        new=row.get("status") == "NEW", status=labels.STATUS.get(row.get("status"), row.get("status") or ""),
        first_seen=row.get("first_seen"), nama=row.get("nama"), nik=row.get("nik"), kpj=row.get("kpj"),
        place=labels.place(row.get("kode_wilayah"), row.get("no_rt"), row.get("no_rw")),
        action=row_action(row, policy), evidence=evidence,
    )


def quota_order(row: dict) -> tuple:
    """ELIGIBLE_NOT_ENROLLED by the quota rank (policy.md "Priority for the quota"), then NIK."""
    rank = (row.get("details") or {}).get("quota_rank")
    return (rank if isinstance(rank, int | float) else float("inf"), str(row.get("nik") or ""))


def _rt_of(row: dict, kelurahan: str) -> tuple[str, str]:
    """(RW, RT) of a row inside a kelurahan: the person's, or the ledger's when the person lives elsewhere."""
    if (row.get("kode_wilayah") or "") == kelurahan and row.get("no_rt"):
        return (row.get("no_rw") or "", row.get("no_rt") or "")
    match = re.search(r"-RT(\d+)-RW(\d+)\.", row.get("source_ref") or "")
    if match:
        return (match[2], match[1])
    return (row.get("no_rw") or "", row.get("no_rt") or "")


def _groups(code: str, audience: str | None, rows: list[dict], policy) -> list[dict]:
    """A code's rows as the reader works through them: Dinas Sosial's eligible by quota rank, within the
    quota first; a kelurahan's by RT/RW (one checklist per Ketua RT)."""
    if code == "ELIGIBLE_NOT_ENROLLED":
        rows = sorted(rows, key=quota_order)
    parts: list[tuple[str | None, list[dict]]]
    kind, _, kode = (audience or "").partition("/")
    if kind == KELURAHAN:
        by_rt: dict[tuple[str, str], list[dict]] = {}
        for row in rows:
            by_rt.setdefault(_rt_of(row, kode), []).append(row)
        parts = [(f"RT {rt}/RW {rw}" if rt else "RT tidak diketahui", part)
                 for (rw, rt), part in sorted(by_rt.items(), key=lambda item: (item[0][0] or "~", item[0][1] or "~"))]
    elif code == "ELIGIBLE_NOT_ENROLLED":
        inside = [r for r in rows if (r.get("details") or {}).get("within_quota")]
        waiting = [r for r in rows if not (r.get("details") or {}).get("within_quota")]
        parts = [(title, part) for title, part in (("Dalam kuota — daftarkan", inside), ("Daftar tunggu", waiting))
                 if part]
    else:
        parts = [(None, rows)]
    return [{"title": title, "count": len(part), "rows": [_row_view(r, policy) for r in part[:TABLE_LIMIT]],
             "more": max(len(part) - TABLE_LIMIT, 0)} for title, part in parts]


def _code_sections(audience: str | None, rows: list[dict], resolved: list[dict], policy=None,
                   show_rows: bool = True) -> list[dict]:
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
            "resolved": done[code],
            # the night compared with held the persisting ones and the resolved ones
            "before": len(code_rows) - sum(1 for r in code_rows if r.get("status") == "NEW") + done[code],
            "groups": _groups(code, audience, code_rows, policy) if show_rows else [],
            "at_stake": at_stake(code, code_rows, policy) if audience == BPKAD and policy else None,
        })
    return sections


def at_stake(code: str, rows: list[dict], policy) -> str | None:
    """What a code costs the city budget, for BPKAD: premiums paid each month for people the APBD should
    not cover (moved out, no longer eligible, a second card), or the arrears owed."""
    if code == "PREMIUM_ARREARS":
        owed = sum(r["details"].get("arrears_amount") or 0 for r in rows if isinstance(r.get("details"), dict))
        return f"tunggakan {rupiah(owed)}"
    if code == "DUPLICATE_PARTICIPANT":
        extra = sum(max(len((r.get("details") or {}).get("kpjs") or []) - 1, 1) for r in rows)
        return f"{rupiah(extra * policy.monthly_premium)} per bulan"
    if code in ("MOVED_OUT_OF_CITY", "NO_LONGER_ELIGIBLE"):
        return f"{rupiah(len(rows) * policy.monthly_premium)} per bulan"
    return None


def _page(data: Night, audience: str | None, rows: list[dict], resolved: list[dict], with_charts: bool,
          show_rows: bool, policy=None) -> str:
    return _template().render(
        night=data.night,
        audience=audience,
        audience_name=labels.audience_name(audience) if audience else "Ringkasan Kota Jambi",
        masked=not sees_full_nik(audience),
        total=len(rows),
        new=sum(1 for r in rows if r.get("status") == "NEW"),
        resolved_total=len(resolved),
        compared_with=compared_with(data),
        coverage=kelurahan_coverage(data, audience),
        due=action_deadline(data.night, policy.premium_due_day if policy else 15),
        validation=validation_summary(data) if not show_rows or audience in AGENCIES_WITH_SUMMARY else [],
        sections=_code_sections(audience, rows, resolved, policy, show_rows),
        charts=_city_charts(data, audience) if with_charts else None,
        show_rows=show_rows,
        checklist=(audience or "").startswith(KELURAHAN + "/"),
        limit=TABLE_LIMIT,
    )


SUITE_NAMES = {
    "dukcapil": "Disdukcapil — data kependudukan", "bpjs_peserta": "BPJS Ketenagakerjaan — peserta",
    "bpjs_iuran": "BPJS Ketenagakerjaan — iuran", "bpjs_klaim": "BPJS Ketenagakerjaan — klaim",
    "dtsen": "DTSEN Dinas Sosial", "rt": "Buku kas RT",
}
_SUITE_SOURCE = {"dukcapil": "dukcapil", "bpjs_peserta": "bpjs", "bpjs_iuran": "bpjs", "bpjs_klaim": "bpjs",
                 "dtsen": "dtsen", "rt": "rt"}


def validation_summary(data: Night) -> list[dict]:
    """Each source's checks of the night in words: accepted or not, and how many of its records the
    source must fix (INVALID_SOURCE_RECORD findings of that source)."""
    invalid = data.invalid_by_source
    rows, counted = [], set()
    for suite, accepted, _blocking in data.validation:
        source = _SUITE_SOURCE.get(suite, suite)
        rows.append({
            "sumber": SUITE_NAMES.get(suite, suite),
            "status": "diterima" if accepted else "ditolak malam ini (data tidak dipakai; tim data sudah diberi tahu)",
            "tidak_valid": invalid[source] if source not in counted else None,
        })
        counted.add(source)
    return rows


def kelurahan_coverage(data: Night, audience: str | None) -> dict | None:
    """A kelurahan's own figures: its eligible residents, enrolled, within the quota, waiting."""
    if not (audience or "").startswith(KELURAHAN + "/"):
        return None
    mine = (data.figures.get(contract.COVERAGE_BY_KELURAHAN) or {}).get(audience.partition("/")[2])
    return mine or {"eligible": 0, "enrolled": 0, "within_quota": 0, "waiting": 0}


def compared_with(data: Night) -> str:
    """The night NEW / selesai are counted against, in words: 'malam sebelumnya' when it is D-1, its
    date when nights were missed, 'belum ada malam sebelumnya' on the first night."""
    previous = (data.figures or {}).get(contract.COMPARED_WITH)
    if not previous:
        return "belum ada malam sebelumnya"
    previous = date.fromisoformat(previous)
    if previous == data.night - timedelta(days=1):
        return "malam sebelumnya"
    return f"malam {tanggal(previous)} (malam di antaranya tidak dihitung)"


def render_city(data: Night) -> str:
    """`<D>/laporan.html`: counts and charts for the whole city; no personal data."""
    return _page(data, None, data.findings, data.resolved, with_charts=True, show_rows=False)


def render_audience(data: Night, audience: str, rows: list[dict], resolved: list[dict], policy=None) -> str:
    """An audience's report (rows already masked for it); Dinas Sosial also gets the city charts. `policy`
    gives the thresholds a NO_LONGER_ELIGIBLE sentence names (default: the configured policy file)."""
    if policy is None:
        from jaring import policy as policies

        policy = policies.load()
    return _page(data, audience, rows, resolved, with_charts=audience == DINSOS, show_rows=True, policy=policy)


def render_index(nights: list[dict]) -> str:
    """The outbox root's `index.html`, the engineers' (see `jaring.publishing.index`)."""
    return _template().environment.get_template("index.html.j2").render(nights=nights)


def render_audience_index(name: str, nights: list[dict]) -> str:
    """An official's `penerima/<audience>/index.html`: that audience's reports only."""
    return _template().environment.get_template("audience_index.html.j2").render(name=name, nights=nights)

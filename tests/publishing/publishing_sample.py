"""A hand-built night of findings in a real warehouse: every code, two kelurahan, heirs, history.

The `details` and figures use only the names the reconciliation writes (`jaring.findings_contract`):
`evidence` and `figures` refuse any other, so the sample cannot drift from the producer again.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

from jaring import findings_contract as contract
from jaring.findings_contract import PAYER

NIGHT = date(2026, 11, 20)
TALANG_BANJAR, SIMPANG_IV = "1571031003", "1571011001"  # kecamatan Jambi Timur, Telanaipura
OUTSIDE = "1505011001"  # Muaro Jambi: outside the city

COLUMNS = ("night", "finding_code", "finding_key", "nik", "kpj", "period", "source", "source_ref", "severity",
           "nama", "kode_wilayah", "no_rt", "no_rw", "ledger_kelurahan", "status", "first_seen", "details")


def evidence(code: str, **values) -> dict:
    """A finding's `details`, with keys of that code's contract only."""
    unknown = set(values) - set(contract.DETAILS[code])
    assert not unknown, f"{code} details do not carry {sorted(unknown)} (jaring.findings_contract)"
    return values


def heir(nik_: str, nama: str, stat_hbkel: str, umur: int) -> dict:
    return dict(zip(contract.HEIR, (nik_, nama, stat_hbkel, f"{2026 - umur}-01-15", umur), strict=True))


def nik(kel: str, serial: int) -> str:
    """A 16-digit NIK of that kelurahan's kecamatan with a unique serial."""
    return f"{kel[:6]}0101{80 + serial % 10:02d}{serial:04d}"


def kpj(serial: int) -> str:
    return f"220{serial:08d}"


def finding(code: str, key: str, *, kel: str | None, serial: int, nama: str | None, status="NEW",
            first_seen=NIGHT, ledger: str | None = None, details: dict | None = None, period=None,
            source="bpjs", source_ref=None, with_kpj=True, severity="SEDANG", person=True) -> dict:
    return {
        "finding_code": code, "finding_key": key, "nik": nik(kel or OUTSIDE, serial) if person else None,
        "kpj": kpj(serial) if with_kpj else None, "period": period, "source": source,
        "source_ref": source_ref or (f"bpjs:{kpj(serial)}" if with_kpj else None), "severity": severity,
        "nama": nama, "kode_wilayah": kel, "no_rt": "003" if kel else None, "no_rw": "001" if kel else None,
        "ledger_kelurahan": ledger, "status": status, "first_seen": first_seen, "details": details or {},
    }


def sample_findings() -> list[dict]:
    """Findings of night D; names are unique per person so a leak is visible."""
    tb, si = TALANG_BANJAR, SIMPANG_IV
    heirs = [heir(nik(tb, 901), "ANAK SATU TALANG", "ANAK", 12), heir(nik(tb, 902), "ISTRI TALANG", "ISTRI", 44)]
    rows = [
        finding("DECEASED_STILL_ACTIVE", kpj(1), kel=tb, serial=1, nama="ALMARHUM TALANG SATU", severity="TINGGI",
                details=evidence("DECEASED_STILL_ACTIVE", tgl_mati="2026-09-30", registry_nik=nik(tb, 1))),
        finding("DEATH_BENEFIT_UNCLAIMED", kpj(1), kel=tb, serial=1, nama="ALMARHUM TALANG SATU",
                details=evidence("DEATH_BENEFIT_UNCLAIMED", tgl_mati="2026-09-30", jkm_benefit=42000000,
                                 heirs=heirs, three_years_contributions=False)),
        finding("DEATH_BENEFIT_UNCLAIMED", kpj(2), kel=si, serial=2, nama="ALMARHUMAH SIPIN DUA",
                status="PERSISTING", first_seen=NIGHT - timedelta(days=2),
                details=evidence("DEATH_BENEFIT_UNCLAIMED", tgl_mati="2026-08-01", jkm_benefit=42000000,
                                 heirs=[heir(nik(si, 903), "ANAK SIPIN", "ANAK", 9)])),
        finding("MOVED_OUT_OF_CITY", kpj(3), kel=OUTSIDE, serial=3, nama="PINDAHAN MUARO",
                details=evidence("MOVED_OUT_OF_CITY", tgl_pindah="2026-10-02", **{PAYER: "APBD_KOTA_JAMBI"})),
        finding("NIK_NOT_IN_REGISTRY", kpj(4), kel=tb, serial=4, nama="TANPA NIK TALANG", person=False,
                details=evidence("NIK_NOT_IN_REGISTRY", participant_nik="1571039999990004")),
        finding("NIK_MISMATCH", kpj(5), kel=si, serial=5, nama="SALAH KETIK SIPIN",
                details=evidence("NIK_MISMATCH", participant_nik=nik(si, 5)[:-1] + "9", registry_nik=nik(si, 5))),
        finding("IDENTITY_MISMATCH", kpj(6), kel=si, serial=6, nama="BEDA NAMA SIPIN",
                details=evidence("IDENTITY_MISMATCH", nama_bpjs="BEDA NAMAA SIPIN")),
        finding("DUPLICATE_PARTICIPANT", nik(tb, 7), kel=tb, serial=7, nama="GANDA TALANG",
                details=evidence("DUPLICATE_PARTICIPANT", kpjs=[kpj(7), kpj(77)], participations=[
                    dict(zip(contract.PARTICIPATION, (k, p, "2025-03-01", nik(tb, 7)), strict=True))
                    for k, p in ((kpj(7), "APBD_KOTA_JAMBI"), (kpj(77), "APBD_PROVINSI_JAMBI"))])),
        finding("NO_LONGER_ELIGIBLE", kpj(8), kel=si, serial=8, nama="LEWAT USIA SIPIN",
                details=evidence("NO_LONGER_ELIGIBLE", umur=66, age_range=[18, 64], desil=7)),
        finding("ELIGIBLE_NOT_ENROLLED", nik(tb, 9), kel=tb, serial=9, nama="LAYAK TALANG", with_kpj=False,
                source="dtsen", source_ref="dtsen:1009",
                details=evidence("ELIGIBLE_NOT_ENROLLED", quota_rank=1, within_quota=True)),
        finding("ELIGIBLE_NOT_ENROLLED", nik(si, 10), kel=si, serial=10, nama="LAYAK SIPIN", with_kpj=False,
                source="dtsen", source_ref="dtsen:1010",
                details=evidence("ELIGIBLE_NOT_ENROLLED", quota_rank=2, within_quota=False)),
        finding("PREMIUM_ARREARS", kpj(11), kel=tb, serial=11, nama="NUNGGAK APBD TALANG",
                details=evidence("PREMIUM_ARREARS", missing_months=["2026-08", "2026-09"], arrears_amount=33600,
                                 **{PAYER: "APBD_KOTA_JAMBI"})),
        finding("PREMIUM_ARREARS", kpj(12), kel=si, serial=12, nama="NUNGGAK MANDIRI SIPIN",
                details=evidence("PREMIUM_ARREARS", missing_months=["2026-09"], arrears_amount=16800,
                                 **{PAYER: "MANDIRI"})),
        # raised by a Simpang IV Sipin ledger about a Talang Banjar resident: both kelurahan see it
        finding("PAYMENT_NOT_REMITTED", f"{nik(tb, 13)}|2026-09", kel=tb, serial=13, nama="SETOR TALANG",
                period="2026-09", source="rt", ledger=si, with_kpj=False,
                source_ref=f"rt:2026-09/{si}-RT003-RW001.xlsx#IURAN!5",
                details=evidence("PAYMENT_NOT_REMITTED", ledger_amount=16800, bpjs_amount=0)),
        finding("PAYMENT_AMOUNT_MISMATCH", f"{nik(si, 14)}|2026-10", kel=si, serial=14, nama="KURANG SIPIN",
                period="2026-10", source="rt", ledger=si,
                source_ref=f"rt:2026-10/{si}-RT002-RW001.csv#IURAN!3",
                details=evidence("PAYMENT_AMOUNT_MISMATCH", ledger_amount=16800, bpjs_amount=10000)),
        # raw NIKs in a reason: masked audiences must not see them either
        finding("INVALID_SOURCE_RECORD", f"rt|rt:2026-10/{tb}-RT001-RW002.xlsx#IURAN!7", kel=None, serial=15,
                nama=None, person=False, with_kpj=False, source="rt", ledger=tb,
                source_ref=f"rt:2026-10/{tb}-RT001-RW002.xlsx#IURAN!7",
                details=evidence("INVALID_SOURCE_RECORD", reason=["nik_stored_as_number: 1.57103010181E+15"],
                                 quarantined=False)),
        finding("INVALID_SOURCE_RECORD", "dtsen|dtsen:5551", kel=None, serial=16, nama=None, person=False,
                with_kpj=False, source="dtsen", source_ref="dtsen:5551",
                details=evidence("INVALID_SOURCE_RECORD", reason=["nik_not_16_digits: 1571 0301 0181 0016 7"],
                                 quarantined=False)),
        finding("INVALID_SOURCE_RECORD", f"dukcapil|dukcapil:{nik(tb, 17)}", kel=None, serial=17, nama=None,
                person=False, with_kpj=False, source="dukcapil", source_ref=f"dukcapil:{nik(tb, 17)}",
                details=evidence("INVALID_SOURCE_RECORD", reason=["TGL_LHR is not a YYYY-MM-DD date"], quarantined=True)),
        finding("INVALID_SOURCE_RECORD", f"bpjs|bpjs:{kpj(18)}", kel=None, serial=18, nama=None, person=False,
                with_kpj=False, source="bpjs", source_ref="bpjs:2201234",
                details=evidence("INVALID_SOURCE_RECORD", reason=["KPJ is not 11 digits (ID_BAYAR IB2600028448)"], quarantined=True)),
    ]
    return rows


def figures(**named) -> dict:
    """recon.figures with names (and their keys) of the contract only."""
    for name, value in named.items():
        keys = contract.FIGURES[name]
        for entry in value if isinstance(value, list) else [value]:
            assert not keys or set(entry) == set(keys), f"{name}: {sorted(entry)} is not {sorted(keys)}"
    return named


def sample_figures() -> dict:
    return figures(**{
        contract.ACTIVE_BY_PAYER: {"APBD_KOTA_JAMBI": 3712, "APBD_PROVINSI_JAMBI": 1200, "MANDIRI": 410,
                                   "BAZNAS": 55},
        contract.APBD_QUOTA: {"year": 2026, "quota": 4000, "used": 3712, "left": 288, "over": 0},
        contract.COVERAGE_BY_KECAMATAN: [
            {"kode_kecamatan": "157101", "nama_kecamatan": "TELANAIPURA", "eligible": 800, "enrolled": 512,
             "percent": 64.0, "within_quota": 300},
            {"kode_kecamatan": "157103", "nama_kecamatan": "JAMBI TIMUR", "eligible": 1200, "enrolled": 1010,
             "percent": 84.2, "within_quota": 150},
        ],
        contract.APBD_PROJECTED_COST: {"year": 2026, "active_apbd": 3712, "monthly_premium": 16800, "months": 12,
                                       "amount": 748339200, "at_full_quota": 806400000,
                                       "formula": "active APBD participants x monthly premium x 12"},
    })


def insert(dsn: str, night: date, rows: list[dict], table: str = "recon.finding") -> None:
    from jaring.warehouse import db

    with db.connect(dsn) as conn, db.night_replacement(conn, table, night):
        db.copy_rows(conn, table, COLUMNS,
                     ([night] + [json.dumps(r[c]) if c == "details" else r[c] for c in COLUMNS[1:]] for r in rows))


def insert_figures(dsn: str, night: date, figures: dict) -> None:
    from jaring.warehouse import db

    with db.connect(dsn) as conn:
        conn.execute("INSERT INTO recon.figures (night, figures) VALUES (%s, %s) "
                     "ON CONFLICT (night) DO UPDATE SET figures = excluded.figures", (night, json.dumps(figures)))

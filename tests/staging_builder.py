"""Hand-built staging rows of one night for linking and reconciliation tests."""

from __future__ import annotations

from datetime import date

from jaring.linking.names import normalise
from jaring.warehouse import db

KEL = "1571031004"  # a kelurahan of Kota Jambi (kecamatan 157103)


class Night:
    """Collects rows per staging table; `write(conn)` replaces `night` of those tables with them."""

    def __init__(self, night: date):
        self.night = night
        self.rows: dict[str, list[dict]] = {}

    def _add(self, table: str, row: dict) -> dict:
        self.rows.setdefault(table, []).append(row)
        return row

    def person(self, nik, nama, tgl_lahir, jk="L", *, no_kk=None, stat_hbkel="KEPALA KELUARGA",
               kode_wilayah=KEL, no_rt="005", no_rw="002", status="HIDUP", tgl_mati=None, tgl_pindah=None):
        return self._add("staging.person", dict(
            nik=nik, no_kk=no_kk or "1571030101100001", nama=nama, nama_key=normalise(nama),
            tgl_lahir=tgl_lahir, jenis_kelamin=jk, stat_hbkel=stat_hbkel, status_kawin="KAWIN",
            jenis_pkrjn="PEDAGANG", kode_wilayah=kode_wilayah, no_rt=no_rt, no_rw=no_rw,
            status=status, tgl_mati=tgl_mati, tgl_pindah=tgl_pindah))

    def participant(self, kpj, nik, nama, tgl_lahir, jk="L", *, status="AKTIF", tgl_kepesertaan=date(2025, 5, 1),
                    pembiayaan="APBD_KOTA_JAMBI", kode_wilayah=KEL, tgl_nonaktif=None):
        return self._add("staging.participant", dict(
            kpj=kpj, nik=nik, nik_raw=nik, nama=nama, nama_key=normalise(nama), tgl_lahir=tgl_lahir,
            jenis_kelamin=jk, status_kepesertaan=status, tgl_kepesertaan=tgl_kepesertaan,
            tgl_nonaktif=tgl_nonaktif, pembiayaan=pembiayaan, kode_wilayah=kode_wilayah, iuran_bulanan=16800))

    def payment(self, kpj, bulan, tgl_bayar, jumlah=16800):
        n = len(self.rows.get("staging.payment", []))
        return self._add("staging.payment", dict(
            id_bayar=f"B{n:06d}", kpj=kpj, bulan=bulan, jumlah=jumlah, tgl_bayar=tgl_bayar, kanal="PEMKOT"))

    def paid(self, kpj, first: str, last: str):
        """Payments for every month first..last, each paid on the 5th of the following month."""
        from jaring.nights import add_months

        month = first
        while month <= last:
            nxt = add_months(month, 1)
            self.payment(kpj, month, date(int(nxt[:4]), int(nxt[5:]), 5))
            month = nxt

    def claim(self, no_klaim, kpj, status, jenis="JKM", tgl_pengajuan=date(2026, 10, 1)):
        return self._add("staging.claim", dict(
            no_klaim=no_klaim, kpj=kpj, jenis_klaim=jenis, tgl_kejadian=None, tgl_pengajuan=tgl_pengajuan,
            status=status, nilai=42000000))

    def dtsen(self, id_individu, nik, nama, tgl_lahir, jk="L", *, desil=3, status_pekerjaan=1,
              kode_wilayah=KEL, periode="2026-10"):
        return self._add("staging.dtsen_individual", dict(
            periode=periode, id_individu=id_individu, id_keluarga=id_individu, nik=nik, nik_raw=nik, nama=nama,
            nama_key=normalise(nama), tgl_lahir=tgl_lahir, jenis_kelamin=jk, hub_kk=1,
            status_pekerjaan=status_pekerjaan, lapangan_usaha=None, desil=desil, kode_wilayah=kode_wilayah))

    def rt_row(self, row_no, nik, nama, *, sheet="IURAN", bulan="2026-10", kel=KEL, no_rt="005", no_rw="002",
               kpj=None, jumlah=16800, tgl_bayar=date(2026, 10, 5), kategori=None, nik_raw=None):
        path = f"{bulan}/{kel}-RT{no_rt}-RW{no_rw}.xlsx"
        return self._add("staging.rt_row", dict(
            source_ref=f"rt:{path}#{sheet}!{row_no}", path=path, sheet=sheet, row_no=row_no, bulan=bulan,
            kode_kelurahan=kel, no_rt=no_rt, no_rw=no_rw, nik=nik, nik_raw=nik_raw or nik, nama=nama,
            nama_key=normalise(nama) if nama else None, pekerjaan=None, kpj=kpj,
            jumlah=jumlah if sheet == "IURAN" else None, tgl_bayar=tgl_bayar if sheet == "IURAN" else None,
            sumber_dana="MANDIRI" if sheet == "IURAN" else None, kategori=kategori, no_hp=None))

    def invalid(self, source, source_ref, reason="bad"):
        return self._add("staging.invalid_record", dict(source=source, source_ref=source_ref, reason=reason))

    def quarantined(self, source, source_ref, reason="unreadable"):
        return self._add("quarantine.record", dict(
            source=source, source_ref=source_ref, reason=reason, expectation=None, raw_record=None))

    def write(self, conn) -> None:
        """Night D of its tables replaced by these rows."""
        with db.night_replacement(conn, list(self.rows), self.night):
            for table, rows in self.rows.items():
                columns = ["night", *rows[0].keys()]
                db.copy_rows(conn, table, columns, ([self.night, *r.values()] for r in rows))


def default_policy(**changes):
    """The project's policy file, with `changes` applied (dataclasses.replace)."""
    import dataclasses

    import yaml

    from jaring.config import PACKAGE_DATA
    from jaring.policy import parse

    policy = parse(yaml.safe_load((PACKAGE_DATA / "policy.yaml").read_text(encoding="utf-8")))
    return dataclasses.replace(policy, **changes)


def reconcile(dsn: str, night: Night | date, policy=None) -> dict:
    """Write the night's rows (if a `Night`), run the reconciliation; returns {(code, key): finding}."""
    from jaring import reconciliation
    from jaring.warehouse import db

    with db.connect(dsn) as conn:
        if isinstance(night, Night):
            night.write(conn)
            night = night.night
        reconciliation.run(night, conn, policy or default_policy())
    return findings(dsn, night)


def findings(dsn: str, night: date, table: str = "recon.finding") -> dict:
    from psycopg.rows import dict_row

    from jaring.warehouse import db

    with db.connect(dsn, row_factory=dict_row) as conn:
        rows = conn.execute(f"SELECT * FROM {table} WHERE night = %s", (night,)).fetchall()
    return {(r["finding_code"], r["finding_key"]): r for r in rows}


def codes_for(found: dict, key: str) -> set[str]:
    return {code for code, k in found if k == key}

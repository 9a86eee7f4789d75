"""Render the world's RT ledger rows (`rt_rows.csv`) into the quirky files RTs really upload.

`render(world_dir)` writes `inbox/<YYYY-MM>/<KEL>-RTrrr-RWwww.xlsx|csv` (one file per
RT and month, mtime = upload time in WIB) and `inbox_manifest.csv`, the truth of
what each rendered row should read back as (`defect` uses the reader's reason
vocabulary, `jaring.sources.rt_values`). Every quirk of `rt-ledger.md` occurs, in
a deterministic mix: the same seed gives the same bytes.
"""

from __future__ import annotations

import csv
import io
import multiprocessing
import os
import random
import shutil
import time
from collections import defaultdict
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path

from jaring.nights import WIB

DEFAULT_MIX = {
    "csv": 0.15,               # files rendered as CSV (only files without an USULAN sheet)
    "unreadable": 0.006,       # files that cannot be read (photo renamed .xlsx, empty, password)
    "nik_as_number": 0.04,     # files whose NIK column was typed as numbers
    "nik_cosmetic": 0.3,       # rows whose NIK has an apostrophe, spaces or dots (still valid)
    "nik_missing": 0.008,      # rows without NIK (name and KPJ kept)
    "nik_typo": 0.008,         # rows whose NIK lost or gained a digit
    "amount_unreadable": 0.004,
    "date_unreadable": 0.004,
    "header_variant": 0.5,     # files with other header wording / case
    "column_shuffle": 0.15,    # files with another column order
    "merged_title": 0.6,       # files whose first title row is a merged cell
    "blank_rows": 0.15,        # files with blank rows between the data
    "totals_row": 0.7,
    "signature": 0.6,
    "extra_sheets": 0.2,       # files with a hidden `IURAN LAMA` and a `REKAP` sheet
}
MANIFEST_COLUMNS = ["source_ref", "row_id", "bulan", "sheet", "_person_nik", "defect", "counts"]
IURAN_FIELDS = ["no", "nik", "nama", "pekerjaan", "kpj", "iuran", "tgl_bayar", "sumber_dana", "keterangan"]
USULAN_FIELDS = ["no", "nik", "nama", "pekerjaan", "kategori", "no_hp", "keterangan"]
TEMPLATE_HEADERS = {
    "no": "NO", "nik": "NIK", "nama": "NAMA", "pekerjaan": "PEKERJAAN", "kpj": "NO KPJ", "iuran": "IURAN (Rp)",
    "tgl_bayar": "TGL BAYAR", "sumber_dana": "SUMBER DANA", "kategori": "KATEGORI", "no_hp": "NO HP",
    "keterangan": "KETERANGAN",
}
HEADER_VARIANTS = {
    "no": ["No.", "NOMOR"], "nik": ["No. NIK", "NIK KTP", "Nomor NIK"],
    "nama": ["Nama Lengkap", "NAMA PEKERJA"], "pekerjaan": ["Jenis Pekerjaan"],
    "kpj": ["No. KPJ", "Nomor KPJ"], "iuran": ["Jumlah Iuran", "IURAN", "Nominal"],
    "tgl_bayar": ["Tgl. Bayar", "Tanggal Bayar", "TANGGAL PEMBAYARAN"],
    "sumber_dana": ["Sumber  Dana", "Dibayar Oleh"], "kategori": ["Kategori Pekerja"],
    "no_hp": ["No. HP", "Nomor HP", "No Telp"], "keterangan": ["Ket.", "KET"],
}
BULAN = ["JANUARI", "FEBRUARI", "MARET", "APRIL", "MEI", "JUNI", "JULI", "AGUSTUS", "SEPTEMBER", "OKTOBER",
         "NOVEMBER", "DESEMBER"]
BULAN_PENDEK = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"]
SUMBER_VARIANTS = {"MANDIRI": ["Mandiri", "mandiri", "Sendiri", "MANDIRI"], "DONATUR": ["Donatur",
                   "donatur (Bp. Hasan)", "DONATUR", "Donatur - majikan"], "BAZNAS": ["Baznas", "BAZNAS"]}
_EPOCH = date(1899, 12, 30)


def render(world_dir: Path, seed: int = 1, mix: dict | None = None, workers: int | None = None) -> dict:
    """Write the inbox (replacing any earlier one) and its manifest under `world_dir`.

    Returns counts and the seconds taken. Files are independent (one seeded generator
    per file), so they are rendered by `workers` processes (default: the CPU count)
    with the same bytes as one process would write.
    """
    started = time.perf_counter()
    world_dir = Path(world_dir)
    mix = {**DEFAULT_MIX, **(mix or {})}
    files: dict[tuple, list[dict]] = defaultdict(list)
    with open(world_dir / "rt_rows.csv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            key = (row["bulan"], row["kode_kelurahan"], row["no_rt"].zfill(3), row["no_rw"].zfill(3))
            files[key].append(row)
    inbox = world_dir / "inbox"
    if inbox.exists():
        shutil.rmtree(inbox)
    for month in {key[0] for key in files}:
        (inbox / month).mkdir(parents=True)
    jobs = [(inbox, key, files[key], seed, mix) for key in sorted(files)]
    workers = workers or os.cpu_count() or 1
    if workers > 1 and len(jobs) > 200:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            results = pool.map(_render_file, jobs, chunksize=100)
    else:
        results = [_render_file(job) for job in jobs]
    counts: dict[str, int] = defaultdict(int)
    with open(world_dir / "inbox_manifest.csv", "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(MANIFEST_COLUMNS)
        for file_format, rows, lines in results:
            writer.writerows(lines)
            counts["files"] += 1
            counts[file_format] += 1
            counts["rows"] += rows
            for line in lines:
                for reason in filter(None, line[5].split(";")):
                    counts[f"defect:{reason}"] += 1
    result = dict(sorted(counts.items()))
    result["seconds"] = round(time.perf_counter() - started, 2)
    return result


def _render_file(job: tuple) -> tuple[str, int, list[list]]:
    inbox, key, rows, seed, mix = job
    ledger = _Ledger(key, rows, random.Random(f"{seed}:{'/'.join(key)}"), mix)
    target = inbox / ledger.relative_path
    target.write_bytes(ledger.render())
    upload = ledger.upload_time().timestamp()
    os.utime(target, (upload, upload))
    return ledger.format, len(ledger.rows), ledger.manifest


class _Ledger:
    """One RT's file for one month: the quirks chosen for it and its rendered bytes."""

    def __init__(self, key: tuple, rows: list[dict], rng: random.Random, mix: dict):
        self.bulan, self.kode, self.rt, self.rw = key
        self.rng, self.mix = rng, mix
        self.rows = sorted(rows, key=lambda r: (r["sheet"], int(r["no"] or 0), r["row_id"]))
        has_usulan = any(r["sheet"] == "USULAN" for r in rows)
        self.unreadable = self._chance("unreadable")
        self.format = "csv" if not has_usulan and not self.unreadable and self._chance("csv") else "xlsx"
        self.relative_path = f"{self.bulan}/{self.kode}-RT{self.rt}-RW{self.rw}.{self.format}"
        self.manifest: list[list] = []
        self.nik_as_number = self._chance("nik_as_number")
        self.amount_style = rng.choice(["number", "number", "rp", "dash", "comma"])
        self.date_style = rng.choice(
            ["excel", "excel", "serial", "slash", "dash", "short", "long"] if self.format == "xlsx"
            else ["slash", "dash", "short", "long", "iso"]
        )
        self.case = rng.choice([str.upper, str.upper, str.title, str.lower])
        self.header_variant = self._chance("header_variant")
        self.title_rows = rng.randint(0, 6) if self.format == "xlsx" else rng.randint(0, 2)

    def _chance(self, quirk: str) -> bool:
        return self.rng.random() < self.mix.get(quirk, 0.0)

    # ---------------------------------------------------------------- timing
    def upload_time(self) -> datetime:
        uploaded = date.fromisoformat(max(r["uploaded_on"] for r in self.rows))
        seconds = self.rng.randint(6 * 3600, 24 * 3600 - 1)
        return datetime(uploaded.year, uploaded.month, uploaded.day, tzinfo=WIB) + timedelta(seconds=seconds)

    # ---------------------------------------------------------------- content
    def render(self) -> bytes:
        if self.unreadable:
            return self._render_unreadable()
        sheets = {
            kind: [r for r in self.rows if r["sheet"] == kind] for kind in ("IURAN", "USULAN")
        }
        if self.format == "csv":
            return self._render_csv(sheets["IURAN"])
        return self._render_xlsx(sheets)

    def _fields(self, kind: str) -> list[str]:
        fields = list(IURAN_FIELDS if kind == "IURAN" else USULAN_FIELDS)
        if self._chance("column_shuffle"):
            rest = fields[1:]
            self.rng.shuffle(rest)
            fields = fields[:1] + rest
        return fields

    def _headers(self, fields: list[str]) -> list[str]:
        headers = []
        for name in fields:
            label = TEMPLATE_HEADERS[name]
            if self.header_variant and self.rng.random() < 0.5:
                label = self.case(self.rng.choice(HEADER_VARIANTS[name]))
            headers.append(label)
        return headers

    def _titles(self, kind: str) -> list[str]:
        nama_kel = _kelurahan_name(self.kode)
        month = BULAN[int(self.bulan[5:7]) - 1]
        lines = [
            "BUKU IURAN BPJS KETENAGAKERJAAN PEKERJA RENTAN" if kind == "IURAN"
            else "USULAN PESERTA BPJS KETENAGAKERJAAN",
            f"KELURAHAN {nama_kel} - RT {self.rt} / RW {self.rw}",
            f"BULAN: {month} {self.bulan[:4]}", "", "Template Pemkot Jambi", "",
        ]
        return lines[: self.title_rows]

    def _cells(self, row: dict, kind: str, fields: list[str]) -> tuple[dict, list[str]]:
        """The cells to write for one row (values as written) and the reasons the reader should report."""
        nik_cell, nik_problem = self._nik_cell(row["nik"])
        cells = {"no": int(row["no"]) if row["no"] else "", "nik": nik_cell, "nama": row["nama"],
                 "pekerjaan": row["pekerjaan"], "kpj": row["no_kpj"], "kategori": self._kategori(row["kategori"]),
                 "no_hp": row["no_hp"], "keterangan": row["keterangan"],
                 "sumber_dana": self._sumber(row["sumber_dana"])}
        problems = [nik_problem] if nik_problem else []
        if kind == "IURAN":
            cells["iuran"], amount_problem = self._amount_cell(row["iuran"])
            cells["tgl_bayar"], date_problem = self._date_cell(row["tgl_bayar"])
            problems += [p for p in (amount_problem, date_problem) if p]
        if not row["nama"].strip():
            problems.append("nama_missing")
        if row["no_kpj"] and not (len(row["no_kpj"]) == 11 and row["no_kpj"].isdigit()):
            problems.append("kpj_not_11_digits")
        return cells, problems

    def _nik_cell(self, nik: str) -> tuple[object, str | None]:
        rng = self.rng
        if not nik:
            return "", "nik_missing"
        if rng.random() < self.mix["nik_missing"]:
            return "", "nik_missing"
        if self.nik_as_number and nik.isdigit():
            if self.format == "csv":
                return f"{int(nik):.5E}", "nik_stored_as_number"
            return float(f"{int(nik):.15g}"), "nik_stored_as_number"
        if rng.random() < self.mix["nik_typo"]:
            position = rng.randrange(16)
            nik = nik[:position] + nik[position + 1:] if rng.random() < 0.5 else nik + str(rng.randrange(10))
            return nik, "nik_not_16_digits"
        problem = None if len(nik) == 16 and nik.isdigit() else "nik_not_16_digits"
        style = rng.choice(["apostrophe", "spaced", "dotted"]) if rng.random() < self.mix["nik_cosmetic"] else ""
        if style == "apostrophe":
            nik = "'" + nik
        elif style == "spaced":
            nik = " ".join(nik[i:i + 4] for i in range(0, len(nik), 4))
        elif style == "dotted":
            nik = ".".join(nik[i:i + 4] for i in range(0, len(nik), 4))
        return nik, problem

    def _amount_cell(self, amount: str) -> tuple[object, str | None]:
        if not amount:
            return "", "amount_missing"
        if self.rng.random() < self.mix["amount_unreadable"]:
            return self.rng.choice(["lunas", "enam belas ribu", "?"]), "amount_unreadable"
        value = int(amount)
        dotted = f"{value:,}".replace(",", ".")
        style = self.amount_style
        if style == "number":
            return (value if self.format == "xlsx" else self.rng.choice([str(value), f"{value},00"])), None
        if style == "rp":
            return f"Rp {dotted}", None
        if style == "dash":
            return f"{dotted},-", None
        return f"{value:,}", None

    def _date_cell(self, day_text: str) -> tuple[object, str | None]:
        if not day_text:
            return "", "date_missing"
        if self.rng.random() < self.mix["date_unreadable"]:
            return self.rng.choice(["kemarin", "31/09/2026", "Okt 2026"]), "date_unreadable"
        day = date.fromisoformat(day_text)
        style = self.date_style
        if style == "excel":
            return day, None
        if style == "serial":
            return (day - _EPOCH).days, None
        if style == "slash":
            return f"{day.day:02d}/{day.month:02d}/{day.year}", None
        if style == "dash":
            return f"{day.day}-{day.month}-{day.year}", None
        if style == "short":
            return f"{day.day} {BULAN_PENDEK[day.month - 1]} {day.year}", None
        if style == "long":
            return f"{day.day:02d} {BULAN[day.month - 1].title()} {day.year}", None
        return day.isoformat(), None

    def _sumber(self, value: str) -> str:
        variants = SUMBER_VARIANTS.get(value.upper())
        return self.rng.choice(variants) if variants else value

    def _kategori(self, value: str) -> str:
        return value.title() if value and self.rng.random() < 0.3 else value

    def _note(self, row: dict, kind: str, row_no: int, sheet: str, problems: list[str]) -> None:
        usable = not ({"nik_missing", "nik_not_16_digits", "nik_stored_as_number"} & set(problems)
                      and "nama_missing" in problems)
        self.manifest.append([f"rt:{self.relative_path}#{sheet}!{row_no}", row["row_id"], self.bulan, kind,
                              row["_person_nik"], ";".join(problems), 1 if usable else 0])

    # ---------------------------------------------------------------- formats
    def _render_unreadable(self) -> bytes:
        kind = self.rng.choice(["photo", "empty", "password"])
        ref = f"rt:{self.relative_path}#file"
        self.manifest.append([ref, "", self.bulan, "", "", "file_unreadable", 0])
        for row in self.rows:
            self.manifest.append([ref, row["row_id"], self.bulan, row["sheet"], row["_person_nik"],
                                  "file_unreadable", 0])
        if kind == "empty":
            return b""
        if kind == "photo":
            return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01" + self.rng.randbytes(3000) + b"\xff\xd9"
        self.format, self.unreadable = "xlsx", False
        plain = self._render_xlsx({k: [r for r in self.rows if r["sheet"] == k] for k in ("IURAN", "USULAN")},
                                  note=False)
        self.unreadable = True
        return _encrypt(plain, "rt" + self.rt, self.rng)

    def _render_csv(self, rows: list[dict]) -> bytes:
        fields = self._fields("IURAN")
        delimiter = self.rng.choice([";", ";", ","])
        out = io.StringIO()
        writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
        for title in self._titles("IURAN"):
            writer.writerow([title] + [""] * (len(fields) - 1))
        writer.writerow(self._headers(fields))
        line = self.title_rows + 1
        for row in rows:
            cells, problems = self._cells(row, "IURAN", fields)
            writer.writerow([cells[f] for f in fields])
            line += 1
            self._note(row, "IURAN", line, "IURAN", problems)
        if self._chance("totals_row"):
            total = sum(int(r["iuran"] or 0) for r in rows)
            writer.writerow(["JUMLAH"] + [str(total) if f == "iuran" else "" for f in fields[1:]])
        text = out.getvalue()
        if self.rng.random() < 0.5:
            return text.encode("cp1252", errors="replace")
        return b"\xef\xbb\xbf" + text.encode("utf-8")

    def _render_xlsx(self, sheets: dict[str, list[dict]], note: bool = True) -> bytes:
        from jaring_sim.rt_xlsx import Workbook

        workbook = Workbook(datetime(int(self.bulan[:4]), int(self.bulan[5:7]), 28, 8), f"Ketua RT {self.rt}")
        extra = self._chance("extra_sheets")
        for kind, rows in sheets.items():
            if rows or kind == "IURAN":
                name = self.rng.choice([kind, kind, kind.title(), kind.lower()])
                self._write_sheet(workbook.add_sheet(name), name, kind, rows, note)
        if extra:
            old = workbook.add_sheet("IURAN LAMA", hidden=True)
            old.write_row(0, 0, ["NO", "NIK", "NAMA", "IURAN (Rp)", "TGL BAYAR"])
            for i, row in enumerate(sheets["IURAN"][:3], start=1):
                old.write_row(i, 0, [i, row["nik"], row["nama"], 10000, "01/01/2025"])
            workbook.add_sheet("REKAP").write_row(0, 0, ["REKAP", "JUMLAH PESERTA", len(sheets["IURAN"])])
        return workbook.to_bytes()

    def _write_sheet(self, sheet, name: str, kind: str, rows: list[dict], note: bool) -> None:
        fields = self._fields(kind)
        titles = self._titles(kind)
        for index, title in enumerate(titles):
            if index == 0 and self._chance("merged_title"):
                sheet.merge(0, 0, len(fields) - 1, title)
            else:
                sheet.write(index, 0, title)
        header_row = len(titles)
        sheet.write_row(header_row, 0, self._headers(fields))
        blank_rows = self._chance("blank_rows")
        current = header_row
        for row in rows:
            current += 1
            if blank_rows and self.rng.random() < 0.15:
                current += 1
            cells, problems = self._cells(row, kind, fields)
            sheet.write_row(current, 0, [cells[f] for f in fields])
            if note:
                self._note(row, kind, current + 1, name, problems)
        if kind == "IURAN" and self._chance("totals_row"):
            current += 1
            sheet.write(current, 0, "JUMLAH")
            sheet.write(current, fields.index("iuran"), sum(int(r["iuran"] or 0) for r in rows))
        if self._chance("signature"):
            column = max(len(fields) - 3, 1)
            month = BULAN[int(self.bulan[5:7]) - 1].title()
            sheet.write(current + 2, column, f"Jambi, 28 {month} {self.bulan[:4]}")
            sheet.write(current + 3, column, f"Ketua RT {self.rt},")
            sheet.write(current + 6, column, "( SUPARMAN )")


def _kelurahan_name(kode: str) -> str:
    from jaring.regions import kelurahan

    found = kelurahan().get(kode)
    return found.nama if found else kode


class _FixedClock(datetime):
    @classmethod
    def now(cls, tz=None):
        return cls(2026, 1, 1)


@contextmanager
def _seeded_crypto(rng: random.Random):
    """msoffcrypto draws salts and keys from `secrets` and stamps the container with `now()`:
    a seeded source and a fixed clock keep the bytes reproducible."""
    from msoffcrypto.method import ecma376_agile
    from msoffcrypto.method.container import ecma376_encrypted

    original = ecma376_agile._random_buffer, ecma376_encrypted.datetime
    ecma376_agile._random_buffer, ecma376_encrypted.datetime = rng.randbytes, _FixedClock
    try:
        yield
    finally:
        ecma376_agile._random_buffer, ecma376_encrypted.datetime = original


def _encrypt(plain: bytes, password: str, rng: random.Random) -> bytes:
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    with _seeded_crypto(rng):
        OOXMLFile(io.BytesIO(plain)).encrypt(password, out)
    return out.getvalue()

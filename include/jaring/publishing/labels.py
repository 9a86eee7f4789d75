"""Bahasa Indonesia for the reports: code titles, what a finding means, what to do, column names."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from jaring.publishing.audiences import BPJS, BPKAD, DINSOS, DUKCAPIL, KELURAHAN
from jaring.publishing.formatting import angka, as_date, bulan, is_missing, is_money, rupiah, tanggal


@dataclass(frozen=True)
class CodeText:
    judul: str  # short title, also the XLSX sheet name (at most 31 characters)
    arti: str  # what the finding means, in plain words
    tindakan: dict[str, str]  # what to do, per audience kind ("*" = anyone else)

    def what_to_do(self, audience: str) -> str:
        kind = audience.split("/")[0]
        return self.tindakan.get(kind) or self.tindakan["*"]


CODE_TEXT: dict[str, CodeText] = {
    "DECEASED_STILL_ACTIVE": CodeText(
        "Meninggal masih aktif",
        "Peserta BPJS Ketenagakerjaan masih berstatus AKTIF, padahal menurut Disdukcapil orangnya sudah meninggal dunia.",
        {
            BPJS: "Nonaktifkan kepesertaan sejak tanggal kematian dan hentikan tagihan iurannya.",
            "*": "Keluarkan dari daftar peserta yang dibiayai dan pastikan ahli waris mengetahui haknya.",
        },
    ),
    "DEATH_BENEFIT_UNCLAIMED": CodeText(
        "Santunan JKM belum diklaim",
        "Peserta meninggal dunia ketika masih terlindungi (iurannya terbayar), tetapi belum ada klaim Jaminan "
        "Kematian (JKM). Ahli waris berhak atas santunan, dan bila syaratnya terpenuhi, beasiswa untuk paling "
        "banyak 2 anak.",
        {
            KELURAHAN: "Kunjungi keluarga almarhum/almarhumah, sampaikan hak santunan JKM, dan bantu ahli waris "
            "mengajukan klaim ke BPJS Ketenagakerjaan (bawa akta kematian, KK, dan KTP ahli waris).",
            BPJS: "Hubungi ahli waris secara aktif dan proses klaim JKM beserta beasiswa anak bila berhak.",
            "*": "Pantau sampai klaim diajukan dan dampingi keluarga bila perlu.",
        },
    ),
    "MOVED_OUT_OF_CITY": CodeText(
        "Pindah ke luar kota",
        "Peserta yang iurannya dibayar APBD Kota Jambi sudah pindah domisili ke luar Kota Jambi menurut Disdukcapil.",
        {
            BPKAD: "Hentikan pembayaran iuran dari APBD Kota untuk peserta ini mulai bulan berikutnya.",
            BPJS: "Alihkan peserta ke skema pembiayaan lain atau ke daerah domisili barunya.",
            "*": "Keluarkan dari daftar penerima bantuan iuran APBD Kota dan isi dari daftar tunggu.",
        },
    ),
    "NIK_NOT_IN_REGISTRY": CodeText(
        "NIK tidak ada di Dukcapil",
        "NIK peserta tidak ditemukan di data kependudukan, dan tidak ada penduduk yang cocok nama, tanggal lahir "
        "dan jenis kelaminnya.",
        {
            DUKCAPIL: "Periksa apakah NIK ini pernah diterbitkan; bila orangnya datang, pastikan datanya tercatat.",
            "*": "Minta peserta menunjukkan KTP/KK dan perbaiki NIK pada data kepesertaan.",
        },
    ),
    "NIK_MISMATCH": CodeText(
        "NIK berbeda",
        "Peserta cocok (nama, tanggal lahir, jenis kelamin) dengan satu penduduk, tetapi NIK yang tercatat di "
        "BPJS berbeda dari NIK di Disdukcapil; kemungkinan salah ketik saat pendaftaran.",
        {
            DUKCAPIL: "Konfirmasi NIK yang benar (lihat rincian) bila BPJS meminta verifikasi.",
            "*": "Perbaiki NIK pada data kepesertaan sesuai NIK Disdukcapil yang tertera di rincian.",
        },
    ),
    "IDENTITY_MISMATCH": CodeText(
        "Identitas tidak cocok",
        "NIK peserta ada di Disdukcapil, tetapi nama dan/atau tanggal lahirnya berbeda dari data kependudukan.",
        {"*": "Verifikasi identitas peserta dengan KTP/KK, lalu perbaiki nama atau tanggal lahir."},
    ),
    "DUPLICATE_PARTICIPANT": CodeText(
        "Peserta ganda",
        "Satu orang memiliki dua atau lebih kepesertaan AKTIF sekaligus (misalnya dibayar APBD Kota dan APBD "
        "Provinsi).",
        {
            BPKAD: "Pastikan APBD Kota tidak membayar iuran untuk orang yang sudah dibiayai pihak lain.",
            "*": "Gabungkan kepesertaan dan nonaktifkan yang ganda.",
        },
    ),
    "NO_LONGER_ELIGIBLE": CodeText(
        "Tidak lagi memenuhi syarat",
        "Peserta dibiayai APBD Kota Jambi, tetapi tidak lagi memenuhi syarat Perwal (misalnya usia di luar batas, "
        "desil keluarga di atas batas, atau bukan pekerja informal).",
        {
            BPKAD: "Tunda pembayaran iuran APBD untuk peserta ini sampai Dinas Sosial selesai memverifikasi.",
            "*": "Verifikasi; bila benar, keluarkan dari pembiayaan APBD dan ganti dengan warga dari daftar tunggu.",
        },
    ),
    "ELIGIBLE_NOT_ENROLLED": CodeText(
        "Layak belum terdaftar",
        "Warga memenuhi syarat Perwal untuk dibiayai APBD Kota, tetapi belum memiliki kepesertaan BPJS "
        "Ketenagakerjaan yang AKTIF.",
        {
            KELURAHAN: "Beri tahu warga yang masuk kuota dan bantu melengkapi data pendaftaran (KTP, KK, nomor HP); "
                       "warga di daftar tunggu belum perlu dihubungi (mereka didaftarkan bila kuota bertambah).",
            "*": "Daftarkan sesuai urutan prioritas dan sisa kuota; yang di luar kuota masuk daftar tunggu.",
        },
    ),
    "PREMIUM_ARREARS": CodeText(
        "Tunggakan iuran",
        "Peserta AKTIF belum dibayar iurannya untuk satu bulan atau lebih yang sudah jatuh tempo (tanggal 15 "
        "bulan berikutnya). Bila dibiarkan, perlindungan peserta bisa terputus.",
        {
            BPKAD: "Bayarkan iuran bulan yang tertunggak (lihat rincian) melalui kanal PEMKOT.",
            "*": "Ingatkan pihak pembayar dan catat pelunasannya.",
        },
    ),
    "PAYMENT_NOT_REMITTED": CodeText(
        "Iuran RT belum disetor",
        "Buku kas RT mencatat iuran warga sudah dibayar untuk bulan itu, tetapi BPJS tidak menerima pembayaran "
        "untuk bulan tersebut.",
        {
            KELURAHAN: "Tanyakan kepada pengurus RT ke mana uang iuran disetor; setorkan ke BPJS dan simpan "
            "buktinya.",
            "*": "Periksa apakah pembayaran tercatat pada KPJ lain atau masih dalam proses.",
        },
    ),
    "PAYMENT_AMOUNT_MISMATCH": CodeText(
        "Jumlah iuran berbeda",
        "Jumlah iuran di buku kas RT berbeda dari jumlah yang diterima BPJS untuk bulan yang sama.",
        {
            KELURAHAN: "Cocokkan bukti setor dengan pengurus RT; setorkan kekurangannya atau perbaiki catatan.",
            "*": "Cocokkan penerimaan dengan bukti setor RT dan koreksi bila salah catat.",
        },
    ),
    "INVALID_SOURCE_RECORD": CodeText(
        "Data sumber tidak valid",
        "Sebuah baris atau berkas data tidak dapat dipakai sebagaimana tertulis: misalnya NIK kosong atau bukan "
        "16 angka, NIK tersimpan sebagai angka di Excel (digit terakhir hilang), jumlah atau tanggal bayar tidak "
        "terbaca, atau berkas tidak bisa dibuka.",
        {
            KELURAHAN: "Perbaiki baris di buku kas RT: tulis NIK sebagai teks 16 angka (di Excel awali dengan "
            "tanda petik '), isi jumlah dan tanggal bayar dengan benar, simpan tanpa kata sandi, lalu unggah ulang.",
            "*": "Perbaiki data pada sistem sumber sesuai alasan di rincian.",
        },
    ),
}

AUDIENCE_NAMES = {
    BPJS: "BPJS Ketenagakerjaan",
    DINSOS: "Dinas Sosial Kota Jambi",
    DUKCAPIL: "Disdukcapil Kota Jambi",
    BPKAD: "BPKAD Kota Jambi",
    KELURAHAN: "Kelurahan",
}

COLUMNS = {
    "finding_code": "Kode temuan",
    "nik": "NIK",
    "kpj": "No. KPJ",
    "period": "Bulan iuran",
    "source": "Sumber data",
    "source_ref": "Rujukan sumber",
    "status": "Status",
    "first_seen": "Pertama ditemukan",
    "severity": "Tingkat",
    "nama": "Nama",
    "kode_wilayah": "Kode wilayah",
    "kelurahan": "Kelurahan",
    "no_rt": "RT",
    "no_rw": "RW",
    "ledger_kelurahan": "Kelurahan buku kas RT",
    "details": "Rincian",
}

SEVERITY = {"TINGGI": "Tinggi", "SEDANG": "Sedang", "RENDAH": "Rendah"}
STATUS = {"NEW": "Baru", "PERSISTING": "Berlanjut"}
SOURCES = {"rt": "Buku kas RT", "dtsen": "DTSEN (Dinas Sosial)", "dukcapil": "Disdukcapil", "bpjs": "BPJS Ketenagakerjaan"}
PAYERS = {
    "APBD_KOTA_JAMBI": "APBD Kota Jambi",
    "APBD_PROVINSI_JAMBI": "APBD Provinsi Jambi",
    "BAZNAS": "BAZNAS",
    "DONATUR": "Donatur",
    "CSR": "CSR",
    "MANDIRI": "Mandiri",
}


def audience_name(audience: str) -> str:
    """`kelurahan/1571011001` -> `Kelurahan Simpang IV Sipin`."""
    kind, _, kode = audience.partition("/")
    if kind != KELURAHAN:
        return AUDIENCE_NAMES.get(kind, audience)
    return f"Kelurahan {kelurahan_name(kode)}"


def is_city_kelurahan(kode) -> bool:
    from jaring.regions import kelurahan

    return bool(kode) and str(kode).strip() in kelurahan()


def kelurahan_name(kode: str | None) -> str:
    """`1571011001` -> `Simpang IV Sipin` (the code itself when unknown; "" for none)."""
    if not kode:
        return ""
    from jaring.regions import kelurahan

    known = kelurahan().get(kode)
    return nama_wilayah(known.nama) if known else kode


@cache  # a few hundred region names, asked for on every row
def nama_wilayah(name: str) -> str:
    """`SIMPANG IV SIPIN` -> `Simpang IV Sipin` (roman numerals stay upper case)."""
    return " ".join(w if set(w) <= set("IVX") else w.capitalize() for w in name.split())



# ---------------------------------------------------------------- the words of `details`
# Every key the reconciliation writes (jaring.findings_contract DETAILS, HEIR, PARTICIPATION) has its
# label here; a key without one is an error (tests/publishing/test_language.py), never an English guess.
DETAIL_LABELS = {
    "registry_nik": "NIK di Disdukcapil",
    "participant_nik": "NIK di BPJS",
    "participant_nik_in_registry": "NIK di BPJS milik penduduk lain",
    "tgl_mati": "Tanggal meninggal",
    "tgl_kepesertaan": "Terdaftar BPJS sejak",
    "tgl_pindah": "Tanggal pindah",
    "tgl_lahir": "Tanggal lahir",
    "tgl_lahir_bpjs": "Tanggal lahir di BPJS",
    "tgl_lahir_dukcapil": "Tanggal lahir di Disdukcapil",
    "tgl_bayar_ledger": "Tanggal bayar di buku kas RT",
    "payer": "Pembayar iuran",
    "link_method": "Dikenali melalui",
    "months_paid_after_death": "Iuran dibayar setelah meninggal untuk bulan",
    "covered_at_death": "Terlindungi saat meninggal",
    "paid_months_at_death": "Iuran terbayar di sekitar bulan meninggal",
    "status_kepesertaan": "Status kepesertaan",
    "jkm_benefit": "Santunan JKM",
    "rejected_claims": "Klaim JKM yang pernah ditolak",
    "no_kk": "Nomor KK",
    "heirs": "Ahli waris (satu KK)",
    "scholarship_children": "Anak di bawah 23 tahun di KK",
    "scholarship_max_children": "Beasiswa paling banyak untuk (anak)",
    "three_years_contributions": "Iuran sudah berjalan 3 tahun atau lebih",
    "scholarship_children_payable": "Anak yang berhak beasiswa",
    "kode_wilayah_baru": "Domisili baru",
    "kode_wilayah_bpjs": "Wilayah tercatat di BPJS",
    "monthly_premium": "Iuran per bulan",
    "nama_bpjs": "Nama di BPJS",
    "nama_dukcapil": "Nama di Disdukcapil",
    "linked": "Dikenali sebagai penduduk",
    "disagree": "Yang berbeda",
    "kpjs": "Nomor KPJ",
    "participations": "Kepesertaan aktif",
    "umur": "Umur (tahun)",
    "age_range": "Batas umur Perwal",
    "desil": "Desil keluarga (DTSEN)",
    "status_pekerjaan": "Status pekerjaan (DTSEN)",
    "in_dtsen": "Terdaftar di DTSEN",
    "rt_proposal": "Diusulkan RT sebagai",
    "eligible_by_dtsen": "Layak menurut DTSEN",
    "rt_proposal_ref": "Usulan RT",
    "quota_rank": "Urutan prioritas",
    "within_quota": "Dalam kuota",
    "quota": "Kuota APBD tahun ini",
    "quota_left": "Sisa kuota",
    "missing_months": "Bulan belum dibayar",
    "arrears_amount": "Jumlah tunggakan",
    "ledger_amount": "Jumlah di buku kas RT",
    "bpjs_amount": "Jumlah diterima BPJS",
    "ledger_refs": "Baris buku kas RT",
    "ledger_kpjs": "No. KPJ di buku kas RT",
    "kpjs_paid": "KPJ yang menerima pembayaran",
    "reason": "Yang perlu diperbaiki",
    "quarantined": "Baris tidak dipakai",
    # an entry of `heirs` / `scholarship_children` / `participations`
    "nik": "NIK",
    "nama": "Nama",
    "stat_hbkel": "Hubungan dalam KK",
    "kpj": "No. KPJ",
}


def detail_label(key: str) -> str:
    """The Indonesian label of a `details` key; a key without one raises (add it to DETAIL_LABELS)."""
    try:
        return DETAIL_LABELS[key]
    except KeyError:
        raise KeyError(f"no Indonesian label for details key {key!r}: add it to labels.DETAIL_LABELS") from None


# BPS status_pekerjaan (poverty-db.md)
STATUS_PEKERJAAN = {
    1: "berusaha sendiri",
    2: "berusaha dibantu buruh tidak tetap",
    3: "berusaha dibantu buruh tetap",
    4: "buruh/karyawan/pegawai",
    5: "pekerja bebas pertanian",
    6: "pekerja bebas non-pertanian",
    7: "pekerja keluarga/tidak dibayar",
}
LINK_METHODS = {
    "exact": "NIK, nama dan tanggal lahir yang cocok",
    "fuzzy": "nama, tanggal lahir dan jenis kelamin (NIK-nya berbeda)",
    "nik-only": "NIK saja (nama atau tanggal lahirnya berbeda)",
    "by-kpj": "No. KPJ di buku kas RT",
    "by-area": "nama dan RT tempat tinggalnya",
    "by-rt": "nama dan RT tempat tinggalnya",
}
FIELDS = {  # `disagree` entries
    "nama": "nama", "tgl_lahir": "tanggal lahir", "jenis_kelamin": "jenis kelamin", "nik": "NIK",
}
STATUS_KEPESERTAAN = {"AKTIF": "Aktif", "NONAKTIF": "Nonaktif"}


def payer_name(code) -> str:
    """`APBD_KOTA_JAMBI` -> `APBD Kota Jambi` (an unknown payer in plain words)."""
    code = str(code or "").strip()
    return PAYERS.get(code.upper()) or _words(code)


def status_pekerjaan(code) -> str:
    """BPS code 1 -> `berusaha sendiri (kode 1)`."""
    try:
        number = int(code)
    except (TypeError, ValueError):
        return str(code)
    name = STATUS_PEKERJAAN.get(number)
    return f"{name} (kode {number})" if name else f"kode {number} (tidak dikenal)"


def _words(code: str) -> str:
    """`PEKERJA_RENTAN` / `PEKERJA RENTAN` -> `Pekerja rentan`."""
    return code.replace("_", " ").strip().capitalize()


def region_name(kode) -> str:
    """A KODE_WILAYAH in words: `Kelurahan Talang Banjar, Kecamatan Jambi Timur` inside the city,
    `luar Kota Jambi (Sumatera Utara)` outside it (the province of its first two digits)."""
    from jaring.nik import PROVINCES
    from jaring.regions import kecamatan, kelurahan

    kode = str(kode or "").strip()
    if not kode:
        return ""
    known = kelurahan().get(kode)
    if known:
        return f"Kelurahan {nama_wilayah(known.nama)}, Kecamatan {nama_wilayah(known.nama_kecamatan)}"
    if kode in kecamatan():
        return f"Kecamatan {nama_wilayah(kecamatan()[kode])}"
    city = next(iter(kelurahan()))[:4]
    if kode.startswith(city):
        return f"Kota Jambi (kode wilayah {kode} tidak dikenal)"
    province = PROVINCES.get(kode[:2])
    if province == "Jambi":
        return "luar Kota Jambi (Provinsi Jambi)"
    return f"luar Kota Jambi ({province})" if province else f"luar Kota Jambi (kode wilayah {kode})"


@lru_cache(maxsize=16384)  # a city night's reports ask it 57k times for a few thousand RTs
def place(kode, no_rt=None, no_rw=None) -> str:
    """Where a person lives, shortest first: `Talang Banjar, RT 003/RW 001`, or a region outside the city."""
    from jaring.regions import kelurahan

    kode = str(kode or "").strip()
    if not kode:
        return ""
    known = kelurahan().get(kode)
    name = nama_wilayah(known.nama) if known else region_name(kode)
    rt = f"RT {no_rt}" if no_rt else ""
    rw = f"RW {no_rw}" if no_rw else ""
    return ", ".join(p for p in (name, "/".join(p for p in (rt, rw) if p)) if p)


# ---------------------------------------------------------------- source references
_ISO_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_LEDGER_NAME = re.compile(r"^(?P<kel>\d{10})-RT(?P<rt>\d+)-RW(?P<rw>\d+)\.[A-Za-z]+$", re.IGNORECASE)


def is_month(value) -> bool:
    return isinstance(value, str) and bool(_ISO_MONTH.match(value))


def source_ref_text(ref) -> str:
    """`rt:2026-10/1571031003-RT005-RW002.xlsx#IURAN!7` -> `Berkas Oktober 2026, RT 005/RW 002, lembar IURAN,
    baris 7`; `bpjs:<KPJ>`, `dtsen:<id>`, `dukcapil:<NIK>` in words. A name the source chose is quoted « »."""
    ref = str(ref or "").strip()
    source, _, rest = ref.partition(":")
    if source == "bpjs":
        return f"BPJS Ketenagakerjaan, KPJ {rest}"
    if source == "dtsen":
        return f"DTSEN Dinas Sosial, ID individu {rest}"
    if source == "dukcapil":
        return f"Disdukcapil, NIK {rest}"
    if source != "rt":
        return f"«{ref}»"
    path, _, place_ = rest.partition("#")
    folder, _, name = path.rpartition("/")
    parts = []
    parts.append(f"Berkas {bulan(folder)}" if is_month(folder) else f"Berkas di folder «{folder}»" if folder
                 else "Berkas")
    match = _LEDGER_NAME.match(name)
    if match:
        parts.append(f"RT {match['rt']}/RW {match['rw']}")
    else:
        parts.append(f"«{name}»")
    if place_ == "file" or not place_:
        parts.append("seluruh berkas")
    else:
        sheet, _, row = place_.rpartition("!")
        parts.append(f"lembar {sheet}" if sheet == sheet.upper() and "_" not in sheet else f"lembar «{sheet}»")
        if row:
            parts.append(f"baris {row}")
    return ", ".join(parts)


# ---------------------------------------------------------------- what the source must fix
# RT ledger reader codes (sources/rt_values.py, rt_ledger.py, rt_inbox.py and the file-level codes of
# findings_contract.RT_FILE_REASONS): a sentence that tells the RT what to change.
_TELL_AGAIN = "lalu unggah ulang berkasnya"
REASONS = {
    "nik_stored_as_number": "NIK tersimpan sebagai angka di Excel (digit terakhirnya hilang) — ketik ulang sebagai "
                            "teks (awali dengan tanda petik ')",
    "nik_missing": "NIK kosong — isi NIK 16 angka sesuai KTP/KK",
    "nik_not_16_digits": "NIK bukan 16 angka — periksa kembali NIK pada KTP/KK dan ketik ulang",
    "amount_missing": "Jumlah iuran kosong — isi jumlah yang dibayar warga (misalnya 16800)",
    "amount_unreadable": "Jumlah iuran tidak terbaca — tulis angka saja, tanpa huruf (misalnya 16800)",
    "amount_out_of_range": "Jumlah iuran tidak wajar — periksa kembali angkanya (iuran sebulan Rp 16.800)",
    "date_missing": "Tanggal bayar kosong — isi tanggal warga membayar",
    "date_unreadable": "Tanggal bayar tidak terbaca — tulis sebagai tanggal, misalnya 05/10/2026",
    "nama_missing": "Nama kosong — isi nama lengkap sesuai KTP",
    "nama_too_long": "Nama terlalu panjang — isi nama lengkap saja, keterangan lain di kolom KETERANGAN",
    "kpj_not_11_digits": "No. KPJ bukan 11 angka — salin nomor dari kartu BPJS Ketenagakerjaan, atau kosongkan",
    "no_header": "Lembar tidak punya baris judul kolom (NO, NIK, NAMA, …) — pakai templat buku kas RT",
    "file_unreadable": f"Berkas tidak bisa dibuka — simpan ulang sebagai Excel (.xlsx) tanpa kata sandi, {_TELL_AGAIN}",
    "empty": f"Berkas kosong — isi buku kas RT, {_TELL_AGAIN}",
    "password_protected": f"Berkas dikunci dengan kata sandi — simpan ulang tanpa kata sandi, {_TELL_AGAIN}",
    "not_a_spreadsheet": f"Berkas bukan lembar kerja Excel — simpan sebagai .xlsx atau .csv, {_TELL_AGAIN}",
    "no_ledger_sheet": f"Berkas tidak punya lembar IURAN atau USULAN — pakai templat buku kas RT, {_TELL_AGAIN}",
    "file_name_invalid": "Nama berkas tidak sesuai aturan — beri nama KODEKELURAHAN-RTxxx-RWxxx.xlsx (misalnya "
                         "1571031003-RT005-RW002.xlsx) di folder bulan (misalnya 2026-10)",
    # file-level codes of findings_contract.RT_FILE_REASONS
    "file_empty": f"Berkas kosong — isi buku kas RT, {_TELL_AGAIN}",
    "file_not_a_spreadsheet": f"Berkas bukan lembar kerja Excel — simpan sebagai .xlsx atau .csv, {_TELL_AGAIN}",
    "file_password_protected": f"Berkas dikunci dengan kata sandi — simpan ulang tanpa kata sandi, {_TELL_AGAIN}",
    "file_too_large": "Berkas terlalu besar — hapus lembar, gambar atau baris kosong yang tidak perlu, "
                      f"{_TELL_AGAIN}",
    "file_without_ledger_sheet": "Berkas tidak punya lembar IURAN atau USULAN — pakai templat buku kas RT, "
                                 f"{_TELL_AGAIN}",
    "file_type_not_supported": f"Jenis berkas tidak didukung — simpan sebagai Excel (.xlsx) atau .csv, {_TELL_AGAIN}",
    "file_name_not_a_ledger": "Nama berkas bukan nama buku kas RT — beri nama KODEKELURAHAN-RTxxx-RWxxx.xlsx "
                              "(misalnya 1571031003-RT005-RW002.xlsx)",
    "folder_not_a_month": "Berkas tidak berada di folder bulan — letakkan di folder bulannya, misalnya 2026-10 "
                          "untuk Oktober 2026",
}
# The validation rules' reasons (validation/suites.py), written for engineers: the column in words ...
COLUMN_WORDS = {
    "nik": "NIK", "_nik_clean": "NIK", "nama_lgkp": "nama lengkap", "nama": "nama", "tgl_lhr": "tanggal lahir",
    "tgl_lahir": "tanggal lahir", "tgl_mati": "tanggal meninggal", "tgl_pindah": "tanggal pindah",
    "jenis_klmin": "jenis kelamin", "jenis_kelamin": "jenis kelamin", "status": "status",
    "kode_wilayah": "kode wilayah", "no_rt": "nomor RT", "no_rw": "nomor RW", "kpj": "No. KPJ",
    "no kpj": "No. KPJ", "tgl_kepesertaan": "tanggal kepesertaan", "tgl_nonaktif": "tanggal nonaktif",
    "status_kepesertaan": "status kepesertaan", "pembiayaan": "pembiayaan", "iuran_bulanan": "iuran bulanan",
    "upah_dilaporkan": "upah yang dilaporkan", "id_bayar": "ID bayar", "bulan_iuran": "bulan iuran",
    "jumlah": "jumlah", "tgl_bayar": "tanggal bayar", "kanal": "kanal pembayaran", "no_klaim": "nomor klaim",
    "jenis_klaim": "jenis klaim", "tgl_pengajuan": "tanggal pengajuan", "tgl_kejadian": "tanggal kejadian",
    "nilai": "nilai klaim", "id_individu": "ID individu", "desil": "desil", "hub_kk": "hubungan dalam KK",
    "status_pekerjaan": "status pekerjaan", "source_ref": "rujukan baris", "sheet": "nama lembar",
    "kode_kelurahan": "kode kelurahan",
}
_RULE_PATTERNS = (  # ... and the sentence of each rule
    (re.compile(r"^(?P<c>.+?) is empty$"), "{c} kosong — isi {c}"),
    (re.compile(r"^(?P<c>.+?) is not one of the contract's values$"),
     "{c} tidak termasuk nilai yang disepakati — perbaiki sesuai daftar nilai yang berlaku"),
    (re.compile(r"^(?P<c>.+?) appears on more than one record$"),
     "{c} yang sama tercatat lebih dari sekali — hapus atau perbaiki catatan gandanya"),
    (re.compile(r"^(?P<c>.+?) is not a positive number$"), "{c} bukan angka lebih dari nol — perbaiki angkanya"),
    (re.compile(r"^(?P<c>.+?) is not a not-negative number$"), "{c} bernilai negatif — perbaiki angkanya"),
    (re.compile(r"^(?P<c>.+?) is above (?P<n>[\d,.]+): not a plausible amount$"),
     "{c} di atas {n} — angka tidak wajar, periksa kembali"),
    (re.compile(r"^(?P<c>.+?) is longer than (?P<n>\d+) characters: not a plausible name$"),
     "{c} lebih dari {n} huruf — isi nama saja, tanpa keterangan lain"),
    (re.compile(r"^(?P<c>.+?) is not a YYYY-MM-DD date$"), "{c} bukan tanggal yang sah — perbaiki tanggalnya"),
    (re.compile(r"^(?P<c>.+?) is not YYYY-MM$"), "{c} bukan bulan yang sah — tulis tahun dan bulannya"),
    (re.compile(r"^(?P<c>.+?) is not (?P<n>\d+) digits(?: once spaces and dots are removed)?$"),
     "{c} bukan {n} angka — periksa dan ketik ulang"),
    (re.compile(r"^NIK is not 16 digits with a province, regency, district, birth date and serial$"),
     "NIK tidak sah (kode wilayah, tanggal lahir atau nomor urutnya keliru) — periksa dengan KTP/KK"),
    (re.compile(r"^KODE_WILAYAH of someone who never moved is not one of the city's kelurahan$"),
     "Kode wilayah penduduk yang tidak pernah pindah bukan kelurahan Kota Jambi — perbaiki kode wilayahnya"),
    (re.compile(r"^birth date disagrees with the NIK's date digits$"),
     "Tanggal lahir tidak sama dengan tanggal lahir di dalam NIK — periksa mana yang benar"),
    (re.compile(r"^desil is not 1\.\.10$"), "Desil bukan 1 sampai 10 — perbaiki desil keluarganya"),
)
_UNKNOWN_REASON = "Data tidak dapat dipakai sebagaimana tertulis — periksa baris ini di sumbernya"


def _column(name: str) -> str:
    return COLUMN_WORDS.get(name.strip().lower()) or name.replace("_", " ").lower()


def reason_text(reason) -> str:
    """An INVALID_SOURCE_RECORD reason as one Indonesian sentence saying what the source must fix.

    A reader code (`nik_stored_as_number`, perhaps followed by `: <what was read>`) or a validation rule's
    reason (`KPJ is not 11 digits`, perhaps followed by `(ID_BAYAR 123)`, the record it names)."""
    import logging

    text = str(reason or "").strip()
    code, colon, seen = text.partition(":")
    if code.strip() in REASONS:
        sentence = REASONS[code.strip()]
        return f"{sentence} (tertulis: {seen.strip()})" if colon and seen.strip() else sentence
    named = ""
    suffix = re.match(r"^(?P<body>.*?) \((?P<col>[A-Z_]+) (?P<value>[^)]*)\)$", text)
    if suffix:
        text, named = suffix["body"], f" ({_column(suffix['col'])} {suffix['value']})"
    for pattern, sentence in _RULE_PATTERNS:
        match = pattern.match(text)
        if match:
            words = {k: (_column(v) if k == "c" else v) for k, v in match.groupdict().items()}
            out = sentence.format(**words)
            return out[0].upper() + out[1:] + named
    logging.getLogger(__name__).warning("no Indonesian sentence for the reason %r (labels.REASONS)", reason)
    return _UNKNOWN_REASON + named


# ---------------------------------------------------------------- a details value in words
def _iso_month_words(value) -> str:
    return bulan(value) if is_month(value) else plain(value)


def _person(entry, relation: bool) -> str:
    if not isinstance(entry, dict):
        return plain(entry)
    parts = [str(entry.get("nama") or "–")]
    facts = []
    if relation and entry.get("stat_hbkel"):
        facts.append(_words(str(entry["stat_hbkel"])))
    if entry.get("umur") is not None:
        facts.append(f"{entry['umur']} tahun")
    if entry.get("nik"):
        facts.append(f"NIK {entry['nik']}")
    return parts[0] + (f" ({', '.join(facts)})" if facts else "")


def _participation(entry) -> str:
    if not isinstance(entry, dict):
        return plain(entry)
    facts = [payer_name(entry.get("payer"))] if entry.get("payer") else []
    day = as_date(entry.get("tgl_kepesertaan"))
    if day:
        facts.append(f"sejak {tanggal(day)}")
    if entry.get("participant_nik"):
        facts.append(f"NIK {entry['participant_nik']}")
    return f"KPJ {entry.get('kpj') or '–'}" + (f" — {', '.join(facts)}" if facts else "")


def _each(function):
    return lambda value: [function(v) for v in value] if isinstance(value, list | tuple) else [function(value)]


def _age_range(value) -> list[str]:
    if isinstance(value, list | tuple) and len(value) == 2:
        return [f"{value[0]}–{value[1]} tahun"]
    return [plain(value)]


_VALUE_WORDS = {
    "payer": _each(payer_name),
    "status_pekerjaan": _each(status_pekerjaan),
    "kode_wilayah_baru": _each(region_name),
    "kode_wilayah_bpjs": _each(region_name),
    "missing_months": _each(_iso_month_words),
    "months_paid_after_death": _each(_iso_month_words),
    "paid_months_at_death": _each(_iso_month_words),
    "age_range": _age_range,
    "disagree": lambda v: [", ".join(FIELDS.get(str(x), _words(str(x))) for x in (v if isinstance(v, list) else [v]))],
    "link_method": _each(lambda v: LINK_METHODS.get(str(v), _words(str(v)))),
    "status_kepesertaan": _each(lambda v: STATUS_KEPESERTAAN.get(str(v), _words(str(v)))),
    "rt_proposal": _each(lambda v: _words(str(v))),
    "rt_proposal_ref": _each(source_ref_text),
    "ledger_refs": _each(source_ref_text),
    "heirs": _each(lambda v: _person(v, relation=True)),
    "scholarship_children": _each(lambda v: _person(v, relation=False)),
    "participations": _each(_participation),
    "reason": _each(reason_text),
    "stat_hbkel": _each(lambda v: _words(str(v))),
}


def plain(value, key: str = "") -> str:
    """One value in words: Ya/Tidak, `20 November 2026`, `Oktober 2026`, `Rp 42.000.000`, `1.234`."""
    if is_missing(value):
        return "–"
    if isinstance(value, bool):
        return "Ya" if value else "Tidak"
    day = as_date(value)
    if day is not None:
        return tanggal(day)
    if is_month(value):
        return bulan(value)
    if isinstance(value, int | float):
        return rupiah(value) if is_money(key) else angka(value)
    if isinstance(value, dict):
        return "; ".join(f"{detail_label(k)}: {plain(v, k)}" for k, v in sorted(value.items()))
    if isinstance(value, list | tuple):
        return ", ".join(plain(v, key) for v in value) or "–"
    return str(value)


def detail_lines(key: str, value) -> list[str]:
    """A `details` value as the lines a reader sees (a list: one line per entry; never JSON)."""
    if type(value) in _SCALARS:
        return list(_scalar_lines(key, type(value), value))
    return _lines(key, value)


_SCALARS = frozenset({str, int, float, bool, type(None)})


# A night's details repeat their scalar values (the quota, a desil, a flag, a month) on tens of thousands of
# rows, and the reports show each of them on every row: worded once. The type is part of the key (True == 1).
@lru_cache(maxsize=65536)
def _scalar_lines(key: str, _kind: type, value) -> tuple[str, ...]:
    return tuple(_lines(key, value))


def _lines(key: str, value) -> list[str]:
    if is_missing(value) or (isinstance(value, list | tuple) and not value):
        return ["–"]
    words = _VALUE_WORDS.get(key)
    if words is not None:
        return [w for w in words(value) if w] or ["–"]
    if isinstance(value, list | tuple):
        return [plain(v, key) for v in value]
    return [plain(value, key)]


def is_coded(key: str) -> bool:
    """Whether a `details` value is a code shown in words (the workbook writes it as text, not as is)."""
    return key in _VALUE_WORDS

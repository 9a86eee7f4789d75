"""Bahasa Indonesia for the reports: code titles, what a finding means, what to do, column names."""

from __future__ import annotations

from dataclasses import dataclass

from jaring.publishing.audiences import BPJS, BPKAD, DINSOS, DUKCAPIL, KELURAHAN


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
            KELURAHAN: "Beri tahu warga dan bantu melengkapi data pendaftaran (KTP, KK, nomor HP).",
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

# `details` keys of jaring.findings_contract worth a word of their own; the others are shown humanised.
DETAIL_LABELS = {
    "registry_nik": "NIK Dukcapil",
    "participant_nik": "NIK di BPJS",
    "tgl_mati": "Tanggal meninggal",
    "covered_at_death": "Terlindungi saat meninggal",
    "jkm_benefit": "Santunan JKM",
    "heirs": "Ahli waris",
    "scholarship_children": "Anak calon penerima beasiswa",
    "three_years_contributions": "Iuran ≥ 3 tahun",
    "missing_months": "Bulan belum dibayar",
    "arrears_amount": "Jumlah tunggakan",
    "payer": "Pembayar",
    "ledger_amount": "Jumlah di buku kas RT",
    "bpjs_amount": "Jumlah diterima BPJS",
    "quota_rank": "Urutan prioritas",
    "within_quota": "Dalam kuota",
    "desil": "Desil",
    "reason": "Alasan",
    "kpjs": "Daftar KPJ",
    "tgl_pindah": "Tanggal pindah",
    "kode_wilayah_baru": "Wilayah baru",
    "nik": "NIK",
    "nama": "Nama",
    "umur": "Umur",
    "nama_bpjs": "Nama di BPJS",
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


def kelurahan_name(kode: str | None) -> str:
    """`1571011001` -> `Simpang IV Sipin` (the code itself when unknown; "" for none)."""
    if not kode:
        return ""
    from jaring.regions import kelurahan

    known = kelurahan().get(kode)
    return nama_wilayah(known.nama) if known else kode


def nama_wilayah(name: str) -> str:
    """`SIMPANG IV SIPIN` -> `Simpang IV Sipin` (roman numerals stay upper case)."""
    return " ".join(w if set(w) <= set("IVX") else w.capitalize() for w in name.split())


def detail_label(key: str) -> str:
    return DETAIL_LABELS.get(key) or key.replace("_", " ").capitalize()

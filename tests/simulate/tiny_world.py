"""A tiny simulated world, written by hand in the generator's file format (docs/internals.md).

Every row has a role: someone who dies before the night and someone who dies
after it, a move out before and after, a birth before and after, a payment
received after the night, a claim decided after it, a DTSEN release published
after it. Tests use the roles, not the rows' values.

Import from any test: `from simulate.tiny_world import build` (pytest puts
`tests/` on the path through the rootdir conftest) or, within tests/simulate,
`from tiny_world import build`.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

NIGHT = date(2026, 11, 20)

REGISTRY_HEADER = [
    "NIK", "NO_KK", "NAMA_LGKP", "TMPT_LHR", "TGL_LHR", "JENIS_KLMIN", "STAT_HBKEL", "STATUS_KAWIN",
    "JENIS_PKRJN", "KODE_WILAYAH", "NO_RT", "NO_RW", "ALAMAT", "TGL_UPDATE",
    "TGL_MATI", "TGL_PINDAH", "KODE_WILAYAH_PINDAH", "NO_RT_PINDAH", "NO_RW_PINDAH",
]
PESERTA_HEADER = [
    "KPJ", "NIK", "NAMA", "TGL_LAHIR", "JENIS_KELAMIN", "SEGMEN", "PROGRAM", "STATUS_KEPESERTAAN",
    "TGL_KEPESERTAAN", "TGL_NONAKTIF", "PEMBIAYAAN", "KODE_WILAYAH", "UPAH_DILAPORKAN", "IURAN_BULANAN",
    "_person_nik",
]
IURAN_HEADER = ["ID_BAYAR", "KPJ", "BULAN_IURAN", "JUMLAH", "TGL_BAYAR", "KANAL"]
KLAIM_HEADER = ["NO_KLAIM", "KPJ", "JENIS_KLAIM", "TGL_KEJADIAN", "TGL_PENGAJUAN", "STATUS", "NILAI", "TGL_STATUS"]
PERIODE_HEADER = ["periode", "tgl_rilis"]
KELUARGA_HEADER = ["periode", "id_keluarga", "no_kk", "kode_wilayah", "alamat", "desil"]
INDIVIDU_HEADER = [
    "periode", "id_individu", "id_keluarga", "nik", "nama", "tgl_lahir", "jenis_kelamin", "hub_kk",
    "status_pekerjaan", "lapangan_usaha", "_person_nik",
]


@dataclass
class TinyWorld:
    dir: Path
    night: date
    people: dict[str, str]  # role -> NIK
    kpj: dict[str, str]  # role -> KPJ
    registry_niks: list[str]
    peserta_kpjs: list[str]
    counts: dict[str, int] = field(default_factory=dict)


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Write a world CSV: UTF-8, `,`, header row, empty = null. Returns the row count."""
    count = 0
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])
            count += 1
    return count


def nik_for(kecamatan: int, birth: date, female: bool, serial: int) -> str:
    day = birth.day + (40 if female else 0)
    return f"1571{kecamatan:02d}{day:02d}{birth.month:02d}{birth.year % 100:02d}{serial:04d}"


def person(nik: str, name: str, birth: str, female: bool, **changes) -> list:
    """A registry.csv row with plausible defaults; `changes` set columns by name."""
    values = {
        "NIK": nik, "NO_KK": "1571" + nik[4:6] + "0101100123", "NAMA_LGKP": name, "TMPT_LHR": "JAMBI",
        "TGL_LHR": birth, "JENIS_KLMIN": "PEREMPUAN" if female else "LAKI-LAKI",
        "STAT_HBKEL": "KEPALA KELUARGA", "STATUS_KAWIN": "KAWIN", "JENIS_PKRJN": "PEDAGANG",
        "KODE_WILAYAH": "1571031004", "NO_RT": "005", "NO_RW": "002", "ALAMAT": "JL. SULTAN AGUNG NO. 12",
        "TGL_UPDATE": "2024-10-02T09:14:00+07:00",
    }
    values.update(changes)
    return [values.get(column) for column in REGISTRY_HEADER]


def synthetic_people(count: int, taken: set[str] | None = None) -> Iterator[list]:
    """`count` plain residents with unique NIKs (for paging and benchmarks); no events."""
    taken = set() if taken is None else taken
    first = date(1960, 1, 1)
    k = 0
    made = 0
    while made < count:
        birth = first + timedelta(days=(k * 7919) % 16000)
        female = k % 2 == 1
        nik = nik_for(1 + k % 11, birth, female, 1 + (k // 11) % 9999)
        k += 1
        if nik in taken:
            continue
        taken.add(nik)
        made += 1
        yield person(nik, f"WARGA  NOMOR {k} ", birth.isoformat(), female,
                     KODE_WILAYAH=f"15710{1 + k % 9}100{1 + k % 4}", NO_RT=f"{1 + k % 30:03d}")


def build(out: Path, extra_people: int = 0, extra_participants: int = 0) -> TinyWorld:
    """Write the tiny world into `out` (created); extras make paging span several pages."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    d = NIGHT.isoformat()
    people = {
        "alive": "1571035203880004",
        "dies_before": nik_for(3, date(1950, 5, 1), False, 11),
        "dies_after": nik_for(3, date(1948, 2, 2), True, 12),
        "moves_out_before": nik_for(2, date(1990, 7, 7), False, 13),
        "moves_out_after": nik_for(2, date(1991, 8, 8), True, 14),
        "moves_within": nik_for(1, date(1985, 1, 31), False, 15),
        "born_before": nik_for(3, date(2026, 11, 15), True, 16),
        "born_after": nik_for(3, date(2026, 11, 22), False, 17),
        "born_on_night": nik_for(3, NIGHT, False, 18),
    }
    registry = [
        person(people["alive"], "SITI  AMINAH ", "1988-03-12", True, STAT_HBKEL="ISTRI"),
        person(people["dies_before"], "AHMAD JUNAIDI", "1950-05-01", False, TGL_MATI="2026-11-10"),
        person(people["dies_after"], "RATNA SARI", "1948-02-02", True, TGL_MATI="2026-11-25"),
        person(people["moves_out_before"], "BUDI SANTOSO", "1990-07-07", False, TGL_PINDAH="2026-11-05",
               KODE_WILAYAH_PINDAH="1505011001", NO_RT_PINDAH="001", NO_RW_PINDAH="003"),
        person(people["moves_out_after"], "SRI WAHYUNI", "1991-08-08", True, TGL_PINDAH="2026-11-22",
               KODE_WILAYAH_PINDAH="1505011002", NO_RT_PINDAH="002", NO_RW_PINDAH="001"),
        person(people["moves_within"], "HASAN BASRI", "1985-01-31", False, TGL_PINDAH="2026-06-01",
               KODE_WILAYAH_PINDAH="1571011002", NO_RT_PINDAH="009", NO_RW_PINDAH="004"),
        person(people["born_before"], "NUR HALIZA", "2026-11-15", True, STAT_HBKEL="ANAK",
               STATUS_KAWIN="BELUM KAWIN", JENIS_PKRJN="BELUM/TIDAK BEKERJA"),
        person(people["born_after"], "MUHAMMAD RIZKI", "2026-11-22", False, STAT_HBKEL="ANAK",
               STATUS_KAWIN="BELUM KAWIN", JENIS_PKRJN="BELUM/TIDAK BEKERJA"),
        person(people["born_on_night"], "PUTRA  RAMADHAN", d, False, STAT_HBKEL="ANAK",
               STATUS_KAWIN="BELUM KAWIN", JENIS_PKRJN="BELUM/TIDAK BEKERJA"),
    ]
    registry += synthetic_people(extra_people, {row[0] for row in registry})
    counts = {"registry": write_csv(out / "registry.csv", REGISTRY_HEADER, registry)}

    kpj = {
        "active": "22014587310", "nonaktif_before": "22014587311", "nonaktif_after": "22014587312",
        "joins_after": "22014587313", "deceased": "22014587314", "joins_on_night": "22014587315",
    }

    def participant(key, nik, name, birth, sex, since, until=None, status="AKTIF", payer="APBD_KOTA_JAMBI"):
        return [kpj[key], nik, name, birth, sex, "BPU", "JKK,JKM", status, since, until, payer,
                "1571031004", 1000000, 16800, nik]

    peserta = [
        participant("active", people["alive"], "SITI AMINAH", "1988-03-12", "P", "2025-03-01"),
        participant("nonaktif_before", nik_for(4, date(1970, 1, 1), False, 21), "JOKO", "1970-01-01", "L",
                    "2025-05-01", until="2026-10-31"),
        participant("nonaktif_after", nik_for(4, date(1971, 1, 1), False, 22), "DEDI", "1971-01-01", "L",
                    "2025-05-01", until="2026-11-25", payer="APBD_PROVINSI_JAMBI"),
        participant("joins_after", nik_for(4, date(1972, 1, 1), True, 23), "YANTI", "1972-01-01", "P",
                    "2026-11-21", payer="MANDIRI"),
        participant("deceased", people["dies_before"], "AHMAD JUNAIDI", "1950-05-01", "L", "2025-06-01"),
        participant("joins_on_night", nik_for(4, date(1973, 1, 1), False, 24), "ROBERT SIMANJUNTAK",
                    "1973-01-01", "L", d, payer="BAZNAS"),
    ]
    for k in range(extra_participants):
        number = f"3{k:010d}"
        peserta.append([number, None, f"PESERTA {k}", "1980-01-01", "L", "BPU", "JKK,JKM", "AKTIF",
                        "2025-06-01", None, "DONATUR", "1571021001", 1000000, 16800, None])
    counts["bpjs_peserta"] = write_csv(out / "bpjs_peserta.csv", PESERTA_HEADER, peserta)

    iuran = [
        ["B0001", kpj["active"], "2026-09", 16800, "2026-10-10", "PEMKOT"],
        ["B0002", kpj["active"], "2026-10", 16800, "2026-11-09", "PEMKOT"],
        ["B0003", kpj["nonaktif_after"], "2026-10", 16800, "2026-11-21", "BANK"],
        ["B0004", kpj["deceased"], "2026-10", 16800, d, "RT"],
        ["B0005", kpj["deceased"], "2026-09", 16800, "2026-10-16", "RT"],
    ]
    counts["bpjs_iuran"] = write_csv(out / "bpjs_iuran.csv", IURAN_HEADER, iuran)
    klaim = [
        ["K0001", kpj["deceased"], "JKM", "2026-11-10", "2026-11-12", "DIBAYAR", 42000000, "2026-11-25"],
        ["K0002", kpj["active"], "JKK", "2026-09-30", "2026-10-07", "DITOLAK", 5000000, "2026-10-20"],
        ["K0003", kpj["nonaktif_after"], "JKK", "2026-11-19", "2026-11-22", "DIPROSES", 3000000,
         "2026-11-23"],
    ]
    counts["bpjs_klaim"] = write_csv(out / "bpjs_klaim.csv", KLAIM_HEADER, klaim)

    periode = [["2026-10", "2026-10-08"], ["2026-11", "2026-11-23"]]
    keluarga, individu = [], []
    for release, desil_shift in (("2026-10", 0), ("2026-11", 1)):
        keluarga += [
            [release, 1001, "1571030101100123", "1571031004", "JL. SULTAN AGUNG NO. 12", 2 + desil_shift],
            [release, 1002, None, "1571021001", None, None],
        ]
        individu += [
            [release, 5001, 1001, people["alive"], "SITI AMINAH", "1988-03-12", 2, 2, 1, "PERDAGANGAN",
             people["alive"]],
            [release, 5002, 1001, "157103.520388.0005", "AHMAD  JUNAIDI", "1950-05-01", 1, 1, None, None,
             people["dies_before"]],
            [release, 5003, 1002, None, "RATNA SARI", "1948-02-02", 2, 1, 6, "KONSTRUKSI",
             people["dies_after"]],
            [release, 5004, 1002, "157102070790001", "BUDI SANTOSO", None, 1, 3, 4, "KONSTRUKSI", None],
        ]
    counts["dtsen_periode"] = write_csv(out / "dtsen_periode.csv", PERIODE_HEADER, periode)
    counts["dtsen_keluarga"] = write_csv(out / "dtsen_keluarga.csv", KELUARGA_HEADER, keluarga)
    counts["dtsen_individu"] = write_csv(out / "dtsen_individu.csv", INDIVIDU_HEADER, individu)

    (out / "world.json").write_text(json.dumps({
        "seed": 0, "scale": "tiny", "first_day": "2025-01-01", "last_day": "2026-11-30",
        "demo_nights": [d], "counts": counts,
    }, indent=2))
    return TinyWorld(out, NIGHT, people, kpj, sorted(row[0] for row in registry), sorted(p[0] for p in peserta), counts)

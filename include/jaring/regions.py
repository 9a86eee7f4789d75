"""Kota Jambi's 11 kecamatan and 68 kelurahan (Kepmendagri 300.2.2-2430/2025)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache

from jaring.config import PACKAGE_DATA


@dataclass(frozen=True)
class Kelurahan:
    kode: str
    nama: str
    kode_kecamatan: str
    nama_kecamatan: str


@cache
def kelurahan() -> dict[str, Kelurahan]:
    with open(PACKAGE_DATA / "kota-jambi-wilayah.csv", encoding="utf-8") as f:
        return {
            row["kode_kelurahan"]: Kelurahan(
                row["kode_kelurahan"], row["nama_kelurahan"], row["kode_kecamatan"], row["nama_kecamatan"]
            )
            for row in csv.DictReader(f)
        }


@cache
def kecamatan() -> dict[str, str]:
    return {k.kode_kecamatan: k.nama_kecamatan for k in kelurahan().values()}

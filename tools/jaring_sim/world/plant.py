"""Planted disagreements (the findings the hub must see) and harmless noise (which it must not report)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from jaring_sim.world import names, people
from jaring_sim.world.calendar import NAT


def unique_identity(reg: pd.DataFrame) -> np.ndarray:
    """True where no one else has the same canonical name, birth date and sex (linking step 2 is sure)."""
    key = pd.DataFrame({"nama": reg["nama"].str.split().str.join(" ").str.upper(), "birth": reg["birth"],
                        "female": reg["female"]})
    return ~key.duplicated(keep=False).to_numpy()


def wrong_digit(nik: str, rng) -> str:
    p = int(rng.integers(6, 16))
    d = (int(nik[p]) + int(rng.integers(1, 10))) % 10
    return nik[:p] + str(d) + nik[p + 1 :]


def swapped_digits(nik: str, rng) -> str:
    spots = [i for i in range(6, 15) if nik[i] != nik[i + 1]]
    if not spots:
        return wrong_digit(nik, rng)
    i = spots[int(rng.integers(len(spots)))]
    return nik[:i] + nik[i + 1] + nik[i] + nik[i + 2 :]


def wrong_birth(birth: np.datetime64, rng) -> np.datetime64:
    shift = int(rng.choice([-730, -365, -31, -10, -1, 1, 3, 365, 1095]))
    return birth + np.timedelta64(shift, "D")


def identity_errors(rng, reg: pd.DataFrame, p: pd.DataFrame, pool: np.ndarray, k: int) -> dict[str, list[int]]:
    """Typing errors at BPJS on k participants each: NIK digit, swapped digits, name, birth date, both."""
    unique = unique_identity(reg)
    pool = pool[unique[p["person"].to_numpy()[pool]]]
    chosen = rng.choice(pool, size=min(5 * k, len(pool)), replace=False)
    kinds = {"nik_digit": chosen[:k], "nik_swap": chosen[k : 2 * k], "nama": chosen[2 * k : 3 * k],
             "tgl_lahir": chosen[3 * k : 4 * k], "nama+tgl_lahir": chosen[4 * k :]}
    known = set(reg["nik"])
    for kind, idx in kinds.items():
        for i in idx:
            if kind.startswith("nik"):
                for _ in range(20):
                    nik = (wrong_digit if kind == "nik_digit" else swapped_digits)(p.at[i, "nik"], rng)
                    if nik not in known:
                        break
                p.at[i, "nik"] = nik
            if "nama" in kind:
                p.at[i, "nama"] = names.different(rng, int(reg.at[p.at[i, "person"], "tradition"]),
                                                  bool(p.at[i, "female"]), p.at[i, "nama"])
            if "tgl_lahir" in kind:
                p.at[i, "birth"] = wrong_birth(p.at[i, "birth"], rng)
            p.at[i, "cacat"] = kind
    return {kind: list(idx) for kind, idx in kinds.items()}


def unregistered(rng, reg: pd.DataFrame, k: int, start: np.datetime64) -> pd.DataFrame:
    """Participants whose NIK the registry does not know and whom no one in it resembles."""
    known = set(reg["nik"])
    female = rng.random(k) < 0.4
    birth = np.datetime64("1970-01-01") + rng.integers(0, 12000, size=k).astype("timedelta64[D]")
    nama = names.make(rng, rng.integers(0, 6, size=k), female, rng.integers(0, 99, size=k))
    niks = []
    for i in range(k):
        while True:
            d = pd.Timestamp(birth[i])
            nik = f"{people.first_district(rng)}{d.day + (40 if female[i] else 0):02d}{d.month:02d}" \
                  f"{d.year % 100:02d}{int(rng.integers(7000, 9999)):04d}"
            if nik not in known:
                break
        niks.append(nik)
    return pd.DataFrame({
        "person": -1, "payer": rng.choice(["MANDIRI", "DONATUR", "CSR"], size=k),
        "tgl_kep": start + rng.integers(0, 500, size=k).astype("timedelta64[D]"),
        "nik": niks, "person_nik": "", "nama": nama, "birth": birth, "female": female,
        "kel": reg["kel"].to_numpy()[rng.integers(len(reg), size=k)], "cacat": "nik_asing", "tgl_non": NAT,
        "upah": 1_000_000, "iuran": 16800, "via_rt": False,
    })


def registry_noise(rng, reg: pd.DataFrame, n_birth: int) -> np.ndarray:
    """Double spaces and trailing blanks in some names; a handful of birth dates that disagree with the NIK."""
    n = len(reg)
    sloppy = np.flatnonzero(rng.random(n) < 0.02)
    reg.loc[sloppy, "nama"] = [s.replace(" ", "  ", 1) + (" " if j % 2 else "") for j, s in
                               enumerate(reg.loc[sloppy, "nama"])]
    off = rng.choice(np.flatnonzero(reg["age"].to_numpy() > 1), size=n_birth, replace=False)
    reg.loc[off, "birth"] = reg.loc[off, "birth"].to_numpy() + rng.integers(1, 4, size=n_birth).astype(
        "timedelta64[D]")
    return off


def invalid_registry_rows(rng, reg: pd.DataFrame, k: int) -> pd.DataFrame:
    """Registry rows the hub must reject: a NIK that lost a digit, or whose month digits are 13."""
    rows = reg.iloc[rng.choice(len(reg), size=k, replace=False)].copy()
    lost_digit = np.arange(k) % 2 == 0
    rows["nik"] = np.where(lost_digit, rows["nik"].str[:15], rows["nik"].str[:8] + "13" + rows["nik"].str[10:])
    rows["stray"] = True
    return rows


OPTIONAL_REGISTRY_FIELDS = ("TMPT_LHR", "JENIS_PKRJN", "STATUS_KAWIN", "ALAMAT", "TGL_UPDATE")


def optional_fields_null(rng, registry: pd.DataFrame, share: float = 0.01) -> None:
    """Fields the contract shows but never promises, null on some rows (as the registry's real data has)."""
    for column in OPTIONAL_REGISTRY_FIELDS:
        empty = rng.random(len(registry)) < share
        registry[column] = registry[column].astype(object).where(~empty, None)

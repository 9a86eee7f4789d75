"""DTSEN: monthly releases of poor families (desil) and their members, with the known dirt."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from jaring_sim.world import names, people
from jaring_sim.world.calendar import FIRST_DAY, LAST_DAY, NAT, month_index, month_start, month_text
from jaring_sim.world.people import HUB_KK, SECTOR_BY_OCCUPATION, STATUS_BY_OCCUPATION

DESIL_P = np.array([0.17, 0.16, 0.14, 0.13, 0.11, 0.09, 0.07, 0.06, 0.04, 0.03])


@dataclass
class Dtsen:
    periods: pd.DataFrame  # periode, tgl_rilis (datetime64)
    families: pd.DataFrame  # fam, id_keluarga, no_kk, kel, alamat, first, last, desil0, change_at, desil1
    members: pd.DataFrame  # one per individual (person index or -1), dirt fixed across releases

    def desil_at(self, release: int) -> np.ndarray:
        f = self.families
        return np.where(release >= f["change_at"].to_numpy(), f["desil1"].to_numpy(), f["desil0"].to_numpy())


def periods(rng: np.random.Generator) -> pd.DataFrame:
    months = np.arange(month_index(FIRST_DAY), month_index(LAST_DAY) + 1)
    rilis = month_start(months) + rng.integers(3, 12, size=len(months)).astype("timedelta64[D]")
    return pd.DataFrame({"periode": month_text(months), "tgl_rilis": rilis})


def status_pekerjaan(rng, occupation: np.ndarray, age: np.ndarray) -> np.ndarray:
    """BPS status code per person (0 = NULL, not working), from the (often stale) registry occupation."""
    n = len(occupation)
    u = rng.random(n)
    out = np.zeros(n, dtype=int)
    for occ, choices in STATUS_BY_OCCUPATION.items():
        idx = np.flatnonzero(occupation == occ)
        out[idx] = np.array(choices)[(u[idx] * len(choices)).astype(int)]
    stale = rng.random(n) < 0.08
    out[stale] = rng.choice([0, 1, 4, 6, 7], size=stale.sum())
    out[age < 15] = 0
    return out


def make(rng: np.random.Generator, reg: pd.DataFrame, family_share: float) -> Dtsen:
    per = periods(rng)
    n_rel = len(per)
    fam = reg["fam"].to_numpy()
    n_fam = fam.max() + 1
    chosen = np.flatnonzero(rng.random(n_fam) < family_share)
    k = len(chosen)
    desil0 = rng.choice(np.arange(1, 11), size=k, p=DESIL_P).astype(float)
    desil0[rng.random(k) < 0.03] = np.nan
    change = rng.random(k) < 0.12
    change_at = np.where(change, rng.integers(3, n_rel, size=k), 10**6)
    desil1 = np.clip(desil0 + rng.choice([-3, -2, -1, 1, 2, 3], size=k), 1, 10)
    desil1[np.isnan(desil0)] = rng.choice(np.arange(1, 11), size=np.isnan(desil0).sum(), p=DESIL_P)
    first = np.where(rng.random(k) < 0.85, 0, rng.integers(1, n_rel, size=k))
    last = np.where(rng.random(k) < 0.02, rng.integers(n_rel // 2, n_rel, size=k), n_rel)  # dropped after
    head = reg.drop_duplicates("fam").set_index("fam")
    no_kk = head.loc[chosen, "no_kk"].to_numpy().astype(object)
    dirt = rng.random(k)
    no_kk[dirt < 0.03] = ""
    no_kk[(dirt >= 0.03) & (dirt < 0.04)] = np.array([s[:15] for s in no_kk[(dirt >= 0.03) & (dirt < 0.04)]])
    families = pd.DataFrame({
        "fam": chosen, "id_keluarga": 710_000_000 + rng.permutation(n_fam)[chosen] * 7, "no_kk": no_kk,
        "kel": head.loc[chosen, "kel"].to_numpy(), "alamat": head.loc[chosen, "alamat"].to_numpy(),
        "first": first, "last": last, "desil0": desil0, "change_at": change_at, "desil1": desil1,
    })
    members = _members(rng, reg, families)
    return Dtsen(per, families, members)


def _members(rng, reg, families) -> pd.DataFrame:
    in_dtsen = np.isin(reg["fam"].to_numpy(), families["fam"].to_numpy())
    person = np.flatnonzero(in_dtsen)
    sub = reg.iloc[person]
    n = len(person)
    nik = sub["nik"].to_numpy().astype(object).copy()
    dirt = rng.random(n)
    kind = np.full(n, "", dtype=object)
    kind[dirt < 0.04] = "null"
    kind[(dirt >= 0.04) & (dirt < 0.043)] = "short"
    kind[(dirt >= 0.043) & (dirt < 0.063)] = "separators"
    kind[(dirt >= 0.063) & (dirt < 0.068)] = "unknown"
    kind[(dirt >= 0.068) & (dirt < 0.070)] = "shared"
    for i in np.flatnonzero(kind != ""):
        s = nik[i]
        if kind[i] == "null":
            nik[i] = ""
        elif kind[i] == "short":
            p = int(rng.integers(6, 16))
            nik[i] = s[:p] + s[p + 1 :]
        elif kind[i] == "separators":
            sep = "." if rng.random() < 0.5 else " "
            nik[i] = sep.join([s[:4], s[4:8], s[8:12], s[12:]])
        elif kind[i] == "unknown":
            nik[i] = s[:12] + f"{9000 + int(rng.integers(999)):04d}"
    head_nik = reg.drop_duplicates("fam").set_index("fam")["nik"]
    shared = np.flatnonzero((kind == "shared") & (sub["role"].to_numpy() != 0) & (sub["role"].to_numpy() != 9))
    nik[shared] = head_nik.loc[sub["fam"].to_numpy()[shared]].to_numpy()
    female = sub["female"].to_numpy()
    nama = names.variants(list(sub["nama"].str.split().str.join(" ")), female, 0.10, rng)
    status = status_pekerjaan(rng, sub["occupation"].to_numpy(), sub["age"].to_numpy())
    members = pd.DataFrame({
        "person": person, "fam": sub["fam"].to_numpy(), "nik": nik, "nama": nama,
        "birth": sub["birth"].to_numpy(), "female": female, "hub_kk": HUB_KK[sub["role"].to_numpy()],
        "status": status, "occupation": sub["occupation"].to_numpy(), "person_nik": sub["nik"].to_numpy(),
    })
    extra = _unregistered(rng, families)
    return pd.concat([members, extra], ignore_index=True)


def _plus(d, n):
    return np.asarray(d).astype("datetime64[D]") + np.timedelta64(n, "D")


def _nat_min(death, lag, moved, moved_out):
    """The day a member leaves DTSEN: some weeks after death or after moving out of the city."""
    a = _plus(death, lag)
    b = np.where(moved_out, _plus(moved, 45), NAT)
    far = np.datetime64("2100-01-01")
    out = np.minimum(np.where(np.isnat(a), far, a), np.where(np.isnat(b), far, b))
    return np.where(out == far, NAT, out)


def _unregistered(rng, families) -> pd.DataFrame:
    """A few members the civil registry does not know (FAMILI LAIN, NIK fabricated or missing)."""
    pick = families["fam"].to_numpy()[rng.random(len(families)) < 0.01]
    n = len(pick)
    female = rng.random(n) < 0.5
    birth = np.datetime64("1965-01-01") + rng.integers(0, 15000, size=n).astype("timedelta64[D]")
    nama = names.make(rng, rng.integers(0, 3, size=n), female, rng.integers(0, 99, size=n))
    nik = np.array([f"{people.first_district(rng)}{rng.integers(10**5, 10**6)}{rng.integers(9500, 9999)}"
                    if rng.random() < 0.7 else "" for _ in range(n)], dtype=object)
    status = rng.choice([0, 1, 6, 7], size=n)
    return pd.DataFrame({
        "person": -1, "fam": pick, "nik": nik, "nama": nama, "birth": birth, "female": female, "hub_kk": 7,
        "status": status, "occupation": "", "person_nik": "",
    })


def releases(d: Dtsen, reg: pd.DataFrame, rng: np.random.Generator):
    """(dtsen_keluarga rows, dtsen_individu rows) of each release in turn (full copies, not deltas): one
    release at a time, so that a large world never holds every release's rows at once."""
    f = d.families
    m = d.members.merge(f[["fam", "id_keluarga", "first", "last"]], on="fam")
    m = m.sort_values(["id_keluarga", "hub_kk", "birth"], kind="stable").reset_index(drop=True)
    m["id_individu"] = 3_100_000_000 + rng.permutation(len(m)) * 3
    sector = m["occupation"].map(SECTOR_BY_OCCUPATION).fillna("").to_numpy()
    sector = np.where(m["status"].to_numpy() == 0, "", sector)
    sector = np.where((sector == "") & (m["status"].to_numpy() > 0), "JASA LAINNYA", sector)
    m["lapangan_usaha"] = sector
    # leaving DTSEN follows the registry's final events (planted ones included)
    pi = m["person"].to_numpy()
    has = pi >= 0
    sub = reg.iloc[pi[has]]
    moved_out = (sub["kode_pindah"] != "").to_numpy() & ~sub["kode_pindah"].str.startswith("1571").to_numpy()
    gone = np.full(len(m), NAT, dtype="datetime64[D]")
    gone[has] = _nat_min(sub["tgl_mati"].to_numpy(), 60, sub["tgl_pindah"].to_numpy(), moved_out)
    m["gone"] = gone
    for r, (periode, rilis) in enumerate(zip(d.periods["periode"], d.periods["tgl_rilis"], strict=True)):
        fam_in = (f["first"].to_numpy() <= r) & (r < f["last"].to_numpy())
        desil = d.desil_at(r)
        fr = pd.DataFrame({"periode": periode, "id_keluarga": f["id_keluarga"].to_numpy()[fam_in],
                           "no_kk": f["no_kk"].to_numpy()[fam_in], "kode_wilayah": f["kel"].to_numpy()[fam_in],
                           "alamat": f["alamat"].to_numpy()[fam_in], "desil": desil[fam_in], "fam": f["fam"][fam_in]})
        rilis = np.datetime64(rilis, "D")
        gone = m["gone"].to_numpy()
        keep = ((m["first"].to_numpy() <= r) & (r < m["last"].to_numpy()) & (m["birth"].to_numpy() <= rilis)
                & (np.isnat(gone) | (gone > rilis)))
        ir = m.loc[keep].copy()
        ir.insert(0, "periode", periode)
        yield fr[fr["id_keluarga"].isin(ir["id_keluarga"])], ir

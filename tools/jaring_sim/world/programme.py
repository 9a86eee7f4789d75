"""The programme: RT proposals, BPJS participants, monthly premiums, claims and RT ledger rows."""

from __future__ import annotations

import numpy as np
import pandas as pd

from jaring_sim.world import names
from jaring_sim.world.calendar import (
    LAST_DAY,
    LAUNCH,
    NAT,
    age_on,
    month_index,
    month_start,
)
from jaring_sim.world.dtsen import Dtsen

INFORMAL = (1, 2, 5, 6, 7)
CATEGORIES = ("PEKERJA RENTAN", "GURU NGAJI", "PENGURUS RT", "PEKERJA KONSTRUKSI", "ASISTEN RUMAH TANGGA")
CATEGORY_P = (0.5, 0.12, 0.08, 0.15, 0.15)
LEDGER_FIRST = month_index(np.datetime64("2025-09-01"))
LEDGER_LAST = month_index(np.datetime64("2026-10-01"))
PAY_FIRST = month_index(np.datetime64("2024-11-01"))
PAY_LAST = month_index(np.datetime64("2026-10-01"))  # the last coverage month due by LAST_DAY
OTHER_PAYERS = ("MANDIRI", "DONATUR", "BAZNAS", "CSR")
OTHER_P = (0.6, 0.15, 0.13, 0.12)
KANAL_OWN = {"APBD_KOTA_JAMBI": "PEMKOT", "APBD_PROVINSI_JAMBI": "BANK", "MANDIRI": "BANK", "DONATUR": "DONATUR",
             "BAZNAS": "BAZNAS", "CSR": "BANK"}


def settled(reg: pd.DataFrame) -> np.ndarray:
    """People whose registry RT never changes (alive or not): the RT ledgers can place them."""
    return reg["tgl_pindah"].isna().to_numpy()


def proposals(rng, reg: pd.DataFrame, n: int) -> pd.DataFrame:
    """USULAN entries: person, month, kategori (a person may be proposed again the next month)."""
    age = age_on(reg["birth"].to_numpy(), LAST_DAY)
    ok = settled(reg) & reg["tgl_mati"].isna().to_numpy() & (age >= 19) & (age <= 62) & np.isin(
        reg["occupation"].to_numpy(), ["BURUH HARIAN LEPAS", "TUKANG BATU", "PEDAGANG", "MENGURUS RUMAH TANGGA",
                                       "BELUM/TIDAK BEKERJA", "WIRASWASTA", "SOPIR"])
    person = rng.choice(np.flatnonzero(ok), size=min(n, ok.sum()), replace=False)
    month = rng.integers(LEDGER_FIRST, LEDGER_LAST + 1, size=len(person))
    kategori = np.array(CATEGORIES, dtype=object)[rng.choice(len(CATEGORIES), size=len(person), p=CATEGORY_P)]
    p = pd.DataFrame({"person": person, "month": month, "kategori": kategori})
    again = p[(rng.random(len(p)) < 0.3) & (p["month"] < LEDGER_LAST)].assign(month=lambda d: d["month"] + 1)
    return pd.concat([p, again], ignore_index=True)


def dtsen_status(d: Dtsen, reg: pd.DataFrame, release: int) -> pd.DataFrame:
    """Per registry person in a DTSEN family at `release`: desil and status (generator's own view)."""
    f = d.families.assign(desil=d.desil_at(release))
    f = f[(f["first"] <= release) & (release < f["last"])]
    m = d.members[d.members["person"] >= 0].merge(f[["fam", "desil"]], on="fam")
    return m[["person", "desil", "status"]]


def apbd_pool(d: Dtsen, reg: pd.DataFrame, props: pd.DataFrame, enrol_day: np.datetime64) -> np.ndarray:
    """People the city could enrol on `enrol_day`: DTSEN poor and informal, or proposed; 18..64."""
    release = max(0, int(month_index(enrol_day) - month_index(np.datetime64("2025-01-01"))) - 1)
    s = dtsen_status(d, reg, release)
    poor = s[(s["desil"] <= 5) & s["status"].isin(INFORMAL)]["person"].to_numpy()
    year_ok = props["kategori"].isin(["PEKERJA RENTAN"] if enrol_day < np.datetime64("2026-01-01")
                                     else list(CATEGORIES[:4]))
    proposed = props[year_ok & (props["month"] < month_index(enrol_day))]["person"].to_numpy()
    cand = np.union1d(poor, proposed)
    age = age_on(reg["birth"].to_numpy()[cand], enrol_day)
    alive = reg["tgl_mati"].isna().to_numpy()[cand] | (reg["tgl_mati"].to_numpy()[cand] > enrol_day)
    here = reg["tgl_pindah"].isna().to_numpy()[cand] | (reg["tgl_pindah"].to_numpy()[cand] > enrol_day)
    return cand[(age >= 18) & (age <= 64) & alive & here]


def kpjs(rng, n: int) -> np.ndarray:
    values = np.unique(rng.integers(10**10, 10**11 - 1, size=n * 2))
    values = rng.permutation(values)[:n]
    return np.array([str(v) for v in values], dtype=object)


def participants(rng, reg: pd.DataFrame, d: Dtsen, props: pd.DataFrame, n_apbd: int, n_prov: int,
                 n_other: int, planted: dict) -> pd.DataFrame:
    """Every participation: APBD_KOTA (from the eligible pool, from May 2025), the province, and others."""
    rows = []
    enrol_months = np.concatenate([
        rng.integers(month_index(LAUNCH), month_index(np.datetime64("2025-12-01")) + 1, size=int(n_apbd * 0.7)),
        rng.integers(month_index(np.datetime64("2026-01-01")), month_index(np.datetime64("2026-10-01")) + 1,
                     size=n_apbd - int(n_apbd * 0.7)),
    ])
    taken: set[int] = set(planted.get("apbd_forced", {}).keys())
    for m in np.unique(enrol_months):
        want = int((enrol_months == m).sum())
        pool = np.setdiff1d(apbd_pool(d, reg, props, month_start(m)), np.fromiter(taken, int, len(taken)))
        pick = rng.choice(pool, size=min(want, len(pool)), replace=False)
        taken.update(int(p) for p in pick)
        rows.append(pd.DataFrame({"person": pick, "tgl_kep": month_start(m), "payer": "APBD_KOTA_JAMBI"}))
    for person, day in planted.get("apbd_forced", {}).items():
        rows.append(pd.DataFrame({"person": [person], "tgl_kep": [day], "payer": "APBD_KOTA_JAMBI"}))
    age = age_on(reg["birth"].to_numpy(), LAST_DAY)
    adults = np.setdiff1d(np.flatnonzero((age >= 20) & (age <= 66)), np.fromiter(taken, int, len(taken)))
    prov = rng.choice(adults, size=n_prov, replace=False)
    rest = rng.choice(np.setdiff1d(adults, prov), size=n_other, replace=False)
    start = np.datetime64("2022-01-01")
    rows.append(pd.DataFrame({"person": prov, "payer": "APBD_PROVINSI_JAMBI",
                              "tgl_kep": month_start(rng.integers(month_index(start), month_index(LAST_DAY),
                                                                  size=n_prov))}))
    rows.append(pd.DataFrame({
        "person": rest, "payer": np.array(OTHER_PAYERS, dtype=object)[rng.choice(4, size=n_other, p=OTHER_P)],
        "tgl_kep": start + rng.integers(0, (LAST_DAY - start).astype(int) - 20, size=n_other).astype("timedelta64[D]"),
    }))
    p = pd.concat(rows, ignore_index=True)
    # the participant's own birth must precede enrolment (young "adults" enrolled before 18 are shifted)
    p["tgl_kep"] = np.maximum(p["tgl_kep"].to_numpy().astype("datetime64[D]"),
                              reg["birth"].to_numpy()[p["person"]] + np.timedelta64(18 * 366, "D"))
    return p


def identity(rng, reg: pd.DataFrame, p: pd.DataFrame, variant_share: float) -> pd.DataFrame:
    """The identity BPJS holds: NIK, name (a spelling variant sometimes), birth date, sex, region."""
    sub = reg.iloc[p["person"].to_numpy()]
    female = sub["female"].to_numpy()
    p = p.assign(
        nik=sub["nik"].to_numpy(), person_nik=sub["nik"].to_numpy(),
        nama=names.variants(list(sub["nama"].str.split().str.join(" ")), female, variant_share, rng),
        birth=sub["birth"].to_numpy(), female=female, kel=sub["kel"].to_numpy(), cacat="",
        tgl_non=NAT,
    )
    upah = rng.choice([1_000_000, 1_000_000, 1_000_000, 1_500_000, 2_000_000], size=len(p))
    upah = np.where(p["payer"].isin(["APBD_KOTA_JAMBI", "APBD_PROVINSI_JAMBI"]), 1_000_000, upah)
    p["upah"] = upah
    p["iuran"] = upah // 100 + 6800
    p["via_rt"] = (p["payer"].isin(["MANDIRI", "DONATUR", "BAZNAS"]).to_numpy() & settled(reg)[p["person"]]
                   & (rng.random(len(p)) < 0.45))
    return p


def deactivate(rng, reg: pd.DataFrame, p: pd.DataFrame, keep_active: set[int]) -> None:
    """NONAKTIF dates: most dead or moved-away participants, and some who simply stopped."""
    person = p["person"].to_numpy()
    death = reg["tgl_mati"].to_numpy()[np.maximum(person, 0)]
    moved = reg["tgl_pindah"].to_numpy()[np.maximum(person, 0)]
    out_city = ~reg["kode_pindah"].str.startswith("1571").to_numpy()[np.maximum(person, 0)] & ~np.isnat(moved)
    n = len(p)
    non = np.full(n, NAT, dtype="datetime64[D]")
    dead = (person >= 0) & ~np.isnat(death) & (rng.random(n) < 0.75)
    non[dead] = death[dead] + rng.integers(20, 150, size=dead.sum()).astype("timedelta64[D]")
    gone = (person >= 0) & out_city & (rng.random(n) < 0.7) & ~dead
    non[gone] = moved[gone] + rng.integers(30, 120, size=gone.sum()).astype("timedelta64[D]")
    quit_ = (p["payer"] != "APBD_KOTA_JAMBI").to_numpy() & (rng.random(n) < 0.07) & np.isnat(non)
    kep = p["tgl_kep"].to_numpy().astype("datetime64[D]")
    non[quit_] = kep[quit_] + rng.integers(60, 700, size=quit_.sum()).astype("timedelta64[D]")
    non[p.index.isin(list(keep_active))] = NAT
    non = np.where(non > LAST_DAY, NAT, non)
    non = np.where(non <= kep, kep + np.timedelta64(30, "D"), non)
    p["tgl_non"] = np.where(non > LAST_DAY, NAT, non)


def payments(rng, reg: pd.DataFrame, p: pd.DataFrame, planted: dict) -> pd.DataFrame:
    """One row per participant and coverage month paid (premium due on the 15th of M+1)."""
    kep_m = month_index(p["tgl_kep"].to_numpy())
    non = p["tgl_non"].to_numpy().astype("datetime64[D]")
    non_m = np.where(np.isnat(non), PAY_LAST + 1, month_index(non))
    person = p["person"].to_numpy()
    death = reg["tgl_mati"].to_numpy()[np.maximum(person, 0)]
    death_m = np.where((person >= 0) & ~np.isnat(death), month_index(death), PAY_LAST + 1)
    still = np.zeros(len(p), bool)
    still[list(planted.get("dead_active", ()))] = True
    death_m = np.where(still, PAY_LAST + 1, death_m)  # nobody told the payer: premiums keep coming
    months = np.arange(PAY_FIRST, PAY_LAST + 1)
    grid_p, grid_m = np.meshgrid(np.arange(len(p)), months, indexing="ij")
    grid_p, grid_m = grid_p.ravel(), grid_m.ravel()
    due = (grid_m >= kep_m[grid_p]) & (grid_m < non_m[grid_p]) & (grid_m <= death_m[grid_p])
    grid_p, grid_m = grid_p[due], grid_m[due]
    payer = p["payer"].to_numpy()[grid_p]
    lax = np.where(p["payer"].to_numpy() == "MANDIRI", rng.choice([0.0, 0.0, 0.12, 0.3], size=len(p)), 0.01)
    lax[p["payer"].to_numpy() == "APBD_KOTA_JAMBI"] = 0.0
    missed = rng.random(len(grid_p)) < lax[grid_p]
    stop = np.where((p["payer"].to_numpy() == "MANDIRI") & (rng.random(len(p)) < 0.08),
                    rng.integers(PAY_FIRST, PAY_LAST + 1, size=len(p)), PAY_LAST + 1)
    missed |= grid_m >= stop[grid_p]
    for idx, gap_months in planted.get("apbd_arrears", {}).items():
        missed |= (grid_p == idx) & np.isin(grid_m, gap_months)
    via_rt = p["via_rt"].to_numpy()[grid_p]
    pay = pd.DataFrame({"p": grid_p, "m": grid_m, "missed": missed})
    nxt = month_start(grid_m + 1)
    offset = np.where(payer == "APBD_KOTA_JAMBI", rng.integers(4, 12, size=len(grid_p)),
                      np.where(via_rt, rng.integers(2, 14, size=len(grid_p)),
                               rng.integers(-25, 20, size=len(grid_p))))
    pay["tgl_bayar"] = nxt + offset.astype("timedelta64[D]")
    pay["kanal"] = np.where(via_rt, "RT", pd.Series(payer).map(KANAL_OWN).to_numpy())
    pay["jumlah"] = p["iuran"].to_numpy()[grid_p]
    return pay


def ledger_iuran(rng, reg: pd.DataFrame, p: pd.DataFrame, pay: pd.DataFrame) -> pd.DataFrame:
    """The RT's side of RT-channel premiums: one ledger row per worker and month paid to the RT."""
    rt_pay = pay[(pay["kanal"] == "RT") & ~pay["missed"] & (pay["m"] >= LEDGER_FIRST) & (pay["m"] <= LEDGER_LAST)]
    part = p.iloc[rt_pay["p"].to_numpy()]
    show_kpj = (rng.random(len(p)) < 0.55)[rt_pay["p"].to_numpy()]
    return pd.DataFrame({
        "person": part["person"].to_numpy(), "m": rt_pay["m"].to_numpy(), "sheet": "IURAN",
        "no_kpj": np.where(show_kpj, part["kpj"].to_numpy(), ""), "iuran": part["iuran"].to_numpy(),
        "sumber_dana": part["payer"].to_numpy(), "kategori": "", "p": rt_pay["p"].to_numpy(),
    })


def claims(rng, reg: pd.DataFrame, p: pd.DataFrame, planted: dict) -> pd.DataFrame:
    """JKM claims after deaths (some never filed, some rejected), and a few JKK accidents."""
    person = p["person"].to_numpy()
    death = reg["tgl_mati"].to_numpy()[np.maximum(person, 0)]
    kep = p["tgl_kep"].to_numpy().astype("datetime64[D]")
    dead = np.flatnonzero((person >= 0) & ~np.isnat(death) & (kep <= death))
    forced = planted.get("claims", {})
    outcome = rng.choice(["", "DIBAYAR", "DITOLAK", "DIPROSES", "DIAJUKAN"], size=len(dead),
                         p=[0.3, 0.45, 0.1, 0.1, 0.05]).astype(object)
    for k, i in enumerate(dead):
        if i in forced:
            outcome[k] = forced[i]
    filed = death[dead] + rng.integers(5, 90, size=len(dead)).astype("timedelta64[D]")
    decided = filed + rng.integers(5, 60, size=len(dead)).astype("timedelta64[D]")
    decided = np.where(outcome == "DIAJUKAN", filed, decided)
    jkm = pd.DataFrame({"p": dead, "JENIS_KLAIM": "JKM", "TGL_KEJADIAN": death[dead], "TGL_PENGAJUAN": filed,
                        "STATUS": outcome, "NILAI": 42_000_000, "TGL_STATUS": decided})
    jkm = jkm[(jkm["STATUS"] != "") & (jkm["TGL_PENGAJUAN"] <= LAST_DAY)]
    acc = np.flatnonzero(rng.random(len(p)) < 0.006)
    happened = np.maximum(kep[acc], np.datetime64("2025-01-01")) + rng.integers(
        0, 500, size=len(acc)).astype("timedelta64[D]")
    filed_j = happened + rng.integers(1, 30, size=len(acc)).astype("timedelta64[D]")
    jkk = pd.DataFrame({"p": acc, "JENIS_KLAIM": "JKK", "TGL_KEJADIAN": happened, "TGL_PENGAJUAN": filed_j,
                        "STATUS": rng.choice(["DIBAYAR", "DIBAYAR", "DITOLAK", "DIPROSES"], size=len(acc)),
                        "NILAI": rng.integers(2, 40, size=len(acc)) * 500_000,
                        "TGL_STATUS": filed_j + rng.integers(7, 40, size=len(acc)).astype("timedelta64[D]")})
    jkk = jkk[jkk["TGL_PENGAJUAN"] <= LAST_DAY]
    out = pd.concat([jkm, jkk], ignore_index=True).sort_values(["TGL_PENGAJUAN", "p"], kind="stable")
    out["KPJ"] = p["kpj"].to_numpy()[out["p"].to_numpy()]
    out["NO_KLAIM"] = [f"KLM{26000000 + i * 13:09d}" for i in range(len(out))]
    return out

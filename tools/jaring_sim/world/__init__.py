"""The simulated world of Kota Jambi: `generate(out, scale, seed)` writes it as CSV files.

Layout and columns: docs/internals.md ("The simulated world"); the `inbox/` folder is rendered
afterwards from `rt_rows.csv` by `jaring_sim.rt_inbox`. Columns starting with `_` are the
simulator's ground truth (`_person_nik`; `_cacat` on `bpjs_peserta.csv` labels a planted typing
error: `nik_digit`, `nik_swap`, `nama`, `tgl_lahir`, `nama+tgl_lahir`, `nik_asing`, `kpj`).
Same seed and scale give byte-identical files.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from jaring_sim.world import dtsen, io, names, people, plant, programme, vital
from jaring_sim.world.calendar import (
    DEMO_NIGHTS,
    FIRST_DAY,
    LAST_DAY,
    age_on,
    month_index,
    month_start,
    month_text,
    text,
)


@dataclass(frozen=True)
class Scale:
    persons: int
    rts_per_kelurahan: tuple[int, int]
    dtsen_share: float
    proposals: int
    apbd_max: int  # APBD_KOTA participants, kept under the 2026 quota
    prov: int
    other: int
    k: int  # how many of each planted disagreement


# The APBD quota is absolute (4,000 in 2026), so the small world needs far more of its people in DTSEN
# than the city (85 % of families instead of a third) to have both a within-quota set and a waiting list.
SCALES = {
    "small": Scale(20_000, (3, 5), 0.85, 700, 3_650, 250, 900, 8),
    "city": Scale(630_000, (24, 32), 0.34, 7_000, 3_650, 8_000, 27_000, 30),
    # three cities' worth of people, RTs and programme (the quota stays the city's): the 3x benchmark
    "city3": Scale(1_890_000, (72, 96), 0.34, 21_000, 3_650, 24_000, 81_000, 30),
}


def generate(out: Path, scale: str = "small", seed: int = 1) -> dict:
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {sorted(SCALES)}")
    s = SCALES[scale]
    rng = np.random.default_rng([seed, list(SCALES).index(scale)])
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)

    rts = people.rt_layout(rng, s.rts_per_kelurahan)
    reg = people.make_registry(rng, s.persons, rts)
    plant.registry_noise(rng, reg, max(5, s.persons // 10_000))
    d = dtsen.make(rng, reg, s.dtsen_share)
    props = programme.proposals(rng, reg, s.proposals)

    planted: dict = {"apbd_forced": _forced_apbd(rng, reg, d, props, s.k)}
    pool_now = programme.apbd_pool(d, reg, props, np.datetime64("2026-11-01"))
    n_apbd = min(s.apbd_max, int(0.8 * len(pool_now)))
    p = programme.participants(rng, reg, d, props, n_apbd - len(planted["apbd_forced"]), s.prov, s.other, planted)
    p = programme.identity(rng, reg, p, 0.15)
    p = _plant_programme(rng, reg, d, props, p, planted, s.k)
    p["kpj"] = programme.kpjs(rng, len(p))
    bad_kpj = planted["bad_kpj"]
    p.loc[bad_kpj, "kpj"] = p.loc[bad_kpj, "kpj"].str[:10]
    p.loc[bad_kpj, "cacat"] = "kpj"
    programme.deactivate(rng, reg, p, planted["keep_active"])

    pay = programme.payments(rng, reg, p, planted)
    unremitted = _plant_payments(rng, pay, p, s.k)
    ledger = _rt_rows(rng, reg, p, pay, props, s.k)
    pay = pay[~pay["missed"] & ~unremitted & (pay["tgl_bayar"] <= LAST_DAY)]
    klaim = programme.claims(rng, reg, p, planted)
    dtsen_counts, dtsen_niks = _write_releases(dtsen.releases(d, reg, rng), out)

    stray = plant.invalid_registry_rows(rng, reg, max(3, s.k // 3))
    registry = pd.concat([reg, stray], ignore_index=True)
    registry = io.registry(registry[registry["birth"] <= LAST_DAY])
    plant.optional_fields_null(rng, registry)
    known_elsewhere = set(p["nik"].dropna()) | dtsen_niks | set(ledger["nik"]) | set(p["person_nik"].dropna()) | set(
        ledger["_person_nik"])
    registry = vital.add(np.random.default_rng([seed, list(SCALES).index(scale), 1]), registry, known_elsewhere)

    counts = {
        "registry.csv": io.write(registry, out / "registry.csv"),
        "dtsen_periode.csv": io.write(d.periods, out / "dtsen_periode.csv"),
        **dtsen_counts,
        "bpjs_peserta.csv": io.write(io.peserta(p), out / "bpjs_peserta.csv"),
        "bpjs_iuran.csv": io.write(io.iuran(pay, p), out / "bpjs_iuran.csv"),
        "bpjs_klaim.csv": io.write(io.klaim(klaim), out / "bpjs_klaim.csv"),
        "rt_rows.csv": io.write(ledger, out / "rt_rows.csv"),
    }
    counts["rt_files"] = int(ledger[["bulan", "kode_kelurahan", "no_rt", "no_rw"]].drop_duplicates().shape[0])
    counts["rts"] = int(ledger[["kode_kelurahan", "no_rt", "no_rw"]].drop_duplicates().shape[0])
    world = {"seed": seed, "scale": scale, "first_day": str(FIRST_DAY), "last_day": str(LAST_DAY),
             "demo_nights": list(DEMO_NIGHTS), "counts": counts}
    (out / "world.json").write_text(json.dumps(world, indent=2) + "\n", encoding="utf-8")
    return world


def _write_releases(releases, out: Path) -> tuple[dict, set]:
    """Write dtsen_keluarga.csv and dtsen_individu.csv release by release; (row counts, every NIK they hold)."""
    counts = {"dtsen_keluarga.csv": 0, "dtsen_individu.csv": 0}
    niks: set = set()
    for number, (keluarga, individu) in enumerate(releases):
        counts["dtsen_keluarga.csv"] += io.write(keluarga[["periode", "id_keluarga", "no_kk", "kode_wilayah",
                                                           "alamat", "desil"]], out / "dtsen_keluarga.csv",
                                                 append=number > 0)
        counts["dtsen_individu.csv"] += io.write(_individu(individu), out / "dtsen_individu.csv", append=number > 0)
        niks |= set(individu["nik"].dropna()) | set(individu["person_nik"].dropna())
    return counts, niks


def _individu(ind: pd.DataFrame) -> pd.DataFrame:
    status = ind["status"].to_numpy()
    return pd.DataFrame({
        "periode": ind["periode"], "id_individu": ind["id_individu"], "id_keluarga": ind["id_keluarga"],
        "nik": ind["nik"], "nama": ind["nama"], "tgl_lahir": ind["birth"],
        "jenis_kelamin": np.where(ind["female"].astype(bool), 2, 1), "hub_kk": ind["hub_kk"],
        "status_pekerjaan": np.where(status == 0, "", status.astype(str)), "lapangan_usaha": ind["lapangan_usaha"],
        "_person_nik": ind["person_nik"],
    })


def _forced_apbd(rng, reg, d, props, k) -> dict[int, np.datetime64]:
    """Planted NO_LONGER_ELIGIBLE causes chosen at enrolment: turning 65, never in DTSEN nor proposed."""
    pool = programme.apbd_pool(d, reg, props, np.datetime64("2025-06-01"))
    alive = reg["tgl_mati"].isna().to_numpy() & programme.settled(reg)
    b = reg["birth"].to_numpy()
    turns_65 = (age_on(b, np.datetime64("2025-06-01")) == 64) & (age_on(b, np.datetime64("2026-11-01")) >= 65)
    older = pool[turns_65[pool] & alive[pool]]
    forced = {int(i): np.datetime64("2025-06-01") for i in rng.choice(older, size=min(k, len(older)), replace=False)}
    age = age_on(b, LAST_DAY)
    outside = ~np.isin(reg["fam"].to_numpy(), d.families["fam"].to_numpy()) & ~np.isin(
        np.arange(len(reg)), props["person"].to_numpy()) & alive & (age >= 30) & (age <= 50)
    for i in rng.choice(np.flatnonzero(outside), size=k, replace=False):
        forced[int(i)] = month_start(int(rng.integers(month_index(np.datetime64("2025-06-01")),
                                                      month_index(np.datetime64("2026-06-01")))))
    return forced


def _plant_programme(rng, reg, d, props, p, planted, k) -> pd.DataFrame:
    """Deaths, moves, DTSEN changes, duplicates and arrears on APBD participants; BPJS typing errors."""
    forced = set(planted["apbd_forced"])
    person = p["person"].to_numpy()
    alive = reg["tgl_mati"].isna().to_numpy()[person] & programme.settled(reg)[person]
    apbd = np.flatnonzero((p["payer"] == "APBD_KOTA_JAMBI").to_numpy() & alive & ~np.isin(person, list(forced)))
    apbd = rng.permutation(apbd)
    # one family member at most, so each plant stays one clean cause
    apbd = apbd[~pd.Series(reg["fam"].to_numpy()[person[apbd]]).duplicated().to_numpy()]
    dead, moved, rose, dropped, dup, arrears = (apbd[i * k : (i + 1) * k] for i in range(6))
    kep = p["tgl_kep"].to_numpy().astype("datetime64[D]")
    for i in dead:
        lo = max(kep[i] + np.timedelta64(45, "D"), np.datetime64("2025-08-01"))
        reg.at[person[i], "tgl_mati"] = lo + np.timedelta64(int(rng.integers(0, max(1, (np.datetime64(
            "2026-11-10") - lo).astype(int)))), "D")
    outcomes = ["", "", "DITOLAK", "DIBAYAR", "DIAJUKAN", "DIPROSES"]
    planted["dead_active"] = set(int(i) for i in dead)
    planted["claims"] = {int(i): outcomes[j % len(outcomes)] for j, i in enumerate(dead)}
    day = np.datetime64("2025-09-01") + rng.integers(0, 430, size=len(moved)).astype("timedelta64[D]")
    people.move_family_out(reg, person[moved], np.maximum(day, kep[moved] + np.timedelta64(30, "D")), rng)
    fams = d.families.set_index("fam")
    n_rel = len(d.periods)
    proposed = set(props["person"])
    for i in rose:
        f = reg.at[person[i], "fam"]
        if f in fams.index:
            row = d.families.index[d.families["fam"] == f][0]
            d.families.at[row, "change_at"] = n_rel - int(rng.integers(3, 8))
            d.families.at[row, "desil1"] = float(rng.integers(7, 10))
    for i in dropped:
        f = reg.at[person[i], "fam"]
        if f in fams.index and person[i] not in proposed:
            row = d.families.index[d.families["fam"] == f][0]
            d.families.at[row, "last"] = n_rel - 4
    extra = [pd.DataFrame({"person": person[dup], "payer": "APBD_PROVINSI_JAMBI",
                           "tgl_kep": np.datetime64("2024-03-01") + rng.integers(0, 900, size=len(dup)).astype(
                               "timedelta64[D]")}),
             pd.DataFrame({"person": person[dup[: k // 2]], "payer": "MANDIRI",
                           "tgl_kep": np.datetime64("2023-01-01") + rng.integers(0, 1000, size=k // 2).astype(
                               "timedelta64[D]")})]
    window = np.arange(month_index(np.datetime64("2025-11-01")), month_index(np.datetime64("2026-10-01")) + 1)
    planted["apbd_arrears"] = {int(i): rng.choice(window, size=int(rng.integers(1, 4)), replace=False)
                               for i in arrears}
    dup_p = programme.identity(rng, reg, pd.concat(extra, ignore_index=True), 0.3)
    dup_p["via_rt"] = False
    first_dup = len(p)
    p = pd.concat([p, dup_p], ignore_index=True)
    planted["keep_active"] = set(int(i) for i in np.concatenate([dead, moved, dup])) | set(
        range(first_dup, len(p)))

    # typing errors at BPJS on others (any payer, alive, not planted above)
    used = set(int(i) for i in np.concatenate([dead, moved, rose, dropped, dup, arrears]))
    candidates = np.array([i for i in range(first_dup) if alive[i] and i not in used and not p.at[i, "via_rt"]])
    planted["identity"] = plant.identity_errors(rng, reg, p, candidates, k)
    taken = set(int(i) for v in planted["identity"].values() for i in v)
    rest = np.array([i for i in candidates if i not in taken and p.at[i, "payer"] == "MANDIRI"])
    p = pd.concat([p, plant.unregistered(rng, reg, k, np.datetime64("2024-06-01"))], ignore_index=True)
    planted["bad_kpj"] = list(rng.choice(rest, size=max(2, k // 3), replace=False))
    return p


def _plant_payments(rng, pay: pd.DataFrame, p: pd.DataFrame, k: int) -> np.ndarray:
    """RT-channel premiums the RT collected but never remitted, or remitted short."""
    cand = np.flatnonzero((pay["kanal"] == "RT").to_numpy() & ~pay["missed"].to_numpy()
                          & (pay["m"].to_numpy() >= programme.LEDGER_FIRST)
                          & (pay["m"].to_numpy() <= month_index(np.datetime64("2026-08-01"))))
    chosen = rng.choice(cand, size=min(2 * k, len(cand)), replace=False)
    unremitted = np.zeros(len(pay), bool)
    unremitted[chosen[:k]] = True
    pay.loc[pay.index[chosen[k:]], "jumlah"] = rng.choice([8400, 10000, 15000], size=len(chosen[k:]))
    return unremitted


def _rt_rows(rng, reg, p, pay, props, k) -> pd.DataFrame:
    """rt_rows.csv: the ledgers' logical rows (clean values), with the upload day of each file."""
    iuran = programme.ledger_iuran(rng, reg, p, pay)
    # workers who pay the RT but were never registered at BPJS
    settled = np.flatnonzero(programme.settled(reg) & reg["tgl_mati"].isna().to_numpy()
                             & (age_on(reg["birth"].to_numpy(), LAST_DAY) >= 20)
                             & (age_on(reg["birth"].to_numpy(), LAST_DAY) <= 60))
    ghosts = rng.choice(np.setdiff1d(settled, p["person"].to_numpy()), size=k, replace=False)
    first = rng.integers(programme.LEDGER_FIRST, month_index(np.datetime64("2026-06-01")), size=k)
    ghost_rows = pd.DataFrame({"person": np.repeat(ghosts, 3), "m": np.repeat(first, 3) + np.tile([0, 1, 2], k),
                               "sheet": "IURAN", "no_kpj": "", "iuran": 16800, "sumber_dana": "MANDIRI",
                               "kategori": ""})
    usulan = props.assign(m=props["month"], sheet="USULAN", no_kpj="", iuran=0, sumber_dana="")
    rows = pd.concat([iuran.drop(columns="p"), ghost_rows, usulan[ghost_rows.columns]], ignore_index=True)
    person = rows["person"].to_numpy()
    sub = reg.iloc[person]
    female = sub["female"].to_numpy()
    out = pd.DataFrame({
        "bulan": month_text(rows["m"].to_numpy()), "kode_kelurahan": sub["kel"].to_numpy(),
        "no_rt": sub["rt"].to_numpy(), "no_rw": sub["rw"].to_numpy(), "sheet": rows["sheet"].to_numpy(),
        "nik": sub["nik"].to_numpy(),
        "nama": names.variants(list(sub["nama"].str.split().str.join(" ")), female, 0.2, rng),
        "pekerjaan": sub["occupation"].to_numpy(), "no_kpj": rows["no_kpj"].to_numpy(),
        "iuran": np.where(rows["sheet"] == "IURAN", rows["iuran"].astype(int).astype(str), ""),
        "tgl_bayar": np.where(rows["sheet"] == "IURAN", text(month_start(rows["m"].to_numpy())
                                                              + rng.integers(0, 27, size=len(rows)).astype(
                                                                  "timedelta64[D]")), ""),
        "sumber_dana": rows["sumber_dana"].to_numpy(), "kategori": rows["kategori"].to_numpy(),
        "no_hp": ["08" + str(5_000_000_000 + (int(n[6:]) * 7919) % 4_999_999_999) for n in sub["nik"]],
        "keterangan": "", "_person_nik": sub["nik"].to_numpy(), "m": rows["m"].to_numpy(),
    })
    files = out[["m", "kode_kelurahan", "no_rt", "no_rw"]].drop_duplicates().sort_values(
        ["m", "kode_kelurahan", "no_rw", "no_rt"])
    lateness = rng.choice([0, 1, 2], size=len(files), p=[0.85, 0.1, 0.05])
    offset = np.where(lateness == 0, rng.integers(0, 10, size=len(files)),
                      np.where(lateness == 1, rng.integers(10, 28, size=len(files)), rng.integers(30, 50, size=len(files))))
    files["uploaded_on"] = text(month_start(files["m"].to_numpy() + 1) + offset.astype("timedelta64[D]"))
    out = out.merge(files, on=["m", "kode_kelurahan", "no_rt", "no_rw"])
    out = out[out["uploaded_on"] <= str(LAST_DAY)]
    out = out.sort_values(["bulan", "kode_kelurahan", "no_rw", "no_rt", "sheet", "nik"], kind="stable")
    out = out.drop_duplicates(["bulan", "kode_kelurahan", "no_rt", "no_rw", "sheet", "nik"])
    out["no"] = out.groupby(["bulan", "kode_kelurahan", "no_rt", "no_rw", "sheet"]).cumcount() + 1
    out.insert(0, "row_id", np.arange(1, len(out) + 1))
    cols = ["row_id", "bulan", "kode_kelurahan", "no_rt", "no_rw", "sheet", "no", "nik", "nama", "pekerjaan",
            "no_kpj", "iuran", "tgl_bayar", "sumber_dana", "kategori", "no_hp", "keterangan", "uploaded_on",
            "_person_nik"]
    return out[cols]

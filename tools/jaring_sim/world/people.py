"""The civil registry: families on KK cards across the 68 kelurahan, with births, deaths and moves."""

from __future__ import annotations

import numpy as np
import pandas as pd

from jaring import regions
from jaring_sim.world import names
from jaring_sim.world.calendar import FIRST_DAY, LAST_DAY, days

KK, ISTRI, SUAMI, ANAK, MENANTU, CUCU, ORANG_TUA, MERTUA, FAMILI, KK_F = range(10)
STAT_HBKEL = np.array(
    ["KEPALA KELUARGA", "ISTRI", "SUAMI", "ANAK", "MENANTU", "CUCU", "ORANG TUA", "MERTUA", "FAMILI LAIN",
     "KEPALA KELUARGA"],
    dtype=object,
)
# DTSEN's hub_kk for each role above
HUB_KK = np.array([1, 2, 2, 3, 4, 5, 6, 6, 7, 1])

_TEMPLATES = [  # (roles, weight)
    ([KK], 6), ([KK_F], 4), ([KK, ISTRI], 10), ([KK, ISTRI, ANAK], 14), ([KK, ISTRI, ANAK, ANAK], 18),
    ([KK, ISTRI, ANAK, ANAK, ANAK], 14), ([KK, ISTRI, ANAK, ANAK, ANAK, ANAK], 6),
    ([KK, ISTRI, ANAK, ANAK, ANAK, ANAK, ANAK], 2), ([KK_F, ANAK], 4), ([KK_F, ANAK, ANAK], 4),
    ([KK, ISTRI, ANAK, ANAK, ORANG_TUA], 4), ([KK, ISTRI, ANAK, MERTUA], 3),
    ([KK, ISTRI, ANAK, MENANTU, CUCU], 3), ([KK_F, SUAMI, ANAK], 1), ([KK, ISTRI, ANAK, FAMILI], 2),
]

OCCUPATIONS_MALE = (
    ["BURUH HARIAN LEPAS", "WIRASWASTA", "PEDAGANG", "KARYAWAN SWASTA", "PEGAWAI NEGERI SIPIL",
     "NELAYAN/PERIKANAN", "TUKANG BATU", "SOPIR", "PETANI/PEKEBUN", "BELUM/TIDAK BEKERJA"],
    [0.22, 0.17, 0.15, 0.16, 0.05, 0.03, 0.07, 0.06, 0.04, 0.05],
)
OCCUPATIONS_FEMALE = (
    ["MENGURUS RUMAH TANGGA", "PEDAGANG", "WIRASWASTA", "KARYAWAN SWASTA", "BURUH HARIAN LEPAS",
     "PEGAWAI NEGERI SIPIL", "BELUM/TIDAK BEKERJA"],
    [0.40, 0.18, 0.10, 0.10, 0.12, 0.04, 0.06],
)
# the BPS status_pekerjaan DTSEN records for an occupation (choices; None = not working)
STATUS_BY_OCCUPATION = {
    "BURUH HARIAN LEPAS": [6, 6, 5], "WIRASWASTA": [1, 2, 3], "PEDAGANG": [1, 1, 2],
    "KARYAWAN SWASTA": [4], "PEGAWAI NEGERI SIPIL": [4], "NELAYAN/PERIKANAN": [5, 1],
    "TUKANG BATU": [6], "SOPIR": [6, 4], "PETANI/PEKEBUN": [1, 5], "MENGURUS RUMAH TANGGA": [0, 0, 0, 7],
}
SECTOR_BY_OCCUPATION = {
    "BURUH HARIAN LEPAS": "KONSTRUKSI", "WIRASWASTA": "PERDAGANGAN", "PEDAGANG": "PERDAGANGAN",
    "KARYAWAN SWASTA": "JASA", "PEGAWAI NEGERI SIPIL": "ADMINISTRASI PEMERINTAHAN",
    "NELAYAN/PERIKANAN": "PERIKANAN", "TUKANG BATU": "KONSTRUKSI", "SOPIR": "TRANSPORTASI",
    "PETANI/PEKEBUN": "PERTANIAN", "MENGURUS RUMAH TANGGA": "",
}
BIRTHPLACES = {
    "MELAYU": ["JAMBI", "JAMBI", "JAMBI", "MUARA BULIAN", "KUALA TUNGKAL", "PALEMBANG"],
    "JAWA": ["JAMBI", "JAMBI", "SEMARANG", "SOLO", "KEDIRI", "BANYUMAS"],
    "MINANG": ["JAMBI", "PADANG", "BUKITTINGGI", "PAYAKUMBUH"],
    "BATAK": ["JAMBI", "MEDAN", "PEMATANG SIANTAR", "TARUTUNG"],
    "TIONGHOA": ["JAMBI", "JAMBI", "MEDAN", "JAKARTA"],
    "ARAB": ["JAMBI", "JAMBI", "PALEMBANG", "PEKALONGAN"],
}
STREETS = ("JL. SULTAN AGUNG", "JL. GATOT SUBROTO", "JL. KAPTEN PATTIMURA", "LRG. MAWAR", "LRG. MELATI",
           "JL. HOS COKROAMINOTO", "JL. SLAMET RIYADI", "LRG. SEPAKAT", "JL. KOL. ABUNJANI", "LRG. PINANG",
           "JL. PANGERAN HIDAYAT", "LRG. BUDIMAN", "JL. RADEN WIJAYA", "LRG. SETIA", "JL. MARSDA SURYADARMA")
# where in-migrants were first registered (PPKKCC prefixes of their NIKs): the regencies of Jambi
# province and Sungai Penuh, then the cities people come from most (Medan, Padang, Pekanbaru,
# Palembang, Jakarta, Bandung, Semarang)
ORIGIN_REGENCIES = ("1501", "1502", "1503", "1504", "1505", "1505", "1506", "1507", "1508", "1509", "1572",
                    "1271", "1371", "1471", "1671", "1671", "3171", "3172", "3174", "3273", "3374")
IN_MIGRANT_FAMILY_SHARE = 0.15
# destinations outside the city (kelurahan codes of neighbouring regencies and other cities)
OUTSIDE = ("1505011003", "1505022001", "1505031007", "1504012004", "1507021002", "1572011005",
           "1371041002", "1671061008", "1471081004", "3171051003")


def rt_layout(rng: np.random.Generator, rts_per_kelurahan: tuple[int, int]) -> pd.DataFrame:
    """Every RT of the world: kode_kelurahan, no_rt, no_rw (RTs numbered within the kelurahan)."""
    rows = []
    for kode in sorted(regions.kelurahan()):
        n = int(rng.integers(rts_per_kelurahan[0], rts_per_kelurahan[1] + 1))
        per_rw = int(rng.integers(4, 8))
        for i in range(n):
            rows.append((kode, f"{i + 1:03d}", f"{i // per_rw + 1:03d}"))
    return pd.DataFrame(rows, columns=["kel", "rt", "rw"])


def _families(rng, n_persons):
    weights = np.array([w for _, w in _TEMPLATES], dtype=float)
    width = max(len(t) for t, _ in _TEMPLATES)
    table = np.full((len(_TEMPLATES), width), -1)
    for i, (t, _) in enumerate(_TEMPLATES):
        table[i, : len(t)] = t
    choice = rng.choice(len(_TEMPLATES), size=int(n_persons / 3.2) + 50, p=weights / weights.sum())
    sizes = (table[choice] >= 0).sum(axis=1)
    keep = np.searchsorted(np.cumsum(sizes), n_persons) + 1
    choice, sizes = choice[:keep], sizes[:keep]
    roles = table[choice].ravel()
    roles = roles[roles >= 0][:n_persons]
    fam = np.repeat(np.arange(keep), sizes)[:n_persons]
    return fam, roles


def _ages(rng, fam, roles):
    head_age = np.clip(rng.normal(45, 12, size=fam.max() + 1), 21, 85)[fam]
    n = len(fam)
    u = rng.random(n)
    age = head_age.copy()
    age = np.where(roles == ISTRI, head_age - (-2 + 10 * u), age)
    age = np.where(roles == SUAMI, head_age + (-2 + 8 * u), age)
    age = np.where(roles == ANAK, head_age - (20 + 22 * u), age)
    age = np.where(roles == MENANTU, head_age - (22 + 8 * u), age)
    age = np.where(roles == CUCU, head_age - (44 + 12 * u), age)
    age = np.where((roles == ORANG_TUA) | (roles == MERTUA), head_age + (22 + 10 * u), age)
    age = np.where(roles == FAMILI, 10 + 50 * u, age)
    young = (age < 0.05) & ((roles == ANAK) | (roles == CUCU))
    # some are born within the world's time span (the last ~2 years)
    age[young] = rng.random(young.sum()) * np.maximum(head_age[young] - 20, 3)
    grown = ~np.isin(roles, [ANAK, CUCU]) & (age < 17)
    age[grown] = 17 + 8 * u[grown]
    return np.clip(age, 0.01, 97)


def _nik_serials(prefix: np.ndarray, digits: np.ndarray, rng) -> np.ndarray:
    key = pd.Series(prefix) + pd.Series(digits)
    base = pd.Series(rng.integers(1, 40, size=len(key))).groupby(key).transform("first")
    return (key.groupby(key).cumcount() + base).to_numpy()


def date_digits(birth: np.ndarray, female: np.ndarray) -> np.ndarray:
    """DDMMYY of each birth date (women: day + 40), as '<U6' strings."""
    b = np.asarray(birth).astype("datetime64[D]")
    months = b.astype("datetime64[M]")
    day = (b - months.astype("datetime64[D]")).astype(int) + 1 + np.where(female, 40, 0)
    month = months.astype(int) % 12 + 1
    yy = b.astype("datetime64[Y]").astype(int) % 100  # epoch 1970 is ≡ 70 mod 100
    yy = (yy + 70) % 100
    return np.char.zfill((day * 10000 + month * 100 + yy).astype(str), 6)


def make_registry(rng: np.random.Generator, n_persons: int, rts: pd.DataFrame) -> pd.DataFrame:
    """One row per person; internal column names (see io.write_registry for the CSV's)."""
    fam, roles = _families(rng, n_persons)
    n_fam = fam.max() + 1
    n = len(fam)
    female = np.where(np.isin(roles, [ISTRI, KK_F]), True, np.where(np.isin(roles, [KK, SUAMI]), False,
                                                                     rng.random(n) < 0.5))
    age = _ages(rng, fam, roles)
    birth = LAST_DAY - (age * 365.25).astype(int).astype("timedelta64[D]")

    # family attributes
    home = rng.integers(len(rts), size=n_fam)
    tradition = rng.choice(len(names.TRADITIONS), size=n_fam, p=names.TRADITION_WEIGHTS)
    surname = rng.integers(0, 99, size=n_fam)
    own_surname = rng.integers(0, 99, size=n)
    married_in = np.isin(roles, [ISTRI, SUAMI, MENANTU, MERTUA])
    person_tradition = tradition[fam]
    person_surname = np.where(married_in, own_surname, surname[fam])
    nama = names.make(rng, person_tradition, female, person_surname)

    kel = rts["kel"].to_numpy()[home][fam]
    kecamatan = np.array([k[:6] for k in kel], dtype=object)
    # NIK: kecamatan of first registration (usually, not always, the current one)
    all_kec = np.array(sorted(regions.kecamatan()), dtype=object)
    first_kec = np.where(rng.random(n) < 0.85, kecamatan, all_kec[rng.integers(len(all_kec), size=n)])
    first_kec = _in_migrants_first_district(rng, fam, birth, first_kec)
    digits = date_digits(birth, female)
    serial = _nik_serials(first_kec, digits, rng)
    nik = first_kec.astype(str) + digits + np.char.zfill(serial.astype(str), 4)
    issue = np.datetime64("2008-01-01") + rng.integers(0, 6200, size=n_fam).astype("timedelta64[D]")
    kk_digits = date_digits(issue, np.zeros(n_fam, bool))
    fam_kec = np.array([k[:6] for k in rts["kel"].to_numpy()[home]], dtype=object)
    kk_serial = _nik_serials(fam_kec, kk_digits, rng)
    no_kk = (fam_kec.astype(str) + kk_digits + np.char.zfill(kk_serial.astype(str), 4))[fam]

    occupation = _occupations(rng, age, female)
    df = pd.DataFrame({
        "fam": fam, "role": roles, "female": female, "birth": birth, "nik": nik, "no_kk": no_kk,
        "nama": nama, "tradition": person_tradition, "kel": kel,
        "rt": rts["rt"].to_numpy()[home][fam], "rw": rts["rw"].to_numpy()[home][fam],
        "occupation": occupation, "age": age,
    })
    df["stat_hbkel"] = STAT_HBKEL[roles]
    df["status_kawin"] = _marital(rng, df)
    df["tmpt_lhr"] = [BIRTHPLACES[names.TRADITIONS[t]][i % len(BIRTHPLACES[names.TRADITIONS[t]])]
                      for t, i in zip(df["tradition"], rng.integers(0, 12, size=n), strict=True)]
    street = rng.integers(len(STREETS), size=n_fam)
    number = rng.integers(1, 120, size=n_fam)
    df["alamat"] = [f"{STREETS[s]} NO. {k}" for s, k in zip(street[fam], number[fam], strict=True)]
    update = np.datetime64("2015-01-01") + rng.integers(0, 3600, size=n).astype("timedelta64[D]")
    df["tgl_update"] = np.datetime_as_string(update) + "T" + pd.Series(rng.integers(7, 16, size=n)).map(
        "{:02d}".format).to_numpy() + ":" + pd.Series(rng.integers(0, 60, size=n)).map("{:02d}".format).to_numpy() \
        + ":00+07:00"
    _natural_events(rng, df, rts)
    return df


def first_district(rng) -> str:
    """A PPKKCC where someone the city never registered may have got their NIK: the city or elsewhere."""
    if rng.random() < 0.6:
        return str(rng.choice(sorted(regions.kecamatan())))
    return f"{ORIGIN_REGENCIES[int(rng.integers(len(ORIGIN_REGENCIES)))]}{int(rng.integers(1, 21)):02d}"


def _in_migrants_first_district(rng, fam, birth, first_kec):
    """In-migrant families: who was born before the family arrived keeps the NIK issued where they
    first registered (civil-registry.md: the region part does not follow a move); later children
    are registered in the city."""
    n_fam = fam.max() + 1
    migrant = rng.random(n_fam) < IN_MIGRANT_FAMILY_SHARE
    origin = np.array(ORIGIN_REGENCIES, dtype=object)[rng.integers(len(ORIGIN_REGENCIES), size=n_fam)]
    district = np.char.zfill(rng.integers(1, 21, size=n_fam).astype(str), 2).astype(object)
    arrival = np.datetime64("1995-01-01") + rng.integers(0, 30 * 365, size=n_fam).astype("timedelta64[D]")
    elsewhere = migrant[fam] & (birth < arrival[fam])
    return np.where(elsewhere, (origin + district)[fam], first_kec)


def _occupations(rng, age, female):
    n = len(age)
    out = np.empty(n, dtype=object)
    male_pool, male_p = OCCUPATIONS_MALE
    fem_pool, fem_p = OCCUPATIONS_FEMALE
    out[:] = np.where(female, np.array(fem_pool, dtype=object)[rng.choice(len(fem_pool), size=n, p=fem_p)],
                      np.array(male_pool, dtype=object)[rng.choice(len(male_pool), size=n, p=male_p)])
    student = (age >= 6) & (age < 22) & (rng.random(n) < 0.85)
    out[student] = "PELAJAR/MAHASISWA"
    out[age < 6] = "BELUM/TIDAK BEKERJA"
    out[(age >= 6) & (age < 16) & ~student] = "BELUM/TIDAK BEKERJA"
    old = (age >= 68) & (rng.random(n) < 0.6)
    out[old] = np.where(rng.random(old.sum()) < 0.3, "PENSIUNAN", "BELUM/TIDAK BEKERJA")
    return out


def _marital(rng, df):
    role = df["role"].to_numpy()
    adult = df["age"].to_numpy() >= 19
    out = np.full(len(df), "BELUM KAWIN", dtype=object)
    out[np.isin(role, [ISTRI, SUAMI, MENANTU])] = "KAWIN"
    fam_size = df.groupby("fam")["fam"].transform("size").to_numpy()
    has_spouse = pd.Series(np.isin(role, [ISTRI, SUAMI])).groupby(df["fam"]).transform("any").to_numpy()
    head = np.isin(role, [KK, KK_F])
    out[head & has_spouse] = "KAWIN"
    single_head = head & ~has_spouse
    out[single_head & (fam_size > 1)] = np.where(rng.random((single_head & (fam_size > 1)).sum()) < 0.6,
                                                 "CERAI MATI", "CERAI HIDUP")
    out[np.isin(role, [ORANG_TUA, MERTUA])] = np.where(rng.random(np.isin(role, [ORANG_TUA, MERTUA]).sum()) < 0.7,
                                                       "CERAI MATI", "KAWIN")
    older_child = (role == ANAK) & adult & (rng.random(len(df)) < 0.15)
    out[older_child] = "KAWIN"
    return out


def _natural_events(rng, df, rts):
    """Deaths (older people die more), whole families moving out of the city or within it."""
    n = len(df)
    age = df["age"].to_numpy()
    p_death = np.where(age < 50, 0.004, np.where(age < 70, 0.02, 0.07))
    born = df["birth"].to_numpy()
    span = days(LAST_DAY - FIRST_DAY)
    start = np.maximum(born, FIRST_DAY)
    dies = rng.random(n) < p_death
    death = start + (rng.random(n) * days(LAST_DAY - start)).astype(int).astype("timedelta64[D]")
    df["tgl_mati"] = np.where(dies, death, np.datetime64("NaT"))

    fam = df["fam"].to_numpy()
    n_fam = fam.max() + 1
    move_kind = rng.choice(3, size=n_fam, p=[0.975, 0.01, 0.015])  # stay, out of the city, within it
    move_day = FIRST_DAY + (rng.random(n_fam) * span).astype(int).astype("timedelta64[D]")
    target = rng.integers(len(rts), size=n_fam)
    out_code = np.array(OUTSIDE, dtype=object)[rng.integers(len(OUTSIDE), size=n_fam)]
    kind = move_kind[fam]
    moves = (kind > 0) & (born < move_day[fam]) & ~dies
    df["tgl_pindah"] = np.where(moves, move_day[fam], np.datetime64("NaT"))
    df["kode_pindah"] = np.where(moves, np.where(kind == 1, out_code[fam], rts["kel"].to_numpy()[target][fam]), "")
    df["rt_pindah"] = np.where(moves, rts["rt"].to_numpy()[target][fam], "")
    df["rw_pindah"] = np.where(moves, rts["rw"].to_numpy()[target][fam], "")


def move_family_out(df: pd.DataFrame, persons: np.ndarray, day: np.ndarray, rng) -> None:
    """Planted: the families of `persons` leave the city on `day` (living members only)."""
    for p, d in zip(persons, day, strict=True):
        members = np.flatnonzero((df["fam"].to_numpy() == df.at[p, "fam"]) & df["tgl_mati"].isna().to_numpy())
        members = members[df["birth"].to_numpy()[members] < d]
        df.loc[members, "tgl_pindah"] = d
        df.loc[members, "kode_pindah"] = OUTSIDE[int(rng.integers(len(OUTSIDE)))]
        df.loc[members, "rt_pindah"] = "001"
        df.loc[members, "rw_pindah"] = "001"

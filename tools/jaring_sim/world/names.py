"""Indonesian name pools by tradition, and the spelling variants that still name the same person."""

from __future__ import annotations

import numpy as np

TRADITIONS = ("MELAYU", "JAWA", "MINANG", "BATAK", "TIONGHOA", "ARAB")
TRADITION_WEIGHTS = (0.40, 0.25, 0.12, 0.08, 0.09, 0.06)

# (male first names, male further names, female first names, female further names)
GIVEN = {
    "MELAYU": (
        "MUHAMMAD M. ABDUL AHMAD SYAMSUL RIZKI HENDRA DEDI ANDI FIRMAN ZULKARNAIN HASAN AZHAR IRWAN YUDI "
        "FAJAR ILHAM FAISAL".split(),
        "SAPUTRA PRATAMA RAMADHAN HIDAYAT HADI RIDWAN ARIFIN SYAHPUTRA ROZALI JUNAIDI KURNIAWAN MASRUL "
        "SAIFUL AMRI FAHMI BAHRI".split(),
        "SITI NUR NURHAYATI RAHMAWATI DEWI YULIANA FITRIANI RATNA AISYAH MAISARAH NURLELA HASNAH ROSMIATI "
        "MARLINA SUSANTI AZIZAH INDAH NURJANAH ZAHARA SALMAH ERNI".split(),
        "AMINAH HALIZA SARTIKA SARI WULANDARI PERMATA LESTARI RAHMI FITRI HANDAYANI PUSPITA".split(),
    ),
    "JAWA": (
        "SUTRISNO SUGIONO AGUS BUDI EKO SUGENG WAHYU SLAMET JOKO HERU BAMBANG TRI DWI ADI TEGUH SUPARMAN "
        "HARYANTO DARMAJI WARSITO".split(),
        "PRASETYO SANTOSO RIYADI PURNOMO SETIAWAN SUPRIYADI WIBOWO NUGROHO SURYONO GUNAWAN".split(),
        "SRI TRI DWI SUMIATI SITI ENDANG SUPARTI PUJI KARTINI SULASTRI YULI WINARSIH MURNI PURWANTI "
        "SRIYANI TUTIK".split(),
        "WAHYUNI HANDAYANI RAHAYU WATI ASTUTI LESTARI NINGSIH WULANDARI".split(),
    ),
    "MINANG": (
        "ZULKIFLI YUSRIZAL NOVRIZAL AFRIZAL RAHMAT DEDI ERIZAL JONI HENDRI YULIUS SYAFRIL ARMEN DASRIL "
        "ZAINAL ROSMAN FIRDAUS".split(),
        "HIDAYAT SUSANTO PUTRA MUSLIM BUDIMAN SYAHRIAL EFENDI".split(),
        "YULIA ELFI NOVIA DESI YUSNIDAR ROSNI ELVIRA YENNI MARNI ZURAIDA NELFI ASNIDAR WIRDA".split(),
        "FITRI YANTI RAHMI RATNASARI SUSANTI WATI".split(),
    ),
    "BATAK": (
        "JONATAN PARLINDUNGAN TIGOR RUDOLF MARULI HOTMAN BONAR SAHAT TUMPAL DANIEL SAMUEL LAMHOT "
        "RICARDO ANDREAS POLTAK".split(),
        "PARULIAN MANAHAN HASUDUNGAN".split(),
        "RUTH LAMRIA MASNIAR DUMARIA RITA ROSLINA TIOMINAR HOTMAIDA SARMA ELISABETH DEBORA NURHAIDA "
        "MELATI".split(),
        "MARIA ROSA".split(),
    ),
    "TIONGHOA": (
        "HENDRA BUDI KEVIN ANDRE WILLIAM JOHAN FELIX RUDY STEVEN ALBERT VINCENT".split(),
        "SUSANTO HARTONO".split(),
        "LINDA MEILINA SUSI LILY VIVIAN JESSICA MONICA ELIANA CYNTHIA YENNY".split(),
        "MEI LING".split(),
    ),
    "ARAB": (
        "MUHAMMAD SAID HUSEIN ALI UMAR HASAN ABDULLAH SALIM HAMID".split(),
        "FAHMI RIDHO AKBAR".split(),
        "FATIMAH SYARIFAH AISYAH ZAHRA SALMA KHADIJAH NADIA SARAH".split(),
        "NURUL HUSNA".split(),
    ),
}

# Family names for the traditions that carry one (wives keep their own).
FAMILY = {
    "BATAK": "SIMANJUNTAK SIREGAR NASUTION HUTAPEA SIAHAAN PANJAITAN SITUMORANG SINAGA "
    "MANURUNG HARAHAP LUBIS SIMATUPANG TAMPUBOLON SIHOMBING PARDEDE".split(),
    "TIONGHOA": "WIJAYA GUNAWAN SANTOSO HALIM SALIM TANOTO KUSUMA SETIAWAN HARTONO TANJAYA LIMANTO".split(),
    "ARAB": "ALATAS ASSEGAF ALHABSYI BASALAMAH BAHASUAN SYIHAB ALAYDRUS BAFADAL".split(),
}

MUHAMMAD = ("MUHAMMAD", "MUHAMAD", "MOHAMMAD", "M.")


def make(rng: np.random.Generator, tradition: np.ndarray, female: np.ndarray, family_name: np.ndarray) -> list[str]:
    """Full names; `family_name` is an index into FAMILY[tradition] (ignored where it has none)."""
    n = len(tradition)
    words = rng.choice([1, 2, 3], size=n, p=[0.15, 0.7, 0.15])
    pick = rng.random((n, 3))
    out: list[str] = [""] * n
    for t_index, t in enumerate(TRADITIONS):
        fam = FAMILY.get(t)
        for sex in (0, 1):
            idx = np.flatnonzero((tradition == t_index) & (female == bool(sex)))
            if not len(idx):
                continue
            first = np.array(GIVEN[t][2 * sex], dtype=object)[(pick[idx, 0] * len(GIVEN[t][2 * sex])).astype(int)]
            further = np.array(GIVEN[t][2 * sex + 1], dtype=object)
            more = [further[(pick[idx, k] * len(further)).astype(int)] for k in (1, 2)]
            for j, i in enumerate(idx):
                given = [first[j]]
                if words[i] >= 2 or first[j] in ("M.", "NUR", "SRI", "TRI", "DWI"):
                    given.append(more[0][j])
                if words[i] >= 3 and fam is None:
                    given.append(more[1][j])
                if fam is not None:
                    given.append(fam[family_name[i] % len(fam)])
                out[i] = " ".join(dict.fromkeys(given))  # no "SITI SITI"
    return out


def _muhammad(words: list[str], rng) -> list[str] | None:
    for k, w in enumerate(words):
        if w in MUHAMMAD:
            words[k] = [v for v in MUHAMMAD if v != w][rng.integers(3)]
            return words
    return None


def _nur(words: list[str], rng) -> list[str] | None:
    for k, w in enumerate(words):
        if w == "NUR" and k + 1 < len(words):
            return words[:k] + ["NUR" + words[k + 1]] + words[k + 2 :]
        if w.startswith("NUR") and len(w) >= 7:
            return words[:k] + ["NUR", w[3:]] + words[k + 1 :]
    return None


def _long_word(words: list[str]) -> int | None:
    k = max(range(len(words)), key=lambda i: len(words[i]))
    return k if len(words[k]) >= 5 and words[k].isalpha() else None


def _typo(words, rng):
    k = _long_word(words)
    if k is None:
        return None
    w = words[k]
    p = int(rng.integers(1, len(w) - 1))
    letters = [c for c in "AEIOUNRSTLKMH" if c != w[p]]
    words[k] = w[:p] + letters[rng.integers(len(letters))] + w[p + 1 :]
    return words


def _drop(words, rng):
    k = _long_word(words)
    if k is None:
        return None
    w = words[k]
    p = int(rng.integers(1, len(w) - 1))
    words[k] = w[:p] + w[p + 1 :]
    return words


def _double(words, rng):
    k = _long_word(words)
    if k is None:
        return None
    w = words[k]
    p = int(rng.integers(1, len(w) - 1))
    words[k] = w[:p] + w[p] + w[p:]
    return words


VARIANTS = ("case", "spaces", "muhammad", "nur", "typo", "drop", "double", "title")


def variant(name: str, kind: str, female: bool, rng: np.random.Generator) -> str:
    """The same person's name written differently (a spelling the hub must accept as agreeing)."""
    words = name.split()
    if kind == "case":
        return " ".join(w.capitalize() for w in words)
    if kind == "spaces":
        return "  ".join(words) + " "
    if kind == "title":
        return ("HJ. " if female else "H. ") + " ".join(words)
    changed = {"muhammad": _muhammad, "nur": _nur, "typo": _typo, "drop": _drop, "double": _double}[kind](
        list(words), rng
    )
    if changed is None:  # not applicable to this name: fall back to a harmless one
        return " ".join(words).lower() if rng.random() < 0.5 else " ".join(words) + "  "
    return " ".join(changed)


def variants(names: list[str], female: np.ndarray, share: float, rng: np.random.Generator) -> list[str]:
    """A copy of `names` with `share` of them replaced by a spelling variant."""
    out = list(names)
    chosen = np.flatnonzero(rng.random(len(names)) < share)
    kinds = rng.integers(len(VARIANTS), size=len(chosen))
    for i, k in zip(chosen, kinds, strict=True):
        out[i] = variant(names[i], VARIANTS[k], bool(female[i]), rng)
    return out


def different(rng: np.random.Generator, tradition: int, female: bool, avoid: str) -> str:
    """A deliberately wrong name: another person's name, sharing no word with `avoid`."""
    avoid_words = set(avoid.split())
    for _ in range(50):
        candidate = make(rng, np.array([tradition]), np.array([female]), rng.integers(0, 99, size=1))[0]
        if not avoid_words & set(candidate.split()):
            return candidate
    return "YOHANES " + "PRAWIRANEGARA"

"""When two Indonesian names are the same name written differently.

The rule (used by every linking step, `findings.md` "Linking"):

1. `normalise`: upper case, accents folded to ASCII, every character that is
   not a letter becomes a space, runs of spaces collapse (so case, spacing,
   punctuation and trailing blanks never matter). This is `nama_key` in the
   staging tables.
2. `canonical` removes what is not part of the name and spells common variants
   one way:
   - academic degrees: everything after the first comma (`AHMAD, S.PD`), and
     trailing degree tokens without a comma (`S PD`, `SE`, `M SI`, `A MD`, ...);
   - leading titles and honorifics: `H`, `HJ`, `HAJI`, `DR`, `DRS`, `DRA`, `IR`,
     `PROF`, `KH`, `UST`/`USTADZ`..., `NY`, `BPK`, `IBU`, `SDR`, `ALM` ...
     (a name is never reduced to nothing: the last word always stays);
   - variants of one name: `MUHAMMAD` / `MUHAMAD` / `MOHAMMAD` / `MOHAMAD` /
     `MOCH` / `MHD` / `M` ... are all `MUHAMMAD`; `ABD` = `ABDUL`; `ACHMAD` =
     `AHMAD`; `NOOR`/`NOER` = `NUR`;
   - the spaces are then dropped, so joined and split parts agree
     (`NUR HALIZA` = `NURHALIZA`).
3. Two names *agree* when their canonical forms are at most one edit apart
   (optimal string alignment distance: one wrong, missing or extra letter, or
   two adjacent letters swapped), or two edits when both canonical forms have
   at least 14 letters and the two are typos apart from each other: at least
   three letters apart and neither among the first two letters (`KURNIAWATI
   SETYANINGRUM` / `KURNIAWATY SETIANINGRUM` agree; `YUNI PURNAMASARI` /
   `ANI PURNAMASARI` are two names: two edits together, at a name's start,
   make another name, and at a city's scale a birth date, a sex and such a
   name do meet); failing that, the same test after modernising the old
   spelling in both (`OE`->`U`, `DJ`->`J`, `TJ`->`C`: `SOEKARNO` = `SUKARNO`;
   applied only as a second chance, so a typo such as `TANJAYA`/`TATJAYA` still
   agrees). An empty name agrees with nothing.

Consequences, chosen on purpose and tested: a missing or extra whole word is a
different name, so `AHMAD` / `AHMAD FAUZI`, `SRI WAHYUNI` / `SRI WAHYUNINGSIH`
and `SITI AMINAH` / `SITI AMINAH HASIBUAN` do **not** agree (the last may be the
same woman with her family name added, but the hub cannot tell; when the NIK and
birth date match, linking step 3 still links her and reports
`IDENTITY_MISMATCH`, so the source corrects the name). Short names one letter
apart (`RINA` / `RINI`) do agree: linking only compares names of people who
already share a NIK, a birth date and sex, or an RT; a name agreeing with two
people there links to the one with the identical canonical name if there is
exactly one (`SRI WAHYUNI` beside `TRI WAHYUNI`), else to neither ("a single
person agreeing").

`score` is a 0-100 similarity of the canonical forms (rapidfuzz `ratio`),
kept with each link as evidence; the decision is `agree`.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA, Levenshtein

_NON_LETTERS = re.compile(r"[^A-Z ]+")
_SPACES = re.compile(r" +")

_TITLES = frozenset(
    "H HJ HJH HAJI HAJJAH DR DRS DRA IR PROF KH UST USTAD USTADZ USTAZ USTADZAH USTAZAH "
    "NY NYONYA BPK BAPAK IBU SDR SDRI ALM ALMH TGK".split()
)
_DEGREES = frozenset(
    "SE SH ST SPD SPDI SAG SKOM SSOS SKM SKEP SIP SPSI SSI SFARM SHUT STP MM MPD MSI MAG MKES MH MT MKOM "
    "AMD AMK AMKEP AMA LC".split()
)
# second token of a two-token degree: S PD, M SI, A MD ...
_DEGREE_PARTS = {
    "S": frozenset("PD AG KOM E H T SOS KM KEP FARM SI IP PSI HUT TP PDI HI KED GZ".split()),
    "M": frozenset("PD SI M AG KES KOM H T E HUM".split()),
    "A": frozenset("MD MA MK".split()),
}
_VARIANTS = {
    **dict.fromkeys(
        "MUHAMMAD MUHAMAD MUHAMMED MUHAMED MOHAMMAD MOHAMAD MOHAMMED MOHAMED MOCHAMMAD MOCHAMAD "
        "MUCHAMMAD MUCHAMAD MOHD MUHD MHD MOH MOCH MUH M".split(),
        "MUHAMMAD",
    ),
    "ABD": "ABDUL",
    "ABDOEL": "ABDUL",
    "ACHMAD": "AHMAD",
    "NOOR": "NUR",
    "NOER": "NUR",
    "SITTI": "SITI",
}
_OLD_SPELLING = (("OE", "U"), ("DJ", "J"), ("TJ", "C"))
LONG_NAME = 14  # letters from which two edits are tolerated


def normalise(name: str | None) -> str:
    """Upper case, ASCII letters and single spaces only."""
    if not name:
        return ""
    text = str(name)
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _SPACES.sub(" ", _NON_LETTERS.sub(" ", text.upper())).strip()


def _alternation(words) -> str:
    return "|".join(sorted(words, key=lambda w: (-len(w), w)))


_NON_LETTERS_LINES = re.compile(r"[^A-Z \n]+")
_MULTI_SPACES = re.compile(r"  +")
_DEGREE_UNIT = "|".join(
    [_alternation(_DEGREES), "S PD I"] + [f"{k} (?:{_alternation(v)})" for k, v in _DEGREE_PARTS.items()]
)
# a line never starts with a space here, so a match always leaves the first word
_TRAILING_DEGREES = re.compile(rf" (?:{_DEGREE_UNIT})(?= |$)(?: (?:{_DEGREE_UNIT}))*$", re.M)
_LEADING_TITLES = re.compile(rf"^(?:(?:{_alternation(_TITLES)}) )+(?=[A-Z])", re.M)
_VARIANT_WORDS = re.compile(rf"\b(?:{_alternation(_VARIANTS)})\b")
_LETTER = re.compile(r"[^\W\d_]")


def _before_comma(name: str) -> str:
    """Degrees follow a comma (`AHMAD, S.PD`): keep what is before it, if that holds a letter."""
    head = name.split(",", 1)[0]
    return head if _LETTER.search(head) else name


def canonical_many(names_: list[str | None]) -> list[str]:
    """`canonical` of many names at once: each rule runs once over all of them (one per line)."""
    if not names_:
        return []
    unique = list(dict.fromkeys(map(_text, names_)))
    text = "\n".join((_before_comma(n) if "," in n else n).replace("\n", " ") for n in unique)
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = _MULTI_SPACES.sub(" ", _NON_LETTERS_LINES.sub(" ", text.upper()))
    text = text.replace(" \n", "\n").replace("\n ", "\n").strip(" ")
    text = _LEADING_TITLES.sub("", _TRAILING_DEGREES.sub("", text))
    text = _VARIANT_WORDS.sub(lambda m: _VARIANTS[m.group()], text).replace(" ", "")
    by_name = dict(zip(unique, text.split("\n"), strict=True))
    return [by_name[_text(n)] for n in names_]


def _text(name) -> str:
    return "" if name is None else str(name)


@lru_cache(maxsize=1 << 20)
def canonical(name: str | None) -> str:
    """The name as compared: no titles or degrees, one spelling of variants, no spaces."""
    return canonical_many([name])[0] if name else ""


def _within_edits(a: str, b: str) -> bool:
    distance = OSA.distance(a, b, score_cutoff=2)
    if distance <= 1:
        return True
    return distance == 2 and min(len(a), len(b)) >= LONG_NAME and _two_separate_typos(a, b)


def _two_separate_typos(a: str, b: str) -> bool:
    """Two single-letter edits, at least three letters apart, neither among the first two letters."""
    edits = Levenshtein.editops(a, b)
    if len(edits) != 2:  # a swap and a typo: three edits letter by letter
        return False
    first, second = (max(e.src_pos, e.dest_pos) for e in edits)
    return min(first, second) >= 2 and abs(second - first) >= 3


def agree_canonical(a: str, b: str) -> bool:
    """`agree` for names already in canonical form."""
    if not a or not b:
        return False
    if a == b or _within_edits(a, b):
        return True
    modern_a, modern_b = modern_spelling(a), modern_spelling(b)
    if (modern_a, modern_b) == (a, b):
        return False
    return _within_edits(modern_a, modern_b)


def close_candidates(left: list[str], right: list[str]) -> list[list[int]]:
    """For each canonical name of `left`, the positions in `right` of the names that may agree with it:
    at most two edits apart as written or in modern spelling. A superset of `agree_canonical`, computed
    in rapidfuzz (C) over all pairs at once; the rule then decides on these few."""
    import numpy as np
    from rapidfuzz import process

    if not left or not right:
        return [[] for _ in left]
    near = process.cdist(left, right, scorer=OSA.distance, score_cutoff=2, dtype=np.int8, workers=1) <= 2
    modern_left, modern_right = [modern_spelling(n) for n in left], [modern_spelling(n) for n in right]
    if modern_left != left or modern_right != right:
        near |= process.cdist(modern_left, modern_right, scorer=OSA.distance, score_cutoff=2, dtype=np.int8,
                              workers=1) <= 2
    return [row.nonzero()[0].tolist() for row in near]


def modern_spelling(canon: str) -> str:
    """Old (pre-1972) spelling made modern: `SOEKARNO` -> `SUKARNO`, `DJOKO` -> `JOKO`."""
    for old, new in _OLD_SPELLING:
        if old in canon:
            canon = canon.replace(old, new)
    return canon


def agree(a: str | None, b: str | None) -> bool:
    """True when `a` and `b` are the same name written differently (module docstring)."""
    return agree_canonical(canonical(a), canonical(b))


def score_canonical(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    if a == b:
        return 100.0
    return round(fuzz.ratio(a, b), 1)


def score(a: str | None, b: str | None) -> float:
    """Similarity 0..100 of the canonical forms (evidence; the decision is `agree`)."""
    return score_canonical(canonical(a), canonical(b))

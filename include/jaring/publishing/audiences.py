"""Who gets which finding: the "goes to" column of findings.md, and how each audience sees NIKs.

An audience is named by its outbox folder: `bpjs-tk`, `dinsos`, `disdukcapil`,
`bpkad` or `kelurahan/<KODE_KELURAHAN>`. A kelurahan receives a finding when
the person lives there (`kode_wilayah`) and, for findings raised by an RT
ledger row, also when the ledger is theirs (`ledger_kelurahan`). The city's
prefix and the APBD payer come from the policy file, as everywhere else.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from jaring.findings_contract import PAYER
from jaring.nik import mask
from jaring.policy import Policy

BPJS, DINSOS, DUKCAPIL, BPKAD, KELURAHAN = "bpjs-tk", "dinsos", "disdukcapil", "bpkad", "kelurahan"
AGENCIES = (BPJS, DINSOS, DUKCAPIL, BPKAD)
FULL_NIK_AUDIENCES = frozenset({BPJS, DUKCAPIL})

# Keyed by jaring.findings_contract.CODES; "payer" (PREMIUM_ARREARS) and "source" (INVALID_SOURCE_RECORD)
# are resolved per finding.
GOES_TO: dict[str, tuple[str, ...]] = {
    "DECEASED_STILL_ACTIVE": (BPJS, DINSOS),
    "DEATH_BENEFIT_UNCLAIMED": (BPJS, DINSOS, KELURAHAN),
    "MOVED_OUT_OF_CITY": (DINSOS, BPJS, BPKAD),
    "NIK_NOT_IN_REGISTRY": (BPJS, DUKCAPIL),
    "NIK_MISMATCH": (BPJS, DUKCAPIL),
    "IDENTITY_MISMATCH": (BPJS,),
    "DUPLICATE_PARTICIPANT": (BPJS, BPKAD),
    "NO_LONGER_ELIGIBLE": (DINSOS, BPKAD),
    "ELIGIBLE_NOT_ENROLLED": (DINSOS, KELURAHAN),
    "PREMIUM_ARREARS": (BPJS, "payer"),
    "PAYMENT_NOT_REMITTED": (BPJS, KELURAHAN),
    "PAYMENT_AMOUNT_MISMATCH": (BPJS, KELURAHAN),
    "INVALID_SOURCE_RECORD": ("source",),
}
SOURCE_AUDIENCE = {"rt": KELURAHAN, "dtsen": DINSOS, "dukcapil": DUKCAPIL, "bpjs": BPJS}
_LEDGER_FILE = re.compile(r"(?:^|/)(\d{10})-RT\d+-RW\d+\.", re.IGNORECASE)


def is_city_kelurahan(kode: str | None, city_prefix: str) -> bool:
    return bool(kode) and len(kode) == 10 and kode.isdigit() and kode.startswith(city_prefix)


def ledger_kelurahan(finding: Mapping) -> str | None:
    """The kelurahan of the RT ledger that raised a finding (column, else the file name)."""
    kode = (finding.get("ledger_kelurahan") or "").strip()
    if kode:
        return kode
    ref = finding.get("source_ref") or ""
    if ref.startswith("rt:"):
        match = _LEDGER_FILE.search(ref)
        return match.group(1) if match else None
    return None


def payer(finding: Mapping) -> str | None:
    value = (finding.get("details") or {}).get(PAYER)
    return str(value) if value else None


def audiences_of(finding: Mapping, policy: Policy) -> list[str]:
    """The outbox folders that receive this finding, in a stable order."""
    code = finding["finding_code"]
    targets: list[str] = []
    for target in GOES_TO.get(code, ()):
        if target == "payer":
            if payer(finding) == policy.apbd_payer:
                targets.append(BPKAD)
        elif target == "source":
            targets.append(SOURCE_AUDIENCE.get(finding.get("source") or "", ""))
        else:
            targets.append(target)
    result = [t for t in targets if t in AGENCIES]
    if KELURAHAN in targets:
        kelurahan = {ledger_kelurahan(finding)}
        if code != "INVALID_SOURCE_RECORD":
            kelurahan.add((finding.get("kode_wilayah") or "").strip())
        result += [f"{KELURAHAN}/{k}" for k in sorted(k for k in kelurahan
                   if is_city_kelurahan(k, policy.city_prefix))]
    if not result and code == "INVALID_SOURCE_RECORD" and finding.get("source") == "rt":
        # an upload whose path names no kelurahan of the city: Dinas Sosial, who hands out the
        # template, tells the RT (nothing may go unreported)
        result.append(DINSOS)
    return list(dict.fromkeys(result))


def sees_full_nik(audience: str) -> bool:
    return audience in FULL_NIK_AUDIENCES


# A NIK as a person types it: 16 digits, maybe in groups separated by spaces or dots, or the
# 15 significant digits Excel keeps. Dates (with dashes) and KPJs (11 digits) do not match.
_NIK_LIKE = re.compile(r"(?<![\d])\d(?:[ .]?\d){14,15}(?![\d])")


def _mask_match(match: re.Match) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return mask(digits) if len(digits) == 16 else "*" * len(digits)


# A NIK Excel turned into a number and printed in scientific notation (1.57103520388E+15).
_NIK_AS_FLOAT = re.compile(r"\d\.\d{6,}[eE]\+?1[45]")


# What both patterns above need somewhere in a text: a digit and 7 more digits, spaces or dots (the float's
# shortest: `1.571035E`). Most values (names, codes, dates) have none, and one search is cheaper than two
# substitutions.
_DIGITS_AHEAD = re.compile(r"\d[\d .]{7}")


def mask_text(text: str) -> str:
    """Every NIK-like run of digits in `text` masked (`157103******0004`)."""
    if text.isdecimal():  # a NIK, KPJ or region code as stored (`\d` is what isdecimal accepts): no pattern needed
        return mask(text) if len(text) == 16 else "*" * 15 if len(text) == 15 else text
    if not _DIGITS_AHEAD.search(text):
        return text
    return _NIK_LIKE.sub(_mask_match, _NIK_AS_FLOAT.sub(lambda m: "*" * len(m.group(0)), text))


def mask_value(value):
    """`mask_text` applied to every string inside a JSON-like value (keys too)."""
    kind = type(value)  # the common cases first: this runs on every value of every row a masked audience gets
    if kind is str:
        return mask_text(value)
    if value is None or kind is bool or kind is float or (kind is int and -10**13 < value < 10**14):
        return value  # nothing 15 or 16 characters long
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, int) and not isinstance(value, bool) and len(str(value)) in (15, 16):
        return mask_text(str(value))
    if isinstance(value, Mapping):
        return {mask_text(str(k)): mask_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask_value(v) for v in value]
    return value


def view_for(finding: Mapping, audience: str) -> dict:
    """The finding as `audience` may see it: NIKs masked everywhere unless BPJS or Disdukcapil."""
    if sees_full_nik(audience):
        return dict(finding)
    return {key: mask_value(value) for key, value in finding.items()}

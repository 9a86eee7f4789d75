"""The expectation suites, one per source, each rule with what a failure means.

A rule is one Great Expectations expectation plus its disposition:
- BLOCKING   - the source is not used tonight (`SourceRejected`); other sources go on;
- QUARANTINE - the failing rows are not staged: `quarantine.record` (an INVALID_SOURCE_RECORD);
- FLAG       - the rows are staged with the offending field emptied, and reported
               (`staging.invalid_record`, an INVALID_SOURCE_RECORD);
- WARNING    - counted in the report only.

Rules that need more than one column read a derived column (name starting with
`_`) that `prepare` adds; GX then checks that column, so each rule has one
definition and GX's `unexpected_index_list` is the verdict.

A suite's columns are its source's contract: the adapter (`jaring.sources.<agency>`) keeps that field
list and hands it to `validate`; nothing here imports an adapter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

from jaring import nik as nik_rules
from jaring import regions

BLOCKING, QUARANTINE, FLAG, WARNING = "blocking", "quarantine", "flag", "warning"
VOLUME_TOLERANCE = 0.20  # a night's row count may differ from the previous night's by this share

NIK_16 = r"^\d{16}$"
KPJ_11 = r"^\d{11}$"
MONTH = r"^\d{4}-(?:0[1-9]|1[0-2])$"
CODE_10 = r"^\d{10}$"
RT_RW = r"^\d{3}$"


@dataclass(frozen=True)
class Rule:
    name: str
    disposition: str
    reason: str  # what the source is told; never carries a value of the record
    expectation: str  # GX class name in great_expectations.expectations
    kwargs: dict = field(default_factory=dict)
    clears: tuple[str, ...] = ()  # FLAG: staged fields emptied on the failing rows

    def build(self, gx):
        cls = getattr(gx.expectations, self.expectation)
        return cls(**self.kwargs, meta={"rule": self.name, "disposition": self.disposition})


@dataclass(frozen=True)
class Suite:
    name: str
    source: str  # the source_ref prefix: dukcapil | bpjs | dtsen | rt
    columns: tuple[str, ...]
    rules: tuple[Rule, ...]
    derive: object = None  # callable(df) -> dict of derived columns
    checks_volume: bool = True


def schema(columns) -> Rule:
    return Rule("columns_as_contract", BLOCKING, "columns differ from the contract",
                "ExpectTableColumnsToMatchSet", {"column_set": list(columns), "exact_match": False})


def volume_rule(previous_count: int) -> Rule:
    low = math.ceil(previous_count * (1 - VOLUME_TOLERANCE))
    high = math.floor(previous_count * (1 + VOLUME_TOLERANCE))
    return Rule("volume_within_20_percent_of_previous_night", BLOCKING,
                f"row count outside {low}..{high} (previous night staged {previous_count})",
                "ExpectTableRowCountToBeBetween", {"min_value": low, "max_value": high})


def volume_passes(count: int, previous_count: int | None, floor: int | None) -> bool:
    """Whether `count` rows pass the volume rules a suite gets with `previous_count` and `floor`."""
    rules = [*([volume_rule(previous_count)] if previous_count else []), *([volume_floor_rule(floor)] if floor else [])]
    return all(rule.kwargs["min_value"] <= count <= rule.kwargs.get("max_value", count) for rule in rules)


def volume_floor_rule(floor: int) -> Rule:
    """The policy's absolute minimum (`volume_floor` in policy.yaml): BLOCKING on every night, the first too."""
    return Rule("volume_at_least_policy_floor", BLOCKING,
                f"row count below the policy's volume_floor of {floor}",
                "ExpectTableRowCountToBeBetween", {"min_value": floor})


def present(column: str, disposition: str = QUARANTINE) -> Rule:
    return Rule(f"{column.lower()}_present", disposition, f"{column} is empty",
                "ExpectColumnValuesToNotBeNull", {"column": column})


def matches(name: str, column: str, regex: str, reason: str, disposition: str = QUARANTINE,
            clears: tuple[str, ...] = ()) -> Rule:
    return Rule(name, disposition, reason, "ExpectColumnValuesToMatchRegex",
                {"column": column, "regex": regex}, clears)


def one_of(name: str, column: str, values, disposition: str = QUARANTINE, clears=()) -> Rule:
    return Rule(name, disposition, f"{column} is not one of the contract's values",
                "ExpectColumnValuesToBeInSet", {"column": column, "value_set": sorted(values)}, clears)


def unique(column: str) -> Rule:
    return Rule(f"{column.lower()}_unique", QUARANTINE, f"{column} appears on more than one record",
                "ExpectColumnValuesToBeUnique", {"column": column})


def positive(column: str, disposition: str = QUARANTINE, minimum: int = 0, strict: bool = True) -> Rule:
    word = "positive" if strict else "not_negative"
    return Rule(f"{column.lower()}_{word}", disposition, f"{column} is not a {word.replace('_', '-')} number",
                "ExpectColumnValuesToBeBetween",
                {"column": f"_{column}_amount", "min_value": minimum, "strict_min": strict})


def at_most(column: str, maximum: int, disposition: str = QUARANTINE, clears: tuple[str, ...] = ()) -> Rule:
    """The amount (`_<col>_amount`) is not above a plausibility bound; an unreadable one is `positive`'s."""
    return Rule(f"{column.lower()}_plausible", disposition, f"{column} is above {maximum:,}: not a plausible amount",
                "ExpectColumnValuesToBeBetween", {"column": f"_{column}_amount", "max_value": maximum}, clears)


def name_length(column: str, disposition: str = QUARANTINE, clears: tuple[str, ...] = ()) -> Rule:
    return Rule(f"{column.lower()}_length_plausible", disposition,
                f"{column} is longer than {MAX_NAME_LENGTH} characters: not a plausible name",
                "ExpectColumnValuesToBeBetween",
                {"column": f"_{column}_length", "max_value": MAX_NAME_LENGTH}, clears)


def valid_date(column: str, disposition: str = QUARANTINE) -> Rule:
    return Rule(f"{column.lower()}_is_a_date", disposition, f"{column} is not a YYYY-MM-DD date",
                "ExpectColumnValuesToBeInSet", {"column": f"_{column}_is_date", "value_set": [True]})


def birth_digits_agree() -> Rule:
    return Rule("nik_date_digits_agree_with_birth_date", WARNING,
                "birth date disagrees with the NIK's date digits",
                "ExpectColumnPairValuesToBeEqual",
                {"column_A": "_nik_ddmmyy", "column_B": "_birth_ddmmyy", "ignore_row_if": "either_value_is_missing"})


def kelurahan_codes() -> list[str]:
    return sorted(regions.kelurahan())


# ------------------------------------------------------------------ derived columns

def _parse_date(value) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def per_value(values, function) -> list:
    """`function` of each value (None for an empty one), computed once per distinct value: columns
    repeat a lot, and a Python call per row of a 630k-row listing costs seconds."""
    import pandas as pd  # lazy, like GX: the DAG file imports this package

    codes, distinct = pd.factorize(pd.Series(_values(values), dtype=object))  # an empty value -> code -1
    results = [function(None if _missing(value) else value) for value in distinct]
    if (codes < 0).any():
        results.append(function(None))  # what code -1 indexes
    return [results[code] for code in codes.tolist()]


def _values(column) -> list:
    """A column as a plain list: iterating a pandas array element by element is slow."""
    return column.tolist() if hasattr(column, "tolist") else list(column)


def date_flags(df, columns) -> dict:
    """`_<col>_is_date`: True when empty or an ISO date, False otherwise."""
    return {
        f"_{column}_is_date": per_value(df[column], lambda v: v is None or _parse_date(str(v)) is not None)
        for column in columns if column in df.columns
    }


# ------------------------------------------------------------------ plausibility bounds
# The one place for what no record can plausibly hold (the RT reader applies them as well). Far above
# what the programme pays (a premium of Rp 16,800, a JKM benefit of Rp 42 million), far below bigint.
MAX_MONTHLY_AMOUNT = 100_000_000  # Rp: one monthly premium, payment or declared income
MAX_CLAIM_AMOUNT = 10_000_000_000  # Rp: one claim (JKK medical care can cost far more than JKM pays)
MAX_NAME_LENGTH = 100  # characters of a person's name


def amounts(df, columns) -> dict:
    """`_<col>_amount`: the number, None when empty, -1 when not a finite number (so no amount rule passes)."""
    out = {}
    for column in columns:
        if column in df.columns:
            # not per_value: distinct values are compared with ==, and a JSON `true` must not pass as 1
            out[f"_{column}_amount"] = [None if _missing(v) else _number(v) for v in _values(df[column])]
    return out


def _number(value) -> float:
    """As a float: a number beyond int64 (JSON allows any) would otherwise break the column's dtype."""
    if isinstance(value, bool):
        return -1
    try:
        number = float(value) if isinstance(value, int | float) else float(str(value))
    except (ValueError, OverflowError):
        return -1
    return number if math.isfinite(number) else -1


def name_lengths(df, columns) -> dict:
    """`_<col>_length`: characters of the name as text, None when empty."""
    return {f"_{column}_length": per_value(df[column], lambda v: None if v is None else len(str(v)))
            for column in columns if column in df.columns}


def birth_digit_columns(df, nik_column: str, birth_column: str, is_female) -> dict:
    """`_nik_ddmmyy` (a valid NIK's date digits) and `_birth_ddmmyy` (what the birth date and sex give)."""
    sex_column = _sex_column_of(df)
    if nik_column not in df.columns or birth_column not in df.columns or sex_column is None:
        return {}

    def both_sexes(value) -> tuple[str, str] | None:  # indexed by `female`: (a man's digits, a woman's)
        birth = _parse_date(value)
        return None if birth is None else (nik_rules.birth_date_digits(birth, False),
                                           nik_rules.birth_date_digits(birth, True))

    # a pass per column, each function once per distinct value: a NIK is nearly always distinct, so its
    # digits are sliced row by row; birth dates and sexes repeat
    births, females = per_value(df[birth_column], both_sexes), per_value(df[sex_column], is_female)
    return {
        "_nik_ddmmyy": [v[6:12] if isinstance(v, str) and nik_rules.is_valid(v) else None
                        for v in _values(df[nik_column])],
        "_birth_ddmmyy": [None if digits is None or female is None else digits[female]
                          for digits, female in zip(births, females, strict=True)],
    }


_SEX_COLUMNS = ("JENIS_KLMIN", "JENIS_KELAMIN", "jenis_kelamin")


def _sex_column_of(df) -> str | None:
    return next((c for c in _SEX_COLUMNS if c in df.columns), None)


def _missing(value) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value == ""
    if isinstance(value, float):
        return math.isnan(value)
    return str(value) in ("<NA>", "nan", "NaT")


def _female_from_text(value) -> bool | None:
    return {"PEREMPUAN": True, "LAKI-LAKI": False, "P": True, "L": False}.get(value) if isinstance(value, str) else None


def _female_from_code(value) -> bool | None:
    if _missing(value):
        return None
    return {1: False, 2: True}.get(int(value))


def clean_nik(value) -> str | None:
    return None if _missing(value) else nik_rules.clean(value)


# ------------------------------------------------------------------ the suites


def _derive_dukcapil(df) -> dict:
    out = date_flags(df, ("TGL_LHR", "TGL_MATI", "TGL_PINDAH"))
    out |= birth_digit_columns(df, "NIK", "TGL_LHR", _female_from_text)
    if {"KODE_WILAYAH", "TGL_PINDAH"} <= set(df.columns):
        # someone who never moved lives in one of the city's kelurahan; after a move (TGL_PINDAH)
        # KODE_WILAYAH is the destination, inside the city or not, and is not checked here
        codes = per_value(df["KODE_WILAYAH"], lambda code: code)  # None when missing
        moved = per_value(df["TGL_PINDAH"], lambda day: day is not None)
        out["_kode_wilayah_in_city"] = [None if has_moved else code
                                        for code, has_moved in zip(codes, moved, strict=True)]
    return out


def _dukcapil(columns) -> Suite:
    return Suite("dukcapil", "dukcapil", tuple(columns), (
        schema(columns),
        present("NIK"),
        # the region part is where the NIK was first issued, anywhere in Indonesia (civil-registry.md)
        matches("nik_plausible", "NIK", nik_rules.PLAUSIBLE,
                "NIK is not 16 digits with a province, regency, district, birth date and serial"),
        unique("NIK"),
        present("NAMA_LGKP"),
        valid_date("TGL_LHR"), valid_date("TGL_MATI"), valid_date("TGL_PINDAH"),
        one_of("jenis_klmin_in_set", "JENIS_KLMIN", {"LAKI-LAKI", "PEREMPUAN"}),
        present("STATUS"),
        one_of("status_in_set", "STATUS", {"HIDUP", "MATI"}),
        matches("kode_wilayah_10_digits", "KODE_WILAYAH", CODE_10, "KODE_WILAYAH is not 10 digits"),
        Rule("resident_kode_wilayah_in_kota_jambi", QUARANTINE,
             "KODE_WILAYAH of someone who never moved is not one of the city's kelurahan",
             "ExpectColumnValuesToBeInSet", {"column": "_kode_wilayah_in_city", "value_set": kelurahan_codes()}),
        matches("no_rt_3_digits", "NO_RT", RT_RW, "NO_RT is not 3 digits"),
        matches("no_rw_3_digits", "NO_RW", RT_RW, "NO_RW is not 3 digits"),
        birth_digits_agree(),
    ), _derive_dukcapil)


PEMBIAYAAN = {"APBD_KOTA_JAMBI", "APBD_PROVINSI_JAMBI", "BAZNAS", "DONATUR", "CSR", "MANDIRI"}


def _derive_bpjs_peserta(df) -> dict:
    out = date_flags(df, ("TGL_LAHIR", "TGL_KEPESERTAAN", "TGL_NONAKTIF"))
    out |= amounts(df, ("IURAN_BULANAN", "UPAH_DILAPORKAN")) | name_lengths(df, ("NAMA",))
    if "NIK" in df.columns:
        out["_nik_clean"] = [clean_nik(v) for v in _values(df["NIK"])]
        out |= birth_digit_columns(df.assign(_nik_clean=out["_nik_clean"]), "_nik_clean", "TGL_LAHIR",
                                   _female_from_text)
    return out


def _bpjs_peserta(columns) -> Suite:
    return Suite("bpjs_peserta", "bpjs", tuple(columns), (
        schema(columns),
        present("KPJ"),
        matches("kpj_11_digits", "KPJ", KPJ_11, "KPJ is not 11 digits"),
        unique("KPJ"),
        matches("nik_16_digits", "_nik_clean", NIK_16, "NIK is not 16 digits", FLAG, clears=("nik",)),
        present("NAMA"), name_length("NAMA"),
        valid_date("TGL_LAHIR"), present("TGL_KEPESERTAAN"), valid_date("TGL_KEPESERTAAN"),
        valid_date("TGL_NONAKTIF"),
        one_of("jenis_kelamin_in_set", "JENIS_KELAMIN", {"L", "P"}),
        present("STATUS_KEPESERTAAN"),
        one_of("status_kepesertaan_in_set", "STATUS_KEPESERTAAN", {"AKTIF", "NONAKTIF"}),
        present("PEMBIAYAAN"),
        one_of("pembiayaan_in_set", "PEMBIAYAAN", PEMBIAYAAN),
        one_of("kode_wilayah_in_kota_jambi", "KODE_WILAYAH", kelurahan_codes(), FLAG, clears=("kode_wilayah",)),
        positive("IURAN_BULANAN"), at_most("IURAN_BULANAN", MAX_MONTHLY_AMOUNT),
        # the declared income is not used: a bad one is reported, the participant still counts
        positive("UPAH_DILAPORKAN", FLAG, strict=False), at_most("UPAH_DILAPORKAN", MAX_MONTHLY_AMOUNT, FLAG),
        birth_digits_agree(),
    ), _derive_bpjs_peserta)



def _bpjs_iuran(columns) -> Suite:
    return Suite("bpjs_iuran", "bpjs", tuple(columns), (
        schema(columns),
        present("ID_BAYAR"), unique("ID_BAYAR"),
        present("KPJ"), matches("kpj_11_digits", "KPJ", KPJ_11, "KPJ is not 11 digits"),
        present("BULAN_IURAN"), matches("bulan_iuran_is_a_month", "BULAN_IURAN", MONTH, "BULAN_IURAN is not YYYY-MM"),
        present("JUMLAH"), positive("JUMLAH"), at_most("JUMLAH", MAX_MONTHLY_AMOUNT),
        present("TGL_BAYAR"), valid_date("TGL_BAYAR"),
        one_of("kanal_in_set", "KANAL", {"PEMKOT", "RT", "BAZNAS", "BANK", "DONATUR"}, WARNING),
    ), lambda df: date_flags(df, ("TGL_BAYAR",)) | amounts(df, ("JUMLAH",)))



def _bpjs_klaim(columns) -> Suite:
    # claims are few and only grow: a ±20 % volume rule would reject a small roster's first claims
    return Suite("bpjs_klaim", "bpjs", tuple(columns), (
        schema(columns),
        present("NO_KLAIM"), unique("NO_KLAIM"),
        present("KPJ"), matches("kpj_11_digits", "KPJ", KPJ_11, "KPJ is not 11 digits"),
        present("JENIS_KLAIM"), one_of("jenis_klaim_in_set", "JENIS_KLAIM", {"JKM", "JKK"}),
        present("STATUS"), one_of("status_in_set", "STATUS", {"DIAJUKAN", "DIPROSES", "DIBAYAR", "DITOLAK"}),
        present("TGL_PENGAJUAN"), valid_date("TGL_PENGAJUAN"), valid_date("TGL_KEJADIAN"),
        positive("NILAI", strict=False), at_most("NILAI", MAX_CLAIM_AMOUNT),
    ), lambda df: date_flags(df, ("TGL_PENGAJUAN", "TGL_KEJADIAN")) | amounts(df, ("NILAI",)),
        checks_volume=False)



def _derive_dtsen(df) -> dict:
    out = date_flags(df, ("tgl_lahir",))
    if "nik" in df.columns:
        out["_nik_clean"] = [clean_nik(v) for v in _values(df["nik"])]
        out |= birth_digit_columns(df.assign(_nik_clean=out["_nik_clean"]), "_nik_clean", "tgl_lahir",
                                   _female_from_code)
    return out


def _dtsen(columns) -> Suite:
    return Suite("dtsen", "dtsen", tuple(columns), (
        schema(columns),
        unique("id_individu"),
        # a NULL nik is normal in DTSEN; a present one must be 16 digits once cleaned
        matches("nik_16_digits", "_nik_clean", NIK_16, "nik is not 16 digits once spaces and dots are removed",
                FLAG, clears=("nik",)),
        present("nama"),
        valid_date("tgl_lahir"),
        Rule("desil_1_to_10", QUARANTINE, "desil is not 1..10", "ExpectColumnValuesToBeBetween",
             {"column": "desil", "min_value": 1, "max_value": 10}),
        present("kode_wilayah"),
        one_of("kode_wilayah_in_kota_jambi", "kode_wilayah", kelurahan_codes()),
        one_of("jenis_kelamin_in_set", "jenis_kelamin", {1, 2}),
        one_of("hub_kk_in_set", "hub_kk", set(range(1, 8))),
        one_of("status_pekerjaan_in_set", "status_pekerjaan", set(range(1, 8))),
        birth_digits_agree(),
    ), _derive_dtsen)



def _rt(columns) -> Suite:
    # the RT reader has already turned unreadable cells into INVALID_SOURCE_RECORDs; these are the
    # checks of what it could read (ledger volume swings with uploads: no volume rule)
    return Suite("rt", "rt", tuple(columns), (
        schema(columns),
        present("source_ref"), unique("source_ref"),
        one_of("sheet_in_set", "sheet", {"IURAN", "USULAN"}),
        one_of("kode_kelurahan_in_kota_jambi", "kode_kelurahan", kelurahan_codes()),
        matches("nik_16_digits", "nik", NIK_16, "NIK is not 16 digits", FLAG, clears=("nik",)),
        matches("kpj_11_digits", "kpj", KPJ_11, "NO KPJ is not 11 digits", FLAG, clears=("kpj",)),
        positive("jumlah", FLAG), at_most("jumlah", MAX_MONTHLY_AMOUNT, FLAG, clears=("jumlah",)),
        name_length("nama", FLAG, clears=("nama",)),
    ), lambda df: amounts(df, ("jumlah",)) | name_lengths(df, ("nama",)), checks_volume=False)


SUITES = {
    "dukcapil": _dukcapil, "bpjs_peserta": _bpjs_peserta, "bpjs_iuran": _bpjs_iuran,
    "bpjs_klaim": _bpjs_klaim, "dtsen": _dtsen, "rt": _rt,
}


def suite(name: str, columns, previous_count: int | None = None, floor: int | None = None) -> Suite:
    """The suite `name` for a source whose contract has `columns` (its adapter's field list); with a previous
    night's count, the relative volume rule is added; with a `floor` (the policy's `volume_floor`), the
    absolute one, whether or not an earlier night exists."""
    if name not in SUITES:
        raise KeyError(f"no expectation suite for source {name!r} (known: {', '.join(SUITES)})")
    built = SUITES[name](columns)
    extra = []
    if built.checks_volume and previous_count:
        extra.append(volume_rule(previous_count))
    if floor:
        extra.append(volume_floor_rule(floor))
    if extra:
        built = Suite(built.name, built.source, built.columns, (*built.rules, *extra), built.derive,
                      built.checks_volume)
    return built

"""GX reads a compact frame (repetitive text as categories, derived columns computed once per distinct
value); the verdicts must be those of the plain frame, row for row, hostile values included."""

from __future__ import annotations

import math

import pandas as pd

from jaring.sources.dukcapil import DUKCAPIL_COLUMNS
from jaring.validation import _as_categories, validate
from jaring.validation.suites import per_value
from tests.validation.test_suites import SITI, penduduk


def test_per_value_is_the_function_of_each_value_with_empty_values_as_none():
    values = ["a", "", None, "a", math.nan, "b", "a"]
    assert per_value(values, lambda v: None if v is None else v.upper()) == ["A", None, None, "A", None, "B", "A"]
    pairs = [("1988-03-12", "P"), ("1988-03-12", "L"), ("1988-03-12", "P")]
    assert per_value(pairs, lambda pair: "".join(pair)) == ["1988-03-12P", "1988-03-12L", "1988-03-12P"]


def test_only_repetitive_text_becomes_a_category():
    frame = pd.DataFrame({
        "NO_RT": ["001", "002"] * 50,
        "NIK": [f"{n:016d}" for n in range(100)],  # all distinct
        "IURAN": [16800, "16800"] * 50,  # not only text: 16800 and "16800" must stay two values
        "_derived": ["x"] * 100,  # a derived column is never touched
    })
    compact = _as_categories(frame, ["NO_RT", "NIK", "IURAN"])
    assert isinstance(compact["NO_RT"].dtype, pd.CategoricalDtype)
    assert [str(compact[c].dtype) for c in ("NIK", "IURAN", "_derived")] == [str(frame[c].dtype) for c in
                                                                                ("NIK", "IURAN", "_derived")]
    assert compact["NO_RT"].tolist() == frame["NO_RT"].tolist()


def test_the_registry_verdicts_do_not_depend_on_how_often_a_value_repeats():
    # one bad row among many good ones whose values repeat (categories), and the same rows alone
    bad = [penduduk(NIK="1571035203880005", NO_RT="5", JENIS_KLMIN="perempuan"),
           penduduk(NIK="1571035203880006", KODE_WILAYAH="1571999999"),
           penduduk(NIK="1571035203880007", TGL_LHR="1988-02-30"),
           penduduk(NIK="1571035203880008", NO_RW=None, STATUS="HILANG")]
    good = [penduduk(NIK=f"15710352038{n:05d}") for n in range(10, 210)]
    crowd = validate("dukcapil", pd.DataFrame(good + bad), DUKCAPIL_COLUMNS)
    alone = validate("dukcapil", pd.DataFrame(bad), DUKCAPIL_COLUMNS)
    shift = len(good)
    assert {i - shift: rules for i, rules in crowd.row_failures.items()} == alone.row_failures
    assert sorted(alone.row_failures) == [0, 1, 2, 3]
    assert validate("dukcapil", pd.DataFrame([penduduk(NIK=SITI)] * 1), DUKCAPIL_COLUMNS).row_failures == {}

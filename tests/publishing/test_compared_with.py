"""The report says which night its NEW and resolved counts are against (issue 11: no silent gaps)."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from jaring.publishing.report import compared_with

NIGHT = date(2026, 11, 25)


def test_the_night_before_is_just_the_night_before():
    assert compared_with(SimpleNamespace(night=NIGHT, figures={"compared_with": "2026-11-24"})) == "malam sebelumnya"


def test_after_missed_nights_the_report_names_the_night_it_compares_with():
    said = compared_with(SimpleNamespace(night=NIGHT, figures={"compared_with": "2026-11-21"}))
    assert said == "malam 21 November 2026 (malam di antaranya tidak dihitung)"


def test_the_first_night_compares_with_nothing():
    assert compared_with(SimpleNamespace(night=NIGHT, figures={"compared_with": None})) == "belum ada malam sebelumnya"

"""The quick extent scan never accepts a worksheet the full parse would refuse."""

import pytest

from jaring.sources import xlsx_bounds

SHEETS = {
    "plain": b'<worksheet><dimension ref="A1:I300"/><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c>'
             b'<c r="I300"><v>1</v></c></row></sheetData></worksheet>',
    "prefixed": b'<x:worksheet><x:sheetData><x:row r="2"><x:c r="B2"><x:v>1</x:v></x:c></x:row>'
                b"</x:sheetData></x:worksheet>",
    "huge dimension": b'<worksheet><dimension ref="A1:XFD1048576"/><sheetData/></worksheet>',
    "far cell": b'<worksheet><sheetData><row r="9000"><c r="B9000"><v>1</v></c></row></sheetData></worksheet>',
    "far column": b'<worksheet><sheetData><row r="2"><c r="GR2"><v>1</v></c></row></sheetData></worksheet>',
    "far, format only": b'<worksheet><sheetData><row r="9000"><c r="B9000" s="3"/></row></sheetData></worksheet>',
    "unnamed cells": b'<worksheet><sheetData><row r="6000"><c><v>1</v></c></row></sheetData></worksheet>',
    "attribute order": b'<worksheet><sheetData><row><c s="1" t="n" r="AY2"><v>1</v></c></row></sheetData></worksheet>',
}


def parsed_within(xml: bytes) -> bool:
    try:
        xlsx_bounds._SheetExtent().feed(xml)
    except xlsx_bounds._Exceeded:
        return False
    return True


@pytest.mark.parametrize("name", SHEETS)
def test_the_quick_scan_accepts_only_what_the_parse_accepts(name):
    xml = SHEETS[name]
    if xlsx_bounds._plainly_within(xml):
        assert parsed_within(xml)


def test_the_quick_scan_decides_the_plain_sheets_and_leaves_the_rest_to_the_parse():
    quick = {name for name, xml in SHEETS.items() if xlsx_bounds._plainly_within(xml)}
    assert quick == {"plain", "prefixed"}
    assert {name for name, xml in SHEETS.items() if parsed_within(xml)} == {"plain", "prefixed", "far, format only"}

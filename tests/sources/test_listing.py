"""A listing kept compact (`landing.Listing`) must give what the dicts gave: the same frame, value for value
and type for type, and the same JSON text of every page."""

from __future__ import annotations

import pandas as pd

from jaring.sources import landing

COLUMNS = ("NIK", "NAMA", "NO_RT", "TGL_MATI", "IURAN", "EXTRA")


def hostile_pages() -> list[list[dict]]:
    """Pages of records whose values JSON allows: repeated and distinct text, null, a missing field, an
    unknown field, numbers and booleans that are equal to each other (1, 1.0, True), objects, lists, an
    integer beyond 64 bits, text beyond ASCII."""
    return [
        [{"NIK": "1571035203880004", "NAMA": "SITI AMINAH", "NO_RT": "005", "TGL_MATI": None, "IURAN": 1,
          "EXTRA": "x", "AGAMA": "ISLAM"},
         {"NIK": "1571035203880005", "NAMA": "SITI AMINAH", "NO_RT": "005", "TGL_MATI": None, "IURAN": True,
          "EXTRA": {"a": 1}},
         {"NIK": "1571035203880006", "NAMA": "JOSÉ ÁLVARES", "NO_RT": 5, "TGL_MATI": "2026-11-01",
          "IURAN": 1.0, "EXTRA": [1, "1"]}],
        [{"NIK": "1571035203880007", "NAMA": "SITI AMINAH", "NO_RT": "005", "TGL_MATI": None, "IURAN": "1",
          "EXTRA": 2**70},
         {"NIK": None, "NAMA": "BUDI", "NO_RT": True, "TGL_MATI": None},  # no IURAN, no EXTRA
         {"NIK": "1571035203880008", "NAMA": "", "NO_RT": "005", "TGL_MATI": None, "IURAN": 16800,
          "EXTRA": None}],
        [{"NIK": "1571035203880009", "NAMA": "SITI AMINAH", "NO_RT": "1", "TGL_MATI": None, "IURAN": 1,
          "EXTRA": "x"}],
        [],
    ]


def typed(frame: pd.DataFrame) -> dict:
    """Every value with its type (1, 1.0 and True are equal, so a frame comparison would not tell them apart)."""
    return {column: [(type(v).__name__, repr(v)) for v in frame[column].tolist()] for column in frame.columns}


def compact(pages: list[list[dict]], order: list[int], distinct=()) -> landing.Listing:
    listing = landing.Listing(COLUMNS, distinct=distinct)
    for number in order:
        listing.add(number, pages[number - 1])
    return listing


def test_a_listing_frames_its_records_as_the_dicts_would_be_framed():
    pages = hostile_pages()
    expected = landing.frame([r for page in pages for r in page], COLUMNS)
    for distinct in ((), ("NIK",), COLUMNS):
        got = compact(pages, [3, 1, 4, 2], distinct).frame()  # pages arrive in any order
        assert list(got.dtypes.astype(str)) == list(expected.dtypes.astype(str))
        assert typed(got) == typed(expected)
        pd.testing.assert_frame_equal(got, expected)


def test_a_listing_keeps_the_json_text_of_every_page_in_page_order():
    pages = hostile_pages()
    listing = compact(pages, [2, 4, 1, 3])
    listing.frame()  # the values move into the frame; the texts stay
    assert len(listing) == 4
    assert list(listing.texts()) == [landing.json_text(page) for page in pages]


def test_a_repeated_text_is_held_once_and_other_values_are_left_alone():
    pages = hostile_pages()
    frame = compact(pages, [1, 2, 3, 4], distinct=("NIK",)).frame()
    names = [v for v in frame["NAMA"] if v == "SITI AMINAH"]
    assert len(names) == 4 and all(v is names[0] for v in names)
    # a column holding other values than text is kept as it came: True stays True beside a 1
    assert [type(v) for v in frame["IURAN"]][:3] == [int, bool, float]

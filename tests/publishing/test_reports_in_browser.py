"""The reports in a real browser (headless Chromium through Playwright): a phone at 390 px and A4 paper.

Skipped only when no Chromium is installed (`apt-get install -y chromium`; `make test` installs it),
and never in CI, where a missing browser is a failure of the setup.
"""

from __future__ import annotations

import os
import shutil

import pytest
from publishing_sample import NIGHT, TALANG_BANJAR

from jaring.publishing import write_outbox
from jaring.warehouse import db

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"),
                                reason="no chromium installed (apt-get install -y chromium)")

_SMALLEST_CHART_TEXT = """() => Math.min(...[...document.querySelectorAll('svg text')].map(t =>
    parseFloat(getComputedStyle(t).fontSize) * t.closest('svg').getScreenCTM().a))"""
_CARD_ORDER = """() => [...document.querySelectorAll('table.orang tbody tr')].map(tr => {
    const top = sel => tr.querySelector(sel).getBoundingClientRect().top;
    return [getComputedStyle(tr).display, top('td.siapa'), top('td.siapa + td'), top('td.bukti')];
})"""


@pytest.fixture
def folder(sample_night, tmp_path):
    with db.connect(sample_night) as conn:
        return write_outbox(NIGHT, conn, tmp_path)


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.mark.parametrize("report", ["laporan.html", "dinsos/laporan.html", f"kelurahan/{TALANG_BANJAR}/laporan.html",
                                    "bpjs-tk/laporan.html", "bpkad/laporan.html"])
def test_on_a_phone_one_card_per_person_no_sideways_scrolling(browser, folder, report):
    page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=1)
    page.goto((folder / report).as_uri())
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    cards = page.evaluate(_CARD_ORDER)
    assert cards or report == "laporan.html"  # the city summary has no personal rows
    for display, name, action, evidence in cards:
        assert display == "block" and name < action < evidence  # name and RT, then the action, then the evidence
    if page.locator("svg text").count():
        assert page.evaluate(_SMALLEST_CHART_TEXT) >= 11


def test_on_paper_a4_with_the_header_row_on_every_page(browser, folder):
    page = browser.new_page()
    page.goto((folder / "dinsos" / "laporan.html").as_uri())
    page.emulate_media(media="print")
    assert page.evaluate("getComputedStyle(document.querySelector('table.orang thead')).display") == \
        "table-header-group"
    assert page.evaluate("getComputedStyle(document.querySelector('table.orang tr')).breakInside") == "avoid"
    pdf = page.pdf(prefer_css_page_size=True)
    assert pdf[:4] == b"%PDF"
    from re import findall

    sizes = set(findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf))
    assert sizes and all(abs(float(w) - 595.3) < 2 and abs(float(h) - 841.9) < 2 for w, h in sizes)  # A4


_NAMES_IN_VIEW = """width => [...document.querySelectorAll('table.orang td.siapa')].slice(0, 20).every(td => {
    const box = td.getBoundingClientRect();
    return box.left >= 0 && box.right <= width;
})"""


@pytest.mark.parametrize("width", [390, 1366])
@pytest.mark.parametrize("report", ["dinsos/laporan.html", f"kelurahan/{TALANG_BANJAR}/laporan.html"])
def test_each_persons_name_is_in_view_without_scrolling_sideways(browser, folder, tmp_path, report, width):
    page = browser.new_page(viewport={"width": width, "height": 900}, device_scale_factor=1)
    page.goto((folder / report).as_uri())
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.locator("table.orang td.siapa").count() and page.evaluate(_NAMES_IN_VIEW, width)
    page.screenshot(path=str(tmp_path / f"{report.replace('/', '_')}-{width}.png"), full_page=True)


def test_on_paper_a_sign_off_block_closes_the_report_and_on_screen_it_does_not_show(browser, folder):
    page = browser.new_page()
    page.goto((folder / "dinsos" / "laporan.html").as_uri())
    assert not page.locator("section.pengesahan").is_visible()
    page.emulate_media(media="print")
    assert page.locator("section.pengesahan").is_visible()
    assert "Tanda tangan" in page.locator("section.pengesahan").inner_text()


@pytest.mark.parametrize("width", [390, 1366])
def test_the_city_summary_fits_and_its_charts_are_legible(browser, folder, tmp_path, width):
    page = browser.new_page(viewport={"width": width, "height": 900}, device_scale_factor=1)
    page.goto((folder / "laporan.html").as_uri())
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.locator("svg text").count() and page.evaluate(_SMALLEST_CHART_TEXT) >= 11
    page.screenshot(path=str(tmp_path / f"city-{width}.png"), full_page=True)


def test_how_the_sources_checks_went_fits_a_phone(browser, tmp_path):
    """The city report's table of the night's checks (a city night has one row per suite) on a phone: its
    long column heading wraps rather than pushing the page sideways."""
    from datetime import date

    from jaring.publishing.night_data import Night
    from jaring.publishing.report import render_city

    invalid = [{"finding_code": "INVALID_SOURCE_RECORD", "source": "rt", "status": "NEW"}] * 1234
    validation = [("bpjs_iuran", True, []), ("bpjs_klaim", True, []), ("bpjs_peserta", True, []),
                  ("dtsen", False, ["volume_at_least_policy_floor"]), ("dukcapil", True, []), ("rt", True, [])]
    report = tmp_path / "laporan.html"
    report.write_text(render_city(Night(date(2026, 11, 20), invalid, [], {}, {}, validation)), encoding="utf-8")
    page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=1)
    page.goto(report.as_uri())
    assert page.locator("text=Pemeriksaan data malam ini").count()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

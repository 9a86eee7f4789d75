"""The README's pictures: a kelurahan's report of the demo's last night, on a phone and on a desktop.

Headless Chromium from Debian's package, driven by Playwright (no browser download).
"""

from __future__ import annotations

import shutil
from pathlib import Path

VIEWS = {"phone": (390, 844), "desktop": (1366, 900)}


def kelurahan_report(outbox: Path) -> Path:
    """The last night's report of the kelurahan with the most findings (the fullest page to show)."""
    night = sorted(p for p in outbox.iterdir() if p.is_dir() and p.name[:2] == "20")[-1]
    reports = list((night / "kelurahan").glob("*/laporan.html"))
    return max(reports, key=lambda p: (p.stat().st_size, p.parent.name))


def take(outbox: Path, docs: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise RuntimeError("no chromium: apt-get install -y chromium")
    report = kelurahan_report(outbox)
    written = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        for name, (width, height) in VIEWS.items():
            page = browser.new_page(viewport={"width": width, "height": height}, device_scale_factor=1)
            page.goto(report.as_uri())
            if name == "phone":  # past the summary, to the first people the kelurahan must see
                page.evaluate("document.querySelectorAll('h2')[1].scrollIntoView()")
            path = docs / f"kelurahan-{name}.png"
            page.screenshot(path=str(path), full_page=False)
            written.append(path)
        browser.close()
    return written

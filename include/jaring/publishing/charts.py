"""Inline SVG charts (no scripts, no web fonts): they render offline, in mail clients and on phones.

Every chart is 400 units wide with 13-unit text, so that drawn at a phone's width (a 390 px screen leaves
~366 px) its text is still at least 11 px; labels sit above their bars rather than beside them."""

from __future__ import annotations

from datetime import date
from html import escape

from jaring.publishing.formatting import angka, rupiah

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf", "#393b79", "#637939", "#843c39")
_FONT = 'font-family="Helvetica,Arial,sans-serif"'
WIDTH, FONT_SIZE = 400, 13


def _svg(width: int, height: int, body: list[str], title: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
            f'aria-label="{escape(title)}" {_FONT} font-size="{FONT_SIZE}"><title>{escape(title)}</title>'
            + "".join(body) + "</svg>")


def coverage_bars(rows: list[tuple[str, int, int]], title: str = "Cakupan warga layak per kecamatan") -> str:
    """One bar per kecamatan (its name above): enrolled / eligible, as a percentage."""
    bar_w, row_h = 240, 42
    height = 6 + row_h * max(len(rows), 1)
    body = []
    for i, (name, eligible, enrolled) in enumerate(rows):
        y = 4 + i * row_h
        share = enrolled / eligible if eligible else 0.0
        body += [
            f'<text x="0" y="{y + 13}">{escape(name)}</text>',
            f'<rect x="0" y="{y + 18}" width="{bar_w}" height="16" fill="#e6e6e6"/>',
            f'<rect x="0" y="{y + 18}" width="{bar_w * min(share, 1):.1f}" height="16" fill="{PALETTE[2]}"/>',
            f'<text x="{bar_w + 6}" y="{y + 31}">{share * 100:.0f}% ({angka(enrolled)}/{angka(eligible)})</text>',
        ]
    if not rows:
        body.append('<text x="10" y="20">Belum ada data cakupan.</text>')
    return _svg(WIDTH, height, body, title)


def quota_bar(quota: int, used: int, title: str = "Kuota APBD terpakai dan sisa") -> str:
    bar_w = WIDTH - 20
    used_w = bar_w * min(used / quota, 1) if quota else 0
    left = max(quota - used, 0)
    body = [
        f'<rect x="10" y="10" width="{bar_w}" height="28" fill="#d9e7f5"/>',
        f'<rect x="10" y="10" width="{used_w:.1f}" height="28" fill="{PALETTE[0]}"/>',
        f'<text x="10" y="58">Terpakai: {angka(used)} peserta</text>',
        f'<text x="{10 + bar_w}" y="58" text-anchor="end">Sisa: {angka(left)} dari {angka(quota)}</text>',
    ]
    if used > quota:
        body.append(f'<text x="10" y="78" fill="{PALETTE[1]}">Melebihi kuota sebanyak {angka(used - quota)} peserta</text>')
    return _svg(WIDTH, 84, body, title)


def cost_bars(items: list[tuple[str, float]], title: str = "Proyeksi biaya iuran APBD setahun") -> str:
    """Horizontal bars of Rupiah amounts (their name above), e.g. projected cost vs the cost of the full quota."""
    bar_w, row_h = 230, 44
    top = max((v for _, v in items), default=0) or 1
    body = []
    for i, (name, value) in enumerate(items):
        y = 4 + i * row_h
        body += [
            f'<text x="0" y="{y + 13}">{escape(name)}</text>',
            f'<rect x="0" y="{y + 18}" width="{bar_w * value / top:.1f}" height="18" fill="{PALETTE[3 + i % 2]}"/>',
            f'<text x="{bar_w + 6}" y="{y + 32}">{rupiah(value)}</text>',
        ]
    return _svg(WIDTH, 8 + row_h * max(len(items), 1), body, title)


def history_columns(nights: list[date], series: dict[str, list[int]], names: dict[str, str],
                    title: str = "Jumlah temuan per kode, 30 malam terakhir") -> str:
    """One stacked column per night, a colour per finding code (a night without data is empty)."""
    left, top, plot_w, plot_h = 46, 10, WIDTH - 56, 180
    totals = [sum(values[i] for values in series.values()) for i in range(len(nights))]
    high = max(totals, default=0) or 1
    slot = plot_w / max(len(nights), 1)
    body = [f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#999"/>']
    for frac in (0, 0.5, 1):
        y = top + plot_h - frac * plot_h
        body.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{angka(high * frac)}</text>')
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#eee"/>')
    codes = sorted(series)
    colors = {code: PALETTE[n % len(PALETTE)] for n, code in enumerate(codes)}
    for i, day in enumerate(nights):
        base = top + plot_h
        for code in codes:
            h = series[code][i] / high * plot_h
            if h > 0:
                body.append(f'<rect x="{left + i * slot + 1:.1f}" y="{base - h:.1f}" width="{slot - 2:.1f}" '
                            f'height="{h:.1f}" fill="{colors[code]}"><title>{day.strftime("%d/%m")} '
                            f'{escape(names.get(code, code))}: {series[code][i]}</title></rect>')
                base -= h
    for i in (0, len(nights) - 1):
        if nights:
            body.append(f'<text x="{left + (i + 0.5) * slot:.1f}" y="{top + plot_h + 16}" text-anchor="middle">'
                        f'{nights[i].strftime("%d/%m")}</text>')
    legend_y = top + plot_h + 38
    for n, code in enumerate(codes):
        x, y = 4, legend_y + n * 19
        body += [f'<rect x="{x}" y="{y - 9}" width="10" height="10" fill="{colors[code]}"/>',
                 f'<text x="{x + 14}" y="{y}">{escape(names.get(code, code))} ({series[code][-1] if nights else 0})</text>']
    if not codes:
        body.append(f'<text x="{left + 10}" y="{top + 20}">Belum ada riwayat temuan.</text>')
    return _svg(WIDTH, legend_y + 19 * len(codes) + 4, body, title)

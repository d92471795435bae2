"""Charts as inline SVG built on the server: no script, no network, every label escaped.

Presentation uses SVG attributes (``fill``, ``stroke``), never ``style`` attributes, so the pages' strict
Content-Security-Policy (no inline styles) holds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

from markupsafe import Markup

from spinlens.render.html import CATEGORY_COLOURS
from spinlens.taxonomy import get_technique

__all__ = ["heatmap_svg", "share_lines_svg", "category_bar_svg"]

_DASHES = ("", "6 3", "2 3", "8 3 2 3", "1 4")
_STEPS = (0.01, 0.02, 0.025, 0.05, 0.1, 0.2, 0.25)  # y-axis tick steps: four ticks reach the top


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "\u2026"


def heatmap_svg(
    rows: Sequence[str],
    columns: Sequence[str],
    counts: Mapping[tuple[str, str], int],
    totals: Mapping[str, int],
    *,
    title: str = "Outlet x technique",
) -> Markup:
    """A heatmap of technique share per outlet: cell shade = that technique's share of the row's spans.

    Args:
        rows: row labels (outlets), top to bottom.
        columns: technique ids, left to right.
        counts: ``(row, technique) -> span count``.
        totals: ``row -> spans in that row`` (the denominator of the share).
        title: the accessible title of the chart.
    """
    cell_w, cell_h, left, top = 28, 24, 200, 170
    width = left + cell_w * len(columns) + 130
    height = top + cell_h * len(rows) + 10
    shares = {key: (n / totals[key[0]] if totals.get(key[0]) else 0.0) for key, n in counts.items() if n}
    peak = max(shares.values(), default=0.0) or 1.0
    out = [
        f'<svg class="chart heatmap" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{_e(title)}"><title>{_e(title)}</title>'
    ]
    for j, tid in enumerate(columns):
        t = get_technique(tid)
        x = left + j * cell_w + cell_w / 2
        out.append(
            f'<text class="col" x="{x:.1f}" y="{top - 6}" transform="rotate(-55 {x:.1f} {top - 6})" '
            f'font-size="11" fill="#374151"><title>{_e(t.name)}</title>{_e(_short(t.name, 26))}</text>'
        )
    for i, row in enumerate(rows):
        y = top + i * cell_h
        out.append(
            f'<text class="row" x="{left - 6}" y="{y + cell_h * 0.68:.1f}" text-anchor="end" font-size="12" '
            f'fill="#111827"><title>{_e(row)}</title>{_e(_short(row, 28))}</text>'
        )
        for j, tid in enumerate(columns):
            n = counts.get((row, tid), 0)
            share = shares.get((row, tid), 0.0)
            strong = CATEGORY_COLOURS[get_technique(tid).category][1]
            opacity = 0.08 + 0.92 * (share / peak) if n else 0.0
            name = get_technique(tid).name
            tip = f"{row} \u00b7 {name}: {n} span{'s' * (n != 1)} ({share:.0%} of the outlet's)"
            out.append(
                f'<rect class="cell" x="{left + j * cell_w}" y="{y}" '
                f'width="{cell_w - 2}" height="{cell_h - 2}" '
                f'fill="{strong if n else "#f3f4f6"}" fill-opacity="{opacity if n else 1:.3f}" '
                f'data-outlet="{_e(row)}" data-technique="{_e(tid)}" data-count="{n}">'
                f"<title>{_e(tip)}</title></rect>"
            )
    out.append("</svg>")
    return Markup("".join(out))


def share_lines_svg(
    periods: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    title: str = "Technique share over time",
) -> Markup:
    """Lines of each technique's share of all spans per period (e.g. month), one line per technique.

    Args:
        periods: x-axis labels in order (``2024-01``, ...).
        series: ``(technique id, shares per period in [0, 1])``.
        title: the accessible title of the chart.
    """
    width, height, left, right, top, bottom = 760, 300, 48, 16, 16, 56
    plot_w, plot_h = width - left - right, height - top - bottom
    highest = max((v for _, vals in series for v in vals), default=0.0)
    step = next((s for s in _STEPS if 4 * s >= highest), 0.25)
    peak = 4 * step
    n = len(periods)

    def x_at(k: int) -> float:
        return left + (plot_w * k / (n - 1) if n > 1 else plot_w / 2)

    def y_at(v: float) -> float:
        return top + plot_h * (1 - v / peak)

    out = [
        f'<svg class="chart lines" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{_e(title)}"><title>{_e(title)}</title>'
    ]
    for k in range(5):
        v = peak * k / 4
        y = y_at(v)
        out.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e5e7eb"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#6b7280">{v * 100:g}%</text>'
        )
    step = max(1, (n + 11) // 12)
    for k, label in enumerate(periods):
        if k % step == 0 or k == n - 1:
            x = x_at(k)
            out.append(
                f'<text x="{x:.1f}" y="{height - bottom + 16}" text-anchor="end" font-size="11" '
                f'fill="#6b7280" '
                f'transform="rotate(-35 {x:.1f} {height - bottom + 16})">{_e(label)}</text>'
            )
    seen: dict[str, int] = {}
    for tid, values in series:
        t = get_technique(tid)
        dash = _DASHES[seen.get(t.category, 0) % len(_DASHES)]
        seen[t.category] = seen.get(t.category, 0) + 1
        colour = CATEGORY_COLOURS[t.category][1]
        points = " ".join(f"{x_at(k):.1f},{y_at(v):.1f}" for k, v in enumerate(values))
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(f'<g class="series" data-technique="{_e(tid)}"><title>{_e(t.name)}</title>')
        if n > 1:
            out.append(
                f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"{dash_attr}/>'
            )
        for k, v in enumerate(values):
            out.append(
                f'<circle cx="{x_at(k):.1f}" cy="{y_at(v):.1f}" r="3" fill="{colour}">'
                f"<title>{_e(t.name)}, {_e(periods[k])}: {v:.1%}</title></circle>"
            )
        out.append("</g>")
    out.append("</svg>")
    return Markup("".join(out))


def line_key(tid: str, index_in_category: int) -> dict[str, str]:
    """The colour and dash pattern :func:`share_lines_svg` gives a technique (for an HTML legend)."""
    t = get_technique(tid)
    return {"colour": CATEGORY_COLOURS[t.category][1], "dash": _DASHES[index_in_category % len(_DASHES)]}


def category_bar_svg(categories: Sequence[Mapping[str, object]], *, width: int = 320) -> Markup:
    """One stacked horizontal bar of span counts per category (``id``, ``name``, ``count``)."""
    total = sum(int(c["count"]) for c in categories) or 1  # type: ignore[call-overload]
    x = 0.0
    out = [
        f'<svg class="chart catbar" xmlns="http://www.w3.org/2000/svg" width="{width}" height="18" '
        f'viewBox="0 0 {width} 18" role="img" aria-label="spans per category">'
    ]
    for c in categories:
        w = width * int(c["count"]) / total  # type: ignore[call-overload]
        out.append(
            f'<rect class="bar cat-{_e(c["id"])}" x="{x:.2f}" y="0" width="{w:.2f}" height="18">'
            f"<title>{_e(c['name'])}: {_e(c['count'])}</title></rect>"
        )
        x += w
    out.append("</svg>")
    return Markup("".join(out))

"""Charts as inline SVG built on the server: no script, no network, every label escaped.

Presentation uses SVG attributes (``fill``, ``stroke``), never ``style`` attributes, so the pages' strict
Content-Security-Policy (no inline styles) holds.
"""

from __future__ import annotations

import re
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
    pos = _time_positions(periods)

    def x_at(k: int) -> float:
        return left + plot_w * pos[k]

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
    for k in _labelled(periods, [x_at(k) for k in range(n)]):
        label, x = periods[k], x_at(k)
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
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(f'<g class="series" data-technique="{_e(tid)}"><title>{_e(t.name)}</title>')
        for run in _runs(periods):  # no line across months without any article: no data is not a trend
            if len(run) > 1:
                points = " ".join(f"{x_at(k):.1f},{y_at(values[k]):.1f}" for k in run)
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


def _month(period: str) -> int | None:
    """``YYYY-MM`` as a month number (year * 12 + month - 1), else None."""
    m = re.fullmatch(r"(\d{4})-(\d{2})", period)
    return int(m.group(1)) * 12 + int(m.group(2)) - 1 if m and 1 <= int(m.group(2)) <= 12 else None


def _time_positions(periods: Sequence[str]) -> list[float]:
    """Each period's place on the x-axis in [0, 1]: by month when every period is one (a gap of 17 months is
    17 times a one-month step), else evenly by order."""
    n = len(periods)
    if n <= 1:
        return [0.5] * n
    months = [_month(p) for p in periods]
    if all(m is not None for m in months):
        first, last = months[0], months[-1]
        assert first is not None and last is not None
        if last > first:
            return [((m or 0) - first) / (last - first) for m in months]
    return [k / (n - 1) for k in range(n)]


def _runs(periods: Sequence[str]) -> list[list[int]]:
    """Indices of ``periods`` in runs of consecutive months (one run when they are not all months)."""
    months = [_month(p) for p in periods]
    if not periods or any(m is None for m in months):
        return [list(range(len(periods)))]
    runs = [[0]]
    for k in range(1, len(periods)):
        if (months[k] or 0) - (months[k - 1] or 0) == 1:
            runs[-1].append(k)
        else:
            runs.append([k])
    return runs


def _labelled(periods: Sequence[str], xs: Sequence[float], gap: float = 30.0) -> list[int]:
    """Which periods get an x-axis label: from the left, each at least ``gap`` pixels after the last one
    labelled, and the last period always (in place of a label too close before it)."""
    chosen: list[int] = []
    for k, x in enumerate(xs):
        if not chosen or x - xs[chosen[-1]] >= gap:
            chosen.append(k)
    n = len(periods)
    if n and chosen[-1] != n - 1:
        if len(chosen) > 1 and xs[n - 1] - xs[chosen[-1]] < gap:
            chosen.pop()
        chosen.append(n - 1)
    return chosen


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

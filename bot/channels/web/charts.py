"""Charts drawn on the server as SVG (no script, no library): a weekly trend and a target gauge.

Only presentation attributes (fill=, stroke=), never style=, so the pages' Content-Security-Policy
(style-src 'self') holds. Every label is escaped here; Jinja2 inserts the result as markup.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import date

from markupsafe import Markup

GREEN, GOLD, INK, GRID, MUTED = "#174e3d", "#b8912f", "#1f2a44", "#e3ddcc", "#5f6878"


def percent(rate: float | None) -> str:
    """0.4567 -> "45,7%" (Vietnamese decimal comma); None -> "chưa rõ" is the caller's word."""
    if rate is None:
        return "–"
    value = round(rate * 100, 1)
    text = f"{value:.0f}" if value == int(value) else f"{value:.1f}".replace(".", ",")
    return f"{text}%"


def number(value: int | None) -> str:
    """12345 -> "12.345" as Vietnamese writes thousands; None -> "–"."""
    return "–" if value is None else f"{value:,}".replace(",", ".")


def gauge(rate: float | None, target: float, label: str) -> Markup:
    """A bar from 0 to 100%: the rate filled, the plan's target as a gold mark. An unknown rate
    (no denominator) draws an empty hatched bar: never a full one."""
    width, height = 240, 22
    parts = [
        f'<svg class="gauge" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{html.escape(label)}">',
        f'<rect x="0" y="3" width="{width}" height="16" rx="4" fill="{GRID}"/>',
    ]
    if rate is not None:
        filled = max(0.0, min(1.0, rate)) * width
        colour = GREEN if rate >= target else GOLD
        parts.append(f'<rect x="0" y="3" width="{filled:.1f}" height="16" rx="4" fill="{colour}"/>')
    else:
        parts += [
            f'<line x1="{x}" y1="19" x2="{x + 12}" y2="3" stroke="#c9c1aa" stroke-width="2"/>'
            for x in range(0, width, 12)
        ]
    mark = max(0.0, min(1.0, target)) * width
    parts.append(f'<rect x="{mark - 1.5:.1f}" y="0" width="3" height="{height}" fill="{INK}"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


def trend(
    weeks: Sequence[date], series: Sequence[tuple[str, str, Sequence[int]]], label: str
) -> Markup:
    """Lines over the weeks: series are (name, colour, values), one value per week. The y axis
    starts at 0 and ends at a round number above the largest value."""
    width, height, left, bottom, top, right = 560, 240, 48, 30, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    largest = max((v for _, _, values in series for v in values), default=0)
    ceiling = _round_up(largest)
    count = max(1, len(weeks) - 1)

    def x(i: int) -> float:
        return left + plot_w * i / count

    def y(v: int) -> float:
        return top + plot_h * (1 - v / ceiling)

    parts = [
        f'<svg class="trend" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{html.escape(label)}" font-family="sans-serif" font-size="14">'
    ]
    for step in range(5):
        value = ceiling * step // 4
        parts.append(
            f'<line x1="{left}" y1="{y(value):.1f}" x2="{width - right}" '
            f'y2="{y(value):.1f}" stroke="{GRID}"/>'
        )
        parts.append(
            f'<text x="{left - 6}" y="{y(value) + 4:.1f}" text-anchor="end" '
            f'fill="{MUTED}">{html.escape(number(value))}</text>'
        )
    every = max(1, len(weeks) // 6)  # at most ~7 dates under the axis, readable on a phone
    for i, week in enumerate(weeks):
        if i % every == 0 or i == len(weeks) - 1:
            parts.append(
                f'<text x="{x(i):.1f}" y="{height - 8}" text-anchor="middle" '
                f'fill="{MUTED}">{week.strftime("%d/%m")}</text>'
            )
    for name, colour, values in series:
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" '
            f'stroke-width="2.5"><title>{html.escape(name)}</title></polyline>'
        )
        parts += [
            f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3" fill="{colour}"/>'
            for i, v in enumerate(values)
        ]
    parts.append("</svg>")
    return Markup("".join(parts))


def _round_up(value: int) -> int:
    """A round ceiling for the axis, divisible by 4 so the grid steps are whole numbers:
    0 -> 4, 7 -> 8, 130 -> 200, 1234 -> 2000."""
    if value <= 4:
        return 4
    magnitude: int = 10 ** (len(str(value)) - 1)
    ceiling = next(step * magnitude for step in (1, 2, 4, 5, 10) if step * magnitude >= value)
    return ceiling + (-ceiling) % 4

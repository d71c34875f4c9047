"""A theme's mean over a partnership's sessions: a line chart with the bands behind it.

One standalone SVG document (``svg_document``), inlined on the partnership page and embedded as
an image in the partnership PDF, like the statements' bar charts (charts.py). What it draws is
numbers and dates only, never text someone typed, and every text in it is escaped anyway.
Large type and strong colours, for a projector and for print in black and white (the bands are
also named at the right edge, and the threshold lines are dashed).
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from . import stats
from .bands import band_label
from .charts import svg_data_url


@dataclass(frozen=True)
class Point:
    label: str  # the session's date
    value: float | None  # the theme's mean, None when the session had no mean for it
    x: float
    y: float | None


@dataclass(frozen=True)
class TrendChart:
    title: str
    points: tuple[Point, ...]
    scale: tuple[int, int]
    description: str

    WIDTH = 640
    HEIGHT = 260
    LEFT = 44  # room for the scale's numbers
    RIGHT = 128  # room for the bands' names
    TOP = 18
    BOTTOM = 40  # room for the dates
    PAD = 36

    @property
    def plotted(self) -> tuple[Point, ...]:
        return tuple(p for p in self.points if p.y is not None)


def _y(value: float, scale: tuple[int, int]) -> float:
    low, high = scale
    area = TrendChart.HEIGHT - TrendChart.TOP - TrendChart.BOTTOM
    return round(TrendChart.TOP + area * (high - value) / (high - low), 1)


def make_trend_chart(
    title: str, labels: list[str], values: list[float | None], scale: tuple[int, int]
) -> TrendChart:
    """Points spread evenly from left to right, one per session, oldest first."""
    # The points keep PAD from the plot's edges, so their numbers clear the axis and band names.
    inner = TrendChart.WIDTH - TrendChart.LEFT - TrendChart.RIGHT - 2 * TrendChart.PAD
    step = inner / max(len(values) - 1, 1)
    points = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = TrendChart.LEFT + TrendChart.PAD + (i * step if len(values) > 1 else inner / 2)
        y = None if value is None else _y(stats.round_display(value), scale)
        points.append(Point(label=label, value=value, x=round(x, 1), y=y))
    shown = [
        f"{p.label}: {number_format(stats.round_display(p.value), 1)}"
        if p.value is not None
        else f"{p.label}: {_('geen gemiddelde')}"
        for p in points
    ]
    description = _("%(theme)s, gemiddelde per sessie: %(points)s") % {
        "theme": title,
        "points": "; ".join(shown),
    }
    return TrendChart(title=title, points=tuple(points), scale=scale, description=description)


_BANDS = (  # (band, from, to on the scale, fill)
    (stats.BAND_ZORG, None, 3.0, "#f6d5d1"),
    (stats.BAND_AANDACHT, 3.0, 4.0, "#f7e7bf"),
    (stats.BAND_STERK, 4.0, None, "#d3ead6"),
)


def svg_document(chart: TrendChart) -> str:
    low, high = chart.scale
    left, right = chart.LEFT, chart.WIDTH - chart.RIGHT
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" font-family="Report Sans, DejaVu Sans, '
        f'sans-serif" width="{chart.WIDTH}" height="{chart.HEIGHT}" '
        f'viewBox="0 0 {chart.WIDTH} {chart.HEIGHT}" role="img" '
        f'aria-label="{escape(chart.description)}">',
        f"<title>{escape(chart.description)}</title>",
    ]
    for band, start, end, fill in _BANDS:
        top = _y(min(end, high) if end is not None else high, chart.scale)
        bottom = _y(max(start, low) if start is not None else low, chart.scale)
        parts.append(
            f'<rect x="{left}" y="{top}" width="{right - left}" height="{bottom - top:.1f}" '
            f'fill="{fill}"/>'
        )
        parts.append(
            f'<text x="{right + 8}" y="{(top + bottom) / 2 + 5:.1f}" font-size="14" '
            f'fill="#1b1b1b">{escape(band_label(band))}</text>'
        )
    for threshold in (3.0, 4.0):
        y = _y(threshold, chart.scale)
        parts.append(
            f'<line x1="{left}" x2="{right}" y1="{y}" y2="{y}" stroke="#4a4a4a" '
            'stroke-width="1.5" stroke-dasharray="6 4"/>'
        )
    for value in range(low, high + 1):
        parts.append(
            f'<text x="{left - 10}" y="{_y(value, chart.scale) + 5}" font-size="14" '
            f'text-anchor="end" fill="#1b1b1b">{value}</text>'
        )
    plotted = chart.plotted
    if len(plotted) > 1:
        path = " ".join(f"{p.x},{p.y}" for p in plotted)
        parts.append(f'<polyline points="{path}" fill="none" stroke="#1f4e79" stroke-width="3"/>')
    for point in chart.points:
        parts.append(
            f'<text x="{point.x}" y="{chart.HEIGHT - 12}" font-size="13" text-anchor="middle" '
            f'fill="#1b1b1b">{escape(point.label)}</text>'
        )
        if point.y is None:
            continue
        shown = number_format(stats.round_display(point.value), 1)
        label_y = point.y - 12 if point.y > chart.TOP + 20 else point.y + 26
        parts.append(
            f'<circle cx="{point.x}" cy="{point.y}" r="7" fill="#1f4e79" stroke="#ffffff" '
            'stroke-width="2"/>'
        )
        parts.append(
            f'<text x="{point.x}" y="{label_y}" font-size="16" font-weight="bold" '
            f'text-anchor="middle" fill="#1b1b1b">{escape(shown)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def data_url(chart: TrendChart) -> str:
    """For the PDF: the chart as an image (its text alternative is the figure's caption)."""
    return svg_data_url(svg_document(chart))

"""The 1–5 bar chart of a statement: one set of numbers, drawn for the screens and the PDF.

``make_chart`` turns counts into plain numbers. The screens draw them with
``fragments/chart.html`` (inline SVG, so screen readers get its title); the PDF draws them with
``svg_document`` as an image, because inline bars went through WeasyPrint's CSS cascade one
element at a time. Only numbers are drawn, never text someone typed.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .stats import ItemStats


@dataclass
class Bar:
    value: int
    count: int
    x: float
    y: float
    height: float

    @property
    def center(self) -> float:
        return self.x + Chart.BAR / 2

    @property
    def count_y(self) -> float:
        return self.y - 5


@dataclass
class Chart:
    """A bar chart as plain numbers, drawn by ``fragments/chart.html`` and ``svg_document``."""

    bars: list[Bar]
    width: int
    height: int
    baseline: float
    description: str

    BAR = 28
    SLOT = 40
    TOP = 20  # room for the count above the tallest bar
    AREA = 80
    BOTTOM = 22  # room for the scale value under each bar

    @property
    def label_y(self) -> float:
        return self.baseline + 16


def make_chart(counts: tuple[int, ...], scale_min: int) -> Chart:
    tallest = max(counts) if counts and max(counts) > 0 else 1
    baseline = Chart.TOP + Chart.AREA
    bars = []
    for i, count in enumerate(counts):
        height = round(Chart.AREA * count / tallest, 1)
        bars.append(
            Bar(
                value=scale_min + i,
                count=count,
                x=i * Chart.SLOT + (Chart.SLOT - Chart.BAR) / 2,
                y=baseline - height,
                height=height,
            )
        )
    description = _("Verdeling van de scores: %(parts)s") % {
        "parts": "; ".join(
            ngettext("%(value)s: %(count)s keer", "%(value)s: %(count)s keer", bar.count)
            % {"value": bar.value, "count": bar.count}
            for bar in bars
        )
    }
    return Chart(
        bars=bars,
        width=len(counts) * Chart.SLOT,
        height=Chart.TOP + Chart.AREA + Chart.BOTTOM,
        baseline=baseline,
        description=description,
    )


def for_statement(stats: ItemStats | None, scale_min: int) -> Chart | None:
    """A statement's chart; None while it is hidden (too few scores) or has no scores."""
    if stats is None or stats.hidden or not stats.counts:
        return None
    return make_chart(stats.counts, scale_min)


#: The advance of a digit in the report's font, in em (DejaVu Sans: every digit is 1303 of 2048
#: units; a test checks the bundled file), so the chart centres its numbers itself.
DIGIT_EM = 1303 / 2048


def _centred_number(number: int, center: float, y: float, size: int, colour: str) -> str:
    # Not text-anchor="middle": WeasyPrint draws each such text into a form XObject of its own.
    x = center - len(str(number)) * DIGIT_EM * size / 2
    return f'<text x="{x:.1f}" y="{y}" font-size="{size}" fill="{colour}">{number}</text>'


def svg_document(chart: Chart) -> str:
    """The bar chart of fragments/chart.html as a standalone SVG document: bars and numbers.

    The report shows it through an <image> in a small inline <svg> whose <title> lists the counts
    (the PDF figure's text alternative).
    """
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" font-family="Report Sans" '
        f'width="{chart.width}" height="{chart.height}" '
        f'viewBox="0 0 {chart.width} {chart.height}">'
    ]
    for bar in chart.bars:
        parts.append(
            f'<rect x="{bar.x}" y="{bar.y}" width="{chart.BAR}" height="{bar.height}" rx="2" '
            'fill="#2b5b8a"/>'
        )
        parts.append(_centred_number(bar.count, bar.center, bar.count_y, 13, "#1b1b1b"))
        parts.append(_centred_number(bar.value, bar.center, chart.label_y, 12, "#4a4a4a"))
    parts.append(
        f'<line x1="0" x2="{chart.width}" y1="{chart.baseline}" y2="{chart.baseline}" '
        'stroke="#6b6b6b" stroke-width="1"/></svg>'
    )
    return "".join(parts)


def data_url(chart: Chart) -> str:
    """svg_document as a data: URL (the report's fetcher allows those and its own static files)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg_document(chart).encode()).decode()

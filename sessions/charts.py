"""The 1–5 bar chart of a statement and the scatter of a balance item ("halen en brengen"): one
set of numbers each, drawn for the screens and the PDF.

``make_chart`` turns counts into plain numbers. The screens draw them with
``fragments/chart.html`` (inline SVG, so screen readers get its title); the PDF draws them with
``svg_document`` as an image, because inline bars went through WeasyPrint's CSS cascade one
element at a time. Only numbers are drawn, never text someone typed.
"""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass
from html import escape

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .stats import BALANCE_GAP, BalanceStats, ItemStats


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


def svg_data_url(document: str) -> str:
    """An SVG document as a data: URL (the report's fetcher allows those and its own static
    files): how the PDFs embed every chart."""
    return "data:image/svg+xml;base64," + base64.b64encode(document.encode()).decode()


def data_url(chart: Chart) -> str:
    return svg_data_url(svg_document(chart))


# Halen en brengen: the scatter -------------------------------------------------------------------


@dataclass
class Cell:
    """One pair of scores: a square of the grid, and a circle whose area is its count."""

    brings: int
    gets: int
    count: int
    x: float
    y: float
    radius: float
    out_of_balance: bool

    @property
    def cx(self) -> float:
        return self.x + Scatter.CELL / 2

    @property
    def cy(self) -> float:
        return self.y + Scatter.CELL / 2

    @property
    def count_y(self) -> float:
        return self.cy + 7  # the baseline that centres a 20-unit number


@dataclass
class Tick:
    value: int
    position: float

    @property
    def baseline(self) -> float:
        return self.position + 6  # centres an 18-unit number on a row


@dataclass
class Scatter:
    """A balance item's pairs as plain numbers: x = halen (gets), y = brengen (brings).

    Drawn by ``fragments/balance_chart.html`` and ``scatter_document``.
    """

    cells: list[Cell]
    ticks_x: list[Tick]
    ticks_y: list[Tick]
    size: int  # the grid's side
    width: int
    height: int
    title: str
    description: str
    label_x: str
    label_y: str
    label_diagonal: str

    CELL = 56
    LEFT = 48  # room for brengen's numbers
    TOP = 40  # room for the axis name above the grid
    RIGHT = 12
    BOTTOM = 60  # halen's numbers and axis name

    @property
    def right(self) -> int:
        return self.LEFT + self.size

    @property
    def bottom(self) -> int:
        return self.TOP + self.size

    @property
    def tick_x_y(self) -> int:
        return self.bottom + 24

    @property
    def tick_y_x(self) -> int:
        return self.LEFT - 18

    @property
    def label_x_y(self) -> int:
        return self.height - 8

    @property
    def label_y_y(self) -> int:
        return self.TOP - 14

    @property
    def grid(self) -> list[int]:
        """Where the grid's lines run, across and down alike (the grid is square)."""
        return [i * self.CELL for i in range(len(self.ticks_x) + 1)]

    @property
    def counted(self) -> list[Cell]:
        return [cell for cell in self.cells if cell.count]

    @property
    def shaded(self) -> list[Cell]:
        return [cell for cell in self.cells if cell.out_of_balance]


def make_scatter(balance: BalanceStats, scale_min: int, scale_max: int) -> Scatter:
    points = range(scale_min, scale_max + 1)
    counts = balance.cells
    most = max(counts.values(), default=0) or 1
    largest = Scatter.CELL / 2 - 3
    cells = [
        Cell(
            brings=brings,
            gets=gets,
            count=counts.get((brings, gets), 0),
            x=Scatter.LEFT + (gets - scale_min) * Scatter.CELL,
            y=Scatter.TOP + (scale_max - brings) * Scatter.CELL,
            # Area, not radius, grows with the count.
            radius=round(largest * math.sqrt(counts.get((brings, gets), 0) / most), 1),
            out_of_balance=abs(brings - gets) >= BALANCE_GAP,
        )
        for brings in reversed(points)
        for gets in points
    ]
    size = len(points) * Scatter.CELL
    half = Scatter.CELL / 2
    parts = "; ".join(
        ngettext(
            "brengen %(brings)s, halen %(gets)s: %(count)s keer",
            "brengen %(brings)s, halen %(gets)s: %(count)s keer",
            count,
        )
        % {"brings": brings, "gets": gets, "count": count}
        for brings, gets, count in balance.pairs
    )
    return Scatter(
        cells=cells,
        ticks_x=[Tick(v, Scatter.LEFT + (v - scale_min) * Scatter.CELL + half) for v in points],
        ticks_y=[Tick(v, Scatter.TOP + (scale_max - v) * Scatter.CELL + half) for v in points],
        size=size,
        width=Scatter.LEFT + size + Scatter.RIGHT,
        height=Scatter.TOP + size + Scatter.BOTTOM,
        title=_("Halen en brengen per organisatie"),
        description=_(
            "%(out)s van %(total)s uit balans (brengen en halen %(gap)s of meer uit elkaar). "
            "%(parts)s."
        )
        % {"out": balance.out_of_balance, "total": balance.total, "gap": BALANCE_GAP,
           "parts": parts},
        label_x=_("halen →"),
        label_y=_("↑ brengen"),
        label_diagonal=_("in balans"),
    )  # fmt: skip


def for_balance(balance: BalanceStats | None, scale_min: int, scale_max: int) -> Scatter | None:
    """A balance item's scatter; None while it is hidden (fewer pairs than the floor)."""
    if balance is None or balance.hidden or not balance.pairs:
        return None
    return make_scatter(balance, scale_min, scale_max)


SCATTER_COLOURS = {
    "band": "#f5d5bd",  # uit balans
    "grid": "#b8b8b8",
    "diagonal": "#3a3a3a",
    "dot": "#8db6df",
    "dot_edge": "#1d4f91",
    "ink": "#111111",
    "soft": "#3a3a3a",
}


def _word(text: str, x: float, y: float, size: int, anchor: str = "start") -> str:
    colour = SCATTER_COLOURS["ink"]
    return (
        f'<text x="{x}" y="{y}" font-size="{size}" font-weight="bold" fill="{colour}" '
        f'text-anchor="{anchor}">{escape(text)}</text>'
    )


def scatter_document(scatter: Scatter) -> str:
    """The scatter of fragments/balance_chart.html as a standalone SVG document, for the PDF."""
    c, cell = SCATTER_COLOURS, Scatter.CELL
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" font-family="Report Sans" '
        f'width="{scatter.width}" height="{scatter.height}" '
        f'viewBox="0 0 {scatter.width} {scatter.height}">'
    ]
    for square in scatter.shaded:
        parts.append(
            f'<rect x="{square.x}" y="{square.y}" width="{cell}" height="{cell}" '
            f'fill="{c["band"]}"/>'
        )
    for offset in scatter.grid:
        at = Scatter.LEFT + offset
        parts.append(
            f'<line x1="{at}" x2="{at}" y1="{Scatter.TOP}" y2="{scatter.bottom}" '
            f'stroke="{c["grid"]}" stroke-width="1"/>'
        )
        at = Scatter.TOP + offset
        parts.append(
            f'<line x1="{Scatter.LEFT}" x2="{scatter.right}" y1="{at}" y2="{at}" '
            f'stroke="{c["grid"]}" stroke-width="1"/>'
        )
    parts.append(
        f'<line x1="{Scatter.LEFT}" y1="{scatter.bottom}" x2="{scatter.right}" y2="{Scatter.TOP}" '
        f'stroke="{c["diagonal"]}" stroke-width="2" stroke-dasharray="6 4"/>'
    )
    for dot in scatter.counted:
        parts.append(
            f'<circle cx="{dot.cx}" cy="{dot.cy}" r="{dot.radius}" fill="{c["dot"]}" '
            f'stroke="{c["dot_edge"]}" stroke-width="2"/>'
        )
        parts.append(_centred_number(dot.count, dot.cx, dot.count_y, 20, c["ink"]))
    for tick in scatter.ticks_x:
        parts.append(_centred_number(tick.value, tick.position, scatter.tick_x_y, 18, c["soft"]))
    for tick in scatter.ticks_y:
        parts.append(_centred_number(tick.value, scatter.tick_y_x, tick.baseline, 18, c["soft"]))
    parts.append(_word(scatter.label_x, scatter.right, scatter.label_x_y, 18, "end"))
    parts.append(_word(scatter.label_y, 4, scatter.label_y_y, 18))
    parts.append(_word(scatter.label_diagonal, scatter.right, scatter.label_y_y, 18, "end"))
    parts.append("</svg>")
    return "".join(parts)


def scatter_data_url(scatter: Scatter) -> str:
    return svg_data_url(scatter_document(scatter))

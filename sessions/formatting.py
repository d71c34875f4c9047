"""How a figure is written, once for every screen, the PDF and the CSV.

A mean of 4,16 must read 4,2 everywhere: on the projector (Django's ``floatformat``), in the PDF
and in the spreadsheet. Django's ``number_format`` cuts the extra decimals off instead of rounding
(0,025 became 0,02 in the CSV while the screen said 0,03), so figures go through ``number``: the
decimal value as written (``str`` of the float, as ``floatformat`` reads it) rounded half up, then
the active language's decimal mark.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import formats

#: Places per kind of figure, as the screens show them.
MEAN_PLACES = 1
CONSENSUS_PLACES = 2


def number(value, places: int = MEAN_PLACES) -> str:
    """``value`` with exactly ``places`` decimals, rounded half up; "" for None (no figure).

    Gives the same text as ``{{ value|floatformat:places }}`` in the active language (tested), so
    a template may use either; new code uses this (or the ``number`` template filter).
    """
    if value is None or value == "":
        return ""
    try:
        exact = Decimal(str(value))
    except InvalidOperation:
        return ""
    if not exact.is_finite():
        return ""
    rounded = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if not rounded:
        rounded = abs(rounded)  # never "-0,0"
    return formats.number_format(rounded, places)

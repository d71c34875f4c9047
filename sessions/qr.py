"""The join QR code, as SVG: crisp on a projector at any size, and no image library needed.

Always a full QR symbol (``make_qr``): plain ``segno.make`` picks a Micro QR for short
content, and most phone cameras do not read those.
"""

import io

import segno
from django.utils.translation import gettext as _

# Error correction M survives a smudged projector or a phone filming at an angle.
ERROR = "m"
# 8 px per module and the standard 4-module quiet zone: big and sharp when opened on its own;
# pages size it with CSS (it is vector, so it stays crisp).
SVG_OPTIONS = {
    "kind": "svg",
    "scale": 8,
    "border": 4,
    "dark": "#000",
    "light": "#fff",
    "xmldecl": False,
    "svgclass": "qr",
    "lineclass": None,
    "unit": "px",  # adds a viewBox, so CSS can size it
}


def title(url: str) -> str:
    return _("QR-code om mee te doen: %(url)s") % {"url": url}


def qr_svg(url: str) -> str:
    """An SVG document (dark on light, with a title) that phones open as ``url``."""
    symbol = segno.make_qr(url, error=ERROR)
    out = io.BytesIO()
    symbol.save(out, title=title(url), **SVG_OPTIONS)
    return out.getvalue().decode("utf-8")

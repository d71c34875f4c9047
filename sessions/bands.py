"""What a theme's band is called, in the reader's language.

The bands themselves (which mean is which band) are pure statistics in ``stats.band``; the words
are here, once, for the screens, the trends and the PDF alike.
"""

from django.utils.translation import gettext_lazy as _

from . import stats

LABELS = {
    stats.BAND_STERK: _("sterk punt"),
    stats.BAND_AANDACHT: _("aandachtspunt"),
    stats.BAND_ZORG: _("zorgpunt"),
}


def band_label(band: str | None) -> str:
    """The band's words (sterk punt, aandachtspunt, zorgpunt); "" for no band (no mean yet)."""
    return str(LABELS[band]) if band in LABELS else ""

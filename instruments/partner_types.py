"""Which kinds of partner a participant may say they are: instrument data, with a default list.

An instrument lists its own (the po instrument has kinderopvang, jeugdzorg …); one that lists
none gets the default below. Keys are stored on the participant; labels are shown.
"""

from django.utils.translation import gettext_lazy as _

from . import translation

DEFAULT = (
    ("vo", _("vo")),
    ("mbo", _("mbo")),
    ("ho", _("hbo/wo")),
    ("gemeente", _("gemeente")),
    ("bedrijf", _("bedrijfsleven")),
    ("maatschappelijk", _("maatschappelijke organisatie")),
    ("anders", _("anders")),
)


def choices(instrument) -> list[tuple[str, str]]:
    """(key, label) in the instrument's order, labels in the active language."""
    if not instrument.partner_types:
        return [(key, str(label)) for key, label in DEFAULT]
    labels = translation.text(instrument, "partner_types", {}) or {}
    return [(p["key"], labels.get(p["key"]) or p["label"]) for p in instrument.partner_types]


def valid(instrument, key: str) -> bool:
    return any(key == k for k, _label in choices(instrument))


def label(instrument, key: str) -> str:
    return dict(choices(instrument)).get(key, key)

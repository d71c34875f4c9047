"""An instrument's own texts in the language a screen speaks.

The data file may carry, on the instrument, a theme or an item, ``"translations": {"en": {field:
text}}``; a field without a translation falls back to the instrument's own language.
"""

from django.utils import translation as django_translation


def text(obj, field: str, default=None, language: str | None = None):
    """``obj``'s ``field`` in ``language`` (the active one if None), else ``default``."""
    language = (language or django_translation.get_language() or "").split("-")[0]
    return (getattr(obj, "translations", None) or {}).get(language, {}).get(field, default)

"""An instrument's own texts in the language a screen speaks.

The data file may carry, on the instrument, a theme or an item, ``"translations": {"en": {field:
text}}`` (see validation.py for the fields); a field without a translation falls back to the
instrument's own language. Everything here reads; nothing is stored.
"""

import copy

from django.utils import translation as django_translation

#: What a localized copy (``localized``) replaces, per model.
_FIELDS = {
    "Instrument": ("name", "description", "guide", "attribution_text", "source_note"),
    "Theme": ("title", "background_title", "background"),
    "Item": ("title", "text"),
}


def language_of(language: str | None = None) -> str:
    """``language`` (the active one if None) as a bare code: "en-gb" is "en"."""
    return (language or django_translation.get_language() or "").split("-")[0]


def text(obj, field: str, default=None, language: str | None = None):
    """``obj``'s ``field`` in ``language`` (the active one if None), else ``default``."""
    return (
        (getattr(obj, "translations", None) or {})
        .get(language_of(language), {})
        .get(field, default)
    )


def own(obj, field: str, language: str | None = None):
    """``obj.field`` in ``language``, falling back to the original text."""
    return text(obj, field, getattr(obj, field), language)


def scale_labels(instrument, language: str | None = None) -> dict[str, str]:
    """{"1": label, …}: a translated point replaces its original, the others stay."""
    return {**instrument.scale_labels, **text(instrument, "scale_labels", {}, language)}


def scale_label(instrument, point: int, language: str | None = None) -> str:
    return scale_labels(instrument, language).get(str(point), "")


def dont_know_label(instrument, language: str | None = None) -> str:
    # An instrument without "weet ik niet" has nothing to translate, whatever the file says.
    if not instrument.dont_know_label:
        return ""
    return own(instrument, "dont_know_label", language)


def followup_fields(instrument, language: str | None = None) -> list[dict]:
    """The follow-up fields (key, label, help, kind, required) with label and help translated."""
    texts = text(instrument, "followup_fields", {}, language)
    return [{**spec, **texts.get(spec["key"], {})} for spec in instrument.followup_fields or []]


def item_options(item, language: str | None = None) -> list[dict]:
    """An item's stored options (``Item.options``) with their labels translated.

    A priority item's options by their key; a balance item's two questions ("brings", "gets")
    from its brings_label and gets_label.
    """
    if item.kind == "balance":
        labels = {
            "brings": text(item, "brings_label", None, language),
            "gets": text(item, "gets_label", None, language),
        }
    else:
        labels = text(item, "options", {}, language)
    return [
        {**option, "label": labels.get(option["key"]) or option["label"]}
        for option in item.options or []
    ]


def item_choices(item, language: str | None = None) -> list[tuple[str, str]]:
    """``Item.choices`` translated: (key, label) in the instrument's order."""
    return [(option["key"], option["label"]) for option in item_options(item, language)]


def localized(obj, language: str | None = None):
    """A copy of an Instrument, Theme or Item for display, with its texts in ``language``.

    A copy, never the object itself: instruments are kept per worker (phone_lookup, results), and
    another request may want them in another language. An item's loaded theme is localized with
    it, so ``item.label`` reads "Relationship 3". Never save a copy.
    """
    kind = type(obj).__name__
    language = language_of(language)
    shown = copy.copy(obj)
    for field in _FIELDS[kind]:
        setattr(shown, field, own(obj, field, language))
    if kind == "Instrument":
        shown.scale_labels = scale_labels(obj, language)
        shown.dont_know_label = dont_know_label(obj, language)
        shown.followup_fields = followup_fields(obj, language)
    elif kind == "Item":
        shown.options = item_options(obj, language)
        if obj._meta.get_field("theme").is_cached(obj):
            shown.theme = localized(obj.theme, language)
    return shown

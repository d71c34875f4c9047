"""An instrument as a facilitator reads it before choosing it for a session."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import translation as django_translation

from . import partner_types, translation
from .models import Instrument, Theme


@login_required
def preview(request: HttpRequest, instrument_id: int) -> HttpResponse:
    themes = Prefetch("themes", queryset=Theme.objects.prefetch_related("items"))
    instrument = get_object_or_404(Instrument.objects.prefetch_related(themes), pk=instrument_id)
    language = _language(request, instrument)
    with django_translation.override(language):
        shown = translation.localized(instrument)
        context = {
            "instrument": shown,
            "themes": [
                (
                    translation.localized(theme),
                    [translation.localized(i) for i in theme.items.all()],
                )
                for theme in instrument.themes.all()
            ],
            "scale": [(point, shown.scale_label(point)) for point in instrument.scale_points],
            "partner_types": partner_types.choices(instrument),
            "newest": Instrument.objects.newest(instrument.slug),
            "content_language": language,
            "other_languages": _others(instrument, language),
        }
    return render(request, "instruments/preview.html", context)


def _language(request: HttpRequest, instrument: Instrument) -> str:
    """The language to show the instrument's texts in: ?taal=en, else the page's own."""
    codes = dict(settings.LANGUAGES)
    asked = request.GET.get("taal", "")
    if asked in codes:
        return asked
    return translation.language_of()


def _others(instrument: Instrument, language: str) -> list[tuple[str, str]]:
    """(code, name) of the languages this instrument also reads in: its own and its translations."""
    names = dict(settings.LANGUAGES)
    has = [instrument.language, *instrument.translations]
    return [(code, names[code]) for code in names if code in has and code != language]

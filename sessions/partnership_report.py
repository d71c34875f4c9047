"""The partnership PDF: every session, each theme's line over time, and every agreement.

Drawn like the session report (report.py: the same stylesheet, fetcher and PDF/UA output), from
the same overview as the partnership's page, in the language of its latest session.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import slugify

from . import partnerships, report
from .models import Partnership


def language_of(overview: partnerships.Overview) -> str:
    return overview.last.language if overview.last else "nl"


def render_html(partnership: Partnership) -> str:
    overview = partnerships.overview(partnership)
    language = language_of(overview)
    with translation.override(language):
        return render_to_string(
            "sessions/pdf/partnership.html",
            {
                "overview": overview,
                "partnership": partnership,
                "language": language,
                "date": timezone.localdate(),
                "css_url": report.css_url(),
            },
        )


def render_pdf(partnership: Partnership) -> bytes:
    return report.html_to_pdf(render_html(partnership))


def filename(partnership: Partnership) -> str:
    stem = slugify(partnership.name)[:60].strip("-") or "verband"
    return f"samenwerkingsverband-{stem}-{timezone.localdate().isoformat()}.pdf"

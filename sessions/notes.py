"""Notes per theme, kept by the facilitator or a co-writer while the group talks.

One note per theme (the unique constraint on session and theme). Two devices may write the same
theme's note: each save replaces the whole text, so the later save wins. That is on purpose:
merging half-typed sentences would garble both, and a co-writer usually takes a theme of its own.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from instruments.translation import text as translated
from reflectie.free_text import clean_text

from . import lifecycle
from .errors import Invalid
from .models import Session, ThemeNote

MAX_NOTE = 5000


def by_theme(session_id: int) -> dict[int, str]:
    """Theme id → its note, for themes with something written."""
    return {
        theme_id: text
        for theme_id, text in ThemeNote.objects.filter(session_id=session_id)
        .exclude(text="")
        .values_list("theme_id", "text")
    }


def save(session: Session, theme_id: int, text: str) -> ThemeNote:
    """Store the whole note of one theme; an empty text keeps an empty row (its time of saving).

    Refused, with nothing stored: a theme of another instrument, a text that is too long or
    holds an invisible control character.
    """
    if not session.instrument.themes.filter(pk=theme_id).exists():
        raise Invalid(_("Dit thema hoort niet bij deze sessie."))
    if not isinstance(text, str):
        raise Invalid(_("Stuur de aantekeningen als één tekst."))
    text = clean_text(text, multiline=True, label=_("Aantekeningen"), error=Invalid)
    if len(text) > MAX_NOTE:
        raise Invalid(
            _("De aantekeningen zijn te lang: hooguit %(max)s tekens (nu %(count)s).")
            % {"max": MAX_NOTE, "count": len(text)}
        )
    with transaction.atomic():
        note, _created = ThemeNote.objects.update_or_create(
            session=session, theme_id=theme_id, defaults={"text": text}
        )
        # Screens that show notes (the projector in a conversation) follow; phones do not.
        lifecycle.touch(session.pk)
    return note


def editors(session: Session) -> list[dict]:
    """Each theme of the session's instrument with its stored note, for the editors (the
    dashboard's and the co-writer's): id, title, background, text and when it was saved."""
    stored = {note.theme_id: note for note in ThemeNote.objects.filter(session=session)}
    themes = []
    for theme in session.instrument.themes.all():
        note = stored.get(theme.pk)
        themes.append(
            {
                "id": theme.pk,
                "title": translated(theme, "title", theme.title),
                "background_title": translated(theme, "background_title", theme.background_title),
                "background": translated(theme, "background", theme.background),
                "text": note.text if note else "",
                "saved_at": timezone.localtime(note.updated_at) if note else None,
            }
        )
    return themes


def editors_by_theme(session: Session) -> dict[int, dict]:
    """The same by theme id: the dashboard puts each editor under its own theme's block."""
    return {theme["id"]: theme for theme in editors(session)}

"""Create a session and move it through its phases; the facilitator sets the pace.

lobby → review (when the partnership met before) → scoring → discussion → priorities → follow-up
→ closed. The facilitator may go back and forth; only "closed" is final.
"""

from collections.abc import Iterable

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from instruments.models import Instrument, Theme
from reflectie.free_text import clean_text

from . import codes, notify
from .errors import Conflict, Invalid
from .models import Partnership, Session

Phase = Session.Phase


def create_session(
    facilitator,
    instrument: Instrument,
    *,
    title: str,
    partnership_name: str = "",
    partnership: Partnership | None = None,
    scoring_mode: str = Session.Mode.THEME,
    language: str = "nl",
    conversation_only: bool = False,
) -> Session:
    """A new session in the lobby. The partnership is given (the caller checked that the
    facilitator owns it or is a member), or found by name (partnership_for_name)."""
    title = clean_text(title, label=_("Titel van de sessie"), error=Invalid)
    if partnership is None:
        partnership_name = clean_text(
            partnership_name, label=_("Samenwerkingsverband"), error=Invalid
        )
    if not title or (partnership is None and not partnership_name):
        raise Invalid(_("Geef de sessie een titel en een samenwerkingsverband."))
    if scoring_mode not in Session.Mode.values:
        raise Invalid(_("Onbekende manier van scoren."))
    if partnership is None:
        partnership = partnership_for_name(facilitator, partnership_name)
    for _attempt in range(20):
        code = codes.new_code()
        if Session.objects.filter(code=code).exclude(phase=Phase.CLOSED).exists():
            continue
        try:
            with transaction.atomic():
                return Session.objects.create(
                    instrument=instrument,
                    facilitator=facilitator,
                    partnership=partnership,
                    title=title,
                    code=code,
                    scoring_mode=scoring_mode,
                    language=language,
                    conversation_only=conversation_only,
                    current_theme=first_scored_theme(instrument),
                    duration_minutes=instrument.duration_minutes,
                    followup_minutes=instrument.followup_minutes,
                )
        except IntegrityError:  # pragma: no cover - a race on the same code; try another
            continue
    raise Conflict(_("Er kon geen vrije code worden gemaakt. Probeer het opnieuw."))


def partnership_for_name(facilitator, name: str) -> Partnership:
    """The facilitator's own partnership of this name, else a shared one they are a member of
    (the oldest, should two owners use the name), else a new one of their own."""
    own = Partnership.objects.filter(owner=facilitator, name=name).first()
    if own is not None:
        return own
    shared = Partnership.objects.filter(name=name, members__user=facilitator).order_by("pk").first()
    if shared is not None:
        return shared
    partnership, _created = Partnership.objects.get_or_create(owner=facilitator, name=name)
    return partnership


def first_scored_theme(instrument: Instrument) -> Theme | None:
    return instrument.themes.filter(items__kind__in=("statement", "priority", "balance")).first()


def open_themes(session: Session, theme_ids: Iterable[int] | None = None) -> list[int]:
    """Ids of the themes whose items phones may answer right now.

    ``theme_ids`` are all the instrument's themes, for a caller that has them already (the
    results read them from the cached structure); otherwise they are looked up when needed.
    """
    if session.phase != Phase.SCORING:
        return []
    if session.scoring_mode == Session.Mode.ALL:
        if theme_ids is None:
            theme_ids = session.instrument.themes.values_list("pk", flat=True)
        return list(theme_ids)
    return [session.current_theme_id] if session.current_theme_id else []


def set_phase(session: Session, phase: str) -> Session:
    if phase not in Phase.values:
        raise Invalid(_("Onbekende fase."))
    if session.is_closed:
        raise Conflict(_("Deze sessie is afgesloten."))
    # A new phase starts the projector on its first page, without a spotlight left over.
    fields = {"phase": phase, "projector_page": 0, "spotlight": {}}
    if phase == Phase.CLOSED:
        fields["closed_at"] = timezone.now()
    return change(session, **fields)


def set_scoring_mode(session: Session, mode: str) -> Session:
    if mode not in Session.Mode.values:
        raise Invalid(_("Onbekende manier van scoren."))
    return change(session, scoring_mode=mode, projector_page=0)


def open_round(session: Session, theme_id: int) -> Session:
    """Open one theme for scoring (and go to the scoring phase)."""
    theme = session.instrument.themes.filter(pk=theme_id).first()
    if theme is None:
        raise Invalid(_("Dit thema hoort niet bij deze sessie."))
    if session.is_closed:
        raise Conflict(_("Deze sessie is afgesloten."))
    session.current_theme, session.phase, session.scoring_mode = theme, Phase.SCORING, "theme"
    page = _projector_page(session, theme.pk)  # the projector follows to the new round
    return change(
        session, current_theme=theme, phase=Phase.SCORING, scoring_mode="theme", projector_page=page
    )


def set_locked(session: Session, locked: bool) -> Session:
    # Phones look the same whether the room is locked or not, so they are not told.
    return change(session, phones=False, locked=locked)


def set_revealed(session: Session, theme_id: int, shown: bool) -> Session:
    if not session.instrument.themes.filter(pk=theme_id).exists():
        raise Invalid(_("Dit thema hoort niet bij deze sessie."))
    revealed = [t for t in session.revealed_theme_ids if t != theme_id]
    if shown:
        revealed.append(theme_id)
    session.revealed_theme_ids = revealed
    follow = {"projector_page": _projector_page(session, theme_id)} if shown else {}
    # The projector shows it (and goes to it); phones do not change, so they are not told.
    return change(session, phones=False, revealed_theme_ids=revealed, **follow)


def _projector_page(session: Session, theme_id: int) -> int:
    from . import projector_pages  # it reads results, which import this module

    return projector_pages.theme_page(session, theme_id)


def change(session: Session, *, phones: bool = True, **fields) -> Session:
    """Store a change to the session row, bump the versions and tell the screens (and phones)."""
    with transaction.atomic():
        for name, value in fields.items():
            setattr(session, name, value)
        touch(session.pk, phones=phones, **fields)
        session.refresh_from_db(fields=["version", "phase_version"])
    return session


def touch(session_id: int, *, phones: bool = False, **fields) -> None:
    """The one path for every change that screens or phones must see.

    Bumps ``version`` (screens compare it on their slow tick, so a lost notice is repaired) and,
    when phones show the change, ``phase_version`` too (phones poll it); then notifies after
    commit. Call it inside the transaction that stores the change; on its own (autocommit) the
    one UPDATE is committed before the notice goes out. No savepoint of its own: it runs on
    every tap.
    """
    Session.objects.filter(pk=session_id).update(
        version=F("version") + 1,
        phase_version=F("phase_version") + (1 if phones else 0),
        **fields,
    )
    notify.session_changed(session_id, phones=phones)


# An answer changed: the version goes up and the answer's stamp is that new version (tallies.py).
# In SQL every right-hand side reads the row as it was, so both become version + 1.
_ANSWERED = "UPDATE live_session SET version = version + 1, stamped = version + 1 WHERE id = %s"


def touch_answered(session_id: int) -> None:
    """``touch`` for a changed answer, the commonest change of all, as one fixed statement (the
    ORM's UPDATE cost a tenth of a tap to build). Phones are not told: answers do not change
    what they show."""
    with connection.cursor() as cursor:
        cursor.execute(_ANSWERED, [session_id])
    notify.session_changed(session_id)

"""Store what a phone answers: scores on statements, picks in priority votes and the pairs of
a balance item ("halen en brengen").

Each answer is an upsert of one row per (participant, item), so a retried POST changes nothing.
A request that is wrong in any part stores nothing at all.
"""

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from instruments.models import Item

from . import lifecycle, results, tallies
from .errors import Invalid, NotAllowed
from .models import BalanceAnswer, Participant, PriorityChoice, Response, Session

DONT_KNOW = "dk"
SESSION_VOTE_MAX = 3


def parse_value(session: Session, raw) -> int | None:
    """A score on the instrument's scale, or None for "weet ik niet"."""
    instrument = session.instrument
    raw = str(raw).strip()
    if raw == DONT_KNOW and instrument.dont_know_label:
        return None
    if raw.isascii() and raw.isdigit() and instrument.scale_min <= int(raw) <= instrument.scale_max:
        return int(raw)
    raise Invalid(
        _("Kies een score van %(low)s tot en met %(high)s.")
        % {"low": instrument.scale_min, "high": instrument.scale_max}
    )


def refuse_in_conversation(session: Session) -> None:
    """A session of only the conversation takes no scores, picks or pairs from phones."""
    if session.conversation_only:
        raise NotAllowed(_("Vandaag geen scores: we praten met elkaar."))


def answer_many(participant: Participant, answers: dict[int, str]) -> int:
    """Store several scores at once (the form without JavaScript). Returns how many changed.

    The hot path of a session: the statements and open themes come from the cached instrument
    structure, and each answer is one upsert that says whether it changed anything.
    """
    session = participant.session
    refuse_in_conversation(session)
    if not answers:
        raise Invalid(_("Er is geen antwoord meegestuurd."))
    themes = _statement_themes(session)
    if any(item_id not in themes for item_id in answers):
        raise Invalid(_("Deze stelling hoort niet bij deze sessie."))
    values = {item_id: parse_value(session, raw) for item_id, raw in answers.items()}
    open_ids = set(lifecycle.open_themes(session, set(themes.values())))
    if any(themes[item_id] not in open_ids for item_id in answers):
        raise NotAllowed(_("Deze ronde is gesloten: antwoorden kunnen niet meer veranderen."))

    # Three queries for a tap: the participant (the view's), this upsert and the touch. The
    # tallies count the stamped answer when the screens next read (tallies.publish).
    with transaction.atomic():
        changed = [
            item_id
            for item_id, value in values.items()
            if _upsert(session.pk, participant.pk, item_id, value)
        ]
        if changed:
            lifecycle.touch_answered(session.pk)
    return len(changed)


def answer(participant: Participant, item_id: int, raw_value: str) -> bool:
    """Store one score; True when it changed anything."""
    return answer_many(participant, {item_id: raw_value}) > 0


def _statement_themes(session: Session) -> dict[int, int]:
    """{statement id: theme id} of the session's instrument, from the cached structure."""
    return {
        item.id: theme.id
        for theme in results.instrument_structure(session.instrument)
        for item in theme.items
        if item.kind == Item.Kind.STATEMENT
    }


# One statement on both databases; they only name "differs, counting NULL as a value" apart.
# The stamp is the version this change's touch() will give the session (tallies.py).
_UPSERT = (
    "INSERT INTO live_response (session_id, participant_id, item_id, value, updated_at, seq) "
    "VALUES (%s, %s, %s, %s, %s, (SELECT version + 1 FROM live_session WHERE id = %s)) "
    "ON CONFLICT (participant_id, item_id) DO UPDATE "
    "SET value = excluded.value, updated_at = excluded.updated_at, seq = excluded.seq "
    "WHERE live_response.value {differs} excluded.value "
    "RETURNING id"
)
UPSERT_POSTGRES = _UPSERT.replace("{differs}", "IS DISTINCT FROM")
UPSERT_SQLITE = _UPSERT.replace("{differs}", "IS NOT")


def _upsert(session_id: int, participant_id: int, item_id: int, value: int | None) -> bool:
    """Insert or change one answer in one statement; True when a row was written.

    The unique (participant, item) constraint makes a repeated or concurrent tap one row; the
    WHERE leaves an unchanged value alone, so RETURNING names only a real change.
    """
    sql = UPSERT_POSTGRES if connection.vendor == "postgresql" else UPSERT_SQLITE
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(sql, [session_id, participant_id, item_id, value, now, session_id])
        return cursor.fetchone() is not None


def answers_of(participant: Participant) -> dict[int, int | None]:
    """The participant's own answers, to show their choices again when they come back."""
    return dict(Response.objects.filter(participant=participant).values_list("item_id", "value"))


# Priority votes ---------------------------------------------------------------------------------


def session_vote_options(session: Session) -> list[tuple[str, str]]:
    """What the session-wide priority vote offers (results.vote_options), as (key, title)."""
    return results.vote_options(results.instrument_structure(session.instrument))


def priority_item(session: Session, item_id: int) -> Item | None:
    """A priority question of this session's instrument; None for any other item."""
    return Item.objects.filter(
        pk=item_id, theme__instrument_id=session.instrument_id, kind=Item.Kind.PRIORITY
    ).first()


def choose(participant: Participant, item_id: int | None, options: list[str]) -> bool:
    """Replace the participant's picks in one vote; True when anything changed.

    item_id None is the session's own vote on which themes need attention (priorities phase);
    otherwise a priority item of the instrument, answerable while its round is open.
    """
    session = participant.session
    refuse_in_conversation(session)
    picked = list(dict.fromkeys(options))  # keep order, drop repeats
    if item_id is None:
        if session.phase != Session.Phase.PRIORITIES:
            raise NotAllowed(_("Kiezen kan als de gespreksleider de prioriteiten opent."))
        allowed, maximum = {key for key, _label in session_vote_options(session)}, SESSION_VOTE_MAX
    else:
        item = priority_item(session, item_id)
        if item is None:
            raise Invalid(_("Deze keuzevraag hoort niet bij deze sessie."))
        if item.theme_id not in lifecycle.open_themes(session):
            raise NotAllowed(_("Deze ronde is gesloten: antwoorden kunnen niet meer veranderen."))
        allowed, maximum = {key for key, _label in item.choices}, item.max_choices
    if not set(picked) <= allowed:
        raise Invalid(_("Die keuze bestaat niet."))
    if len(picked) > maximum:
        raise Invalid(_("Kies er maximaal %(max)s.") % {"max": maximum})

    with transaction.atomic():
        current = PriorityChoice.objects.filter(participant=participant, item_id=item_id)
        if set(current.values_list("option", flat=True)) == set(picked):
            return False
        current.delete()
        PriorityChoice.objects.bulk_create(
            PriorityChoice(session=session, participant=participant, item_id=item_id, option=o)
            for o in picked
        )
        tallies.record(session.pk, item_id, [participant.pk])
        lifecycle.touch(session.pk)
    return True


def choices_of(participant: Participant) -> dict[int | None, set[str]]:
    picks: dict[int | None, set[str]] = {}
    for item_id, option in PriorityChoice.objects.filter(participant=participant).values_list(
        "item_id", "option"
    ):
        picks.setdefault(item_id, set()).add(option)
    return picks


# Halen en brengen -------------------------------------------------------------------------------


def balance_item(session: Session, item_id: int) -> Item | None:
    """A balance item of this session's instrument; None for any other item."""
    return Item.objects.filter(
        pk=item_id, theme__instrument_id=session.instrument_id, kind=Item.Kind.BALANCE
    ).first()


def _balance_score(session: Session, raw) -> int:
    """One side of a pair: a score on the instrument's scale ("weet ik niet" is not offered)."""
    instrument = session.instrument
    raw = "" if raw is None else str(raw).strip()
    if raw.isascii() and raw.isdigit() and instrument.scale_min <= int(raw) <= instrument.scale_max:
        return int(raw)
    raise Invalid(
        _("Kies bij brengen en bij halen een score van %(low)s tot en met %(high)s.")
        % {"low": instrument.scale_min, "high": instrument.scale_max}
    )


def answer_balance(participant: Participant, item_id: int, brings, gets) -> bool:
    """Store what the participant's organisation brings and gets; True when it changed anything.

    Both scores are required: a pair with one side is no answer, and nothing is stored. The
    change is listed for the tallies (``tallies.record``), which show the pairs only in steps.
    """
    session = participant.session
    refuse_in_conversation(session)
    item = balance_item(session, item_id)
    if item is None:
        raise Invalid(_("Deze vraag hoort niet bij deze sessie."))
    if brings in (None, "") or gets in (None, ""):
        raise Invalid(_("Kies een score bij wat jouw organisatie brengt én bij wat ze haalt."))
    pair = _balance_score(session, brings), _balance_score(session, gets)
    if item.theme_id not in lifecycle.open_themes(session):
        raise NotAllowed(_("Deze ronde is gesloten: antwoorden kunnen niet meer veranderen."))

    current = (
        BalanceAnswer.objects.filter(participant=participant, item=item)
        .values_list("brings", "gets")
        .first()
    )
    if current == pair:  # a retried POST
        return False
    with transaction.atomic():
        # One upsert, so two taps at once are one row (the unique participant and item).
        BalanceAnswer.objects.bulk_create(
            [
                BalanceAnswer(
                    session=session, participant=participant, item=item, brings=pair[0],
                    gets=pair[1], updated_at=timezone.now(),
                )
            ],
            update_conflicts=True,
            unique_fields=["participant", "item"],
            update_fields=["brings", "gets", "updated_at"],
        )  # fmt: skip
        tallies.record(session.pk, item.pk, [participant.pk])
        lifecycle.touch(session.pk)
    return True


def balances_of(participant: Participant) -> dict[int, tuple[int, int]]:
    """The participant's own pairs {item id: (brings, gets)}, to show them again."""
    return {
        item_id: (brings, gets)
        for item_id, brings, gets in BalanceAnswer.objects.filter(
            participant=participant
        ).values_list("item_id", "brings", "gets")
    }

"""Follow-up agreements as a calendar file (iCalendar, RFC 5545), for the facilitator and phones.

Every filled date field of an agreement becomes one all-day event; which fields are dates is the
sheet's data (``kind: "date"``), so another sheet's dates work too. The file is written by the
``icalendar`` library, in the session's language, like the report.

An event's UID is made of the agreement and its field, never of this machine's name, so a file
downloaded again updates the events a calendar already has instead of doubling them.
"""

from __future__ import annotations

from datetime import UTC, date, timedelta

from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy
from icalendar import Calendar, Event

from . import agreements
from .agreements import AgreementView, FieldValue
from .errors import Conflict, NotFound
from .models import Agreement, Session

PRODID = "-//Reflectie//Afspraken//NL"
#: Fixed, not this machine's host name: the same agreement gets the same UID on every download.
UID_DOMAIN = "afspraken.reflectie.invalid"
#: Calendars show a title on one line: a long action is cut there and given whole below.
SUMMARY_LENGTH = 120

# What an event of the shipped sheets' date fields is called; other date fields use their label.
EVENT_WORDS = {
    "due": pgettext_lazy("agenda", "Klaar"),
    "review": pgettext_lazy("agenda", "Terugkijken"),
}
# The field an agreement is named by, on every shipped sheet.
ACTION_KEY = "action"


def session_calendar(session: Session) -> bytes:
    """Every dated agreement of the session; Conflict when none has a date."""
    with translation.override(session.language):
        stored = list(Agreement.objects.filter(session=session))
        views = agreements.views(session, stored)
        events = [e for a, v in zip(stored, views, strict=True) for e in _events(session, a, v)]
        if not events:
            raise Conflict(
                _("Er is nog geen afspraak met een datum, dus niets om in je agenda te zetten.")
            )
        return _calendar(session, events)


def agreement_calendar(session: Session, agreement_id: int) -> bytes:
    """One agreement's dates; NotFound for another session's agreement, Conflict without dates."""
    with translation.override(session.language):
        agreement = _agreement(session, agreement_id)
        (view,) = agreements.views(session, [agreement])
        events = _events(session, agreement, view)
        if not events:
            raise Conflict(
                _("Deze afspraak heeft geen datum, dus niets om in je agenda te zetten.")
            )
        return _calendar(session, events)


def filename(session: Session, agreement_id: int | None = None) -> str:
    """afspraken-<title>-<day>.ics, or afspraak-<n>-<title>-<day>.ics for one; ASCII only."""
    with translation.override(session.language):
        stem = slugify(session.title)[:60].strip("-") or slugify(pgettext("bestandsnaam", "sessie"))
        if agreement_id is None:
            word = slugify(pgettext("bestandsnaam", "afspraken"))
        else:
            word = f"{slugify(_('afspraak'))}-{_number(session, agreement_id)}"
    day = timezone.localtime(session.created_at).date().isoformat()
    return f"{word}-{stem}-{day}.ics"


# Building ---------------------------------------------------------------------------------------


def _calendar(session: Session, events: list[Event]) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", session.title)
    for event in events:
        calendar.add_component(event)
    return calendar.to_ical()


def _events(session: Session, agreement: Agreement, view: AgreementView) -> list[Event]:
    return [
        _event(session, agreement, view, value)
        for value in view.dates
        if _day(value.value) is not None
    ]


def _event(session: Session, agreement: Agreement, view: AgreementView, when: FieldValue) -> Event:
    day = _day(when.value)
    action = _action(view)
    short = _shorten(action, SUMMARY_LENGTH)
    event = Event()
    event.add("uid", _uid(agreement, when.key))
    # Without a METHOD, DTSTAMP is when the information last changed (RFC 5545, 3.8.7.2): the
    # agreement's last edit, so a calendar takes an edited agreement as the newer version.
    changed = agreement.updated_at.astimezone(UTC)
    event.add("dtstamp", changed)
    event.add("last-modified", changed)
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))  # all day: the end is the next day, exclusive
    event.add("transp", "TRANSPARENT")  # a reminder, not a meeting that makes you busy
    event.add("summary", _line(_event_word(when), short) if short else _event_word(when))
    event.add("description", _description(session, view, when, full_action=short != action))
    return event


def _description(session: Session, view: AgreementView, when: FieldValue, *, full_action: bool):
    """The agreement's other filled fields, then the session it was made in."""
    lines = [
        _line(value.label, value.display)
        for value in view.filled
        if value.key != when.key and (full_action or value.key != _action_field(view))
    ]
    lines += ["", _line(_("Sessie"), session.title)]
    lines.append(_line(_("Samenwerkingsverband"), session.partnership.name))
    return "\n".join(lines).strip("\n")


def _line(label: str, value: str) -> str:
    # The sheet's labels are questions ("Wie is eigenaar?"): a colon after them reads oddly.
    label = str(label)
    return f"{label} {value}" if label.endswith(("?", ":")) else f"{label}: {value}"


def _event_word(when: FieldValue) -> str:
    return str(EVENT_WORDS.get(when.key, when.label))


def _action_field(view: AgreementView) -> str:
    """The field that names the agreement: "action", or else its first filled text field."""
    keys = [v.key for v in view.filled]
    if ACTION_KEY in keys:
        return ACTION_KEY
    return next((v.key for v in view.filled if v.kind in ("text", "longtext")), "")


def _action(view: AgreementView) -> str:
    key = _action_field(view)
    return " ".join(view.get(key).split()) if key else ""


def _uid(agreement: Agreement, key: str) -> str:
    # The creation time keeps two installations' agreement 1 apart in one calendar.
    made = agreement.created_at.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return f"afspraak-{agreement.pk}-{made}-{slugify(key) or 'datum'}@{UID_DOMAIN}"


# Reading ----------------------------------------------------------------------------------------


def _agreement(session: Session, agreement_id) -> Agreement:
    agreement = Agreement.objects.filter(session=session, pk=agreement_id).first()
    if agreement is None:
        raise NotFound(_("Deze afspraak bestaat niet (meer)."))
    return agreement


def _number(session: Session, agreement_id: int) -> int:
    """The agreement's place in the list, as the pages number it (1, 2, …)."""
    order = list(Agreement.objects.filter(session=session).values_list("pk", flat=True))
    return order.index(agreement_id) + 1 if agreement_id in order else 0


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:  # stored before the sheet called it a date: not an event
        return None


def _shorten(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"

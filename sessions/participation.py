"""Joining a session with a code, without an account.

The server gives a phone a fresh random token each time it joins a session, in a cookie of that
session's code; only its SHA-256 is stored. A token the phone brings is never adopted for a new
participant: a value planted in a browser beforehand matches no one and is replaced, so whoever
planted it cannot follow the phone into the session (fixation). A fresh token per session means
the same phone's rows in two sessions have unrelated hashes (no linking). The same phone coming
back to the same session finds its participant (and its answers) again; a guessed or forged
token finds nothing.

Guessing codes and flooding a room are throttled per address (docs/room-access.md).
"""

import math
import secrets
import time
from collections.abc import Mapping

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from instruments import partner_types
from reflectie import attempts

from . import codes, lifecycle, phone_lookup, tallies
from .errors import NotAllowed, NotFound, Refused
from .models import Participant, Session
from .tokens import digest

# One cookie per join code: "reflectie_ABCDEF". Its path is "/" because the phone page, its
# socket and the report live under other paths than the join page.
COOKIE_PREFIX = "reflectie_"
# Long enough to come back after the session for the report (a phone's report link works once
# the facilitator closes the session, often the same day, sometimes days later), short enough
# that a forgotten cookie does not outlive its use. The data itself goes after RETENTION_DAYS.
COOKIE_MAX_AGE = 60 * 60 * 24 * 7
# The cookie a phone carried before tokens were per session: removed when it joins.
LEGACY_COOKIE = "reflectie_device"

# Wrong codes per address (docs/room-access.md has the arithmetic). A school's phones share one
# address: 300 phones with 30 typos, each tried three times, make 90 in an hour. The right code
# is refused only above these, because a blocked address must learn nothing about codes.
WRONG_CODES_PER_HOUR = 150
WRONG_CODES_PER_DAY = 500
HOUR = 60 * 60
DAY = 24 * HOUR

# New participants per address and session, as a token bucket: JOIN_BURST at once, then
# JOIN_RATE a second (180 a minute). 300 phones coming in over 90 seconds never wait; a script
# adding hundreds in seconds is stopped after JOIN_BURST.
# Settings, so a venue with a thousand phones behind one address can raise them.
JOIN_BURST = settings.JOIN_BURST
JOIN_RATE = settings.JOINS_PER_MINUTE / 60

# The dashboard warns when more than this many phones joined in about the last minute (counted
# in RECENT_SLOT-second slots), or when the join limit refused one in the last REFUSED_WINDOW.
FAST_JOINS = 100
RECENT_SLOT = 10
RECENT_SLOTS = 6
REFUSED_WINDOW = 10 * 60

#: The clock the join limit reads; tests move it.
clock = time.time


class TooMany(Refused):
    status = 429


def new_token() -> str:
    return secrets.token_urlsafe(24)


def valid_token(token: str | None) -> bool:
    return (
        bool(token) and 20 <= len(token) <= 64 and token.replace("-", "").replace("_", "").isalnum()
    )


# The device cookie -----------------------------------------------------------------------------


def cookie_name(raw_code: str) -> str | None:
    """The name of the cookie that holds this device's token for this code; None for no code."""
    code = codes.normalize(raw_code or "")
    return None if code is None else COOKIE_PREFIX + code


def device_token(cookies: Mapping[str, str], raw_code: str) -> str | None:
    """The token this device sent for this code (views pass request.COOKIES, sockets the
    scope's cookies); None when it sent none."""
    name = cookie_name(raw_code)
    return cookies.get(name) if name else None


# Which participant this device is --------------------------------------------------------------


def find_open_session(raw_code: str) -> Session | None:
    code = codes.normalize(raw_code or "")
    if code is None:
        return None
    return (
        Session.objects.select_related("instrument")
        .filter(code=code)
        .exclude(phase=Session.Phase.CLOSED)
        .first()
    )


def participant_for(session: Session, token: str | None) -> Participant | None:
    if not valid_token(token):
        return None
    return Participant.objects.filter(session=session, token_hash=digest(token)).first()


def device_participant(raw_code: str, token: str | None) -> Participant | None:
    """This device's participant in the newest session with this code, closed ones included.

    Codes are reused once a session closes, so the device decides which session is meant.
    """
    code = codes.normalize(raw_code or "")
    if code is None or not valid_token(token):
        return None
    return (
        Participant.objects.select_related("session__instrument")
        .filter(session__code=code, token_hash=digest(token))
        .order_by("-session__created_at", "-session__pk")
        .first()
    )


def phone_participant(
    raw_code: str, token: str | None, *, lean: bool = False
) -> Participant | None:
    """The participant whose phone page this is, or None (then the device should join first).

    A closed session keeps showing its thank-you page, unless its code has been given to a new
    session since: then this device is sent to join that one. ``lean`` reads it with the fixed
    statement of phone_lookup, for the requests a phone makes many times (taps, polls).
    """
    if lean:
        code = codes.normalize(raw_code or "")
        if code is None or not valid_token(token):
            return None
        participant = phone_lookup.find(code, digest(token))
    else:
        participant = device_participant(raw_code, token)
    if (
        participant is not None
        and participant.session.is_closed
        and find_open_session(raw_code) is not None
    ):
        return None
    return participant


# Joining ---------------------------------------------------------------------------------------


def check_open_to_newcomers(session: Session) -> None:
    """A phone that has not joined yet may join, unless the facilitator locked the room."""
    if session.locked:
        raise NotAllowed(_("De gespreksleider heeft de sessie gesloten voor nieuwe deelnemers."))


def join(
    session: Session, token: str | None, *, partner_type: str = "", address: str | None = None
) -> tuple[Participant, str, bool]:
    """Join or resume. Returns (participant, token to keep in the cookie, created).

    ``token`` only resumes: a new participant always gets a new token from the server.
    ``address`` is the phone's network address, for the join limit; None (the demo command,
    tests) is not limited.
    """
    if session.is_closed:
        raise NotFound(_("Deze sessie is afgesloten."))
    existing = participant_for(session, token)
    if existing is not None:
        return existing, token, False
    check_open_to_newcomers(session)
    if not partner_types.valid(session.instrument, partner_type):
        partner_type = ""
    if address is not None:
        check_join_rate(session, address)
    token = new_token()
    with transaction.atomic():
        participant = Participant.objects.create(
            session=session, token_hash=digest(token), partner_type=partner_type
        )
        # Counted before the commit's notice, so the dashboard's render sees this join.
        _count_join(session.pk)
        lifecycle.touch(session.pk)
    return participant, token, True


def update_profile(participant: Participant, *, partner_type: str) -> None:
    """The profile is the partner type only; empty is "zeg ik liever niet"."""
    if not partner_types.valid(participant.session.instrument, partner_type):
        partner_type = ""
    if partner_type == participant.partner_type:
        return
    participant.partner_type = partner_type
    with transaction.atomic():
        participant.save(update_fields=["partner_type"])
        # The participant's answers move to another group of the breakdown, in a step.
        tallies.partner_type_changed(participant)
        lifecycle.touch(participant.session_id)


# Wrong codes -----------------------------------------------------------------------------------


def _failure_keys(address: str) -> tuple[tuple[str, int, int], ...]:
    """(cache key, window, limit) of each count of wrong codes from this address."""
    return (
        (f"join-failures:hour:{address}", HOUR, WRONG_CODES_PER_HOUR),
        (f"join-failures:day:{address}", DAY, WRONG_CODES_PER_DAY),
    )


def _blocked_for(address: str) -> int | None:
    """The window (HOUR or DAY) whose limit this address has reached, or None."""
    for key, window, limit in _failure_keys(address):
        if attempts.failures(key) >= limit:
            return window
    return None


def too_many_failures(address: str) -> bool:
    return _blocked_for(address) is not None


def check_not_blocked(address: str) -> None:
    """Refuse (429) an address with too many wrong codes, before any lookup: the answer must
    not tell a blocked guesser whether a code exists."""
    window = _blocked_for(address)
    if window == HOUR:
        raise TooMany(
            _(
                "Vanaf dit netwerk zijn te veel onjuiste codes geprobeerd. "
                "Wacht een uur en probeer het dan opnieuw."
            )
        )
    if window == DAY:
        raise TooMany(
            _(
                "Vanaf dit netwerk zijn vandaag te veel onjuiste codes geprobeerd. "
                "Probeer het morgen opnieuw."
            )
        )


def record_failure(address: str) -> None:
    for key, window, _limit in _failure_keys(address):
        attempts.record_failure(key, window)


# Joins per address, and what the dashboard is told -------------------------------------------


def check_join_rate(session: Session, address: str) -> None:
    """Refuse (429) a new participant beyond the join limit of this address in this session."""
    key = f"join-rate:{session.pk}:{address}"
    if attempts.take(key, capacity=JOIN_BURST, per_second=JOIN_RATE, now=clock()):
        return
    if attempts.record_failure(_refused_key(session.pk), REFUSED_WINDOW) == 1:
        # The first refusal in a while re-renders the dashboard, whose notice says so. Only the
        # first: a flood must not turn into a write per request.
        lifecycle.touch(session.pk)
    raise TooMany(
        _(
            "Er komen net heel veel telefoons tegelijk binnen. "
            "Wacht even en probeer het dan opnieuw."
        )
    )


def _refused_key(session_id: int) -> str:
    return f"join-refused:{session_id}"


def _slot_key(session_id: int, slot: int) -> str:
    return f"joins:{session_id}:{slot}"


def _count_join(session_id: int) -> None:
    slot = math.floor(clock() / RECENT_SLOT)
    attempts.record_failure(_slot_key(session_id, slot), RECENT_SLOT * (RECENT_SLOTS + 1))


def room_activity(session_id: int) -> dict:
    """For the dashboard: joins in about the last minute, refused joins, and whether that is
    unusual enough to tell the facilitator. One cache read, no query."""
    slot = math.floor(clock() / RECENT_SLOT)
    keys = [_slot_key(session_id, slot - n) for n in range(RECENT_SLOTS)]
    refused_key = _refused_key(session_id)
    found = cache.get_many([*keys, refused_key])
    recent = sum(found.get(key, 0) for key in keys)
    refused = found.get(refused_key, 0)
    busy = recent > FAST_JOINS
    return {
        "recent_joins": recent,
        "busy": busy,
        "refused_joins": refused,
        "warn": busy or refused > 0,
    }

"""Joining a session with a code, without an account.

A phone carries a random device token in a cookie; only its SHA-256 is stored. The same phone
coming back finds its participant (and its answers) again. A guessed or forged token finds nothing.
"""

import secrets

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from reflectie import attempts
from reflectie.free_text import clean_text

from . import codes, lifecycle
from .errors import Invalid, NotAllowed, NotFound
from .models import Participant, Session
from .tokens import digest

COOKIE = "reflectie_device"
COOKIE_MAX_AGE = 60 * 60 * 24 * 180
# Failed code attempts per address before it has to wait. A school shares one address, so this
# allows many typos; against 31^6 possible codes it is still far too few to guess one.
MAX_FAILURES = 30
FAILURE_WINDOW = 10 * 60
#: Longest name: the field on the phone holds this many characters.
MAX_NAME = 80


def new_token() -> str:
    return secrets.token_urlsafe(24)


def valid_token(token: str | None) -> bool:
    return (
        bool(token) and 20 <= len(token) <= 64 and token.replace("-", "").replace("_", "").isalnum()
    )


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


def phone_participant(raw_code: str, token: str | None) -> Participant | None:
    """The participant whose phone page this is, or None (then the device should join first).

    A closed session keeps showing its thank-you page, unless its code has been given to a new
    session since: then this device is sent to join that one.
    """
    participant = device_participant(raw_code, token)
    if (
        participant is not None
        and participant.session.is_closed
        and find_open_session(raw_code) is not None
    ):
        return None
    return participant


def check_open_to_newcomers(session: Session) -> None:
    """A phone that has not joined yet may join, unless the facilitator locked the room."""
    if session.locked:
        raise NotAllowed(_("De gespreksleider heeft de sessie gesloten voor nieuwe deelnemers."))


def join(
    session: Session, token: str | None, *, name: str = "", partner_type: str = ""
) -> tuple[Participant, str, bool]:
    """Join or resume. Returns (participant, token to keep in the cookie, created)."""
    if session.is_closed:
        raise NotFound(_("Deze sessie is afgesloten."))
    existing = participant_for(session, token)
    if existing is not None:
        return existing, token, False
    check_open_to_newcomers(session)
    name = clean_name(name)
    if partner_type and partner_type not in Participant.PartnerType.values:
        partner_type = ""
    token = token if valid_token(token) else new_token()
    try:
        with transaction.atomic():
            participant = Participant.objects.create(
                session=session,
                token_hash=digest(token),
                name=name,
                partner_type=partner_type,
            )
            lifecycle.touch(session.pk)
    except IntegrityError:  # the same phone joined twice at once: keep the first
        return participant_for(session, token), token, False
    return participant, token, True


def clean_name(name: str) -> str:
    """A participant's name as stored: one line of free text, refused when it cannot be."""
    name = clean_text(name, error=Invalid)
    if len(name) > MAX_NAME:
        raise Invalid(_("Je naam is te lang: hooguit %(max)s tekens.") % {"max": MAX_NAME})
    return name


def update_profile(participant: Participant, *, name: str, partner_type: str) -> None:
    name = clean_name(name)
    if partner_type and partner_type not in Participant.PartnerType.values:
        partner_type = ""
    participant.name = name
    participant.partner_type = partner_type
    with transaction.atomic():
        participant.save(update_fields=["name", "partner_type"])
        # The partner-type breakdown on the dashboard may change.
        lifecycle.touch(participant.session_id)


def _failure_key(address: str) -> str:
    return f"join-failures:{address}"


def too_many_failures(address: str) -> bool:
    return attempts.failures(_failure_key(address)) >= MAX_FAILURES


def record_failure(address: str) -> None:
    attempts.record_failure(_failure_key(address), FAILURE_WINDOW)

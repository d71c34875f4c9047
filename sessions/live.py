"""Small reads the consumers need, as plain data (consumers do not touch the ORM)."""

from urllib.parse import parse_qs

from django.urls import reverse
from django.utils.html import escape

from . import participation
from .models import Session


def session_version(session_id: int) -> int | None:
    return Session.objects.filter(pk=session_id).values_list("version", flat=True).first()


def phone_token(scope, code: str) -> str | None:
    """The device token a phone's socket sent for this code (the same cookie as its pages)."""
    return participation.device_token(scope.get("cookies", {}), code)


def phone_session(code: str, token: str | None) -> tuple[int, int] | None:
    """(session id, phase version) when this device joined the open session with this code."""
    session = participation.find_open_session(code)
    if session is None or participation.participant_for(session, token) is None:
        return None
    return session.pk, session.phase_version


def phone_signal(code: str) -> str:
    """An out-of-band swap that makes the phone fetch its current stage over plain HTTP."""
    url = escape(reverse("phone_state", args=[code]))
    return (
        f'<div id="phone-signal" hidden><span hx-get="{url}" hx-trigger="load" '
        f'hx-target="#phone-main" hx-swap="innerHTML"></span></div>'
    )


def shown_version(scope) -> int | None:
    """The phase version a phone's page was rendered at, from its socket's ?v=; None if absent."""
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    try:
        return int(query["v"][0])
    except (KeyError, ValueError):
        return None

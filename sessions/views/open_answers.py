"""Typed answers: a phone sends one, the facilitator hides or merges them (open_answers.py).

A phone's answer is posted with its button (typing is no tap to send on change). With htmx only
the status line is swapped in, and the text field comes back empty out of band; without
JavaScript the phone goes back to its page with a message.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from instruments.models import Item

from .. import open_answers
from ..errors import Invalid
from ..models import Participant, Session
from .decorators import done, phone_action, session_view

CSRF_FIELD = "csrfmiddlewaretoken"


def _one(data, name: str, *, max_length: int, required: bool = True) -> str:
    values = data.getlist(name)
    if len(values) > 1 or (required and not values) or any(len(v) > max_length for v in values):
        raise Invalid(_("Dit antwoord kunnen we niet lezen."))
    return values[0] if values else ""


def _id(data, name: str, *, required: bool = True) -> int | None:
    raw = _one(data, name, max_length=18, required=required)
    if not raw and not required:
        return None
    if not (raw.isascii() and raw.isdigit() and raw[0] != "0"):
        raise Invalid(_("Dit antwoord kunnen we niet lezen."))
    return int(raw)


def _post(request: HttpRequest, allowed: set[str]):
    try:
        data = request.POST
    except (TooManyFieldsSent, RequestDataTooBig):
        raise Invalid(_("Er is te veel tegelijk verstuurd.")) from None
    if set(data) - allowed - {CSRF_FIELD}:
        raise Invalid(_("Dit antwoord kunnen we niet lezen."))
    return data


@phone_action
def send(request: HttpRequest, participant: Participant) -> HttpResponse:
    """One typed answer to an open question, or to an option's "namelijk"."""
    data = _post(request, {"item", "option", "text"})
    item_id = _id(data, "item")
    option = _one(data, "option", max_length=80, required=False)
    # Any length here: the service says "te lang" (the body's size is capped by Django).
    text = _one(data, "text", max_length=settings.DATA_UPLOAD_MAX_MEMORY_SIZE, required=False)
    open_answers.submit(participant, item_id, text, option)
    sent = _("Verstuurd. Je kunt nog een antwoord sturen.")
    # Only the key is read: no query for the item.
    field = open_answers.PhoneField(Item(pk=item_id), option)
    if request.htmx:
        context = {"message": sent, "o": field, "code": participant.session.code, "oob": True}
        return render(request, "sessions/phone/_open_form.html", context)
    messages.success(request, sent)
    url = reverse("phone", args=[participant.session.code])
    response = redirect(f"{url}#{field.key}")
    response.status_code = 303
    return response


# The facilitator ---------------------------------------------------------------------------------


def _anchor(answer) -> str:
    return f"#open-answers-{answer.item_id}"


@session_view
def hide(request: HttpRequest, session: Session) -> HttpResponse:
    """Hide an answer (hidden=1) or show it again (hidden=0)."""
    data = _post(request, {"answer", "hidden"})
    raw = _one(data, "hidden", max_length=10)
    if raw not in ("0", "1"):
        raise Invalid(_("Kies verbergen of tonen."))
    answer = open_answers.hide(session, _id(data, "answer"), raw == "1")
    return done(request, session, _anchor(answer))


@session_view
def merge(request: HttpRequest, session: Session) -> HttpResponse:
    """Merge an answer into another (into=<id>), or take it out of its group (into empty)."""
    data = _post(request, {"answer", "into"})
    answer_id, into_id = _id(data, "answer"), _id(data, "into", required=False)
    if into_id is None:
        answer = open_answers.unmerge(session, answer_id)
    else:
        answer = open_answers.merge(session, answer_id, into_id)
    return done(request, session, _anchor(answer))

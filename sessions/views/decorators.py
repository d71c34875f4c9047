"""The shape every session view shares, written once.

A facilitator's view on a session looks the session up for this user (404 for anyone else, so
they learn nothing), calls a service, and answers with what changed or with the refusal. A
phone's action finds the participant this device is, calls a service, and answers the same way.
With these decorators a view is little more than its service call.
"""

from collections.abc import Callable, Sequence
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from .. import participation
from ..access import get_session_for_user
from ..errors import NotAllowed, Refused
from ..models import Session
from .refusals import refusal


def done(request: HttpRequest, session: Session, anchor: str = "") -> HttpResponse:
    """After a dashboard control: htmx gets an empty answer (it clears the status line; the
    socket shows the change), a plain form goes back to the dashboard."""
    if request.htmx:
        return HttpResponse("")
    return redirect(reverse("session_dashboard", args=[session.pk]) + anchor)


def session_view(
    view: Callable | None = None,
    *,
    methods: Sequence[str] = ("POST",),
    refused: Callable[..., HttpResponse] | None = None,
):
    """A facilitator's view on one of their sessions, written as ``view(request, session, ...)``.

    A ``Refused`` from the view becomes ``refused(request, session, exc, **kwargs)`` when the
    view shows refusals in place (a form with its message), and ``refusal()`` otherwise. A view
    that returns None is done (see ``done``).
    """

    def decorate(view: Callable) -> Callable:
        @login_required
        @require_http_methods(list(methods))
        @wraps(view)
        def wrapper(request: HttpRequest, session_id: int, **kwargs) -> HttpResponse:
            session = get_session_for_user(request.user, session_id)
            try:
                response = view(request, session, **kwargs)
            except Refused as exc:
                if refused is not None:
                    return refused(request, session, exc, **kwargs)
                return refusal(request, exc)
            return done(request, session) if response is None else response

        return wrapper

    return decorate if view is None else decorate(view)


def phone_participant(request: HttpRequest, code: str, *, lean: bool = False):
    """The participant this device is in the session with this code (participation rules);
    ``lean`` for the requests a phone makes many times (participation.phone_participant)."""
    token = participation.device_token(request.COOKIES, code)
    return participation.phone_participant(code, token, lean=lean)


def not_joined() -> NotAllowed:
    return NotAllowed(
        _("Deze telefoon doet niet mee aan deze sessie. Open de code opnieuw om mee te doen.")
    )


def phone_page(view: Callable) -> Callable:
    """A phone's page before it has joined: a ``Refused`` becomes the phone's refusal page, with
    the way back to typing the code."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except Refused as exc:
            return refusal(request, exc, phone=True)

    return wrapper


def phone_action(
    view: Callable | None = None, *, refused: Callable[..., HttpResponse] | None = None
):
    """A POST from a phone that joined the session with this code: ``view(request, participant)``.

    A device that has not joined, or a ``Refused`` from the view, gets the phone's refusal;
    ``refused(request, participant, exc, response)`` may add to it (the stored picks, say).
    """

    def decorate(view: Callable) -> Callable:
        @require_http_methods(["POST"])
        @wraps(view)
        def wrapper(request: HttpRequest, code: str) -> HttpResponse:
            participant = phone_participant(request, code, lean=True)
            try:
                if participant is None:
                    raise not_joined()
                return view(request, participant)
            except Refused as exc:
                response = refusal(request, exc, phone=True, code=code)
                if refused is not None and participant is not None:
                    refused(request, participant, exc, response)
                return response

        return wrapper

    return decorate if view is None else decorate(view)

"""The shape every session view shares, written once.

A facilitator's view on a session looks the session up for this user (404 for anyone else, so
they learn nothing), calls a service, and answers with what changed or with the refusal. A
phone's action finds the participant this device is, calls a service, and answers the same way.
With these decorators a view is little more than its service call.
"""

from collections.abc import Callable, Sequence
from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
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


def chose_language(request: HttpRequest) -> bool:
    """True when this browser chose a language with the switch (Django's set_language view sets
    its cookie); a browser's own Accept-Language is not a choice."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if not chosen:
        return False
    try:
        translation.get_supported_language_variant(chosen)
    except LookupError:
        return False
    return True


def speak_session_language(request: HttpRequest, session: Session) -> None:
    """A phone speaks the language of the session it is in, unless its participant chose one.

    The room reads the projector in the session's language; a phone that followed its browser
    would show the same statements in another language. The switch on the phone still wins.
    LocaleMiddleware chose from the cookie or the browser before the view ran; this overrides the
    browser's choice for the rest of the request (the middleware activates afresh on the next).
    """
    if chose_language(request) or not session.language:
        return
    translation.activate(session.language)
    request.LANGUAGE_CODE = translation.get_language()


def not_joined() -> NotAllowed:
    return NotAllowed(
        _("Deze telefoon doet niet mee aan deze sessie. Open de code opnieuw om mee te doen.")
    )


def phone_page(view: Callable) -> Callable:
    """A phone's page before it has joined: a ``Refused`` becomes the phone's refusal page, with
    the way back to typing the code. Once the view knows the session it calls
    ``speak_session_language``; the refusal is then in that language too."""

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
                speak_session_language(request, participant.session)
                return view(request, participant)
            except Refused as exc:
                response = refusal(request, exc, phone=True, code=code)
                if refused is not None and participant is not None:
                    refused(request, participant, exc, response)
                return response

        return wrapper

    return decorate if view is None else decorate(view)

"""Riding out a database or Redis outage: a 503 for pages, a retry or a reconnect for sockets.

An outage is an error that says "the service is out of reach right now", not "this request is
wrong": a lost or refused connection, or a timeout. Such a blip should cost a person a retry, not
a 500 with a traceback, and a live screen should come back by itself.
"""

import logging

import redis.exceptions
from django.contrib.auth.models import AnonymousUser
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers
from django.utils.deprecation import MiddlewareMixin

log = logging.getLogger(__name__)

OUTAGES = (
    OperationalError,
    InterfaceError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)
# Seconds a browser is asked to wait before trying again.
RETRY_AFTER = 5


class Reconnect(Exception):
    """Raised out of a WebSocket application so that the server closes the socket with 1011.

    htmx's ws extension (hx-ws-2.js) reconnects after 1006, 1011, 1012 and 1013 only. daphne
    lets an application close with 1000 or 3000-4999 only (autobahn's rule, django/daphne#374),
    but closes with 1011 when the application fails: so failing is how a socket asks the
    browser to come back.
    """


def describe(exc: BaseException) -> str:
    """One line for the log: the error's class and first line, no traceback."""
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


class Outage:
    """How long something has been failing, and how long to wait before the next try.

    ``failed()`` answers the wait in seconds, or None once the outage has lasted ``give_up``
    seconds; ``ok()`` ends it. Only the first failure and the end are logged, not every retry.
    """

    def __init__(self, what: str, *, give_up: float, backoff: tuple[float, ...]):
        self.what = what
        self.give_up = give_up
        self.backoff = backoff
        self.since: float | None = None
        self.tries = 0

    def failed(self, exc: BaseException, now: float) -> float | None:
        if self.since is None:
            self.since = now
            log.warning("%s: %s; retrying", self.what, describe(exc))
        if now - self.since >= self.give_up:
            log.warning("%s: still failing after %.0f s, giving up", self.what, now - self.since)
            return None
        wait = self.backoff[min(self.tries, len(self.backoff) - 1)]
        self.tries += 1
        return wait

    def ok(self, now: float) -> None:
        if self.since is not None:
            log.info("%s: works again after %.1f s", self.what, now - self.since)
        self.since, self.tries = None, 0


class OutageGuard:
    """ASGI middleware for WebSockets: an outage ends the socket so that the browser reconnects,
    instead of a frozen page that says it is live.

    Before the handshake is accepted (the login lookup, a consumer's connect) the socket is
    refused, which a browser sees as 1006 and retries with a growing pause. After it, the
    application ends with Reconnect: a short entry in daphne's log, and 1011 to the browser.
    """

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        state = {"accepted": False, "closed": False}

        async def watched_send(message):
            if message["type"] == "websocket.accept":
                state["accepted"] = True
            elif message["type"] == "websocket.close":
                state["closed"] = True
            await send(message)

        try:
            await self.app(scope, receive, watched_send)
        except OUTAGES as exc:
            what = f"WebSocket {scope.get('path')}: {describe(exc)}"
            if state["closed"]:
                log.info("%s, after closing", what)
            elif not state["accepted"]:
                log.warning("%s; refused", what)
                await send({"type": "websocket.close"})
            else:
                raise Reconnect(f"{what}; closing so that the browser reconnects") from None


class ServiceUnavailableMiddleware(MiddlewareMixin):
    """A page whose view hits an outage answers 503 with Retry-After, in the user's language.

    The page is rendered without the request's context processors: those read the session and
    the user from the database that may be the thing that is down.
    """

    def process_exception(self, request, exception):
        if not isinstance(exception, OUTAGES):
            return None
        log.warning("%s %s: %s; answering 503", request.method, request.path, describe(exception))
        # The user as far as it was read before the outage hit. Set on the request too, so no
        # middleware on the way out tries the database again for it.
        request.user = getattr(request, "_cached_user", None) or AnonymousUser()
        context = {
            "request": request,
            "user": request.user,
            "csrf_token": get_token(request),
            "retry_after": RETRY_AFTER,
            "reload": request.method == "GET",
        }
        response = HttpResponse(render_to_string("503.html", context), status=503)
        response["Retry-After"] = str(RETRY_AFTER)
        add_never_cache_headers(response)
        return response

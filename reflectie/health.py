"""GET /health, for a load balancer or monitoring: can this worker reach what it needs?

It checks the two things every page and every live screen depend on: the database (``SELECT 1``
on the worker's own connection) and the channel layer (a message sent to a fresh channel and read
back, which is what carries a tap to a screen on another worker). The answer is JSON, 200 when
both work, 503 naming the part that does not. A failure is logged with its cause; the answer
never shows it.

No login, no cookie, no session: the check answers the same for everyone and costs a query and
a round trip, so a prober may call it every few seconds. It runs on the worker's HTTP threads
like any page (reflectie/http_threads.py): a worker whose threads and queue are full answers
its plain "too busy" 503 here too, which is the truth about that worker.
"""

import asyncio
import logging
import secrets

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.contrib.auth.models import AnonymousUser
from django.db import connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_safe

from .http_threads import server_loop
from .outages import RETRY_AFTER, describe

log = logging.getLogger(__name__)

# Seconds the channel layer's round trip may take. Redis on the same network answers in a
# millisecond; a layer that needs longer is as good as down for a live screen.
CHANNEL_LAYER_TIMEOUT = 2.0


def check_database() -> None:
    """On the request's thread, with its connection: the one a page would use. A database host
    that does not answer fails after DATABASE_URL's connect_timeout (5 s by default)."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_channel_layer() -> None:
    loop = server_loop()
    if loop is None:  # not on the server's HTTP threads (the test client, a shell)
        async_to_sync(round_trip)()
        return
    # On the server's own event loop, where the consumers use the same layer: its Redis
    # connections and receive machinery belong to that loop.
    future = asyncio.run_coroutine_threadsafe(round_trip(), loop)
    try:
        future.result(CHANNEL_LAYER_TIMEOUT + 1)  # round_trip gives up first; this is a guard
    finally:
        future.cancel()


async def round_trip() -> None:
    """A message to a fresh channel, read back within CHANNEL_LAYER_TIMEOUT."""
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("no channel layer configured")
    async with asyncio.timeout(CHANNEL_LAYER_TIMEOUT):
        # A channel of our own, so no consumer reads the message; it is gone once read back.
        channel = await layer.new_channel()
        nonce = secrets.token_hex(8)
        await layer.send(channel, {"type": "health.check", "nonce": nonce})
        message = await layer.receive(channel)
    if message.get("nonce") != nonce:
        raise RuntimeError("the channel layer gave back another message")


def _status(what: str, check) -> str:
    try:
        check()
    except Exception as exc:  # an outage, a timeout or a bug: all of them are "unavailable"
        log.warning("Health check: %s unavailable: %s", what, describe(exc))
        return "unavailable"
    return "ok"


@require_safe
def health(request: HttpRequest) -> JsonResponse:
    # The middleware on the way out asks whether the user is logged in. Looking that up would
    # read the session from the database, the very thing that may be down (and a 500 then).
    request.user = AnonymousUser()
    parts = {
        "database": _status("database", check_database),
        "channel_layer": _status("channel layer", check_channel_layer),
    }
    healthy = all(value == "ok" for value in parts.values())
    response = JsonResponse(
        {"status": "ok" if healthy else "unavailable", **parts}, status=200 if healthy else 503
    )
    response["Cache-Control"] = "no-store"
    if not healthy:
        response["Retry-After"] = str(RETRY_AFTER)
    return response

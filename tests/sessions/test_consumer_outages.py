"""Live sockets through database and Redis outages, and paths that lead nowhere.

A screen rides out a short outage and catches up. A long one, or any other error, ends the
application with an error, which daphne answers with 1011, a code htmx's ws extension reconnects
on (see reflectie.outages.Reconnect; tests/browser/test_live_outages.py shows the browser's side).
An outage while connecting refuses the handshake instead of raising. Unknown paths get 4404.
"""

import asyncio
import logging
from contextlib import asynccontextmanager, suppress

import pytest
import redis.exceptions
from channels.db import database_sync_to_async
from channels.layers import InMemoryChannelLayer, channel_layers, get_channel_layer
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.db import OperationalError
from django.test import Client, override_settings

from reflectie.outages import OutageGuard, Reconnect
from sessions import consumers, groups, live, notify, participation, screens
from sessions.routing import websocket_urlpatterns

from .test_consumers import make_session, respondents, tap

pytestmark = pytest.mark.django_db(transaction=True)

guarded = OutageGuard(URLRouter(websocket_urlpatterns))


@asynccontextmanager
async def screen(session, user, app=guarded):
    ws = WebsocketCommunicator(app, f"/ws/sessies/{session.pk}/facilitator/")
    ws.scope["user"] = user
    ws.scope["cookies"] = {}
    try:
        ok, code = await ws.connect(timeout=5)
        yield ws, ok, code
    finally:
        # An application that ended with an error raises it again here; the test saw it.
        with suppress(Exception):
            await ws.disconnect()


def failing(times: int, real, exc=None):
    """`real`, after raising `exc` (an OperationalError) the first `times` calls."""
    calls = {"n": 0}

    def call(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] <= times:
            raise exc or OperationalError("server closed the connection unexpectedly")
        return real(*args, **kwargs)

    call.calls = calls
    return call


def asgi_application():
    """The whole stack, imported late: its origin check reads ALLOWED_HOSTS when it is built,
    and the test environment adds "testserver" only once the tests start."""
    from reflectie.asgi import application

    return application


@pytest.fixture
def quick_retries(monkeypatch):
    monkeypatch.setattr(consumers, "BACKOFF", (0.05,))


async def test_a_screen_rides_out_a_database_outage_and_shows_what_came_in_meanwhile(
    alice, lob, monkeypatch, quick_retries, caplog
):
    session, items = await make_session(alice, lob)
    [phone] = await database_sync_to_async(lambda: [participation.join(session, None)[0]])()
    # Notices lost too: only the version tick can bring the screen along, and it fails first.
    monkeypatch.setattr(notify, "_send", lambda *args, **kwargs: None)
    async with screen(session, alice) as (ws, ok, _):
        assert ok
        await ws.receive_from(timeout=3)
        check = failing(1, live.session_version)
        render = failing(3, screens.render_screen)
        monkeypatch.setattr(live, "session_version", check)
        monkeypatch.setattr(screens, "render_screen", render)
        with caplog.at_level(logging.INFO, logger="reflectie.outages"):
            await tap(phone, items[0], "4")
            html = await ws.receive_from(timeout=5)
        assert respondents(html, items[0]) == 1
        assert (check.calls["n"], render.calls["n"]) == (1, 4)
    messages = [r.getMessage() for r in caplog.records]
    # Logged when it starts and when it ends, not on every retry.
    assert len([m for m in messages if "retrying" in m]) == 1, messages
    assert any("works again" in m for m in messages), messages


async def test_a_screen_whose_render_hits_redis_trouble_renders_again_after_it(
    alice, lob, monkeypatch, quick_retries
):
    session, items = await make_session(alice, lob)
    [phone] = await database_sync_to_async(lambda: [participation.join(session, None)[0]])()
    async with screen(session, alice) as (ws, ok, _):
        assert ok
        await ws.receive_from(timeout=3)
        render = failing(
            3, screens.render_screen, redis.exceptions.ConnectionError("Connection refused")
        )
        monkeypatch.setattr(screens, "render_screen", render)
        await tap(phone, items[0], "4")
        html = await ws.receive_from(timeout=5)
        assert respondents(html, items[0]) == 1
        assert render.calls["n"] == 4


async def test_a_screen_asks_the_browser_to_reconnect_when_the_outage_lasts(
    alice, lob, monkeypatch, quick_retries
):
    session, _items = await make_session(alice, lob)
    monkeypatch.setattr(consumers, "GIVE_UP_AFTER", 0.3)
    async with screen(session, alice) as (ws, ok, _):
        assert ok
        await ws.receive_from(timeout=3)
        monkeypatch.setattr(live, "session_version", failing(10**6, live.session_version))
        monkeypatch.setattr(screens, "render_screen", failing(10**6, screens.render_screen))
        with pytest.raises(Reconnect, match="OperationalError"):
            await ws.wait(timeout=3)


async def test_an_unexpected_error_in_a_screen_ends_it_for_the_server_to_report(
    alice, lob, monkeypatch
):
    session, _items = await make_session(alice, lob)
    async with screen(session, alice) as (ws, ok, _):
        assert ok
        await ws.receive_from(timeout=3)
        monkeypatch.setattr(
            live, "session_version", failing(10**6, None, ValueError("a bug, not an outage"))
        )
        # Not swallowed: daphne logs it with its traceback and closes the socket with 1011.
        with pytest.raises(ValueError, match="a bug"):
            await ws.wait(timeout=3)


async def test_a_database_outage_while_a_screen_connects_refuses_the_handshake(
    alice, lob, monkeypatch
):
    session, _items = await make_session(alice, lob)
    monkeypatch.setattr(consumers, "user_controls", failing(1, consumers.user_controls))
    async with screen(session, alice) as (_ws, ok, _code):
        # Refused before accepting: the browser sees 1006 and retries with a growing pause.
        assert not ok
    async with screen(session, alice) as (ws, ok, _code):
        assert ok
        assert await ws.receive_from(timeout=3)


async def test_an_outage_while_looking_up_the_login_refuses_the_handshake(alice, lob, monkeypatch):
    session, _items = await make_session(alice, lob)
    client = Client()
    await database_sync_to_async(client.force_login)(alice)

    async def no_database(scope):
        raise OperationalError("connection refused")

    monkeypatch.setattr("channels.auth.get_user", no_database)
    headers = [
        (b"origin", b"http://testserver"),
        (b"host", b"testserver"),
        (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()),
    ]
    ws = WebsocketCommunicator(
        asgi_application(), f"/ws/sessies/{session.pk}/facilitator/", headers
    )
    try:
        ok, _code = await ws.connect(timeout=5)
        assert not ok
    finally:
        await ws.disconnect()


async def test_a_phone_whose_lookup_hits_an_outage_is_refused_and_polls(alice, lob, monkeypatch):
    session, _items = await make_session(alice, lob)
    _participant, token, _ = await database_sync_to_async(participation.join)(session, None)
    monkeypatch.setattr(live, "phone_session", failing(10, live.phone_session))
    ws = WebsocketCommunicator(guarded, f"/ws/s/{session.code}/")
    ws.scope["user"] = AnonymousUser()
    ws.scope["cookies"] = {participation.cookie_name(session.code): token}
    try:
        ok, _code = await ws.connect(timeout=5)
        assert not ok
    finally:
        await ws.disconnect()


class FlakyLayer(InMemoryChannelLayer):
    """The in-memory layer, until `gone` is set: then receiving fails as with Redis away."""

    gone = False

    async def receive(self, channel):
        if FlakyLayer.gone:
            raise redis.exceptions.ConnectionError("Connection closed by server.")
        return await super().receive(channel)


@pytest.fixture
def flaky_layer():
    channel_layers.backends.clear()
    FlakyLayer.gone = False
    path = f"{__name__}.FlakyLayer"
    with override_settings(CHANNEL_LAYERS={"default": {"BACKEND": path}}):
        yield
    FlakyLayer.gone = False
    channel_layers.backends.clear()


async def test_redis_gone_while_a_screen_waits_asks_the_browser_to_reconnect(
    alice, lob, flaky_layer
):
    session, _items = await make_session(alice, lob)
    async with screen(session, alice) as (ws, ok, _):
        assert ok
        await ws.receive_from(timeout=3)
        FlakyLayer.gone = True
        # The pending receive gets this message; the next one finds Redis gone.
        await get_channel_layer().group_send(
            groups.screens(session.pk), {"type": "session.changed"}
        )
        with pytest.raises(Reconnect, match="Connection closed by server"):
            await ws.wait(timeout=3)
        await asyncio.sleep(TICK_AND_A_BIT)
        # The screen's loop ended with its consumer: nothing renders for a dead socket.
        assert not [
            t for t in asyncio.all_tasks() if "keep_current" in repr(t.get_coro()) and not t.done()
        ]


TICK_AND_A_BIT = consumers.TICK + 0.2


# Paths that lead nowhere ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/ws/nothing-here/",
        "/ws/sessies/-1/facilitator/",
        "/ws/sessies/abc/facilitator/",
        "/ws/sessies/99999999999999999999/facilitator/",
        "/ws/sessies/0/facilitator/",
        "/",
    ],
)
async def test_an_unknown_socket_path_is_accepted_and_closed_with_4404(path):
    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
    ws = WebsocketCommunicator(asgi_application(), path, headers)
    try:
        ok, _code = await ws.connect(timeout=5)
        # Accepted first: a refused handshake reaches a browser as 1006, which htmx retries.
        assert ok
        assert await ws.receive_output(timeout=3) == {"type": "websocket.close", "code": 4404}
    finally:
        await ws.disconnect()

"""The live path over real WebSockets (channels' WebsocketCommunicator, in-memory layer)."""

import asyncio
import re
from contextlib import asynccontextmanager

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from sessions import answers, consumers, lifecycle, notify, participation
from sessions.routing import websocket_urlpatterns
from tests import builders

pytestmark = pytest.mark.django_db(transaction=True)

router = URLRouter(websocket_urlpatterns)


@asynccontextmanager
async def connected(path, *, user=None, cookies=None):
    """Connect, and always disconnect, even when the test fails half-way."""
    communicator = WebsocketCommunicator(router, path)
    communicator.scope["user"] = user or AnonymousUser()
    communicator.scope["cookies"] = cookies or {}
    ok, code = await communicator.connect(timeout=5)
    try:
        yield communicator, ok, code
    finally:
        await communicator.disconnect()


async def receive_until(communicator, predicate, timeout=3.0):
    """Collect messages until one satisfies predicate; return all messages seen."""
    seen = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise AssertionError(f"no matching message in {timeout}s; got {len(seen)}")
        text = await communicator.receive_from(timeout=remaining)
        seen.append(text)
        if predicate(text):
            return seen


def respondents(html: str, item_id: int) -> int | None:
    match = re.search(rf'id="item-{item_id}"[^>]*data-respondents="(\d+)"', html)
    return int(match.group(1)) if match else None


@database_sync_to_async
def make_session(alice, lob, mode="all"):
    session = lifecycle.create_session(alice, lob, title="Regio", partnership_name="West")
    lifecycle.set_scoring_mode(session, mode)
    lifecycle.set_phase(session, "scoring")
    return session, [item.pk for item in builders.statements_of(lob)]


# The builder, callable from the async tests.
join_phones = database_sync_to_async(builders.join_phones)


@database_sync_to_async
def tap(participant, item_id, value):
    return answers.answer(participant, item_id, value)


async def test_a_score_posted_by_a_phone_reaches_the_facilitator_socket(alice, lob):
    session, items = await make_session(alice, lob)
    phones = await join_phones(session, 3)
    path = f"/ws/sessies/{session.pk}/facilitator/"
    async with connected(path, user=alice) as (ws, ok, _code):
        assert ok
        snapshot = await ws.receive_from(timeout=3)
        assert respondents(snapshot, items[0]) == 0
        for phone in phones:
            await tap(phone, items[0], "4")
        await receive_until(ws, lambda html: respondents(html, items[0]) == 3)


async def test_screens_converge_when_every_channel_message_is_lost(alice, lob, monkeypatch):
    session, items = await make_session(alice, lob)
    phones = await join_phones(session, 4)
    # Drop every "something changed" notice: only the version tick can bring the screen along.
    monkeypatch.setattr(notify, "_send", lambda *args, **kwargs: None)
    async with connected(f"/ws/sessies/{session.pk}/facilitator/", user=alice) as (ws, ok, _):
        assert ok
        await ws.receive_from(timeout=3)
        loop = asyncio.get_running_loop()
        started = loop.time()
        for phone in phones:
            await tap(phone, items[5], "2")
        await receive_until(ws, lambda html: respondents(html, items[5]) == 4, timeout=2.0)
        assert loop.time() - started < 1.5


async def test_a_burst_of_taps_becomes_a_few_renders(alice, lob):
    session, items = await make_session(alice, lob)
    phones = await join_phones(session, 10)
    async with connected(f"/ws/sessies/{session.pk}/facilitator/", user=alice) as (ws, ok, _):
        assert ok
        await ws.receive_from(timeout=3)
        loop = asyncio.get_running_loop()
        started = loop.time()
        for phone in phones:
            for item in items[:5]:
                await tap(phone, item, "3")
        elapsed = loop.time() - started
        seen = await receive_until(ws, lambda html: respondents(html, items[4]) == 10, 5.0)
        # 50 taps; at most one render per MIN_INTERVAL while they came in, plus the last one.
        assert len(seen) <= elapsed / consumers.MIN_INTERVAL + 3


async def test_a_facilitator_of_another_session_is_refused(alice, bob, lob):
    session, _items = await make_session(alice, lob)
    async with connected(f"/ws/sessies/{session.pk}/facilitator/", user=bob) as (_ws, ok, code):
        assert not ok
        assert code == 4403


async def test_an_anonymous_visitor_cannot_watch_the_projector(alice, lob):
    session, _items = await make_session(alice, lob)
    async with connected(f"/ws/sessies/{session.pk}/projector/", user=None) as (_ws, ok, _c):
        assert not ok


async def test_a_superuser_may_watch_any_session(alice, admin_user, lob):
    session, _items = await make_session(alice, lob)
    async with connected(f"/ws/sessies/{session.pk}/projector/", user=admin_user) as (ws, ok, _):
        assert ok
        assert await ws.receive_from(timeout=3)


async def test_an_unknown_view_is_refused(alice, lob):
    session, _items = await make_session(alice, lob)
    async with connected(f"/ws/sessies/{session.pk}/secret/", user=alice) as (_ws, ok, _c):
        assert not ok


async def test_whatever_a_screen_sends_changes_nothing(alice, lob):
    session, _items = await make_session(alice, lob)
    async with connected(f"/ws/sessies/{session.pk}/facilitator/", user=alice) as (ws, ok, _):
        assert ok
        await ws.receive_from(timeout=3)
        await ws.send_to(text_data='{"phase": "closed"}')
        await asyncio.sleep(0.2)
    await database_sync_to_async(session.refresh_from_db)()
    assert session.phase == "scoring"


async def test_a_phone_with_a_forged_token_is_refused(alice, lob):
    session, _items = await make_session(alice, lob)
    await join_phones(session, 1)
    cookies = {participation.cookie_name(session.code): "forged-token-forged-token-forged"}
    async with connected(f"/ws/s/{session.code}/", cookies=cookies) as (_ws, ok, code):
        assert not ok
        assert code == 4403


async def test_a_phones_socket_reads_the_cookie_of_its_own_code(alice, lob):
    session, _items = await make_session(alice, lob)
    _participant, token, _created = await database_sync_to_async(participation.join)(session, None)
    path = await phone_path(session)
    elsewhere = {"reflectie_ZZZZZZ": token, "reflectie_device": token}
    async with connected(path, cookies=elsewhere) as (_ws, ok, code):
        assert not ok
        assert code == 4403
    async with connected(path, cookies={participation.cookie_name(session.code): token}) as (
        _ws,
        ok,
        _code,
    ):
        assert ok


async def test_a_phone_is_told_to_fetch_the_new_stage_when_the_phase_changes(alice, lob):
    session, _items = await make_session(alice, lob)
    _participant, token, _created = await database_sync_to_async(participation.join)(session, None)
    cookies = {participation.cookie_name(session.code): token}
    path = await phone_path(session)
    async with connected(path, cookies=cookies) as (ws, ok, _code):
        assert ok
        await database_sync_to_async(lifecycle.set_phase)(session, "discussion")
        signal = await ws.receive_from(timeout=3)
        assert 'id="phone-signal"' in signal
        assert f"/s/{session.code}/state/" in signal


async def test_phones_are_not_told_about_other_phones_answers(alice, lob):
    session, items = await make_session(alice, lob)
    participant, token, _created = await database_sync_to_async(participation.join)(session, None)
    others = await join_phones(session, 2)
    path = await phone_path(session)
    async with connected(path, cookies={participation.cookie_name(session.code): token}) as (
        ws,
        ok,
        _code,
    ):
        assert ok
        for other in others:
            await tap(other, items[0], "5")
        assert await ws.receive_nothing(timeout=0.6)


async def phone_path(session) -> str:
    """The socket address a phone's page has: with the phase version it was rendered at."""
    await database_sync_to_async(session.refresh_from_db)()
    return f"/ws/s/{session.code}/?v={session.phase_version}"


async def test_a_phone_whose_page_is_current_gets_nothing_when_its_socket_opens(alice, lob):
    session, _items = await make_session(alice, lob)
    _participant, token, _created = await database_sync_to_async(participation.join)(session, None)
    path = await phone_path(session)
    async with connected(path, cookies={participation.cookie_name(session.code): token}) as (
        ws,
        ok,
        _code,
    ):
        assert ok
        assert await ws.receive_nothing(timeout=0.5)


@pytest.mark.parametrize("query", ["?v=0", "?v=x", ""])
async def test_a_phone_whose_page_is_behind_is_told_as_soon_as_its_socket_opens(alice, lob, query):
    # The stage moved on between the page's render and the socket's (re)opening.
    session, _items = await make_session(alice, lob)
    _participant, token, _created = await database_sync_to_async(participation.join)(session, None)
    await database_sync_to_async(lifecycle.set_phase)(session, "discussion")
    path = f"/ws/s/{session.code}/{query}"
    async with connected(path, cookies={participation.cookie_name(session.code): token}) as (
        ws,
        ok,
        _code,
    ):
        assert ok
        signal = await ws.receive_from(timeout=3)
        assert f"/s/{session.code}/state/" in signal


async def test_the_full_asgi_stack_lets_the_logged_in_facilitator_in(alice, lob):
    from django.test import Client

    from reflectie.asgi import application

    session, _items = await make_session(alice, lob)
    client = Client()
    await database_sync_to_async(client.force_login)(alice)
    headers = [
        (b"origin", b"http://testserver"),
        (b"host", b"testserver"),
        (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()),
    ]
    ws = WebsocketCommunicator(application, f"/ws/sessies/{session.pk}/facilitator/", headers)
    try:
        ok, _code = await ws.connect(timeout=5)
        assert ok
        assert 'id="participant-count"' in await ws.receive_from(timeout=3)
    finally:
        await ws.disconnect()


def shown_figures(html: str, item_id: int) -> tuple[int, ...] | None:
    """The counts per score and "weet ik niet" that the item's card shows; None when hidden."""
    card = re.search(rf'<article id="item-{item_id}".*?</article>', html, re.S)
    if card is None or "keer;" not in card.group(0):
        return None
    counts = [int(n) for n in re.findall(r"\d: (\d+) keer", card.group(0))]
    dont_know = re.search(r"weet ik niet</dt><dd>(\d+)</dd>", card.group(0))
    return (*counts, int(dont_know.group(1)))


async def drain(ws, seconds: float) -> list[str]:
    """Every message until none comes for `seconds` (a timed-out receive would end the app)."""
    seen = []
    while not await ws.receive_nothing(timeout=seconds):
        seen.append(await ws.receive_from(timeout=1))
    return seen


async def test_no_two_states_a_screen_receives_differ_by_one_answer(alice, lob):
    session, items = await make_session(alice, lob)
    phones = await join_phones(session, 6)
    taps = [(0, "4"), (1, "4"), (2, "2"), (3, "5"), (0, "1"), (4, "dk"), (1, "3"), (5, "5"),
            (2, "4"), (3, "4"), (4, "2"), (0, "4"), (5, "1"), (1, "4")]  # fmt: skip
    async with connected(f"/ws/sessies/{session.pk}/facilitator/", user=alice) as (ws, ok, _):
        assert ok
        states = [shown_figures(await ws.receive_from(timeout=3), items[0])]
        for who, value in taps:
            await tap(phones[who], items[0], value)
            for html in await drain(ws, 0.4):
                figures = shown_figures(html, items[0])
                if figures is not None and figures != states[-1]:
                    states.append(figures)
    shown = [s for s in states if s is not None]
    assert len(shown) >= 3  # the screen did move along
    for before, after in zip(shown, shown[1:], strict=False):
        deltas = [b - a for a, b in zip(before, after, strict=True)]
        step = max(sum(d for d in deltas if d > 0), -sum(d for d in deltas if d < 0))
        assert step != 1, (before, after)


async def test_a_screen_of_a_deleted_session_is_closed(alice, lob):
    session, _items = await make_session(alice, lob)
    async with connected(f"/ws/sessies/{session.pk}/projector/", user=alice) as (ws, ok, _):
        assert ok
        await ws.receive_from(timeout=3)
        await database_sync_to_async(session.delete)()
        await database_sync_to_async(lifecycle.touch)(session.pk)
        closed = await ws.receive_output(timeout=3)
        assert closed == {"type": "websocket.close", "code": 4404}

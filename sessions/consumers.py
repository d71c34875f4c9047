"""Receive-only WebSockets: screens get results, phones get told when to fetch a new stage.

Channel-layer messages only say "something changed". A screen re-reads the stored truth at most
a few times a second (coalescing a burst of taps into one render), and a slow tick compares the
stored version with the one it shows, so a lost message is repaired within a second.

A database or Redis blip does not freeze a screen: its loop retries quietly and catches up when
the data is back. An outage longer than GIVE_UP_AFTER, or any other error, ends the consumer with
that error; the server then closes the socket with a code the browser reconnects on (see
reflectie.outages: OutageGuard in asgi.py, and Reconnect), so the page shows it is not live
rather than go on saying it is.
"""

import asyncio
import logging

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from reflectie.outages import OUTAGES, Outage, describe

from . import groups, live, screens
from .access import sees_all, user_controls
from .models import Session

log = logging.getLogger(__name__)

# Seconds between renders at least, per screen: a burst of taps becomes a few updates. Short
# enough that a tap reaches the screen within a blink; a render redoes only what changed. A
# screen also waits as long as its last render took, so it never spends more than half its
# time rendering: under load the updates get fewer and larger instead of starving the taps.
MIN_INTERVAL = 0.05
# How often a screen checks the stored version, to repair lost messages.
TICK = 0.5
# Seconds a screen keeps retrying through an outage before it closes and the browser reconnects.
GIVE_UP_AFTER = 10.0
# Pauses between those tries, in seconds; the last one repeats. A try costs one refused
# connection, and a projector should catch up within a second of the data coming back.
BACKOFF = (0.5, 1.0)
FORBIDDEN = 4403
NOT_FOUND = 4404
# Primary keys are 64-bit: a larger id cannot be a session (and overflows the database driver).
MAX_ID = 2**63 - 1


class NotFoundConsumer(AsyncWebsocketConsumer):
    """Any other WebSocket path."""

    async def connect(self):
        await not_found(self)


class ScreenConsumer(AsyncWebsocketConsumer):
    """The facilitator's screen and the projector: the session's results, live."""

    view = "facilitator"

    async def connect(self):
        self.session_id = int(self.scope["url_route"]["kwargs"]["session_id"])
        self.view = self.scope["url_route"]["kwargs"].get("view", "facilitator")
        if not 0 < self.session_id <= MAX_ID:
            await not_found(self)
            return
        allowed = await database_sync_to_async(may_watch)(self.scope.get("user"), self.session_id)
        if not allowed or self.view not in screens.VIEWS:
            await self.close(code=FORBIDDEN)
            return
        self.group = groups.screens(self.session_id)
        self.sent: dict[str, str] = {}
        self.shown_version = -1
        self.dirty = asyncio.Event()
        self.last_render = 0.0
        self.render_took = 0.0
        await self.channel_layer.group_add(self.group, self.channel_name)
        # Read before accepting: if the data is out of reach the handshake fails, and the
        # browser retries with a growing pause instead of at once.
        version, fragments = await self.read()
        await self.accept()
        # Nothing is replayed after a reconnect, so every connection starts with a full picture.
        await self.show(version, fragments)
        self.loop_task = asyncio.create_task(self.keep_current())

    async def __call__(self, scope, receive, send):
        self.main_task = asyncio.current_task()
        self.failure: BaseException | None = None
        try:
            await super().__call__(scope, receive, send)
        except asyncio.CancelledError:
            if self.failure is None:
                raise
            raise self.failure from None
        finally:
            # disconnect() is not called when the consumer ends with an error: the loop must
            # not outlive its socket.
            self.stop()

    def fail(self, exc: BaseException) -> None:
        """End this consumer with `exc`, from its loop: see the module's docstring."""
        self.failure = exc
        self.main_task.cancel()

    def stop(self):
        task = getattr(self, "loop_task", None)
        if task:
            task.cancel()

    async def disconnect(self, code):
        self.stop()
        await leave(self)

    async def receive(self, text_data=None, bytes_data=None):
        """Receive-only: whatever a client sends is ignored."""

    async def session_changed(self, event):
        self.dirty.set()

    async def keep_current(self):
        loop = asyncio.get_running_loop()
        what = f"screen {self.view} of session {self.session_id}"
        outage = Outage(what, give_up=GIVE_UP_AFTER, backoff=BACKOFF)
        while True:
            try:
                await self.next_update()
            except OUTAGES as exc:
                wait = outage.failed(exc, loop.time())
                if wait is None:
                    self.fail(exc)
                    return
                # The next try reads everything at once, without waiting for a tick.
                self.dirty.set()
                await asyncio.sleep(wait)
                continue
            except Session.DoesNotExist:
                # The facilitator deleted the session: nothing is left to show.
                await self.close(code=NOT_FOUND)
                return
            except Exception as exc:
                self.fail(exc)  # a bug: the server logs it with its traceback
                return
            outage.ok(loop.time())

    async def next_update(self):
        """Wait for a notice, or a tick that finds the stored version changed; then render."""
        loop = asyncio.get_running_loop()
        try:
            await asyncio.wait_for(self.dirty.wait(), timeout=TICK)
        except TimeoutError:
            # No message: check the stored version, in case one was lost.
            version = await database_sync_to_async(live.session_version)(self.session_id)
            if version == self.shown_version:
                return
        wait = self.last_render + max(MIN_INTERVAL, self.render_took) - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        self.dirty.clear()
        # After a failed read the version shown is unchanged, so the next tick tries again.
        started = loop.time()
        await self.show(*await self.read())
        self.last_render = loop.time()
        self.render_took = self.last_render - started

    async def read(self) -> tuple[int, dict[str, str]]:
        return await database_sync_to_async(screens.render_screen)(self.session_id, self.view)

    async def show(self, version: int, fragments: dict[str, str]) -> None:
        changed = [html for key, html in fragments.items() if self.sent.get(key) != html]
        self.sent = fragments
        self.shown_version = version
        if changed:
            await self.send(text_data="\n".join(changed))


class PhoneConsumer(AsyncWebsocketConsumer):
    """A participant's phone: told when the stage changes, then it fetches it over HTTP."""

    async def connect(self):
        self.code = self.scope["url_route"]["kwargs"]["code"]
        token = live.phone_token(self.scope, self.code)
        found = await database_sync_to_async(live.phone_session)(self.code, token)
        if found is None:
            await self.close(code=FORBIDDEN)
            return
        self.session_id, version = found
        self.group = groups.phones(self.session_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        # The page says which phase version it was rendered at (?v=). When the session moved on
        # before this socket opened (or while it was down), the phone is told at once; otherwise
        # it needs no request to check.
        if live.shown_version(self.scope) != version:
            await self.send(text_data=live.phone_signal(self.code))

    async def disconnect(self, code):
        await leave(self)

    async def receive(self, text_data=None, bytes_data=None):
        """Receive-only."""

    async def session_changed(self, event):
        await self.send(text_data=live.phone_signal(self.code))


def may_watch(user, session_id: int) -> bool:
    """Whether the scope's user controls this session (access.user_controls). The permission is
    read here, with the user: has_perm queries the database."""
    if user is None or not user.is_authenticated:
        return False
    return user_controls(user.pk, sees_all(user), session_id)


async def not_found(consumer) -> None:
    """Accept, then close with 4404: a refused handshake reaches the browser as 1006, which
    htmx answers by reconnecting, forever."""
    await consumer.accept()
    await consumer.close(code=NOT_FOUND)


async def leave(consumer) -> None:
    """Leave the consumer's group, if it joined one. With Redis away the membership simply
    expires (channels_redis' group_expiry): not worth a traceback."""
    if not hasattr(consumer, "group"):
        return
    try:
        await consumer.channel_layer.group_discard(consumer.group, consumer.channel_name)
    except OUTAGES as exc:
        log.info("could not leave %s: %s", consumer.group, describe(exc))

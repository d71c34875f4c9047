"""Receive-only WebSockets: screens get results, phones get told when to fetch a new stage.

Channel-layer messages only say "something changed". A screen re-reads the stored truth at most
a few times a second (coalescing a burst of taps into one render), and a slow tick compares the
stored version with the one it shows, so a lost message is repaired within a second.
"""

import asyncio
import logging

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from . import groups, live, screens
from .access import user_controls

log = logging.getLogger(__name__)

# Renders per second at most, per screen: a burst of taps becomes a few updates.
MIN_INTERVAL = 0.25
# How often a screen checks the stored version, to repair lost messages.
TICK = 0.5
FORBIDDEN = 4403


class ScreenConsumer(AsyncWebsocketConsumer):
    """The facilitator's screen and the projector: the session's results, live."""

    view = "facilitator"

    async def connect(self):
        self.session_id = int(self.scope["url_route"]["kwargs"]["session_id"])
        self.view = self.scope["url_route"]["kwargs"].get("view", "facilitator")
        user = self.scope.get("user")
        allowed = user is not None and await database_sync_to_async(user_controls)(
            user.pk if user.is_authenticated else None, user.is_staff, self.session_id
        )
        if not allowed or self.view not in screens.VIEWS:
            await self.close(code=FORBIDDEN)
            return
        self.group = groups.screens(self.session_id)
        self.sent: dict[str, str] = {}
        self.shown_version = -1
        self.dirty = asyncio.Event()
        self.last_render = 0.0
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        # Nothing is replayed after a reconnect, so every connection starts with a full picture.
        await self.render()
        self.loop_task = asyncio.create_task(self.keep_current())

    async def disconnect(self, code):
        task = getattr(self, "loop_task", None)
        if task:
            task.cancel()
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        """Receive-only: whatever a client sends is ignored."""

    async def session_changed(self, event):
        self.dirty.set()

    async def keep_current(self):
        loop = asyncio.get_running_loop()
        while True:
            try:
                await asyncio.wait_for(self.dirty.wait(), timeout=TICK)
            except TimeoutError:
                # No message: check the stored version, in case one was lost.
                version = await database_sync_to_async(live.session_version)(self.session_id)
                if version == self.shown_version:
                    continue
            wait = self.last_render + MIN_INTERVAL - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            self.dirty.clear()
            try:
                await self.render()
            except Exception:
                log.exception("rendering session %s failed", self.session_id)
            self.last_render = loop.time()

    async def render(self):
        version, fragments = await database_sync_to_async(screens.render_screen)(
            self.session_id, self.view
        )
        changed = [html for key, html in fragments.items() if self.sent.get(key) != html]
        self.sent = fragments
        self.shown_version = version
        if changed:
            await self.send(text_data="\n".join(changed))


class PhoneConsumer(AsyncWebsocketConsumer):
    """A participant's phone: told when the stage changes, then it fetches it over HTTP."""

    async def connect(self):
        self.code = self.scope["url_route"]["kwargs"]["code"]
        token = self.scope.get("cookies", {}).get(live.PHONE_COOKIE)
        self.session_id = await database_sync_to_async(live.phone_session_id)(self.code, token)
        if self.session_id is None:
            await self.close(code=FORBIDDEN)
            return
        self.group = groups.phones(self.session_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        """Receive-only."""

    async def session_changed(self, event):
        await self.send(text_data=live.phone_signal(self.code))

"""Tell connected screens that a session changed, after the change is committed.

Messages only say "something changed"; the consumers read the stored truth themselves, so a lost
message costs at most one slow tick, never a wrong number. That is why a failed notice (Redis
away) is logged and dropped: the change is stored, and answering the phone with an error would
tell it otherwise.
"""

import asyncio
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from reflectie.http_threads import server_loop
from reflectie.outages import describe

from . import groups

log = logging.getLogger(__name__)

# A tap waits at most this long for its notice; a hanging Redis must not hold up the answer.
SEND_TIMEOUT = 2.0
# Whether the last notice failed: an outage is logged when it starts and ends, not per tap.
_failing = False


def session_changed(session_id: int, *, phones: bool = False) -> None:
    transaction.on_commit(lambda: _send(session_id, phones))


def _send(session_id: int, phones: bool) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    targets = [groups.screens(session_id)] + ([groups.phones(session_id)] if phones else [])
    loop = server_loop()
    if loop is not None:
        # On the server's HTTP threads: hand the notice to its event loop and answer the phone
        # at once. The notice says only "something changed", so it need not be awaited.
        for group in targets:
            future = asyncio.run_coroutine_threadsafe(_send_coalesced(layer, group), loop)
            future.add_done_callback(lambda done, g=group: _sent([g], done.exception()))
        return
    try:
        async_to_sync(_send_all)(layer, targets)
    except Exception as exc:
        _sent(targets, exc)
    else:
        _sent(targets, None)


def _sent(targets: list[str], exc: BaseException | None) -> None:
    global _failing
    if exc is not None:
        if not _failing:
            log.warning(
                "could not notify %s: %s (screens catch up on their tick)",
                targets,
                describe(exc),
                exc_info=exc,
            )
        _failing = True
    elif _failing:
        log.info("notifying screens works again")
        _failing = False


# On the server's loop: groups with a notice on its way, and whether another was asked for
# meanwhile. A room's taps then make one notice at a time per group instead of one each, which
# held a Redis connection each and emptied the pool under a burst.
_on_the_way: dict[str, bool] = {}


async def _send_coalesced(layer, group: str) -> None:
    if group in _on_the_way:
        _on_the_way[group] = True  # sent once more when the one on its way is done
        return
    _on_the_way[group] = False
    try:
        while True:
            async with asyncio.timeout(SEND_TIMEOUT):
                await layer.group_send(group, {"type": "session.changed"})
            if not _on_the_way[group]:
                return
            _on_the_way[group] = False
    finally:
        del _on_the_way[group]


async def _send_all(layer, targets: list[str]) -> None:
    async with asyncio.timeout(SEND_TIMEOUT):
        for group in targets:
            await layer.group_send(group, {"type": "session.changed"})

"""Tell connected screens that a session changed, after the change is committed.

Messages only say "something changed"; the consumers read the stored truth themselves, so a lost
message costs at most one slow tick, never a wrong number.
"""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from . import groups

log = logging.getLogger(__name__)


def session_changed(session_id: int, *, phones: bool = False) -> None:
    transaction.on_commit(lambda: _send(session_id, phones))


def _send(session_id: int, phones: bool) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    targets = [groups.screens(session_id)] + ([groups.phones(session_id)] if phones else [])
    for group in targets:
        try:
            async_to_sync(layer.group_send)(group, {"type": "session.changed"})
        except Exception:
            # The answer is stored; screens catch up on their next tick.
            log.warning("could not notify %s", group, exc_info=True)

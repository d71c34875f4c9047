"""Notices on the server's loop: one on its way per group, and one more for what came after."""

import asyncio

import pytest

from sessions import notify


class SlowLayer:
    def __init__(self):
        self.sent: list[str] = []
        self.release = asyncio.Event()

    async def group_send(self, group, message):
        self.sent.append(group)
        await self.release.wait()


async def test_a_burst_of_notices_for_one_group_is_one_on_its_way_and_one_after():
    layer = SlowLayer()
    first = asyncio.create_task(notify._send_coalesced(layer, "session-1-screens"))
    await asyncio.sleep(0)
    # Fifty taps while the first notice is still on its way.
    await asyncio.gather(*(notify._send_coalesced(layer, "session-1-screens") for _ in range(50)))
    assert layer.sent == ["session-1-screens"]
    layer.release.set()
    await first
    # The taps after the first notice left are told by one more: none is lost, none repeated.
    assert layer.sent == ["session-1-screens", "session-1-screens"]
    assert notify._on_the_way == {}


async def test_groups_do_not_wait_for_each_other():
    layer = SlowLayer()
    tasks = [
        asyncio.create_task(notify._send_coalesced(layer, f"session-{n}-screens")) for n in (1, 2)
    ]
    await asyncio.sleep(0)
    assert sorted(layer.sent) == ["session-1-screens", "session-2-screens"]
    layer.release.set()
    await asyncio.gather(*tasks)
    assert notify._on_the_way == {}


async def test_a_failed_notice_leaves_nothing_behind():
    class Down:
        async def group_send(self, group, message):
            raise ConnectionError("Redis is away")

    with pytest.raises(ConnectionError):
        await notify._send_coalesced(Down(), "session-1-screens")
    assert notify._on_the_way == {}

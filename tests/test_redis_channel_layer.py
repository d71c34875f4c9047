"""The Redis channel layer as the settings configure it, against the real Redis on localhost.

channels_redis waits for a socket's next message with a blocking pop of 5 s. redis-py's default
socket timeout is 5 s too, so each wait used to end in a TimeoutError that killed the consumer:
every idle screen was closed (1011) and reopened about every 10 s. The settings give the layer a
longer socket timeout; this checks that a receive outlasts one whole blocking pop and still gets
its message. Skipped when Redis is not on localhost, unless CI is set.
"""

import os
import subprocess
import sys

from tests import services
from tests.services import REDIS_URL, ROOT

pytestmark = services.needs(services.REDIS_PORT, reason="Redis is not running on localhost")

# Receives on a fresh channel; the message is sent only after one blocking pop has timed out.
SCRIPT = """
import asyncio
import django
django.setup()
from channels.layers import get_channel_layer

async def main():
    layer = get_channel_layer()
    channel = await layer.new_channel()
    waiting = asyncio.ensure_future(layer.receive(channel))
    await asyncio.sleep(layer.brpop_timeout + 0.5)
    assert not waiting.done(), waiting.exception()
    await layer.send(channel, {"type": "hello"})
    print((await asyncio.wait_for(waiting, 5))["type"])
    await layer.flush()

asyncio.run(main())
"""


def test_a_receive_outlasts_a_blocking_pop_and_still_gets_its_message(tmp_path):
    env = {
        **os.environ,
        # The suite's settings module (the real settings, a fast hasher), read with REDIS_URL.
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "reflectie.settings"),
        "REDIS_URL": REDIS_URL,
        "SECRET_KEY": "redis-test-only",
        "VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "hello"

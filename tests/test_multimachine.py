"""The multi-machine profile: PostgreSQL and the Redis channel layer, two daphne workers.

A phone answers through worker A; the facilitator's socket is held by worker B. The tap must reach
it through Redis, and the numbers must be the ones stored in PostgreSQL. CI starts both services
(.ci/run); elsewhere the test is skipped when they are not running.
"""

import asyncio
import os
import re

import pytest

from tests import services

DB_NAME = "reflectie_multimachine_test"

pytestmark = services.needs(
    services.PG_PORT,
    services.REDIS_PORT,
    reason="PostgreSQL and Redis are not running on localhost",
)


@pytest.fixture(scope="module")
def profile_env(tmp_path_factory):
    with services.fresh_database(DB_NAME) as database_url:
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "REDIS_URL": services.REDIS_URL,
            "VAR_DIR": str(tmp_path_factory.mktemp("var")),
            "LOG_LEVEL": "WARNING",
            # Static files from the source folders: this test is about the database and Redis.
            "DEBUG": "1",
        }
        env.pop("DJANGO_SETTINGS_MODULE", None)
        services.prepare(env)
        yield env, services.shell_json(env, SETUP)


SETUP = """
import json
from django.contrib.auth import get_user_model
from instruments.models import Instrument
from sessions import lifecycle
user = get_user_model().objects.create_user("mm-alice", password="mm-alice-password")
lob = Instrument.objects.get(slug="lob-regio")
session = lifecycle.create_session(user, lob, title="Regio", partnership_name="Noord")
lifecycle.set_scoring_mode(session, "all")
lifecycle.set_phase(session, "scoring")
items = [i.pk for t in lob.themes.all() for i in t.items.filter(kind="statement")]
print(json.dumps({"id": session.pk, "code": session.code, "items": items}))
"""


@pytest.fixture(scope="module")
def workers(profile_env):
    env, info = profile_env
    with services.daphne(env, count=2) as ports:
        yield ports, info


def _csrf(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_a_tap_on_one_worker_reaches_a_facilitator_on_another(workers):
    import httpx
    import websockets

    (port_a, port_b), info = workers
    a, b = f"http://127.0.0.1:{port_a}", f"http://127.0.0.1:{port_b}"

    async def scenario():
        async with httpx.AsyncClient(base_url=b) as facilitator:
            page = await facilitator.get("/accounts/login/")
            await facilitator.post(
                "/accounts/login/",
                data={
                    "username": "mm-alice",
                    "password": "mm-alice-password",
                    "csrfmiddlewaretoken": _csrf(page.text),
                },
            )
            cookie = f"sessionid={facilitator.cookies['sessionid']}"
        ws_url = f"ws://127.0.0.1:{port_b}/ws/sessies/{info['id']}/facilitator/"
        headers = {"Cookie": cookie, "Origin": b}
        async with websockets.connect(ws_url, additional_headers=headers) as ws:
            await asyncio.wait_for(ws.recv(), 5)  # the snapshot
            phones = []
            for _ in range(3):
                phone = httpx.AsyncClient(base_url=a, follow_redirects=False)
                join = await phone.get(f"/j/{info['code']}/")
                await phone.post(
                    f"/j/{info['code']}/", data={"csrfmiddlewaretoken": _csrf(join.text)}
                )
                phones.append(phone)
            item = info["items"][0]
            for phone in phones:
                answer = await phone.post(
                    f"/s/{info['code']}/answer/",
                    data={f"item-{item}": "5"},
                    headers={"X-CSRFToken": phone.cookies["csrftoken"], "HX-Request": "true"},
                )
                assert answer.status_code == 200
            deadline = asyncio.get_running_loop().time() + 5
            while True:
                remaining = deadline - asyncio.get_running_loop().time()
                html = await asyncio.wait_for(ws.recv(), max(remaining, 0.01))
                m = re.search(rf'id="item-{item}"[^>]*data-respondents="(\d+)"', html)
                if m and int(m.group(1)) == 3:
                    break
            for phone in phones:
                await phone.aclose()

    asyncio.run(scenario())

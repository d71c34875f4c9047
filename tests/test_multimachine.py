"""The multi-machine profile: PostgreSQL and the Redis channel layer, two daphne workers.

A phone answers through worker A; the facilitator's socket is held by worker B. The tap must reach
it through Redis, and the numbers must be the ones stored in PostgreSQL. CI starts both services
(.ci/run); elsewhere the test is skipped when they are not running.
"""

import asyncio
import json
import os
import re
import socket
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("REFLECTIE_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/")
REDIS_URL = os.environ.get("REFLECTIE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
DB_NAME = "reflectie_multimachine_test"


def _reachable(port: int) -> bool:
    with closing(socket.socket()) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


pytestmark = pytest.mark.skipif(
    not (_reachable(5432) and _reachable(6379)) and not os.environ.get("CI"),
    reason="PostgreSQL and Redis are not running on localhost",
)


@pytest.fixture(scope="module")
def profile_env(tmp_path_factory):
    import psycopg

    base = PG_URL.rsplit("/", 1)[0]
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    env = {
        **os.environ,
        "DATABASE_URL": f"{base}/{DB_NAME}",
        "REDIS_URL": REDIS_URL,
        "VAR_DIR": str(tmp_path_factory.mktemp("var")),
        "LOG_LEVEL": "WARNING",
        # Static files from the source folders: this test is about the database and Redis.
        "DEBUG": "1",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
    subprocess.run([*manage, "load_instruments"], env=env, check=True, cwd=ROOT)
    setup = subprocess.run(
        [*manage, "shell", "-c", SETUP],
        env=env,
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    info = json.loads(setup.stdout.strip().splitlines()[-1])
    yield env, info
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


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
    procs, ports = [], []
    for _ in range(2):
        port = _free_port()
        daphne = str(Path(sys.executable).with_name("daphne"))
        procs.append(
            subprocess.Popen(
                [daphne, "-b", "127.0.0.1", "-p", str(port), "reflectie.asgi:application"],
                env=env,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        ports.append(port)
    deadline = time.monotonic() + 30
    while not all(_reachable(p) for p in ports):
        if time.monotonic() > deadline:
            raise RuntimeError("daphne workers did not start")
        time.sleep(0.2)
    yield ports, info
    for proc in procs:
        proc.terminate()
        proc.wait(timeout=10)


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

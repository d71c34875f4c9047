"""Real outages, in a real browser: PostgreSQL or Redis goes away for two seconds under a running
daphne, and the facilitator's dashboard shows a tap made afterwards without being reloaded.

daphne runs in a subprocess on PostgreSQL and Redis, each reached through a TCP proxy that the test
cuts (every connection dropped, new ones refused) and restores. Skipped when PostgreSQL and Redis
are not on localhost, unless CI is set (CI starts them: .ci/run).
"""

import os
import re
import time
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import pytest
from playwright.sync_api import expect

from tests import services
from tests.services import REDIS_URL
from tests.tcp_proxy import CuttableProxy

from .conftest import DESKTOP, chromium, save_screenshots

DB_NAME = "reflectie_outage_test"
USER, PASSWORD = "outage-alice", "outage-alice-password"
OUTAGE = 2.0  # seconds
DUTCH_503 = "Reflectie kan even niet bij zijn gegevens."
# Counts the socket's messages, opens and closes from the page's first moment.
COUNT_WS = """
window.__ws = {messages: 0, opens: 0, closes: []};
document.addEventListener("htmx:wsAfterMessage", function () { window.__ws.messages += 1; });
document.addEventListener("htmx:wsOpen", function () { window.__ws.opens += 1; });
document.addEventListener("htmx:wsClose", function (e) {
  window.__ws.closes.push(e.detail.event.code);
});
"""


pytestmark = services.needs(
    services.PG_PORT,
    services.REDIS_PORT,
    reason="PostgreSQL and Redis are not running on localhost",
)


def _through(url: str, port: int) -> str:
    """The URL with its port replaced: the way through a proxy."""
    parts = urlsplit(url)
    host = parts.netloc.rsplit(":", 1)[0] if parts.port else parts.netloc
    return urlunsplit(parts._replace(netloc=f"{host}:{port}"))


@pytest.fixture(scope="module")
def environment(tmp_path_factory):
    """A database of our own, migrated, with the instruments and a facilitator."""
    with services.fresh_database(DB_NAME) as database_url:
        env = {
            **os.environ,
            # The suite's settings module (the real settings, a fast hasher), as for forked
            # servers.
            "DJANGO_SETTINGS_MODULE": os.environ.get(
                "DJANGO_SETTINGS_MODULE", "reflectie.settings"
            ),
            "DEBUG": "1",  # static files straight from the source folders, no collectstatic
            "SECRET_KEY": "outage-test-only",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": database_url,
            "REDIS_URL": REDIS_URL,
            "VAR_DIR": str(tmp_path_factory.mktemp("var")),
            "LOG_LEVEL": "INFO",
        }
        services.prepare(env)
        make_user = f"from django.contrib.auth import get_user_model; get_user_model().objects.create_user({USER!r}, password={PASSWORD!r})"  # noqa: E501
        services.manage(env, "shell", "-c", make_user)
        yield env


@pytest.fixture(scope="module")
def proxies():
    pg_port = urlsplit(services.PG_URL).port or services.PG_PORT
    redis_port = urlsplit(REDIS_URL).port or services.REDIS_PORT
    with CuttableProxy(pg_port) as pg, CuttableProxy(redis_port) as redis:
        yield {"pg": pg, "redis": redis}


@pytest.fixture(scope="module")
def server(environment, proxies, tmp_path_factory):
    """daphne on PostgreSQL and Redis, both through the proxies. Yields (base URL, log file)."""
    env = {
        **environment,
        "DATABASE_URL": _through(environment["DATABASE_URL"], proxies["pg"].port),
        "REDIS_URL": _through(REDIS_URL, proxies["redis"].port),
    }
    log = tmp_path_factory.mktemp("daphne") / "daphne.log"
    with services.daphne(env, log=log) as [port]:
        yield f"http://127.0.0.1:{port}", log


SETUP = """
import json
from django.contrib.auth import get_user_model
from instruments.models import Instrument
from sessions import lifecycle
user = get_user_model().objects.get(username=%r)
lob = Instrument.objects.get(slug="lob-regio")
session = lifecycle.create_session(user, lob, title="Regio", partnership_name="Noord")
lifecycle.set_scoring_mode(session, "all")
lifecycle.set_phase(session, "scoring")
items = [i.pk for t in lob.themes.all() for i in t.items.filter(kind="statement")]
print(json.dumps({"id": session.pk, "code": session.code, "items": items}))
"""


@pytest.fixture
def session(environment):
    """A session scoring every theme, made straight in the database (not through a proxy)."""
    return services.shell_json(environment, SETUP % USER)


def _csrf(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def phone_taps(base: str, session: dict, value: str = "4") -> None:
    """A phone joins and taps a score on the first statement, over plain HTTP."""
    import httpx

    with httpx.Client(base_url=base, timeout=10) as phone:
        code = session["code"]
        join = phone.get(f"/j/{code}/")
        assert join.status_code == 200, join.text
        joined = phone.post(f"/j/{code}/", data={"csrfmiddlewaretoken": _csrf(join.text)})
        assert joined.is_redirect, joined.text
        answer = phone.post(
            f"/s/{code}/answer/",
            data={f"item-{session['items'][0]}": value},
            headers={"X-CSRFToken": phone.cookies["csrftoken"], "HX-Request": "true"},
        )
        assert answer.status_code == 200, answer.text


def assert_join_answers_503(base: str, session: dict) -> None:
    import httpx

    response = httpx.get(f"{base}/j/{session['code']}/", timeout=10)
    assert response.status_code == 503, response.text
    assert DUTCH_503 in response.text


def open_dashboard(browser, base: str, session: dict, errors: list[str]):
    page = browser.new_context(**DESKTOP).new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.add_init_script(COUNT_WS)
    dashboard = f"{base}/sessies/{session['id']}/"
    page.goto(f"{base}/accounts/login/?next=/sessies/{session['id']}/")
    page.locator("#id_username").fill(USER)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page).to_have_url(dashboard)
    expect(page.locator(".dashboard")).to_have_attribute("data-live", "open")
    page.wait_for_function("window.__ws.messages > 0", timeout=5000)
    page.evaluate("window.__noReload = 1")
    return page


def wait_for_tap(page, session: dict, timeout_ms: int) -> float:
    """Seconds until the dashboard shows one respondent on the first statement."""
    started = time.monotonic()
    item = page.locator(f"#item-{session['items'][0]}")
    expect(item).to_have_attribute("data-respondents", "1", timeout=timeout_ms)
    return time.monotonic() - started


@contextmanager
def watched_dashboard(server, session: dict, name: str):
    """The facilitator's dashboard in a browser. Yields the page, the script errors seen on it,
    and a function that reads what the server logged since; on a failure, a screenshot and
    that log are kept."""
    base, log = server
    start = len(log.read_text())
    errors: list[str] = []
    page = None

    def logged() -> str:
        return log.read_text()[start:]

    with chromium() as browser:
        try:
            page = open_dashboard(browser, base, session, errors)
            yield page, errors, logged
        except BaseException:
            save_screenshots(name, {"facilitator": page})
            print(logged())
            raise


@pytest.mark.browser
def test_the_dashboard_rides_out_a_database_outage_and_shows_a_later_tap(server, proxies, session):
    base, _log = server
    with watched_dashboard(server, session, "database-outage") as (page, errors, logged):
        proxies["pg"].cut()
        assert_join_answers_503(base, session)
        time.sleep(OUTAGE)
        proxies["pg"].restore()
        restored = time.monotonic()
        phone_taps(base, session)
        shown_after_tap = wait_for_tap(page, session, 5000)
        print(
            f"database outage of {OUTAGE:.0f} s: tap shown {shown_after_tap:.2f} s after it "
            f"was made, {time.monotonic() - restored:.2f} s after the database came back; "
            f"socket opens/closes: {page.evaluate('window.__ws')}"
        )
        assert page.evaluate("window.__noReload") == 1, "the dashboard reloaded"
        expect(page.locator(".dashboard")).to_have_attribute("data-live", "open")
        # Two seconds is ridden out by the screen's own retries, without reconnecting.
        assert page.evaluate("window.__ws.opens") == 1
        assert errors == []
    # Outages are logged in a line each, not as tracebacks.
    assert "Traceback" not in logged(), logged()


@pytest.mark.browser
def test_the_dashboard_reconnects_after_a_redis_outage_and_shows_a_later_tap(
    server, proxies, session
):
    base, _log = server
    with watched_dashboard(server, session, "redis-outage") as (page, errors, logged):
        proxies["redis"].cut()
        cut = time.monotonic()
        # The socket waiting on Redis closes, and the page says it is not live.
        expect(page.locator(".dashboard")).to_have_attribute("data-live", "closed", timeout=2000)
        print(f"dashboard marked not live {time.monotonic() - cut:.2f} s after Redis went")
        assert_join_answers_503(base, session)
        time.sleep(max(0, OUTAGE - (time.monotonic() - cut)))
        proxies["redis"].restore()
        restored = time.monotonic()
        phone_taps(base, session)
        wait_for_tap(page, session, 15000)
        expect(page.locator(".dashboard")).to_have_attribute("data-live", "open")
        closes = page.evaluate("window.__ws.closes")
        # 1011 from the open socket, then 1006 for each handshake refused during the outage.
        assert closes[0] == 1011 and set(closes) <= {1011, 1006}, closes
        print(
            f"redis outage of {OUTAGE:.0f} s: tap shown {time.monotonic() - restored:.2f} s "
            f"after Redis came back; socket opens/closes: {page.evaluate('window.__ws')}"
        )
        assert page.evaluate("window.__noReload") == 1, "the dashboard reloaded"
        assert errors == []
    assert "Internal Server Error" not in logged(), logged()
    # The socket that lost Redis ended with Reconnect, daphne's way to send 1011; nothing else.
    failures = re.findall(r"Exception inside application: (\S+)", logged())
    assert failures and set(failures) == {"WebSocket"}, logged()


@pytest.mark.parametrize("path", ["/ws/nothing-here/", "/ws/sessies/-1/facilitator/"])
def test_a_client_of_an_unknown_socket_path_sees_4404(server, path):
    import asyncio

    import websockets

    base, _log = server

    async def close_code() -> int:
        url = base.replace("http", "ws", 1) + path
        async with websockets.connect(url, additional_headers={"Origin": base}) as ws:
            await asyncio.wait_for(ws.wait_closed(), 5)
            return ws.close_code

    assert asyncio.run(close_code()) == 4404

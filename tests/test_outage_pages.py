"""Pages while Redis or the database is out of reach: 503 in the user's language, never a 500;
and the check `manage.py serve` runs before it starts.

Redis "away" is REDIS_URL pointing at a closed port, for the cache and the channel layer alike.
"""

import os
import socket
import subprocess
import sys
import threading
import time
from contextlib import closing
from pathlib import Path

import pytest
from channels.layers import channel_layers
from django.conf import settings
from django.db import OperationalError, connection
from django.test import override_settings
from django.urls import reverse

from reflectie import services_check
from sessions import notify
from sessions.models import Response

ROOT = Path(__file__).resolve().parent.parent
MIDDLEWARE = "reflectie.outages.ServiceUnavailableMiddleware"
DUTCH = "Reflectie kan even niet bij zijn gegevens. Probeer het over een paar seconden opnieuw."


def closed_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def outage_pages():
    """The 503 middleware, whether or not settings.MIDDLEWARE lists it yet."""
    middleware = [m for m in settings.MIDDLEWARE if m != MIDDLEWARE] + [MIDDLEWARE]
    with override_settings(MIDDLEWARE=middleware):
        yield


@pytest.fixture
def redis_away(outage_pages):
    url = f"redis://:geheim@127.0.0.1:{closed_port()}/0"
    channel_layers.backends.clear()
    with override_settings(
        REDIS_URL=url,
        CACHES={
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": url,
                "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
            }
        },
        CHANNEL_LAYERS={
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {"hosts": [{"address": url, "socket_connect_timeout": 1}]},
            }
        },
    ):
        yield url
    channel_layers.backends.clear()


def refuse(execute, sql, params, many, context):
    raise OperationalError("server closed the connection unexpectedly")


@pytest.fixture
def database_away(outage_pages):
    """Every query of this thread's connection fails as when the server went away."""
    with connection.execute_wrapper(refuse):
        yield


def assert_503_in_dutch(response):
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert DUTCH in response.text
    assert '<html lang="nl">' in response.text


def test_joining_while_redis_is_away_answers_503_in_dutch(client, lobby_session, redis_away):
    assert_503_in_dutch(client.get(reverse("join", args=[lobby_session.code])))
    assert_503_in_dutch(client.post(reverse("join_code"), {"code": lobby_session.code}))


def test_the_503_page_speaks_the_language_the_person_chose(client, lobby_session, redis_away):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("join", args=[lobby_session.code]))
    assert response.status_code == 503
    assert '<html lang="en">' in response.text


def test_the_dashboard_while_redis_is_away_answers_503(alice_client, lobby_session, redis_away):
    response = alice_client.get(reverse("session_dashboard", args=[lobby_session.pk]))
    assert_503_in_dutch(response)
    # The login was read before Redis failed: the header still says who is logged in.
    assert "alice" in response.text
    # A page that was asked for comes back by itself.
    assert 'http-equiv="refresh"' in response.text


def test_an_answer_stored_while_redis_is_away_is_answered_as_stored(
    client,
    phone,
    scoring_session,
    redis_away,
    django_capture_on_commit_callbacks,
    caplog,
    monkeypatch,
):
    monkeypatch.setattr(notify, "_failing", False)  # an outage is logged when it starts
    item = scoring_session.current_theme.items.filter(kind="statement").first()
    with django_capture_on_commit_callbacks(execute=True) as notices:
        response = client.post(
            reverse("phone_answer", args=[scoring_session.code]),
            {f"item-{item.pk}": "4"},
            headers={"HX-Request": "true"},
        )
    # The notice to the screens failed and was dropped; their version tick repairs that.
    assert notices
    assert "could not notify" in caplog.text
    assert response.status_code == 200
    assert "opgeslagen" in response.text
    assert Response.objects.filter(participant=phone, item=item).exists()


def test_the_dashboard_during_a_database_blip_answers_503(
    alice_client, lobby_session, outage_pages
):
    url = reverse("session_dashboard", args=[lobby_session.pk])
    with connection.execute_wrapper(refuse):
        assert_503_in_dutch(alice_client.get(url))
    assert alice_client.get(url).status_code == 200


def test_joining_during_a_database_blip_answers_503(client, lobby_session, database_away):
    assert_503_in_dutch(client.get(reverse("join", args=[lobby_session.code])))


def test_other_errors_are_not_mistaken_for_an_outage(client, outage_pages, monkeypatch):
    from sessions.views import participant

    def broken(*args, **kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr(participant.participation, "find_open_session", broken)
    with pytest.raises(ValueError, match="a bug"):
        client.post(reverse("join_code"), {"code": "ABCDEF"})


# The check before serving -----------------------------------------------------------------------


def test_the_services_check_passes_when_everything_is_in_reach(db):
    services_check.check_services(timeout=1)


def test_the_services_check_names_an_unreachable_redis_without_its_password(db):
    url = f"redis://:geheim@127.0.0.1:{closed_port()}/0"
    with override_settings(REDIS_URL=url), pytest.raises(services_check.ServicesUnreachable) as e:
        services_check.check_services(timeout=1)
    message = str(e.value)
    assert message.startswith("Redis op redis://:***@127.0.0.1:")
    assert "is niet bereikbaar: " in message
    assert "geheim" not in message


def test_the_services_check_gives_up_on_a_silent_redis_within_its_timeout(db):
    """A host that accepts connections and never answers (a firewall, a hung server)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    held = []
    threading.Thread(target=lambda: held.append(listener.accept()), daemon=True).start()
    url = f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    started = time.monotonic()
    try:
        with override_settings(REDIS_URL=url), pytest.raises(services_check.ServicesUnreachable):
            services_check.check_services(timeout=0.5)
    finally:
        listener.close()
        for conn, _address in held:
            conn.close()
    assert time.monotonic() - started < 2


def test_the_services_check_names_an_unreachable_database_without_its_password(tmp_path):
    port = closed_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "reflectie.settings",
        "SECRET_KEY": "test-only",
        "VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"postgres://reflectie:geheim@127.0.0.1:{port}/reflectie",
        "REDIS_URL": f"redis://:geheim@127.0.0.1:{port}/0",
    }
    script = (
        "import django; django.setup()\n"
        "from reflectie.services_check import check_services, ServicesUnreachable\n"
        "try:\n    check_services(timeout=1)\n"
        "except ServicesUnreachable as exc:\n    print(exc)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith(
        f"De database op postgres://reflectie@127.0.0.1:{port}/reflectie is niet bereikbaar: "
    )
    assert lines[1].startswith(f"Redis op redis://:***@127.0.0.1:{port}/0 is niet bereikbaar: ")
    assert "geheim" not in result.stdout + result.stderr

"""GET /health: 200 when the database and the channel layer answer, 503 naming the part that
does not; never a 500, never a cookie, never cached."""

import asyncio
import logging
import threading
from unittest import mock

import pytest
import redis.exceptions
from channels.layers import get_channel_layer
from django.db import OperationalError

from reflectie import health

SECRET = "password=geheim host=db.internal"
CURSOR = "django.db.backends.base.base.BaseDatabaseWrapper.cursor"

pytestmark = pytest.mark.django_db


def test_it_answers_ok_when_everything_works(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "channel_layer": "ok"}
    assert response["Content-Type"] == "application/json"


def test_it_is_never_cached_and_sets_no_cookie(client):
    response = client.get("/health")
    assert "no-store" in response["Cache-Control"]
    assert not response.cookies
    assert "Set-Cookie" not in response


def test_it_needs_no_login_and_answers_a_facilitator_the_same(alice_client):
    response = alice_client.get("/health")
    assert response.status_code == 200
    assert not response.cookies


def test_it_answers_head_and_refuses_post(client):
    assert client.head("/health").status_code == 200
    assert client.post("/health").status_code == 405


def test_it_leaves_the_channel_layer_clean(client):
    layer = get_channel_layer()
    before = set(getattr(layer, "channels", {}))
    client.get("/health")
    assert set(getattr(layer, "channels", {})) == before


def test_a_database_outage_is_a_503_naming_the_database(client, caplog):
    with (
        caplog.at_level(logging.WARNING, logger="reflectie.health"),
        mock.patch(CURSOR, side_effect=OperationalError(f"connection refused {SECRET}")),
    ):
        response = client.get("/health")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": "unavailable",
        "channel_layer": "ok",
    }
    assert response["Retry-After"]
    assert "no-store" in response["Cache-Control"]
    assert SECRET not in response.content.decode()
    assert "database unavailable: OperationalError" in caplog.text


def test_a_database_outage_with_a_login_cookie_is_still_a_503(alice_client):
    # The session and the user live in the database: nothing on the way may look them up.
    with mock.patch(CURSOR, side_effect=OperationalError("server closed the connection")):
        response = alice_client.get("/health")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"


def test_a_channel_layer_outage_is_a_503_naming_the_channel_layer(client, caplog):
    layer = get_channel_layer()
    refused = redis.exceptions.ConnectionError(f"Error 111 connecting {SECRET}")
    with (
        caplog.at_level(logging.WARNING, logger="reflectie.health"),
        mock.patch.object(layer, "send", side_effect=refused),
    ):
        response = client.get("/health")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": "ok",
        "channel_layer": "unavailable",
    }
    assert SECRET not in response.content.decode()
    assert "channel layer unavailable: ConnectionError" in caplog.text


def test_a_channel_layer_that_does_not_answer_in_time_is_unavailable(client, monkeypatch):
    async def never(channel):
        await asyncio.sleep(60)

    monkeypatch.setattr(health, "CHANNEL_LAYER_TIMEOUT", 0.1)
    with mock.patch.object(get_channel_layer(), "receive", side_effect=never):
        response = client.get("/health")
    assert response.status_code == 503
    assert response.json()["channel_layer"] == "unavailable"


def test_a_channel_layer_that_gives_back_something_else_is_unavailable(client):
    async def stranger(channel):
        return {"type": "health.check", "nonce": "not-ours"}

    with mock.patch.object(get_channel_layer(), "receive", side_effect=stranger):
        response = client.get("/health")
    assert response.status_code == 503
    assert response.json()["channel_layer"] == "unavailable"


def test_both_down_names_both_and_an_unexpected_error_is_no_500(client):
    with (
        mock.patch(CURSOR, side_effect=RuntimeError("unexpected")),
        mock.patch.object(get_channel_layer(), "send", side_effect=ValueError("odd")),
    ):
        response = client.get("/health")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": "unavailable",
        "channel_layer": "unavailable",
    }


def test_on_the_servers_threads_the_round_trip_runs_on_the_servers_loop(client, monkeypatch):
    # Under daphne a view runs on a pool thread and the channel layer belongs to the server's
    # event loop (reflectie/http_threads.py): the check must hand its round trip to that loop.
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    used = []
    real = health.round_trip

    async def watched():
        used.append(asyncio.get_running_loop())
        await real()

    try:
        monkeypatch.setattr(health, "server_loop", lambda: loop)
        monkeypatch.setattr(health, "round_trip", watched)
        response = client.get("/health")
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()
    assert response.status_code == 200
    assert used == [loop]

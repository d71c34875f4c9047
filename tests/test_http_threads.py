"""HTTP on a fixed pool of threads (reflectie/http_threads.py): served whole, bounded, and a
fast 503 past the bound that tells the phone when to try again."""

import asyncio
import threading

import pytest

from reflectie import http_threads
from reflectie.http_threads import ThreadPoolHandler


def scope(path="/j/", method="GET", headers=()):
    return {
        "type": "http",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"host", b"localhost"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "scheme": "http",
    }


async def call(handler, request_scope, body=b""):
    messages = []

    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message):
        messages.append(message)

    await handler(request_scope, receive, send)
    start, content = messages
    return start["status"], dict(start["headers"]), start["headers"], content["body"]


@pytest.fixture
def handler():
    h = ThreadPoolHandler(threads=1, queue=0)
    yield h
    h.shutdown()


async def test_a_page_is_served_whole_with_its_headers_and_cookies(handler):
    status, headers, raw, body = await call(handler, scope("/j/"))
    assert status == 200
    assert b"<form" in body
    assert headers[b"Content-Security-Policy"].startswith(b"default-src 'self'")
    assert any(name == b"Set-Cookie" and value.startswith(b"csrftoken=") for name, value in raw)


async def test_the_view_runs_on_a_pool_thread_not_the_event_loop(handler, monkeypatch):
    seen = []
    original = handler.respond

    def respond(*args):
        seen.append(threading.current_thread().name)
        return original(*args)

    monkeypatch.setattr(handler, "respond", respond)
    await call(handler, scope("/j/"))
    await call(handler, scope("/j/"))
    # One long-lived thread served both: its database connection is kept between requests.
    assert len(set(seen)) == 1
    assert seen[0].startswith(http_threads.THREAD_PREFIX)


async def test_past_the_threads_and_the_queue_a_request_gets_a_fast_503(handler, monkeypatch):
    release = threading.Event()
    started = threading.Event()
    original = handler.respond

    def slow(*args):
        started.set()
        release.wait(5)
        return original(*args)

    monkeypatch.setattr(handler, "respond", slow)
    first = asyncio.create_task(call(handler, scope("/j/")))
    await asyncio.get_running_loop().run_in_executor(None, started.wait, 5)
    posted = scope("/s/ABCDEF/answer/", method="POST")
    status, headers, _raw, body = await asyncio.wait_for(call(handler, posted), 1)
    assert status == 503
    assert headers[b"Retry-After"] == b"1"
    assert headers[b"Cache-Control"] == b"no-store"
    assert "te druk" in body.decode()
    assert b'http-equiv="refresh"' not in body  # a POST is not sent again by the browser
    english = scope(headers=[(b"accept-language", b"en-GB,en;q=0.9")])
    _status, _headers, _raw, body = await asyncio.wait_for(call(handler, english), 1)
    assert "busy" in body.decode()
    assert '<html lang="en">' in body.decode()
    assert '<meta http-equiv="refresh" content="2">' in body.decode()  # a GET loads again
    assert handler.refused == 2
    release.set()
    status, *_rest = await first
    assert status == 200
    # The slot is free again: the next request is served.
    monkeypatch.setattr(handler, "respond", original)
    status, *_rest = await call(handler, scope("/j/"))
    assert status == 200
    assert handler.admitted == 0


async def test_a_refused_tap_never_reaches_the_view(handler, monkeypatch):
    handler.admitted = handler.limit  # as if every thread and queue slot were taken
    ran = []
    monkeypatch.setattr(handler, "respond", lambda *args: ran.append(args))
    status, *_rest = await call(handler, scope("/s/ABCDEF/answer/", method="POST"), b"item-1=3")
    assert status == 503
    assert ran == []
    handler.admitted = 0


async def test_a_client_that_leaves_before_its_body_is_read_costs_no_thread(handler, monkeypatch):
    ran = []
    monkeypatch.setattr(handler, "respond", lambda *args: ran.append(args))

    async def receive():
        return {"type": "http.disconnect"}

    async def send(message):
        raise AssertionError("nothing is sent to a client that left")

    await handler(scope("/j/", method="POST"), receive, send)
    assert ran == []
    assert handler.admitted == 0


def test_the_server_loop_is_only_offered_on_pool_threads():
    # Elsewhere (a management command, the test client) a notice is sent the ordinary way.
    assert http_threads.server_loop() is None

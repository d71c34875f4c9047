"""HTTP through Django's synchronous handler on a fixed pool of threads, with a bounded queue.

Every view is synchronous. Django's own ASGI handler runs each request's middleware and view
through ``sync_to_async`` in a thread it starts for that request (asgiref's
ThreadSensitiveContext), hopping between the event loop and that thread at every middleware,
and a new thread means a new database connection. Measured under load (docs/benchmarks.md),
that hand-off cost more than the views themselves, and nothing bounded it: past capacity every
request got a thread, thousands of them.

Here a request is read on the event loop, then the whole middleware chain and the view run in
one go on one of ``HTTP_THREADS`` long-lived threads, each keeping its database connection
(``CONN_MAX_AGE``): a worker holds at most that many connections (plus one for the sockets).
At most ``HTTP_QUEUE`` more requests wait for a thread; beyond that a request is answered at
once with a 503 and ``Retry-After``, which the phone's script retries by itself (static/js/
phone.js). Nothing of a refused request has run, so a refused tap is never stored.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.core import signals
from django.core.handlers import base
from django.core.handlers.asgi import ASGIRequest, get_script_prefix
from django.http import HttpResponse, HttpResponseBadRequest
from django.urls import set_script_prefix
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext as _

from reflectie.headers import CONTENT_SECURITY_POLICY

log = logging.getLogger(__name__)

#: Seconds a refused request is told to wait (the phone adds jitter).
RETRY_AFTER = 1
#: Refusing is logged at most this often (seconds): an overload is one line, not thousands.
WARN_EVERY = 60
#: The pool threads' names start with this.
THREAD_PREFIX = "reflectie-http"

#: The event loop the server runs, once it served a request: code on a pool thread hands
#: coroutines to it (sessions.notify) instead of starting a loop of its own.
_server_loop: asyncio.AbstractEventLoop | None = None


def server_loop() -> asyncio.AbstractEventLoop | None:
    """The server's event loop, when called on one of its HTTP threads; otherwise None."""
    loop = _server_loop
    if loop is None or loop.is_closed() or not _on_pool_thread():
        return None
    return loop


def _on_pool_thread() -> bool:
    return threading.current_thread().name.startswith(THREAD_PREFIX)


class ThreadPoolHandler(base.BaseHandler):
    """An ASGI application for HTTP scopes (WebSockets go to the consumers)."""

    request_class = ASGIRequest

    def __init__(self, threads: int | None = None, queue: int | None = None):
        super().__init__()
        self.threads = threads or settings.HTTP_THREADS
        self.queue = settings.HTTP_QUEUE if queue is None else queue
        self.load_middleware(is_async=False)
        self.executor = ThreadPoolExecutor(self.threads, thread_name_prefix=THREAD_PREFIX)
        #: Requests admitted and not yet answered: running on a thread or waiting for one.
        self.admitted = 0
        #: Requests refused with a 503 since the start, for the logs and the benchmarks.
        self.refused = 0
        self.warned_at = -WARN_EVERY

    @property
    def limit(self) -> int:
        return self.threads + self.queue

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(f"ThreadPoolHandler serves HTTP, not {scope['type']!r}")
        global _server_loop
        _server_loop = asyncio.get_running_loop()
        # Static files count too: more admitted work only makes every answer later. (A lane of
        # their own, or more room for them, let a thousand phones joining at once tip the
        # server into refusing: docs/benchmarks.md, the closing note of issue 10.)
        if self.admitted >= self.limit:
            self.refused += 1
            now = time.monotonic()
            if now - self.warned_at > WARN_EVERY:
                self.warned_at = now
                log.warning(
                    "%d requests in flight: answering 503 until there is room "
                    "(REFLECTIE_HTTP_THREADS, REFLECTIE_HTTP_QUEUE; %d refused so far)",
                    self.admitted,
                    self.refused,
                )
            await self.send_busy(scope, send)
            return
        self.admitted += 1
        try:
            body = await self.read_body(receive)
            if body is None:  # the client left before its request was complete
                return
            loop = asyncio.get_running_loop()
            try:
                status, headers, content = await loop.run_in_executor(
                    self.executor, self.respond, scope, body
                )
            finally:
                body.close()
        finally:
            self.admitted -= 1
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content})

    @staticmethod
    async def read_body(receive):
        # Closed by the caller, once the view has read it.
        body = tempfile.SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE)  # noqa: SIM115
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                body.close()
                return None
            body.write(message.get("body", b""))
            if not message.get("more_body", False):
                body.seek(0)
                return body

    def respond(self, scope, body) -> tuple[int, list, bytes]:
        """On a pool thread: the middleware, the view and the whole body of the response."""
        set_script_prefix(get_script_prefix(scope))
        # Closes this thread's database connection when it is older than CONN_MAX_AGE.
        signals.request_started.send(sender=self.__class__, scope=scope)
        try:
            request = self.request_class(scope, body)
        except UnicodeDecodeError:
            response = HttpResponseBadRequest()
        else:
            response = self.get_response(request)
        try:
            if response.streaming:
                content = b"".join(response.streaming_content)
            else:
                content = response.content
            return response.status_code, response_headers(response), content
        finally:
            response.close()  # request_finished: the connection stays open for the next one

    async def send_busy(self, scope, send) -> None:
        language = language_of(scope)
        with translation.override(language):
            # Phones retry a refused tap by themselves; a page load shows this and, for a GET,
            # loads itself again after Retry-After (a meta refresh: no script needed).
            title = _("Even te druk")
            text = _("Het is even te druk. Probeer het over een paar tellen opnieuw.")
        refresh = (
            f'<meta http-equiv="refresh" content="{RETRY_AFTER + 1}">'
            if scope["method"] in ("GET", "HEAD")
            else ""
        )
        page = (
            f'<!doctype html><html lang="{language}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"{refresh}<title>{escape(title)}</title></head>"
            f"<body><main><h1>{escape(title)}</h1><p>{escape(text)}</p></main></body></html>"
        )
        response = HttpResponse(page, status=503)
        response["Retry-After"] = str(RETRY_AFTER)
        response["Cache-Control"] = "no-store"
        response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        await send(
            {"type": "http.response.start", "status": 503, "headers": response_headers(response)}
        )
        await send({"type": "http.response.body", "body": response.content})

    def shutdown(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)


def response_headers(response: HttpResponse) -> list[tuple[bytes, bytes]]:
    headers = [(name.encode("ascii"), value.encode("latin1")) for name, value in response.items()]
    for cookie in response.cookies.values():
        headers.append((b"Set-Cookie", cookie.output(header="").encode("ascii").strip()))
    return headers


def language_of(scope) -> str:
    """English when the browser prefers it, else Dutch: the 503 is read before any middleware."""
    for name, value in scope.get("headers", []):
        if name == b"accept-language":
            first = value.decode("latin1").split(",")[0].strip().lower()
            return "en" if first.startswith("en") else settings.LANGUAGE_CODE
    return settings.LANGUAGE_CODE

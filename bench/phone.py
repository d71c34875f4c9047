"""A simulated participant's phone, behaving as static/js/phone.js does, on the lean client.

A phone keeps its own cookies (CSRF and device token) and shares the benchmark's keep-alive
connections (`wire.Pool`): one connection per phone would be a thousand sockets of the
generator's own, for nothing a server would see differently. Each phone does hold its own
receive-only WebSocket, as the real page does.

    join       GET the join link (CSRF cookie and form token), POST "Meedoen" (303 and the
               device cookie), GET the phone page (the phase version and stage key it shows),
               and, once per phone, the static files those pages name (a fresh phone's cache).
    socket     /ws/s/<code>/?v=<version>; on a message ("something changed") it fetches its
               stage once. While the socket is down it reconnects (htmx's delay: up to 5 s,
               with jitter) and polls its stage every 4 s; while it is open it never polls.
    tap        POST /s/<code>/answer/ as htmx does. A 503 is waited out (its Retry-After, with
               jitter; else the backoff) and the same tap is sent again; so is any other 5xx, a
               connection error or a time-out (10 s, as phone.js), with a backoff of 1 s
               doubling to 10 s with jitter, until the tap's deadline. A 4xx is the server's
               answer: not retried.
"""

import asyncio
import hashlib
import random
import re
import time
from collections import Counter
from dataclasses import dataclass

from .wire import Cookies, Pool, Reply, WebSocket, form

SCORES = "12345"
PARTNER_TYPES = ["", "vo", "mbo", "ho", "gemeente", "bedrijf", "maatschappelijk", "anders"]
TAP_TIMEOUT = 10.0  # phone.js TAP_TIMEOUT_MS
PAGE_TIMEOUT = 30.0
FIRST_RETRY = 1.0  # phone.js FIRST_RETRY_MS
MAX_RETRY = 10.0  # phone.js MAX_RETRY_MS
POLL_EVERY = 4.0  # phone.js POLL_MS
SOCKET_RETRY_MAX = 5.0  # phone.js wsReconnectDelay

FORM_TOKEN = re.compile(r'name="csrfmiddlewaretoken"\s+value="([^"]+)"')
WS_CONNECT = re.compile(r'ws-connect="([^"]+)"')
SHOWN_V = re.compile(r'<input type="hidden" name="v" value="([^"]*)"')
SHOWN_K = re.compile(r'<input type="hidden" name="k" value="([^"]*)"')
POLL_URL = re.compile(r'id="phone-poll"[^>]*?\shx-get="([^"]+)"')
STATIC_REF = re.compile(r'(?:href|src)="(/static/[^"]+)"')

# What went wrong on the wire, by kind, for every phone of a run.
ERRORS = (TimeoutError, OSError, asyncio.IncompleteReadError, ConnectionError)


def backoff(attempt: int, rng: random.Random) -> float:
    """phone.js's retry delay (1 s doubling to 10 s), with jitter so phones spread out."""
    return min(FIRST_RETRY * 2**attempt, MAX_RETRY) * rng.uniform(0.5, 1.0)


def wait_after_503(reply: Reply, attempt: int, rng: random.Random) -> float:
    """As phone.js: the longer of its backoff (1 s doubling to 10 s) and the Retry-After the
    server asked for, with a quarter either way as jitter. Without the doubling a thousand
    phones came back every second and kept a busy server busy with refusals."""
    asked = reply.retry_after() or 0
    base = max(min(FIRST_RETRY * 2**attempt, MAX_RETRY), min(asked, MAX_RETRY))
    return base * rng.uniform(0.75, 1.25)


@dataclass(slots=True)
class Tap:
    phone: int
    item: int
    value: str
    planned: float
    first_sent: float | None = None  # the user's tap: the first attempt leaves
    sent: float | None = None  # the last attempt left
    acked: float | None = None  # the 2xx came back
    status: int | None = None  # of the last attempt that got an answer
    attempts: int = 0
    got_503: int = 0
    got_5xx: int = 0  # other than 503
    timeouts: int = 0
    conn_errors: int = 0
    error: str | None = None
    gave_up: bool = False
    shown: float | None = None

    @property
    def ok(self) -> bool:
        return self.acked is not None


class Tally:
    """Counters shared by every phone of a run (one event loop: no locks)."""

    def __init__(self):
        self.status: Counter[tuple[str, int]] = Counter()  # (kind, status)
        self.errors: Counter[tuple[str, str]] = Counter()  # (kind, exception name)
        self.retry_after: Counter[str] = Counter()  # Retry-After values on 503s
        self.error_examples: dict[int, str] = {}  # status -> a body sample (5xx)
        self.polls = 0
        self.state_fetches = 0
        self.socket_opens = 0
        self.socket_failures: Counter[str] = Counter()
        self.socket_messages = 0

    def saw(self, kind: str, reply: Reply) -> None:
        self.status[kind, reply.status] += 1
        if reply.status == 503:
            self.retry_after[reply.headers.get("retry-after", "(none)")] += 1
        if reply.status >= 500 and reply.status not in self.error_examples:
            self.error_examples[reply.status] = reply.text()[:200]

    def failed(self, kind: str, exc: BaseException) -> None:
        self.errors[kind, type(exc).__name__] += 1


def token_owners(phones: list["Phone"]) -> dict[str, int]:
    """{SHA-256 of a phone's device token: the phone's index}: whose rows the database holds."""
    return {
        hashlib.sha256(p.device_token.encode()).hexdigest(): p.index
        for p in phones
        if p.device_token
    }


class Phone:
    def __init__(self, index: int, pool: Pool, code: str, tally: Tally, *, assets: bool = True):
        self.index = index
        self.pool = pool
        self.code = code
        self.tally = tally
        self.assets = assets
        self.origin = f"http://{pool.authority}"
        self.cookies = Cookies()
        self.rng = random.Random(f"phone-{index}")
        self.user_agent = f"reflectie-bench-phone/{index}"
        self.fetched: set[str] = set()
        self.ws_target: str | None = None
        self.state_path = f"/s/{code}/state/"
        self.shown_v = ""
        self.shown_k = ""
        self.joined = False
        self.join_error: str | None = None
        self.join_seconds: float | None = None
        self.joined_at: float | None = None
        self.socket_open = False
        self.socket_task: asyncio.Task | None = None
        self.socket: WebSocket | None = None
        self.stopping = False

    # Plumbing ----------------------------------------------------------------------------------

    @property
    def device_token(self) -> str | None:
        return self.cookies.get(f"reflectie_{self.code}")

    async def send(
        self,
        kind: str,
        method: str,
        target: str,
        headers: dict[str, str] | None = None,
        body: bytes = b"",
        timeout: float = PAGE_TIMEOUT,
    ) -> Reply:
        """One request with this phone's cookies; counted under `kind`."""
        all_headers = {"User-Agent": self.user_agent, "Accept-Encoding": "gzip"}
        if self.cookies.values:
            all_headers["Cookie"] = self.cookies.header()
        if headers:
            all_headers.update(headers)
        try:
            reply = await self.pool.request(method, target, all_headers, body, timeout=timeout)
        except ERRORS as exc:
            self.tally.failed(kind, exc)
            raise
        self.cookies.update(reply.set_cookies)
        self.tally.saw(kind, reply)
        return reply

    async def page(self, kind: str, method: str, target: str, give_up_at: float, **kwargs):
        """A page load as a person does it: on a 503 or a dropped connection, again (after
        the Retry-After or a backoff) until `give_up_at`."""
        attempt = 0
        while True:
            try:
                reply = await self.send(kind, method, target, **kwargs)
            except ERRORS as exc:
                wait, why = backoff(attempt, self.rng), f"{type(exc).__name__}: {exc}"
            else:
                if reply.status < 500:
                    return reply
                wait = wait_after_503(reply, attempt, self.rng)
                why = f"HTTP {reply.status}"
            attempt += 1
            if time.perf_counter() + wait > give_up_at:
                raise RuntimeError(f"{method} {target}: gave up after {attempt} tries ({why})")
            await asyncio.sleep(wait)

    async def load_assets(self, html: str, give_up_at: float) -> None:
        if not self.assets:
            return
        wanted = [url for url in dict.fromkeys(STATIC_REF.findall(html)) if url not in self.fetched]
        self.fetched.update(wanted)
        await asyncio.gather(*(self.page("static", "GET", url, give_up_at) for url in wanted))

    # Joining -----------------------------------------------------------------------------------

    async def join(self, give_up_at: float) -> None:
        """Join link, "Meedoen", the phone page. Sets `joined`, or `join_error`."""
        started = time.perf_counter()
        try:
            await self._join(give_up_at)
        except Exception as exc:  # noqa: BLE001 - reported per phone
            self.join_error = f"{type(exc).__name__}: {exc}"
            return
        self.joined = True
        self.joined_at = time.perf_counter()
        self.join_seconds = self.joined_at - started

    async def _join(self, give_up_at: float) -> None:
        join_path = f"/j/{self.code}/"
        page = await self.page("join", "GET", join_path, give_up_at)
        if page.status != 200:
            raise RuntimeError(f"join page answered HTTP {page.status}")
        html = page.text()
        found = FORM_TOKEN.search(html)
        token = found.group(1) if found else self.cookies.get("csrftoken")
        if not token:
            raise RuntimeError("the join page set no CSRF token")
        await self.load_assets(html, give_up_at)
        body = form({"csrfmiddlewaretoken": token, "partner_type": self.rng.choice(PARTNER_TYPES)})
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": self.origin,
            "Referer": self.origin + join_path,
        }
        done = await self.page("join", "POST", join_path, give_up_at, headers=headers, body=body)
        if done.status not in (302, 303) or not self.device_token:
            raise RuntimeError(f"joining answered HTTP {done.status} without a device cookie")
        phone_path = f"/s/{self.code}/"
        page = await self.page("join", "GET", phone_path, give_up_at)
        if page.status != 200:
            raise RuntimeError(f"the phone page answered HTTP {page.status}")
        html = page.text()
        found = WS_CONNECT.search(html)
        self.ws_target = found.group(1).replace("&amp;", "&") if found else f"/ws/s/{self.code}/"
        found = POLL_URL.search(html)
        if found:
            self.state_path = found.group(1).replace("&amp;", "&")
        self.remember_shown(html)
        await self.load_assets(html, give_up_at)

    def remember_shown(self, html: str) -> None:
        v, k = SHOWN_V.search(html), SHOWN_K.search(html)
        if v:
            self.shown_v = v.group(1)
        if k:
            self.shown_k = k.group(1)

    # The stage: socket, or poll ----------------------------------------------------------------

    def state_target(self) -> str:
        return f"{self.state_path}?v={self.shown_v}&k={self.shown_k}"

    def htmx_headers(self, target_id: str = "phone-main") -> dict[str, str]:
        return {
            "HX-Request": "true",
            "HX-Current-URL": f"{self.origin}/s/{self.code}/",
            "HX-Target": target_id,
        }

    async def fetch_stage(self, kind: str) -> None:
        try:
            reply = await self.send(kind, "GET", self.state_target(), self.htmx_headers())
        except ERRORS:
            return
        if reply.status == 200:
            self.remember_shown(reply.text())

    async def poll(self) -> None:
        self.tally.polls += 1
        await self.fetch_stage("poll")

    def start_socket(self) -> None:
        self.socket_task = asyncio.create_task(self._socket_loop())

    def start_polling(self) -> None:
        """No socket at all (--no-phone-sockets): the stage every 4 s, as phone.js falls back."""
        self.socket_task = asyncio.create_task(self._poll_loop())

    async def _poll_loop(self) -> None:
        await asyncio.sleep(self.rng.uniform(0, POLL_EVERY))
        while not self.stopping:
            await self.poll()
            await asyncio.sleep(POLL_EVERY)

    async def _socket_loop(self) -> None:
        headers = {
            "Origin": self.origin,
            "Cookie": f"reflectie_{self.code}={self.device_token}",
            "User-Agent": self.user_agent,
        }
        retries = 0
        last_poll = time.perf_counter()
        while not self.stopping:
            try:
                self.socket = await WebSocket.connect(
                    self.pool.host, self.pool.port, self.ws_target, headers
                )
            except ERRORS as exc:
                self.tally.socket_failures[f"open: {type(exc).__name__}: {exc}"[:120]] += 1
            else:
                self.socket_open = True
                self.tally.socket_opens += 1
                retries = 0
                async for _message in self.socket.messages():
                    self.tally.socket_messages += 1
                    self.tally.state_fetches += 1
                    await self.fetch_stage("state")
                self.socket_open = False
                if self.stopping:
                    return
                self.tally.socket_failures[f"closed: {self.socket.close_code}"] += 1
            # Down: reconnect after htmx's delay, polling every 4 s meanwhile.
            delay = min(2**retries, SOCKET_RETRY_MAX) * self.rng.uniform(0.5, 1.0)
            retries += 1
            if time.perf_counter() - last_poll >= POLL_EVERY:
                last_poll = time.perf_counter()
                await self.poll()
            await asyncio.sleep(delay)

    # Taps --------------------------------------------------------------------------------------

    async def tap(self, tap: Tap, patience: float) -> None:
        """Send one score until it is answered (2xx or 4xx), for at most `patience` seconds
        after its first attempt."""
        body = form({f"item-{tap.item}": tap.value})
        headers = {
            **self.htmx_headers(f"status-item-{tap.item}"),
            "Content-Type": "application/x-www-form-urlencoded",
            "X-CSRFToken": self.cookies.get("csrftoken") or "",
            "Origin": self.origin,
        }
        target = f"/s/{self.code}/answer/"
        retry = 0
        while True:
            now = time.perf_counter()
            if tap.first_sent is None:
                tap.first_sent = now
                give_up_at = now + patience
            tap.sent = now
            tap.attempts += 1
            try:
                reply = await self.send("tap", "POST", target, headers, body, TAP_TIMEOUT)
            except TimeoutError:
                tap.timeouts += 1
                tap.error = "time-out"
                wait = backoff(retry, self.rng)
            except ERRORS as exc:
                tap.conn_errors += 1
                tap.error = f"{type(exc).__name__}: {exc}"
                wait = backoff(retry, self.rng)
            else:
                tap.status = reply.status
                if 200 <= reply.status < 300:
                    tap.acked = time.perf_counter()
                    tap.error = None
                    return
                if reply.status < 500:  # refused: the phone shows it and does not retry
                    tap.error = f"HTTP {reply.status}: {reply.text()[:160]}"
                    return
                if reply.status == 503:
                    tap.got_503 += 1
                    wait = wait_after_503(reply, retry, self.rng)
                else:
                    tap.got_5xx += 1
                    wait = backoff(retry, self.rng)
                tap.error = f"HTTP {reply.status}"
            retry += 1
            if time.perf_counter() + wait > give_up_at:
                tap.gave_up = True
                return
            await asyncio.sleep(wait)

    async def close(self) -> None:
        self.stopping = True
        if self.socket is not None:
            self.socket.close()
        if self.socket_task is not None:
            self.socket_task.cancel()
            await asyncio.gather(self.socket_task, return_exceptions=True)

"""Live scoring: many phones score the statements while the facilitator's screen follows.

Each phone is a real HTTP client with its own cookie jar: it opens the join page (CSRF cookie and
form token), joins (device cookie), holds the phone WebSocket like the real page does, and then
posts its scores one by one as htmx would (`HX-Request`, `X-CSRFToken`), at seeded random moments
spread over the run. One logged-in facilitator holds the screen WebSocket.

A tap is "shown" when the facilitator socket first receives a fragment of that statement
(`id="item-<id>"`) whose respondent count (`data-respondents`) is at least the tap's rank: the
number of taps on that statement acknowledged up to and including this one. Each phone answers each
statement once, so count N on a statement means its N-th answer is on the screen. The latency of
a tap is the time from just before its POST is sent to that fragment's arrival; both clocks are
this process's. A tap that got a 2xx but is never shown within the settle time is lost; the
database is checked afterwards as well (every statement must have one answer per phone).
"""

import asyncio
import random
import re
import statistics
import time
from collections import defaultdict
from dataclasses import dataclass

import httpx
from websockets.asyncio.client import connect as ws_connect

from .report import Result, ms, percentile, spread
from .server import BenchServer

TITLE = "Live scoring"
SCORES = "12345"
PARTNER_TYPES = ["vo", "mbo", "ho", "gemeente", "bedrijf", "maatschappelijk", "anders"]

# The start tag of a statement's fragment, and the respondent count in it.
ITEM_TAG = re.compile(r'<[^<>]*(?<![\w-])id="item-(\d+)"[^<>]*>')
RESPONDENTS = re.compile(r'\bdata-respondents="(\d+)"')
# Fallback when the attribute is missing: "12 van 100" in the fragment's text.
X_OF_Y = re.compile(r"(\d+)\s+van\s+(\d+)")
TAGS = re.compile(r"<[^>]+>")
FORM_TOKEN = re.compile(r'name="csrfmiddlewaretoken"\s+value="([^"]+)"')


def add_arguments(parser) -> None:
    group = parser.add_argument_group("live scoring")
    group.add_argument("--phones", type=int, default=100, help="simulated phones (default 100)")
    group.add_argument(
        "--seconds", type=float, default=60.0, help="time over which the taps are spread (60)"
    )
    group.add_argument("--seed", type=int, default=2025, help="seed for tap moments and scores")
    group.add_argument(
        "--settle",
        type=float,
        default=5.0,
        help="seconds after the last tap to wait for the screen",
    )
    group.add_argument(
        "--no-phone-sockets",
        dest="phone_sockets",
        action="store_false",
        help="phones do not hold their (receive-only) WebSocket",
    )


def respondent_counts(html: str) -> tuple[dict[int, int], bool]:
    """{item id: respondents} of the statement fragments in a message; True if the text was used."""
    counts: dict[int, int] = {}
    used_text = False
    tags = list(ITEM_TAG.finditer(html))
    for index, tag in enumerate(tags):
        item_id = int(tag.group(1))
        if item_id in counts:
            continue
        found = RESPONDENTS.search(tag.group(0))
        if found:
            counts[item_id] = int(found.group(1))
            continue
        end = tags[index + 1].start() if index + 1 < len(tags) else len(html)
        text = TAGS.sub(" ", html[tag.end() : end])
        found = X_OF_Y.search(text)
        if found:
            counts[item_id] = int(found.group(1))
            used_text = True
    return counts, used_text


def form_token(html: str) -> str | None:
    found = FORM_TOKEN.search(html)
    return found.group(1) if found else None


@dataclass
class Tap:
    phone: int
    item: int
    value: str
    planned: float
    sent: float | None = None
    acked: float | None = None
    status: int | None = None
    error: str | None = None
    shown: float | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class Screen:
    """The facilitator's WebSocket: records when each statement's respondent count went up."""

    def __init__(self):
        self.events: dict[int, list[tuple[float, int]]] = defaultdict(list)
        self.latest: dict[int, int] = {}
        self.messages = 0
        self.bytes = 0
        self.used_text = False
        self.went_down = 0
        self.changed = asyncio.Event()
        self.snapshot: dict[int, int] | None = None
        self.closed: str | None = None

    async def listen(self, ws) -> None:
        try:
            async for message in ws:
                now = time.perf_counter()
                text = message if isinstance(message, str) else message.decode()
                self.messages += 1
                self.bytes += len(text.encode())
                counts, used_text = respondent_counts(text)
                self.used_text |= used_text
                if self.snapshot is None:
                    self.snapshot = counts
                for item, count in counts.items():
                    before = self.latest.get(item)
                    if before is not None and count < before:
                        self.went_down += 1
                    if before is None or count > before:
                        self.latest[item] = count
                        self.events[item].append((now, count))
                self.changed.set()
        except Exception as exc:  # noqa: BLE001 - reported, not raised
            self.closed = f"{type(exc).__name__}: {exc}"
        else:
            self.closed = f"closed by the server ({ws.close_code})"

    def first_shown(self, item: int, rank: int, not_before: float) -> float | None:
        for moment, count in self.events.get(item, ()):
            if moment >= not_before and count >= rank:
                return moment
        return None


class Phone:
    def __init__(self, index: int, base_url: str, code: str):
        self.index = index
        self.base_url = base_url
        self.code = code
        self.client = httpx.AsyncClient(
            base_url=base_url,
            timeout=httpx.Timeout(30.0),
            headers={"User-Agent": f"reflectie-bench-phone/{index}"},
        )
        self.socket_task: asyncio.Task | None = None
        self.socket_messages = 0
        self.socket_error: str | None = None

    async def join(self) -> None:
        page = await self.client.get(f"/j/{self.code}/")
        page.raise_for_status()
        token = form_token(page.text) or self.client.cookies.get("csrftoken")
        if not token:
            raise RuntimeError("the join page set no CSRF token")
        rng = random.Random(self.index)
        done = await self.client.post(
            f"/j/{self.code}/",
            data={
                "csrfmiddlewaretoken": token,
                "partner_type": rng.choice(PARTNER_TYPES),
            },
            headers={"Origin": self.base_url, "Referer": f"{self.base_url}/j/{self.code}/"},
            follow_redirects=True,
        )
        done.raise_for_status()
        if not self.device_token:
            raise RuntimeError(f"joining set no device cookie (ended on {done.url.path})")

    @property
    def device_token(self) -> str | None:
        return self.client.cookies.get(f"reflectie_{self.code}")

    async def open_socket(self, ws_url: str, opened: asyncio.Event | None = None) -> None:
        try:
            async with ws_connect(
                f"{ws_url}/ws/s/{self.code}/",
                additional_headers={"Cookie": f"reflectie_{self.code}={self.device_token}"},
                origin=self.base_url,
                open_timeout=30,
            ) as ws:
                if opened:
                    opened.set()
                async for _message in ws:
                    self.socket_messages += 1
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - reported, not raised
            self.socket_error = f"{type(exc).__name__}: {exc}"
            if opened:
                opened.set()

    async def tap(self, tap: Tap) -> None:
        headers = {
            "HX-Request": "true",
            "HX-Current-URL": f"{self.base_url}/s/{self.code}/",
            "X-CSRFToken": self.client.cookies.get("csrftoken") or "",
            "Origin": self.base_url,
        }
        tap.sent = time.perf_counter()
        try:
            response = await self.client.post(
                f"/s/{self.code}/answer/", data={f"item-{tap.item}": tap.value}, headers=headers
            )
            await response.aread()
        except httpx.HTTPError as exc:
            tap.error = f"{type(exc).__name__}: {exc}"
            return
        tap.acked = time.perf_counter()
        tap.status = response.status_code
        if not tap.ok:
            tap.error = f"HTTP {response.status_code}: {response.text[:200]}"

    async def close(self) -> None:
        if self.socket_task:
            self.socket_task.cancel()
            await asyncio.gather(self.socket_task, return_exceptions=True)
        await self.client.aclose()


def plan(phones: int, items: list[int], seconds: float, seed: int) -> list[list[Tap]]:
    """Per phone its taps: every statement once, in order, at sorted random moments."""
    plans = []
    for phone in range(phones):
        rng = random.Random(f"{seed}-{phone}")
        moments = sorted(rng.uniform(0, seconds) for _ in items)
        plans.append(
            [
                Tap(phone=phone, item=item, value=rng.choice(SCORES), planned=moment)
                for item, moment in zip(items, moments, strict=True)
            ]
        )
    return plans


async def run_phone(phone: Phone, taps: list[Tap], start: float) -> None:
    """Tap at the planned moments; a phone waits for one answer before it sends the next."""
    for tap in taps:
        delay = start + tap.planned - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        await phone.tap(tap)


async def login(base_url: str, username: str, password: str) -> str:
    async with httpx.AsyncClient(base_url=base_url, timeout=30.0) as client:
        page = await client.get("/accounts/login/")
        page.raise_for_status()
        token = form_token(page.text) or client.cookies.get("csrftoken")
        done = await client.post(
            "/accounts/login/",
            data={"username": username, "password": password, "csrfmiddlewaretoken": token},
            headers={"Origin": base_url, "Referer": f"{base_url}/accounts/login/"},
        )
        session_cookie = client.cookies.get("sessionid")
        if done.status_code != 302 or not session_cookie:
            raise RuntimeError(f"facilitator login failed: HTTP {done.status_code}")
        return session_cookie


async def loop_lag(samples: list[float], stop: asyncio.Event, every: float = 0.05) -> None:
    """How late this process's event loop wakes up: a check on the client's own timing."""
    while not stop.is_set():
        before = time.perf_counter()
        await asyncio.sleep(every)
        samples.append(time.perf_counter() - before - every)


async def measure(server: BenchServer, args) -> Result:
    live = server.create_live_session()
    items: list[int] = live["item_ids"]
    result = Result(
        title=f"{TITLE}: {args.phones} phones × {len(items)} statements over {args.seconds:g} s",
        setup=(
            f"Instrument {live['instrument']}, scoring mode “all”, seed {args.seed}; one daphne "
            "process (SQLite, in-memory channel layer, production mode as `make run`) on "
            "127.0.0.1; "
            f"phone sockets {'on' if args.phone_sockets else 'off'}."
        ),
    )

    # The facilitator's screen first, so it sees everything from its snapshot on.
    screen = Screen()
    session_cookie = await login(server.base_url, live["username"], live["password"])
    screen_ws = await ws_connect(
        f"{server.ws_url}/ws/sessies/{live['session_id']}/facilitator/",
        additional_headers={"Cookie": f"sessionid={session_cookie}"},
        origin=server.base_url,
        max_size=None,
        open_timeout=30,
    )
    listener = asyncio.create_task(screen.listen(screen_ws))
    await asyncio.wait_for(screen.changed.wait(), timeout=15)
    snapshot = screen.snapshot or {}
    missing = [item for item in items if item not in snapshot]
    if missing:
        result.notes.append(
            f"The facilitator's snapshot had no countable fragment for {len(missing)} of "
            f'{len(items)} statements (looked for id="item-<id>" with data-respondents).'
        )

    phones = [Phone(i, server.base_url, live["code"]) for i in range(args.phones)]
    try:
        joined_at = time.perf_counter()
        joins = await asyncio.gather(*(p.join() for p in phones), return_exceptions=True)
        join_seconds = time.perf_counter() - joined_at
        join_errors = [repr(e) for e in joins if isinstance(e, BaseException)]
        if args.phone_sockets:
            opened = []
            for phone in phones:
                if phone.device_token:
                    event = asyncio.Event()
                    opened.append(event)
                    phone.socket_task = asyncio.create_task(phone.open_socket(server.ws_url, event))
            await asyncio.wait_for(asyncio.gather(*(e.wait() for e in opened)), timeout=60)
        await asyncio.sleep(1.0)  # let the screen show the joins before the taps start

        plans = plan(args.phones, items, args.seconds, args.seed)
        runnable = [
            (phone, taps) for phone, taps in zip(phones, plans, strict=True) if phone.device_token
        ]
        lag: list[float] = []
        stop_lag = asyncio.Event()
        lag_task = asyncio.create_task(loop_lag(lag, stop_lag))
        cpu_before = server.cpu_seconds()
        start = time.perf_counter() + 0.2
        await asyncio.gather(*(run_phone(phone, taps, start) for phone, taps in runnable))
        taps_done = time.perf_counter()

        # Give the screen until `settle` seconds after the last tap to show every stored answer.
        taps = [tap for _phone, phone_taps in runnable for tap in phone_taps]
        acked_per_item: dict[int, int] = defaultdict(int)
        for tap in taps:
            if tap.ok:
                acked_per_item[tap.item] += 1
        deadline = taps_done + args.settle
        while any(screen.latest.get(item, -1) < n for item, n in acked_per_item.items()):
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                break
            screen.changed.clear()
            try:
                await asyncio.wait_for(screen.changed.wait(), timeout=remaining)
            except TimeoutError:
                break
        settled = time.perf_counter()
        cpu_after = server.cpu_seconds()
        stop_lag.set()
        await lag_task
        phone_socket_errors = [p.socket_error for p in phones if p.socket_error]
        phone_socket_messages = sum(p.socket_messages for p in phones)
    finally:
        await asyncio.gather(*(p.close() for p in phones), return_exceptions=True)
        await screen_ws.close()
        await asyncio.gather(listener, return_exceptions=True)

    # Which fragment showed each tap: rank taps per statement in the order they were acknowledged.
    by_item: dict[int, list[Tap]] = defaultdict(list)
    for tap in taps:
        if tap.ok:
            by_item[tap.item].append(tap)
    for item_taps in by_item.values():
        item_taps.sort(key=lambda t: t.acked)
        for rank, tap in enumerate(item_taps, start=1):
            tap.shown = screen.first_shown(tap.item, rank, tap.sent)

    acked = [t for t in taps if t.ok]
    failed = [t for t in taps if not t.ok]
    lost = [t for t in acked if t.shown is None]
    shown = [t for t in acked if t.shown is not None]
    first_sent = min((t.sent for t in taps if t.sent is not None), default=start)
    last_acked = max((t.acked for t in acked), default=first_sent)
    tap_window = max(last_acked - first_sent, 1e-9)

    db = server.response_counts(live["session_id"])
    db_counts = {int(k): v for k, v in db["responses"].items()}
    expected = len(runnable)
    db_short = {
        item: db_counts.get(item, 0) for item in items if db_counts.get(item, 0) != expected
    }
    server.read_peak_rss()

    planned_rate = len(taps) / args.seconds if args.seconds else float("inf")
    result.add("Phones joined", f"{len(runnable)} / {args.phones} in {join_seconds:.1f} s")
    result.add("Taps acknowledged (2xx) / sent", f"{len(acked)} / {len(taps)}")
    result.add(
        "Taps per second",
        f"{len(acked) / tap_window:.1f} achieved over {tap_window:.1f} s "
        f"(planned {planned_rate:.1f})",
    )
    result.add("HTTP answer time, median / p95", spread([t.acked - t.sent for t in acked]))
    result.add(
        "Tap → facilitator socket, median / p95 / max",
        spread([t.shown - t.sent for t in shown], with_max=True),
    )
    result.add(
        f"Lost taps (2xx, not shown within {args.settle:g} s after the last tap)", str(len(lost))
    )
    result.add(
        "Database check (answers per statement)",
        f"{len(items) - len(db_short)} / {len(items)} statements have {expected}"
        f" answers; {db['participants']} participants",
    )
    result.add(
        "Facilitator socket traffic",
        f"{screen.messages} messages, {screen.bytes / 1024:.0f} KiB "
        f"({screen.messages / max(settled - first_sent, 1e-9):.1f} messages/s while tapping)",
    )
    if cpu_before is not None and cpu_after is not None:
        busy = cpu_after - cpu_before
        wall = settled - first_sent
        result.add(
            "Server CPU while tapping",
            f"{busy:.1f} s in {wall:.1f} s ({100 * busy / wall:.0f} % of one core)",
        )
    if server.peak_rss_kib is not None:
        result.add("Server peak RSS (VmHWM)", f"{server.peak_rss_kib / 1024:.0f} MiB")
    if lag:
        result.add(
            "Client event-loop lag, median / p99 / max",
            " / ".join(ms(v) for v in (statistics.median(lag), percentile(lag, 99), max(lag))),
        )

    if screen.used_text:
        result.notes.append(
            'Respondent counts were read from the "x van y" text: the fragments have no '
            "data-respondents attribute."
        )
    if screen.went_down:
        result.notes.append(f"A statement's respondent count went down {screen.went_down} times.")
    if args.phone_sockets:
        result.notes.append(
            f"Phone sockets: {len(phones) - len(phone_socket_errors)} open, "
            f"{phone_socket_messages} messages received (none expected while scoring)."
        )
        if phone_socket_errors:
            result.notes.append(f"Phone socket problems: {phone_socket_errors[0]}")
    if screen.closed and not screen.closed.startswith("closed by the server (1000"):
        result.notes.append(f"Facilitator socket ended: {screen.closed}")
    problems = server.log_problems()
    if problems:
        result.notes.append(
            f"Server log: {len(problems)} problem lines, first: {problems[0][:200]}"
        )

    if join_errors:
        result.failures.append(f"{len(join_errors)} phones could not join ({join_errors[0]})")
    if failed:
        example = next(t.error for t in failed if t.error)
        result.failures.append(f"{len(failed)} taps not acknowledged ({example})")
    if lost:
        result.failures.append(f"{len(lost)} acknowledged taps never reached the facilitator")
    if db_short:
        sample = ", ".join(f"{item}: {n}" for item, n in list(db_short.items())[:5])
        result.failures.append(
            f"database has not {expected} answers for every statement ({sample})"
        )
    return result


def run(args) -> Result:
    with BenchServer(keep=getattr(args, "keep", False)) as server:
        return asyncio.run(measure(server, args))

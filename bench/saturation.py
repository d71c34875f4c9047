"""Saturation: what one server answers per second, closed-loop, for a tap, a poll and a file.

One server as `make run` starts it, a live session with `--saturation-phones` joined phones
(each holding its phone socket) and the facilitator's screen open. Then, one after the other,
`--saturation-clients` closed-loop clients (each sends its next request as soon as its last one
is answered) hammer, after a warm-up:

    score    the htmx tap, POST /s/<code>/answer/, spread over the phones (each client its own
             share of them, so no phone has two taps in flight) and the statements, the value
             alternating between 2 and 4 so every tap is a real change (a write, a tally, a
             screen update);
    poll     the stage poll, GET /s/<code>/state?v=<shown>&k=<key>, which answers 204 (nothing
             new);
    static   a hashed static file (the phone's CSS) as whitenoise serves it, gzip accepted.

A 503 is waited out as a phone does (Retry-After with jitter) and the same request sent again;
it is counted, as is every other status. The ratios score/static and poll/static are of answers
per second (2xx) in the same run on the same server: the goal is a tap that costs little more than
a file, "score POST ≥ 50 % of static". After the runs the database is read: each pair's stored
value must be the last one answered (a 503 or a dropped request must not have stored its value).
"""

import argparse
import asyncio
import importlib.util
import time
from collections import Counter
from dataclasses import dataclass, field

from websockets.asyncio.client import connect as ws_connect

from .live_scoring import login
from .phone import ERRORS, STATIC_REF, Phone, Tally, backoff, token_owners, wait_after_503
from .report import Result, ms, percentile
from .sampling import Sampler
from .server import HOST, OTHER_SERVERS, BenchServer
from .wire import Pool, form

TITLE = "Saturation: score POST, state poll and a static file, closed-loop"
GOAL_RATIO = 0.5


# Sizes when neither a preset (bench/run.py) nor the command line gives one.
DEFAULTS = {
    "saturation_clients": 32,
    "saturation_seconds": 10.0,
    "saturation_warmup": 2.0,
    "saturation_phones": 200,
    "saturation_server": "daphne",
}


def add_arguments(parser) -> None:
    group = parser.add_argument_group("saturation")
    group.add_argument("--saturation-clients", type=int, help="closed-loop clients (default 32)")
    group.add_argument(
        "--saturation-seconds", type=float, help="measured seconds per kind (default 10)"
    )
    group.add_argument(
        "--saturation-warmup", type=float, help="warm-up seconds per kind (default 2)"
    )
    group.add_argument("--saturation-phones", type=int, help="phones joined first (default 200)")
    group.add_argument(
        "--saturation-server",
        choices=["daphne", *OTHER_SERVERS],
        help="the ASGI server to measure (default daphne, as make run; the others must be "
        "installed: pip install uvicorn uvloop httptools granian)",
    )


def sized(args):
    """The arguments with the default sizes filled in where nothing else set them."""
    filled = argparse.Namespace(**vars(args))
    for key, value in DEFAULTS.items():
        if getattr(filled, key, None) is None:
            setattr(filled, key, value)
    return filled


@dataclass
class Window:
    """One kind's measured run."""

    kind: str
    statuses: Counter = field(default_factory=Counter)
    latencies: dict[int, list[float]] = field(default_factory=dict)
    errors: Counter = field(default_factory=Counter)
    wall: float = 0.0
    server_cpu: float | None = None
    own_cpu: float = 0.0
    sent: int = 0

    def record(self, status: int, seconds: float) -> None:
        self.statuses[status] += 1
        self.latencies.setdefault(status, []).append(seconds)

    @property
    def answered(self) -> int:
        return sum(n for status, n in self.statuses.items() if 200 <= status < 300)

    @property
    def total(self) -> int:
        return sum(self.statuses.values())

    def rate(self) -> float:
        return self.answered / self.wall if self.wall else 0.0

    def ok_latencies(self) -> list[float]:
        return [v for s, values in self.latencies.items() if 200 <= s < 300 for v in values]


class Scores:
    """Which tap each client sends next: its own phones, every statement, values alternating."""

    def __init__(self, phones: list[Phone], items: list[int], clients: int):
        # More clients than phones: some share one (then a phone may have two taps in flight).
        self.shares = [phones[c::clients] or [phones[c % len(phones)]] for c in range(clients)]
        self.items = items
        self.turn = [0] * clients
        self.value: dict[tuple[int, int], str] = {}  # last answered value per phone × statement
        self.pending: dict[tuple[int, int], str] = {}  # sent, not (yet) answered with a 2xx

    def next(self, client: int) -> tuple[Phone, int, str]:
        share = self.shares[client]
        turn = self.turn[client]
        phone = share[turn % len(share)]
        item = self.items[(turn // len(share)) % len(self.items)]
        key = (phone.index, item)
        value = self.pending.get(key) or ("4" if self.value.get(key) == "2" else "2")
        self.pending[key] = value
        return phone, item, value

    def answered(self, client: int, phone: Phone, item: int, value: str, ok: bool) -> None:
        key = (phone.index, item)
        if ok:
            self.value[key] = value
        self.pending.pop(key, None)
        self.turn[client] += 1


def tap_request(phone: Phone, item: int, value: str):
    headers = {
        **phone.htmx_headers(f"status-item-{item}"),
        "Content-Type": "application/x-www-form-urlencoded",
        "X-CSRFToken": phone.cookies.get("csrftoken") or "",
        "Origin": phone.origin,
    }
    return "POST", f"/s/{phone.code}/answer/", headers, form({f"item-{item}": value})


def check_scores(phones: list[Phone], rows, scores: Scores) -> tuple[int, int, int, int]:
    """The database against the closed loop's answers: (pairs stored, doubled, lost, stored
    without its answer). Each phone × statement must hold the last value answered."""
    owners = token_owners(phones)
    stored = {(owners.get(h), item): (n, low) for h, item, n, low, _high in rows}
    doubled = sum(1 for n, _v in stored.values() if n > 1)
    lost = stored_unanswered = 0
    for key in set(scores.value) | set(scores.pending):
        row = stored.get(key)
        answered, pending = scores.value.get(key), scores.pending.get(key)
        if row is None:
            lost += answered is not None  # answered, never stored
        elif str(row[1]) == answered:
            continue
        elif pending is not None and str(row[1]) == pending:
            stored_unanswered += 1  # the value of a request that got no 2xx
        else:
            lost += 1
    return len(stored), doubled, lost, stored_unanswered


async def closed_loop(
    kind: str,
    clients: int,
    seconds: float,
    phones: list[Phone],
    scores: Scores,
    static_url: str,
    window: Window | None,
) -> None:
    """`clients` loops, each sending its next request when the last is answered, for `seconds`."""
    until = time.perf_counter() + seconds

    async def client(c: int) -> None:
        share = phones[c::clients] or phones
        turn = 0
        retry = 0
        while time.perf_counter() < until:
            if kind == "score":
                phone, item, value = scores.next(c)
                method, target, headers, body = tap_request(phone, item, value)
            else:
                phone = share[turn % len(share)]
                method, body = "GET", b""
                if kind == "poll":
                    target, headers = phone.state_target(), phone.htmx_headers()
                else:
                    target, headers = static_url, {}
            sent = time.perf_counter()
            if window is not None:
                window.sent += 1
            try:
                reply = await phone.send(kind, method, target, headers, body, timeout=30.0)
            except ERRORS as exc:
                if window is not None:
                    window.errors[type(exc).__name__] += 1
                wait = backoff(retry, phone.rng)
                retry += 1
                await asyncio.sleep(min(wait, max(0.0, until - time.perf_counter())))
                continue
            if window is not None:
                window.record(reply.status, time.perf_counter() - sent)
            if reply.status == 503 or reply.status >= 500:
                wait = (
                    wait_after_503(reply, retry, phone.rng)
                    if reply.status == 503
                    else backoff(retry, phone.rng)
                )
                retry += 1
                await asyncio.sleep(min(wait, max(0.0, until - time.perf_counter())))
                continue  # the same request again (a score: scores.next gives the same tap)
            retry = 0
            turn += 1
            if kind == "score":
                scores.answered(c, phone, item, value, 200 <= reply.status < 300)

    await asyncio.gather(*(client(c) for c in range(clients)))


async def join_all(phones: list[Phone], at_once: int = 16) -> None:
    gate = asyncio.Semaphore(at_once)

    async def one(phone: Phone) -> None:
        async with gate:
            await phone.join(time.perf_counter() + 60.0)
        if phone.joined:
            phone.start_socket()

    await asyncio.gather(*(one(p) for p in phones))


async def measure(server: BenchServer, args) -> Result:
    clients, seconds = args.saturation_clients, args.saturation_seconds
    live = server.create_live_session()
    items: list[int] = live["item_ids"]
    result = Result(
        title=TITLE,
        setup=(
            f"One daphne process as `make run` starts it (SQLite, in-memory channel layer, "
            f"production mode) on 127.0.0.1; a session on {live['instrument']} with "
            f"{args.saturation_phones} joined phones holding their sockets and the facilitator's "
            f"screen open. Per kind {clients} closed-loop clients for {seconds:g} s after "
            f"{args.saturation_warmup:g} s of warm-up, one kind after the other. Rates are "
            "answers (2xx) per second; a 503 is waited out (Retry-After) and sent again. "
            f"Goal: score POST ≥ {GOAL_RATIO:.0%} of static."
        ),
    )
    pool = Pool(HOST, server.port)
    tally = Tally()
    session_cookie = await login(pool, live["username"], live["password"])
    screen = await ws_connect(
        f"{server.ws_url}/ws/sessies/{live['session_id']}/facilitator/",
        additional_headers={"Cookie": f"sessionid={session_cookie}"},
        origin=server.base_url,
        max_size=None,
        open_timeout=30,
    )
    screen_messages = Counter()
    current = {"kind": "join"}

    async def watch() -> None:
        try:
            async for _message in screen:
                screen_messages[current["kind"]] += 1
        except Exception:  # noqa: BLE001 - the count says enough
            pass

    watcher = asyncio.create_task(watch())
    phones = [
        Phone(i, pool, live["code"], tally, assets=False) for i in range(args.saturation_phones)
    ]
    windows: list[Window] = []
    sampler = Sampler(server.pid)
    try:
        joined_at = time.perf_counter()
        await join_all(phones)
        join_seconds = time.perf_counter() - joined_at
        joined = [p for p in phones if p.joined]
        if not joined:
            result.failures.append(f"no phone could join ({phones[0].join_error})")
            return result
        page = await joined[0].send("page", "GET", f"/s/{live['code']}/")
        css = [u for u in dict.fromkeys(STATIC_REF.findall(page.text())) if u.endswith(".css")]
        css.sort(key=lambda url: "/phone." not in url)  # the phone's own CSS, if it is there
        static_url = css[0] if css else "/static/css/phone.css"
        scores = Scores(joined, items, clients)
        sampler.start()
        for kind in ("score", "poll", "static"):
            current["kind"] = kind
            await closed_loop(
                kind, clients, args.saturation_warmup, joined, scores, static_url, None
            )
            await asyncio.sleep(0.5)
            window = Window(kind)
            before = sampler.sample()
            started = time.perf_counter()
            await closed_loop(kind, clients, seconds, joined, scores, static_url, window)
            window.wall = time.perf_counter() - started
            after = sampler.sample()
            if before.server_cpu is not None and after.server_cpu is not None:
                window.server_cpu = after.server_cpu - before.server_cpu
            window.own_cpu = after.own_cpu - before.own_cpu
            windows.append(window)
            await asyncio.sleep(0.5)
        await sampler.stop()
    finally:
        await asyncio.gather(*(p.close() for p in phones), return_exceptions=True)
        await pool.close()
        await screen.close()
        await asyncio.gather(watcher, return_exceptions=True)

    # Each phone × statement must hold the last value that was answered.
    db = server.answer_rows(live["session_id"])
    _stored, doubled, lost, stored_unanswered = check_scores(phones, db["rows"], scores)

    by_kind = {w.kind: w for w in windows}
    names = {
        "score": "Score POST (htmx tap)",
        "poll": "State poll (204)",
        "static": f"Static file ({static_url.rsplit('/', 1)[-1]})",
    }
    result.add(
        "Phones joined",
        f"{len(joined)} / {args.saturation_phones} in {join_seconds:.1f} s (16 at a time)",
    )
    for window in windows:
        name = names[window.kind]
        ok = window.ok_latencies()
        result.add(
            f"{name}: answers per second",
            f"{window.rate():.0f} ({window.answered} in {window.wall:.1f} s)",
        )
        result.add(
            f"{name}: latency p50 / p95 / p99",
            " / ".join(ms(percentile(ok, p)) for p in (50, 95, 99)) if ok else "n/a",
        )
        statuses = ", ".join(f"{s}: {n}" for s, n in sorted(window.statuses.items()))
        if window.errors:
            statuses += "; errors: " + ", ".join(f"{k}: {n}" for k, n in window.errors.items())
        if 503 in window.latencies:
            statuses += f"; 503 answered in p50 {ms(percentile(window.latencies[503], 50))}"
        result.add(f"{name}: statuses", statuses)
        if window.server_cpu is not None and window.total:
            result.add(
                f"{name}: server CPU",
                f"{100 * window.server_cpu / window.wall:.0f} % of one core, "
                f"{1000 * window.server_cpu / window.total:.2f} ms per request; generator "
                f"{100 * window.own_cpu / window.wall:.0f} %, "
                f"{1000 * window.own_cpu / window.total:.2f} ms per request",
            )
    static = by_kind.get("static")
    if static and static.rate():
        for kind in ("score", "poll"):
            if kind in by_kind:
                ratio = by_kind[kind].rate() / static.rate()
                line = f"{ratio:.2f}"
                if kind == "score":
                    line += (
                        f" (goal ≥ {GOAL_RATIO:.2f}: {'met' if ratio >= GOAL_RATIO else 'not met'})"
                    )
                result.add(f"Ratio {kind} / static (answers per second)", line)
    result.add(
        "Stored check (phone × statement): doubled / lost / stored without its answer",
        f"{doubled} / {lost} / {stored_unanswered} ({len(scores.value)} pairs answered)",
    )
    peak_rss = sampler.hwm_kib or sampler.peak_rss_kib()
    if peak_rss:
        result.add(
            "Server peak RSS (VmHWM) / peak threads",
            f"{peak_rss / 1024:.0f} MiB / {sampler.peak_threads()}",
        )
    result.add(
        "Generator's HTTP connections: opened / most in flight",
        f"{pool.opened} / {pool.peak}",
    )
    result.add(
        "Facilitator screen messages (score run incl. warm-up)",
        str(screen_messages.get("score", 0)),
    )
    polls = by_kind.get("poll")
    if polls and set(polls.statuses) - {204}:
        result.notes.append(
            "Not every poll answered 204 (nothing new): "
            + ", ".join(f"{s}: {n}" for s, n in sorted(polls.statuses.items()))
        )
    for status, body in sorted(tally.error_examples.items()):
        result.notes.append(f"A {status} answered: {body[:160]!r}")
    if tally.retry_after:
        result.notes.append(
            "Retry-After on the 503s: "
            + ", ".join(f"{value} ({n}×)" for value, n in tally.retry_after.most_common(5))
        )
    problems = server.log_problems()
    if problems:
        result.notes.append(
            f"Server log: {len(problems)} problem lines, first: {problems[0][:200]}"
        )

    other_5xx = sum(n for w in windows for s, n in w.statuses.items() if s >= 500 and s != 503)
    if other_5xx:
        result.failures.append(f"{other_5xx} answers were a 5xx other than 503")
    if lost or stored_unanswered or doubled:
        result.failures.append(
            f"stored check: {doubled} doubled, {lost} lost, {stored_unanswered} stored without "
            "their answer"
        )
    join_errors = [p.join_error for p in phones if p.join_error]
    if join_errors:
        result.failures.append(f"{len(join_errors)} phones could not join ({join_errors[0]})")
    return result


def run(args) -> Result:
    args = sized(args)
    server_name = args.saturation_server
    if server_name != "daphne" and importlib.util.find_spec(server_name) is None:
        result = Result(title=f"{TITLE} ({server_name})")
        result.notes.append(
            f"Skipped: {server_name} is not installed (pip install uvicorn uvloop httptools "
            "granian); it is not one of the project's dependencies."
        )
        return result
    with BenchServer(keep=getattr(args, "keep", False), server=server_name) as server:
        result = asyncio.run(measure(server, args))
    if server_name != "daphne":
        result.title += f" ({server_name})"
        result.setup = result.setup.replace(
            "One daphne process as `make run` starts it",
            f"One {server_name} process instead of daphne "
            f"(`python {' '.join(OTHER_SERVERS[server_name])}`)",
        )
    return result

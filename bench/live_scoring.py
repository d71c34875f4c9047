"""Live scoring: many phones score the statements while the facilitator's screen follows.

Each phone (bench/phone.py) behaves as the real one: it opens the join link, joins ("Meedoen"),
loads its page and the static files a fresh phone fetches, holds its own receive-only WebSocket
(and so never polls), and then posts its scores one by one as htmx does, at seeded random
moments spread over the run, waiting for one answer before it sends the next. A 503 is waited
out (Retry-After) and the same tap sent again; so are other 5xx, dropped connections and
time-outs, for at most `--tap-patience` seconds. One logged-in facilitator holds the screen's
WebSocket, and the projector's, as in the room (its renders are part of the server's CPU).

Phones join all at once before the taps start (`--join-seconds 0`, the default), or at random
moments in the first `--join-seconds` of the run, each then spreading its taps over the rest.

Per tap the run records when it was first sent (the person's tap), each attempt, and when its 2xx
came back. Afterwards the database is read: every stored answer by participant (their device
token's SHA-256) and statement. So per phone and statement:

    answered            a 2xx came back (after the phone's own retries)
    stored              the database has the answer
    doubled             more than one row (the unique constraint should make this impossible)
    lost                answered, but not stored (or stored with another value)
    stored_unanswered   stored, but the phone never got its 2xx: "a tap stored without its answer"

A tap is "shown" when the facilitator socket first receives a fragment of that statement
(`id="item-<id>"`) whose respondent count (`data-respondents`) is at least the tap's rank among
the answered taps on that statement (ordered by when their answer came). Tap → screen is the
time from the first attempt to that fragment; both clocks are this process's.
"""

import asyncio
import bisect
import random
import re
import statistics
import time
from collections import Counter, defaultdict

from websockets.asyncio.client import connect as ws_connect

from .phone import SCORES, Phone, Tally, Tap, token_owners
from .report import Result, ms, percentile
from .sampling import Sampler, cpu_line
from .server import HOST, BenchServer
from .wire import Pool, form

TITLE = "Live scoring"
DEFAULTS = {"phones": 100, "seconds": 60.0, "join_seconds": 0.0}
READING = 5.0  # seconds a phone that just joined reads before its first tap

# The start tag of a statement's fragment, and the respondent count in it.
ITEM_TAG = re.compile(r'<[^<>]*(?<![\w-])id="item-(\d+)"[^<>]*>')
RESPONDENTS = re.compile(r'\bdata-respondents="(\d+)"')
# Fallback when the attribute is missing: "12 van 100" in the fragment's text.
X_OF_Y = re.compile(r"(\d+)\s+van\s+(\d+)")
TAGS = re.compile(r"<[^>]+>")
FORM_TOKEN = re.compile(r'name="csrfmiddlewaretoken"\s+value="([^"]+)"')


def add_arguments(parser) -> None:
    group = parser.add_argument_group("live scoring")
    group.add_argument("--phones", type=int, help="simulated phones (default 100; presets differ)")
    group.add_argument(
        "--seconds", type=float, help="length of the run: the taps are spread over it (60)"
    )
    group.add_argument(
        "--join-seconds",
        type=float,
        help="phones join at random moments in the first N s of the run; 0: all at once before "
        "it (default 0; live_scoring_1000: 60)",
    )
    group.add_argument("--seed", type=int, default=2025, help="seed for tap moments and scores")
    group.add_argument(
        "--settle",
        type=float,
        default=5.0,
        help="seconds after the last tap to wait for the screen",
    )
    group.add_argument(
        "--tap-patience",
        type=float,
        default=60.0,
        help="seconds a phone keeps sending one tap again before it gives up (60)",
    )
    group.add_argument(
        "--goal-http-p95",
        type=float,
        help="report the HTTP p95 (retries in) against this many ms (live_scoring_1000: 500)",
    )
    group.add_argument(
        "--goal-screen-p95",
        type=float,
        help="report the tap → screen p95 against this many ms (300: 150; 1000: 1000)",
    )
    group.add_argument(
        "--no-phone-sockets",
        dest="phone_sockets",
        action="store_false",
        help="phones hold no WebSocket and poll their stage every 4 s instead",
    )
    group.add_argument(
        "--no-phone-assets",
        dest="phone_assets",
        action="store_false",
        help="phones do not fetch the static files their pages name",
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


class Screen:
    """The facilitator's WebSocket: records when each statement's respondent count went up."""

    def __init__(self):
        self.moments: dict[int, list[float]] = defaultdict(list)
        self.counts: dict[int, list[int]] = defaultdict(list)
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
                        self.moments[item].append(now)
                        self.counts[item].append(count)
                self.changed.set()
        except Exception as exc:  # noqa: BLE001 - reported, not raised
            self.closed = f"{type(exc).__name__}: {exc}"
        else:
            self.closed = f"closed by the server ({ws.close_code})"

    def first_shown(self, item: int, rank: int, not_before: float) -> float | None:
        """The first moment at or after `not_before` that the count reached `rank`. Both the
        moments and the counts of a statement only go up, so this is two bisections."""
        moments, counts = self.moments.get(item, []), self.counts.get(item, [])
        index = max(bisect.bisect_left(counts, rank), bisect.bisect_left(moments, not_before))
        return moments[index] if index < len(moments) else None


def plan(phones: int, items: list[int], seconds: float, join_seconds: float, seed: int):
    """Per phone: when it joins, and its taps (every statement once, in order, at sorted random
    moments after it joined). Moments in seconds from the start of the run."""
    plans = []
    for phone in range(phones):
        rng = random.Random(f"{seed}-{phone}")
        joins = rng.uniform(0, join_seconds) if join_seconds > 0 else 0.0
        first = joins + READING if join_seconds > 0 else 0.0
        moments = sorted(rng.uniform(first, max(seconds, first)) for _ in items)
        taps = [
            Tap(phone=phone, item=item, value=rng.choice(SCORES), planned=moment)
            for item, moment in zip(items, moments, strict=True)
        ]
        plans.append((joins, taps))
    return plans


async def login(pool: Pool, username: str, password: str) -> str:
    """The facilitator's session cookie."""
    page = await pool.request("GET", "/accounts/login/")
    cookies = dict(c.split(";", 1)[0].split("=", 1) for c in page.set_cookies)
    found = FORM_TOKEN.search(page.text())
    token = found.group(1) if found else cookies.get("csrftoken", "")
    origin = f"http://{pool.authority}"
    done = await pool.request(
        "POST",
        "/accounts/login/",
        {
            "Cookie": f"csrftoken={cookies.get('csrftoken', '')}",
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": origin,
            "Referer": f"{origin}/accounts/login/",
        },
        form({"username": username, "password": password, "csrfmiddlewaretoken": token}),
    )
    cookies.update(dict(c.split(";", 1)[0].split("=", 1) for c in done.set_cookies))
    if done.status != 302 or not cookies.get("sessionid"):
        raise RuntimeError(f"facilitator login failed: HTTP {done.status}")
    return cookies["sessionid"]


async def loop_lag(samples: list[float], stop: asyncio.Event, every: float = 0.05) -> None:
    """How late this process's event loop wakes up: a check on the generator's own timing."""
    while not stop.is_set():
        before = time.perf_counter()
        await asyncio.sleep(every)
        samples.append(time.perf_counter() - before - every)


def three(values: list[float]) -> str:
    """p50 / p95 / p99 of durations in seconds, in milliseconds."""
    if not values:
        return "n/a (nothing measured)"
    return " / ".join(ms(percentile(values, p)) for p in (50, 95, 99))


def series(pairs: list[tuple[float, float]], bucket: float, start: float) -> list[float | None]:
    """p95 of the values per `bucket` seconds, by the moment each was measured from."""
    buckets: dict[int, list[float]] = defaultdict(list)
    for moment, value in pairs:
        buckets[int((moment - start) // bucket)].append(value)
    if not buckets:
        return []
    return [percentile(buckets[i], 95) if buckets.get(i) else None for i in range(max(buckets) + 1)]


def series_line(values: list[float | None], overall: list[float]) -> str:
    shown = " / ".join("–" if v is None else f"{v * 1000:.0f}" for v in values) + " ms"
    real = [v for v in values if v is not None]
    if real and overall:
        shown += f" (worst {max(real) / percentile(overall, 95):.2f}× the run's p95)"
    return shown


def goal_line(value: float, goal_ms: float | None) -> str | None:
    if goal_ms is None:
        return None
    ratio = value * 1000 / goal_ms
    return (
        f"{ms(value)} against ≤ {goal_ms:g} ms: {ratio:.2f}× ({'met' if ratio <= 1 else 'not met'})"
    )


def mark_shown(taps: list[Tap], screen: Screen) -> None:
    """When the screen first showed each answered tap: ranked per statement in the order the
    taps were answered, a tap is shown by the first fragment counting at least its rank."""
    by_item: dict[int, list[Tap]] = defaultdict(list)
    for tap in taps:
        if tap.ok:
            by_item[tap.item].append(tap)
    for item_taps in by_item.values():
        item_taps.sort(key=lambda t: t.acked)
        for rank, tap in enumerate(item_taps, start=1):
            tap.shown = screen.first_shown(tap.item, rank, tap.first_sent)


Stored = dict[tuple[int, int], tuple[int, int | None, int | None]]


def stored_by_phone(phones: list[Phone], rows) -> tuple[Stored, int]:
    """The database's answers as {(phone, statement): (rows, lowest, highest value)}, by the
    phone whose token they were stored under; and how many rows belong to no phone here."""
    owners = token_owners(phones)
    stored: Stored = {}
    strangers = 0
    for token_hash, item, n, low, high in rows:
        phone = owners.get(token_hash)
        if phone is None:
            strangers += n
        else:
            stored[phone, item] = (n, low, high)
    return stored, strangers


def check_stored(sent: list[Tap], stored: Stored) -> tuple[list[Tap], list[Tap], list[Tap]]:
    """(answered but not stored, stored with another value, stored without its answer)."""
    lost, wrong_value, stored_unanswered = [], [], []
    for tap in sent:
        row = stored.get((tap.phone, tap.item))
        if tap.ok and row is None:
            lost.append(tap)
        elif tap.ok and not (row[1] == row[2] == int(tap.value)):
            wrong_value.append(tap)
        elif not tap.ok and row is not None:
            stored_unanswered.append(tap)
    return lost, wrong_value, stored_unanswered


async def measure(server: BenchServer, args) -> Result:
    phones_n, seconds, join_seconds = args.phones, args.seconds, args.join_seconds
    live = server.create_live_session()
    items: list[int] = live["item_ids"]
    joining = (
        f"joining at random moments in the first {round(join_seconds, 1):g} s"
        if join_seconds > 0
        else "all joined before the first tap"
    )
    result = Result(
        title=f"{TITLE}: {phones_n} phones × {len(items)} statements over {seconds:g} s"
        + (f", joining in the first {round(join_seconds, 1):g} s" if join_seconds > 0 else ""),
        setup=(
            f"Instrument {live['instrument']}, scoring mode “all”, seed {args.seed}; one daphne "
            "process as `make run` starts it (SQLite, in-memory channel layer, production mode) "
            f"on 127.0.0.1. Phones {joining}; "
            f"phone sockets {'on (no polling)' if args.phone_sockets else 'off (polls every 4 s)'}"
            f"; static files {'fetched once per phone' if args.phone_assets else 'not fetched'}; "
            f"a tap is retried for up to {args.tap_patience:g} s."
        ),
    )
    pool = Pool(HOST, server.port)
    tally = Tally()

    # The facilitator's screen first, so it sees everything from its snapshot on.
    session_cookie = await login(pool, live["username"], live["password"])

    async def follow(view: str):
        """A logged-in screen of this session: (its record, socket, listening task)."""
        shown = Screen()
        ws = await ws_connect(
            f"{server.ws_url}/ws/sessies/{live['session_id']}/{view}/",
            additional_headers={"Cookie": f"sessionid={session_cookie}"},
            origin=server.base_url,
            max_size=None,
            open_timeout=30,
        )
        task = asyncio.create_task(shown.listen(ws))
        await asyncio.wait_for(shown.changed.wait(), timeout=15)
        return shown, ws, task

    screen, screen_ws, listener = await follow("facilitator")
    # The projector follows the same session: only its traffic is counted.
    projector, projector_ws, projector_listener = await follow("projector")
    snapshot = screen.snapshot or {}
    missing = [item for item in items if item not in snapshot]
    if missing:
        result.notes.append(
            f"The facilitator's snapshot had no countable fragment for {len(missing)} of "
            f'{len(items)} statements (looked for id="item-<id>" with data-respondents).'
        )

    plans = plan(phones_n, items, seconds, join_seconds, args.seed)
    phones = [
        Phone(i, pool, live["code"], tally, assets=args.phone_assets) for i in range(phones_n)
    ]
    sampler = Sampler(server.pid)
    lag: list[float] = []
    stop_lag = asyncio.Event()
    lag_task = asyncio.create_task(loop_lag(lag, stop_lag))
    sampler.start()

    async def enter(phone: Phone, give_up_at: float) -> None:
        await phone.join(give_up_at)
        if phone.joined and args.phone_sockets:
            phone.start_socket()
        elif phone.joined:
            phone.start_polling()

    async def run_phone(phone: Phone, joins: float, taps: list[Tap], start: float) -> None:
        if join_seconds > 0:
            await asyncio.sleep(max(0.0, start + joins - time.perf_counter()))
            await enter(phone, time.perf_counter() + 60.0)
        if not phone.joined:
            return
        for tap in taps:
            delay = start + tap.planned - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            await phone.tap(tap, args.tap_patience)

    try:
        join_started = time.perf_counter()
        if join_seconds <= 0:
            await asyncio.gather(*(enter(p, join_started + 120.0) for p in phones))
            joined_mark = sampler.sample()
            await asyncio.sleep(1.0)  # let the screen show the joins before the taps start
        else:
            joined_mark = None
        taps_mark = sampler.sample()
        start = time.perf_counter() + 0.2
        await asyncio.gather(
            *(
                run_phone(phone, joins, taps, start)
                for phone, (joins, taps) in zip(phones, plans, strict=True)
            )
        )
        taps_done = time.perf_counter()
        join_wall = (
            joined_mark.at - join_started
            if joined_mark
            else max((p.joined_at or start) for p in phones) - start
        )

        # Give the screen until `settle` seconds after the last tap to show every answer.
        taps = [tap for _joins, phone_taps in plans for tap in phone_taps]
        answered_per_item: Counter[int] = Counter(t.item for t in taps if t.ok)
        deadline = taps_done + args.settle
        while any(screen.latest.get(item, -1) < n for item, n in answered_per_item.items()):
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                break
            screen.changed.clear()
            try:
                await asyncio.wait_for(screen.changed.wait(), timeout=remaining)
            except TimeoutError:
                break
        settled = time.perf_counter()
        await sampler.stop()
        stop_lag.set()
        await lag_task
        sockets_open_at_end = sum(p.socket_open for p in phones)
    finally:
        await asyncio.gather(*(p.close() for p in phones), return_exceptions=True)
        await pool.close()
        await screen_ws.close()
        await projector_ws.close()
        await asyncio.gather(listener, projector_listener, return_exceptions=True)

    mark_shown(taps, screen)
    db = server.answer_rows(live["session_id"])
    stored, strangers = stored_by_phone(phones, db["rows"])

    joined = [p for p in phones if p.joined]
    sent = [t for t in taps if t.first_sent is not None]
    answered = [t for t in sent if t.ok]
    refused = [t for t in sent if not t.ok and not t.gave_up]
    gave_up = [t for t in sent if t.gave_up]
    doubled = [key for key, (n, _l, _h) in stored.items() if n > 1]
    lost, wrong_value, stored_unanswered = check_stored(sent, stored)
    not_shown = [t for t in answered if t.shown is None]
    shown = [t for t in answered if t.shown is not None]
    with_503 = [t for t in sent if t.got_503]
    other_5xx = sum(
        n for (_kind, status), n in tally.status.items() if status >= 500 and status != 503
    )
    got_503 = sum(n for (_kind, status), n in tally.status.items() if status == 503)
    tap_503 = sum(t.got_503 for t in sent)
    retried = [t for t in sent if t.attempts > 1]
    timeouts = sum(t.timeouts for t in sent)
    conn_errors = sum(t.conn_errors for t in sent)

    first_sent = min((t.first_sent for t in sent), default=start)
    last_acked = max((t.acked for t in answered), default=first_sent)
    tap_window = max(last_acked - first_sent, 1e-9)
    final_http = [t.acked - t.sent for t in answered]
    whole_http = [t.acked - t.first_sent for t in answered]
    to_screen = [t.shown - t.first_sent for t in shown]
    bucket = 60.0 if seconds >= 180 else max(5.0, round(seconds / 6))
    planned_window = max(
        max(t.planned for t in taps) - min(t.planned for t in taps) if taps else 0.0, 1e-9
    )

    result.add(
        "Phones joined (per phone: p50 / p95 / p99)",
        f"{len(joined)} / {phones_n} in {join_wall:.1f} s "
        f"({three([p.join_seconds for p in joined if p.join_seconds is not None])}); "
        f"{db['participants']} participants in the database",
    )
    result.add(
        "Taps sent / answered (2xx) / stored",
        f"{len(sent)} / {len(answered)} / {len(stored)} (planned {len(taps)})",
    )
    result.add(
        "Doubled / lost / stored without its answer",
        f"{len(doubled)} / {len(lost)} / {len(stored_unanswered)}"
        + (f" (and {len(wrong_value)} stored with another value)" if wrong_value else ""),
    )
    result.add(
        "Refused (4xx) / gave up after retrying",
        f"{len(refused)} / {len(gave_up)}",
    )
    result.add(
        "503s received / taps that met one (all retried)",
        f"{got_503} ({tap_503} on taps) / {len(with_503)}",
    )
    result.add("Other 5xx (must be 0)", str(other_5xx))
    result.add(
        "Taps sent again / time-outs / connection errors",
        f"{len(retried)} / {timeouts} / {conn_errors}",
    )
    result.add(
        "Taps per second",
        f"{len(answered) / tap_window:.1f} answered over {tap_window:.1f} s "
        f"(planned {len(taps) / planned_window:.1f} over {planned_window:.1f} s)",
    )
    result.add("HTTP answer, last attempt: p50 / p95 / p99", three(final_http))
    result.add(
        "HTTP answer from the first attempt (retries in): p50 / p95 / p99", three(whole_http)
    )
    result.add("Tap → facilitator screen: p50 / p95 / p99", three(to_screen))
    result.add(
        f"Tap → screen p95 per {bucket:g} s of the run",
        series_line(
            series([(t.first_sent, t.shown - t.first_sent) for t in shown], bucket, first_sent),
            to_screen,
        ),
    )
    result.add(
        f"HTTP answer (retries in) p95 per {bucket:g} s",
        series_line(
            series([(t.first_sent, t.acked - t.first_sent) for t in answered], bucket, first_sent),
            whole_http,
        ),
    )
    if to_screen and (goal := goal_line(percentile(to_screen, 95), args.goal_screen_p95)):
        result.add("Tap → screen p95 against the goal", goal)
    if whole_http and (goal := goal_line(percentile(whole_http, 95), args.goal_http_p95)):
        result.add("HTTP p95 (retries in) against the goal", goal)
    result.add(
        f"Not shown on the screen within {args.settle:g} s after the last tap", str(len(not_shown))
    )

    wall = settled - sampler.samples[0].at
    server_cpu = sampler.server_cpu()
    if joined_mark is not None and joined_mark.server_cpu is not None:
        result.add(
            "Server CPU while joining",
            cpu_line(
                joined_mark.server_cpu - sampler.samples[0].server_cpu,
                joined_mark.at - sampler.samples[0].at,
                len(joined),
                "phone",
            ),
        )
        last = sampler.samples[-1]
        result.add(
            "Server CPU while tapping (and settling)",
            cpu_line(
                last.server_cpu - taps_mark.server_cpu,
                last.at - taps_mark.at,
                len(sent),
            ),
        )
    else:
        result.add(
            "Server CPU over the run (joins and taps)", cpu_line(server_cpu, wall, len(sent))
        )
    busiest = sampler.busiest("server_cpu", min(bucket, 10.0))
    if busiest is not None:
        result.add(
            f"Server CPU, busiest {min(bucket, 10.0):g} s", f"{100 * busiest:.0f} % of one core"
        )
    peak_rss = sampler.hwm_kib or sampler.peak_rss_kib()
    result.add(
        "Server peak RSS (VmHWM) / peak threads",
        f"{peak_rss / 1024:.0f} MiB / {sampler.peak_threads()}" if peak_rss else "n/a",
    )
    result.add(
        "Load generator CPU (this process)",
        cpu_line(sampler.own_cpu(), wall, len(sent))
        + (
            f"; event-loop lag p50 / p99 / max {ms(statistics.median(lag))} / "
            f"{ms(percentile(lag, 99))} / {ms(max(lag))}"
            if lag
            else ""
        ),
    )
    result.add(
        "Generator's HTTP connections: opened / most in flight / stale replaced",
        f"{pool.opened} / {pool.peak} / {pool.stale}",
    )
    result.add(
        "Facilitator socket traffic",
        f"{screen.messages} messages, {screen.bytes / 1024:.0f} KiB "
        f"({screen.messages / max(settled - first_sent, 1e-9):.1f} messages/s)",
    )
    result.add(
        "Projector socket traffic",
        f"{projector.messages} messages, {projector.bytes / 1024:.0f} KiB "
        f"({projector.messages / max(settled - first_sent, 1e-9):.1f} messages/s)",
    )

    requests = Counter()
    for (kind, _status), n in tally.status.items():
        requests[kind] += n
    result.notes.append(
        "Requests by kind: "
        + ", ".join(f"{kind} {n}" for kind, n in sorted(requests.items()))
        + "; statuses: "
        + ", ".join(f"{kind} {status}: {n}" for (kind, status), n in sorted(tally.status.items()))
        + "."
    )
    if tally.retry_after:
        result.notes.append(
            "Retry-After on the 503s: "
            + ", ".join(f"{value} ({n}×)" for value, n in tally.retry_after.most_common(5))
        )
    if tally.errors:
        result.notes.append(
            "Connection problems: "
            + ", ".join(f"{kind} {name}: {n}" for (kind, name), n in tally.errors.most_common(6))
        )
    for status, body in sorted(tally.error_examples.items()):
        result.notes.append(f"A {status} answered: {body[:160]!r}")
    if args.phone_sockets:
        result.notes.append(
            f"Phone sockets: {tally.socket_opens} opened for {len(joined)} phones, "
            f"{sockets_open_at_end} open at the end, {tally.socket_messages} messages received "
            f"(none expected while scoring), {tally.polls} polls while a socket was down."
        )
        if tally.socket_failures:
            first, n = tally.socket_failures.most_common(1)[0]
            result.notes.append(
                f"Phone socket problems: {sum(tally.socket_failures.values())}, most often "
                f"{first} ({n}×)."
            )
    else:
        result.notes.append(f"Phones polled {tally.polls} times (no sockets).")
    if strangers:
        result.notes.append(
            f"{strangers} stored answers belong to participants no phone holds the token of "
            "(a join sent again after its answer was lost)."
        )
    if screen.used_text:
        result.notes.append(
            'Respondent counts were read from the "x van y" text: the fragments have no '
            "data-respondents attribute."
        )
    if screen.went_down:
        result.notes.append(f"A statement's respondent count went down {screen.went_down} times.")
    if screen.closed and not screen.closed.startswith("closed by the server (1000"):
        result.notes.append(f"Facilitator socket ended: {screen.closed}")
    problems = server.log_problems()
    if problems:
        result.notes.append(
            f"Server log: {len(problems)} problem lines, first: {problems[0][:200]}"
        )

    join_errors = [p.join_error for p in phones if p.join_error]
    if join_errors:
        result.failures.append(f"{len(join_errors)} phones could not join ({join_errors[0]})")
    if len(answered) < len(sent):
        example = next((t.error for t in sent if not t.ok and t.error), "no answer")
        result.failures.append(
            f"{len(sent) - len(answered)} taps not answered with a 2xx ({example})"
        )
    if lost or wrong_value:
        result.failures.append(f"{len(lost) + len(wrong_value)} answered taps were not stored")
    if stored_unanswered:
        result.failures.append(f"{len(stored_unanswered)} taps stored without their answer")
    if doubled:
        result.failures.append(f"{len(doubled)} phone × statement pairs stored twice")
    if other_5xx:
        result.failures.append(f"{other_5xx} answers were a 5xx other than 503")
    if not_shown:
        result.failures.append(f"{len(not_shown)} answered taps never reached the facilitator")
    return result


def settings(args):
    """The run's sizes: what was asked, else the defaults."""
    for key, value in DEFAULTS.items():
        if getattr(args, key, None) is None:
            setattr(args, key, value)
    return args


def run(args) -> Result:
    args = settings(args)
    with BenchServer(keep=getattr(args, "keep", False)) as server:
        return asyncio.run(measure(server, args))

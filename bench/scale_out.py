"""Scale-out: one worker and two behind a real nginx, on PostgreSQL and Redis, in one run.

The production picture of docs/deploy.md on this machine (bench/proxy.py): a fresh PostgreSQL
database (migrated, instruments loaded, dropped at the end), a Redis database of its own (flushed
before each phase), `manage.py serve` workers in production mode and nginx in front of them
(least_conn, WebSocket upgrade, static files from staticfiles/). Two phases, each with freshly
started processes: first one worker behind nginx, then two (`--scale-workers`). Each phase runs

    score    `--scale-clients` closed-loop clients post scores (saturation.py's score run: an
             htmx tap spread over `--scale-saturation-phones` joined phones, which hold their
             sockets, and the statements, values alternating) for `--scale-saturation-seconds`
             after `--scale-warmup`, with the facilitator's screen open;
    live     `--scale-phones` phones × every statement over `--scale-seconds`, as
             live_scoring.py drives them (all joined first, phone sockets, static files, retries),
             with the facilitator's screen socket: least_conn puts it on one worker, so with two
             workers the taps the other one takes reach the screen through Redis.

Per phase it reports throughput, latency, every status (a non-2xx answer other than 503 is an
error, and so is a request that got no answer at all, even when the phone's retry then got
through; 503s are shown apart), the stored check, tap → screen, the CPU time over each measured
window of every worker, nginx, PostgreSQL (the whole cluster), Redis, the generator and the
machine as a whole, the peak number of PostgreSQL connections to the database, the load
average, and the ratios two / one. Skipped (with the reason) when nginx, PostgreSQL or Redis
is not there.
"""

import asyncio
import os
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field

from websockets.asyncio.client import connect as ws_connect

from .live_scoring import Screen, check_stored, login, mark_shown, plan, stored_by_phone
from .phone import Phone, Tally, Tap
from .proxy import POSTGRES, REDIS_URL, Cluster, ConnectionWatch, Snapshot, unavailable, used
from .report import Result, ms, percentile
from .sampling import load_average
from .saturation import Scores, Window, check_scores, closed_loop, join_all
from .server import CREATE_LIVE_SESSION, HOST
from .wire import Pool

TITLE = "Scale-out: one and two workers behind nginx, on PostgreSQL and Redis"
GOAL_RATIO = 1.7
SLUG = "lob-regio"


def add_arguments(parser) -> None:
    group = parser.add_argument_group("scale-out (two workers behind nginx)")
    group.add_argument(
        "--scale-workers", type=int, default=2, help="workers of the second phase (default 2)"
    )
    group.add_argument(
        "--scale-clients", type=int, default=32, help="closed-loop score clients (default 32)"
    )
    group.add_argument(
        "--scale-saturation-seconds",
        type=float,
        default=15.0,
        help="measured seconds of the closed-loop score run, per phase (15)",
    )
    group.add_argument(
        "--scale-warmup", type=float, default=2.0, help="warm-up seconds before it (2)"
    )
    group.add_argument(
        "--scale-saturation-phones",
        type=int,
        default=100,
        help="phones joined for the closed-loop run (default 100)",
    )
    group.add_argument(
        "--scale-phones", type=int, default=200, help="phones of the live run, per phase (200)"
    )
    group.add_argument(
        "--scale-seconds", type=float, default=60.0, help="length of the live run, per phase (60)"
    )
    group.add_argument(
        "--scale-postgres",
        default=POSTGRES,
        help=f"PostgreSQL server to make the database on (default {POSTGRES})",
    )
    group.add_argument(
        "--scale-redis", default=REDIS_URL, help=f"Redis database, flushed (default {REDIS_URL})"
    )


# What one part of a phase measured ---------------------------------------------------------


@dataclass
class Part:
    """The closed-loop score run or the live run of one phase."""

    kind: str  # "score" or "live"
    clock_from: float = 0.0  # time.time() at its start, to sort nginx's log
    window: tuple[float, float] = (0.0, 0.0)  # time.time() at the measured window's ends
    wall: float = 0.0  # of the measured window
    cpu: dict[str, float | None] = field(default_factory=dict)
    machine_busy: float = 0.0
    pg_peak: int = 0
    phones: int = 0
    joined: int = 0
    join_seconds: float = 0.0
    sent: int = 0  # score: requests sent; live: taps sent
    answered: int = 0
    stored: int = 0
    pairs: int = 0  # score: phone × statement pairs answered
    doubled: int = 0
    lost: int = 0
    stored_unanswered: int = 0
    statuses: Counter = field(default_factory=Counter)  # of the score POSTs / taps' attempts
    other_errors: Counter = field(default_factory=Counter)  # (kind, status) of other requests
    wire_errors: Counter = field(default_factory=Counter)  # exception names
    got_503: int = 0
    taps_met_503: int = 0
    http: list[float] = field(default_factory=list)  # 2xx answer times (live: retries in)
    to_screen: list[float] = field(default_factory=list)
    not_shown: int = 0
    screen_messages: int = 0
    rate: float = 0.0  # answers (2xx) per second
    upstreams: Counter = field(default_factory=Counter)  # nginx: requests per worker
    sockets: Counter = field(default_factory=Counter)  # nginx: phone sockets per worker
    screen_on: str = "?"  # nginx: the worker that held the facilitator's screen
    nginx_statuses: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def measure(self, before: Snapshot, after: Snapshot) -> None:
        self.wall = after.at - before.at
        self.window = (before.clock, after.clock)
        self.cpu = used(before, after)
        self.machine_busy = after.machine_busy - before.machine_busy

    def worker_cpu(self) -> float:
        return sum(v or 0.0 for name, v in self.cpu.items() if name.startswith("worker"))


@dataclass
class Phase:
    workers: int
    score: Part
    live: Part
    load_start: str = ""
    load_end: str = ""
    rss_kib: list[int | None] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    items: int = 0
    instrument: str = ""
    max_connections: int | None = None
    pg_peak: int = 0  # the whole phase: joins, checks and sessions made included

    @property
    def label(self) -> str:
        return f"{self.workers} worker" + ("s" if self.workers != 1 else "")


def new_session(cluster: Cluster, name: str) -> dict:
    return cluster.django(CREATE_LIVE_SESSION, slug=SLUG, mode="all", username=name)


async def open_screen(cluster: Cluster, pool, session: dict):
    cookie = await login(pool, session["username"], session["password"])
    return await ws_connect(
        f"{cluster.ws_url}/ws/sessies/{session['session_id']}/facilitator/",
        additional_headers={"Cookie": f"sessionid={cookie}"},
        origin=cluster.base_url,
        max_size=None,
        open_timeout=30,
    )


def other_errors(tally: Tally, part: Part, skip: str | None = None) -> None:
    """4xx and 5xx (not 503) answers to requests other than the taps, and wire errors."""
    for (kind, status), n in tally.status.items():
        if kind != skip and status >= 400 and status != 503:
            part.other_errors[kind, status] += n
    for (kind, name), n in tally.errors.items():
        if kind != skip:
            part.wire_errors[f"{kind} {name}"] += n


# The closed-loop score run -----------------------------------------------------------------


async def score_run(cluster: Cluster, session: dict, args, watch: ConnectionWatch) -> Part:
    part = Part("score", clock_from=time.time(), phones=args.scale_saturation_phones)
    clients, seconds = args.scale_clients, args.scale_saturation_seconds
    pool = Pool(HOST, cluster.port)
    tally = Tally()
    screen = Screen()
    screen_ws = await open_screen(cluster, pool, session)
    listener = asyncio.create_task(screen.listen(screen_ws))
    phones = [Phone(i, pool, session["code"], tally, assets=False) for i in range(part.phones)]
    scores = None
    try:
        started = time.perf_counter()
        await join_all(phones)
        part.join_seconds = time.perf_counter() - started
        joined = [p for p in phones if p.joined]
        part.joined = len(joined)
        if joined:
            scores = Scores(joined, session["item_ids"], clients)
            await closed_loop("score", clients, args.scale_warmup, joined, scores, "", None)
            await asyncio.sleep(0.5)
            window = Window("score")
            watch.take("window")
            messages = screen.messages
            before = cluster.snapshot()
            await closed_loop("score", clients, seconds, joined, scores, "", window)
            after = cluster.snapshot()
            part.pg_peak = watch.take("window")
            part.screen_messages = screen.messages - messages
            part.measure(before, after)
            window.wall = part.wall
            part.sent = window.sent
            part.answered = window.answered
            part.rate = window.rate()
            part.statuses = window.statuses
            part.http = window.ok_latencies()
            part.got_503 = window.statuses.get(503, 0)
            part.wire_errors.update({f"score {k}": n for k, n in window.errors.items()})
    finally:
        await asyncio.gather(*(p.close() for p in phones), return_exceptions=True)
        await pool.close()
        await screen_ws.close()
        await asyncio.gather(listener, return_exceptions=True)
    other_errors(tally, part, skip="score")
    join_errors = [p.join_error for p in phones if p.join_error]
    if join_errors:
        part.failures.append(f"{len(join_errors)} phones could not join ({join_errors[0]})")
    if scores is None:
        return part

    # Each phone × statement must hold the last value answered (saturation.check_scores).
    rows = cluster.answer_rows(session["session_id"])["rows"]
    part.pairs = len(scores.value)
    part.stored, part.doubled, lost, stored_unanswered = check_scores(phones, rows, scores)
    part.lost += lost
    part.stored_unanswered += stored_unanswered
    return part


# The live run ------------------------------------------------------------------------------


async def live_run(cluster: Cluster, session: dict, args, watch: ConnectionWatch) -> Part:
    """live_scoring.measure's run with every phone joined first, through nginx."""
    part = Part("live", clock_from=time.time(), phones=args.scale_phones)
    seed = getattr(args, "seed", None) or 2025
    settle = getattr(args, "settle", None) or 5.0
    patience = getattr(args, "tap_patience", None) or 60.0
    items: list[int] = session["item_ids"]
    pool = Pool(HOST, cluster.port)
    tally = Tally()
    screen = Screen()
    screen_ws = await open_screen(cluster, pool, session)
    listener = asyncio.create_task(screen.listen(screen_ws))
    plans = plan(part.phones, items, args.scale_seconds, 0.0, seed)
    phones = [Phone(i, pool, session["code"], tally, assets=True) for i in range(part.phones)]

    async def enter(phone: Phone, give_up_at: float) -> None:
        await phone.join(give_up_at)
        if phone.joined:
            phone.start_socket()

    async def run_phone(phone: Phone, taps: list[Tap], start: float) -> None:
        if not phone.joined:
            return
        for tap in taps:
            delay = start + tap.planned - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            await phone.tap(tap, patience)

    taps = [tap for _joins, phone_taps in plans for tap in phone_taps]
    try:
        await asyncio.wait_for(screen.changed.wait(), timeout=15)
        started = time.perf_counter()
        await asyncio.gather(*(enter(p, started + 120.0) for p in phones))
        part.join_seconds = time.perf_counter() - started
        part.joined = sum(p.joined for p in phones)
        await asyncio.sleep(1.0)  # the screen shows the joins before the taps start
        watch.take("window")
        before = cluster.snapshot()
        start = time.perf_counter() + 0.2
        await asyncio.gather(
            *(
                run_phone(p, phone_taps, start)
                for p, (_j, phone_taps) in zip(phones, plans, strict=True)
            )
        )
        taps_done = time.perf_counter()
        per_item: Counter[int] = Counter(t.item for t in taps if t.ok)
        while any(screen.latest.get(item, -1) < n for item, n in per_item.items()):
            remaining = taps_done + settle - time.perf_counter()
            if remaining <= 0:
                break
            screen.changed.clear()
            try:
                await asyncio.wait_for(screen.changed.wait(), timeout=remaining)
            except TimeoutError:
                break
        after = cluster.snapshot()
        part.pg_peak = watch.take("window")
        part.measure(before, after)
        part.screen_messages = screen.messages
    finally:
        await asyncio.gather(*(p.close() for p in phones), return_exceptions=True)
        await pool.close()
        await screen_ws.close()
        await asyncio.gather(listener, return_exceptions=True)

    mark_shown(taps, screen)
    stored, _strangers = stored_by_phone(phones, cluster.answer_rows(session["session_id"])["rows"])
    sent = [t for t in taps if t.first_sent is not None]
    answered = [t for t in sent if t.ok]
    part.sent, part.answered, part.stored = len(sent), len(answered), len(stored)
    part.doubled = sum(1 for n, _l, _h in stored.values() if n > 1)
    lost, wrong_value, stored_unanswered = check_stored(sent, stored)
    part.lost += len(lost) + len(wrong_value)
    part.stored_unanswered += len(stored_unanswered)
    for (kind, status), n in tally.status.items():
        if kind == "tap":
            part.statuses[status] += n
    part.got_503 = part.statuses.get(503, 0)
    part.taps_met_503 = sum(1 for t in sent if t.got_503)
    other_errors(tally, part, skip=None)
    part.other_errors = Counter({k: n for k, n in part.other_errors.items() if k[0] != "tap"})
    part.http = [t.acked - t.first_sent for t in answered]
    part.to_screen = [t.shown - t.first_sent for t in answered if t.shown is not None]
    part.not_shown = sum(1 for t in answered if t.shown is None)
    if answered:
        first = min(t.first_sent for t in sent)
        part.rate = len(answered) / max(max(t.acked for t in answered) - first, 1e-9)

    join_errors = [p.join_error for p in phones if p.join_error]
    if join_errors:
        part.failures.append(f"{len(join_errors)} phones could not join ({join_errors[0]})")
    if len(answered) < len(sent):
        example = next((t.error for t in sent if not t.ok and t.error), "no answer")
        part.failures.append(f"{len(sent) - len(answered)} taps not answered ({example})")
    if part.not_shown:
        part.failures.append(f"{part.not_shown} answered taps never reached the screen")
    if screen.closed and not screen.closed.startswith("closed by the server (1000"):
        part.notes.append(f"the facilitator socket ended: {screen.closed}")
    if tally.socket_failures:
        first, n = tally.socket_failures.most_common(1)[0]
        part.notes.append(
            f"phone socket problems: {sum(tally.socket_failures.values())}, most often {first} "
            f"({n}×)"
        )
    return part


# A phase: the cluster with N workers -------------------------------------------------------


def judge(part: Part) -> None:
    """The failures every part shares: non-2xx answers other than 503, the stored check."""
    bad = {s: n for s, n in part.statuses.items() if not 200 <= s < 300 and s != 503}
    what = "score POSTs" if part.kind == "score" else "taps"
    if bad:
        part.failures.append(
            f"{sum(bad.values())} {what} answered non-2xx other than 503 ({fmt_counts(bad)})"
        )
    if part.other_errors:
        part.failures.append(
            "other requests answered 4xx/5xx: "
            + ", ".join(f"{k} {s}: {n}" for (k, s), n in sorted(part.other_errors.items()))
        )
    if part.wire_errors:
        part.failures.append(
            "requests without an answer: "
            + ", ".join(f"{k}: {n}" for k, n in part.wire_errors.most_common(4))
        )
    if part.doubled or part.lost or part.stored_unanswered:
        part.failures.append(
            f"stored check: {part.doubled} doubled, {part.lost} lost, "
            f"{part.stored_unanswered} stored without their answer"
        )


def sort_log(cluster: Cluster, phase: Phase) -> None:
    """nginx's log of the phase, split between its two parts by time."""
    for clock, status, upstream, _up_status, method, path in cluster.access_log():
        part = phase.live if clock >= phase.live.clock_from else phase.score
        part.nginx_statuses[status] += 1
        worker = upstream.replace(f"{HOST}:", ":")
        if status == 101 and path.startswith("/ws/sessies/"):
            part.screen_on = worker
        elif status == 101:
            part.sockets[worker] += 1
        elif (
            method == "POST"
            and path.endswith("/answer/")
            and part.window[0] <= clock <= part.window[1]
        ):
            part.upstreams[worker] += 1


def run_phase(cluster: Cluster, workers: int, args, watch: ConnectionWatch) -> Phase:
    cluster.start(workers)
    watch.take("phase")
    try:
        score_session = new_session(cluster, f"bench-{workers}-score")
        live_session = new_session(cluster, f"bench-{workers}-live")
        load_start = load_average()

        async def both() -> tuple[Part, Part]:
            score = await score_run(cluster, score_session, args, watch)
            await asyncio.sleep(1.0)
            live = await live_run(cluster, live_session, args, watch)
            return score, live

        score, live = asyncio.run(both())
        phase = Phase(workers, score, live, load_start=load_start, load_end=load_average())
        phase.items = len(live_session["item_ids"])
        phase.instrument = live_session["instrument"]
    finally:
        cluster.stop()
    phase.pg_peak = watch.take("phase")
    phase.rss_kib = [w.peak_rss_kib for w in cluster.workers]
    phase.problems = cluster.log_problems()
    sort_log(cluster, phase)
    judge(score)
    judge(live)
    return phase


# The table ---------------------------------------------------------------------------------


def fmt_counts(counts) -> str:
    return ", ".join(f"{k}: {n}" for k, n in sorted(counts.items())) or "none"


def core(seconds: float | None, wall: float) -> str:
    return "n/a" if seconds is None or wall <= 0 else f"{100 * seconds / wall:.0f} %"


def p50_95(values: list[float]) -> str:
    if not values:
        return "n/a"
    return f"{ms(percentile(values, 50))} / {ms(percentile(values, 95))}"


def workers_cpu(part: Part) -> str:
    each = [(name, v) for name, v in part.cpu.items() if name.startswith("worker")]
    if not each:
        return "n/a"
    text = " + ".join(
        f"{name.removeprefix('worker ')} {v or 0:.1f} s ({core(v, part.wall)})" for name, v in each
    )
    if len(each) > 1:
        text += f" = {part.worker_cpu():.1f} s ({core(part.worker_cpu(), part.wall)})"
    return text


def spread(part: Part) -> str:
    return f"{fmt_counts(part.upstreams)} / {fmt_counts(part.sockets)}; screen on {part.screen_on}"


def others_cpu(part: Part) -> str:
    names = ("nginx", "PostgreSQL", "Redis", "generator")
    return " / ".join(core(part.cpu.get(name), part.wall) for name in names)


def machine(part: Part) -> str:
    cores = os.cpu_count() or 1
    if part.wall <= 0:
        return "n/a"
    busy = part.machine_busy / part.wall
    ours = sum(v or 0.0 for v in part.cpu.values()) / part.wall
    return (
        f"{busy:.2f} of {cores} cores busy ({100 * busy / cores:.0f} %); this benchmark's "
        f"processes {ours:.2f}, others {max(0.0, busy - ours):.2f}"
    )


def ratio(two: float, one: float) -> str:
    return f"{two / one:.2f}×" if one > 0 else "n/a"


def table(phases: list[Phase], cluster: Cluster, args) -> Result:
    cores = os.cpu_count() or 1
    threads = cluster.env.get("REFLECTIE_HTTP_THREADS") or "8"
    queue = cluster.env.get("REFLECTIE_HTTP_QUEUE") or "200"  # the settings' defaults
    first = phases[0]
    result = Result(
        title=TITLE,
        setup=(
            f"One run on this machine ({cores} cores, shared): a fresh PostgreSQL "
            f"{cluster.postgres_version()} database, Redis {cluster.redis_version()} "
            f"({cluster.redis_url}, flushed before each phase) and nginx "
            f"{cluster.nginx_version()} "
            f"(worker_processes {cluster.nginx_workers}, least_conn, keepalive 16, WebSocket "
            "upgrade on /ws/, /static/ from staticfiles/ with gzip_static) in front of "
            "`manage.py serve` workers (production mode, "
            f"{threads} HTTP threads and a queue of {queue} each, trusting nginx's "
            "X-Forwarded-For); first "
            + " then ".join(p.label for p in phases)
            + ", each phase on freshly started workers and nginx. Per phase: "
            f"{args.scale_clients} closed-loop clients post scores for "
            f"{args.scale_saturation_seconds:g} s after {args.scale_warmup:g} s of warm-up, spread "
            f"over {args.scale_saturation_phones} joined phones holding their sockets, with the "
            f"facilitator's screen open; then a live session, {args.scale_phones} phones × "
            f"{first.items} statements of {first.instrument} over {args.scale_seconds:g} s (all "
            "joined first, phone sockets and static files through nginx, the screen's socket on "
            "one worker, so taps taken by another reach it through Redis). A 503 is waited out "
            "and sent again; any other non-2xx is an error. CPU is read from /proc over each "
            "measured window (the live run: its taps and the settling, not the joins), as % of "
            "one core: each worker, nginx, PostgreSQL (all of its processes), Redis, this "
            f"generator, and the machine's busy time. On a {cores}-core machine shared with the "
            "load generator, nginx, PostgreSQL and Redis, two workers cannot reach 2×; read the "
            "CPU columns to see whether the cores or the design were the limit."
        ),
    )

    def add(measure: str, line) -> None:
        result.add(measure, "; ".join(f"{p.label}: {line(p)}" for p in phases))

    add(
        "Phones joined: score run / live run",
        lambda p: (
            f"{p.score.joined} / {p.score.phones} in {p.score.join_seconds:.1f} s; "
            f"{p.live.joined} / {p.live.phones} in {p.live.join_seconds:.1f} s"
        ),
    )
    # The closed-loop score run.
    add(
        "Score POST: answers (2xx) per second",
        lambda p: f"{p.score.rate:.0f} ({p.score.answered} in {p.score.wall:.1f} s)",
    )
    add("Score POST: latency p50 / p95 (2xx)", lambda p: p50_95(p.score.http))
    add(
        "Score POST: statuses (503s apart)",
        lambda p: (
            fmt_counts({s: n for s, n in p.score.statuses.items() if s != 503})
            + f"; 503: {p.score.got_503}"
            + (f"; no answer: {fmt_counts(p.score.wire_errors)}" if p.score.wire_errors else "")
        ),
    )
    add(
        "Score POST: sent / answered; pairs stored; doubled / lost / stored without its answer",
        lambda p: (
            f"{p.score.sent} / {p.score.answered}; {p.score.stored} of {p.score.pairs}; "
            f"{p.score.doubled} / {p.score.lost} / {p.score.stored_unanswered}"
        ),
    )
    add(
        "Score POST: answered by each worker (measured window) / phone sockets; the screen's "
        "worker (nginx log)",
        lambda p: spread(p.score),
    )
    add("Score POST: worker CPU, s (% of one core)", lambda p: workers_cpu(p.score))
    add(
        "Score POST: worker CPU per answer",
        lambda p: (
            f"{1000 * p.score.worker_cpu() / p.score.answered:.2f} ms"
            if p.score.answered
            else "n/a"
        ),
    )
    add(
        "Score POST: nginx / PostgreSQL / Redis / generator CPU (% of one core)",
        lambda p: others_cpu(p.score),
    )
    add("Score POST: the machine", lambda p: machine(p.score))
    add("Score POST: facilitator screen messages", lambda p: str(p.score.screen_messages))
    # The live run.
    add(
        "Live: taps sent / answered (2xx) / stored",
        lambda p: f"{p.live.sent} / {p.live.answered} / {p.live.stored}",
    )
    add(
        "Live: doubled / lost / stored without its answer",
        lambda p: f"{p.live.doubled} / {p.live.lost} / {p.live.stored_unanswered}",
    )
    add(
        "Live: tap statuses (503s apart); other requests' errors",
        lambda p: (
            fmt_counts({s: n for s, n in p.live.statuses.items() if s != 503})
            + f"; 503: {p.live.got_503} (on {p.live.taps_met_503} taps); other requests: "
            + (
                ", ".join(f"{k} {s}: {n}" for (k, s), n in sorted(p.live.other_errors.items()))
                or "no 4xx/5xx"
            )
            + (f"; no answer: {fmt_counts(p.live.wire_errors)}" if p.live.wire_errors else "")
        ),
    )
    add("Live: taps answered per second", lambda p: f"{p.live.rate:.1f}")
    add("Live: HTTP answer p50 / p95 (retries in)", lambda p: p50_95(p.live.http))
    add("Live: tap → facilitator screen p50 / p95", lambda p: p50_95(p.live.to_screen))
    add("Live: answered taps not shown on the screen", lambda p: str(p.live.not_shown))
    add(
        "Live: taps taken by each worker / phone sockets; the screen's worker (nginx log)",
        lambda p: spread(p.live),
    )
    add("Live: worker CPU, s (% of one core)", lambda p: workers_cpu(p.live))
    add(
        "Live: nginx / PostgreSQL / Redis / generator CPU (% of one core)",
        lambda p: others_cpu(p.live),
    )
    add("Live: the machine", lambda p: machine(p.live))
    # Both.
    add(
        "PostgreSQL connections to the database, peak: score window / live window / phase",
        lambda p: f"{p.score.pg_peak} / {p.live.pg_peak} / {p.pg_peak}",
    )
    add(
        "Worker peak RSS (VmHWM)",
        lambda p: " + ".join(f"{k / 1024:.0f} MiB" if k else "n/a" for k in p.rss_kib),
    )
    add("Load average (1/5/15 min), phase start → end", lambda p: f"{p.load_start} → {p.load_end}")

    if len(phases) == 2:
        one, two = phases
        result.add(
            f"Ratio {two.workers} / 1: score POSTs per second",
            ratio(two.score.rate, one.score.rate)
            + f" (the design should give ≥ {GOAL_RATIO:g}× where the cores are there)",
        )
        result.add(
            f"Ratio {two.workers} / 1: worker CPU per second, score run",
            ratio(two.score.worker_cpu() / two.score.wall, one.score.worker_cpu() / one.score.wall)
            if one.score.wall and two.score.wall
            else "n/a",
        )
        if one.score.answered and two.score.answered:
            result.add(
                f"Ratio {two.workers} / 1: worker CPU per score POST",
                ratio(
                    two.score.worker_cpu() / two.score.answered,
                    one.score.worker_cpu() / one.score.answered,
                ),
            )
        result.add(
            f"Ratio {two.workers} / 1: worker CPU, live run (the same taps)",
            ratio(two.live.worker_cpu(), one.live.worker_cpu()),
        )
    result.add(
        "PostgreSQL max_connections",
        str(phases[0].max_connections) if phases[0].max_connections else "n/a",
    )

    for phase in phases:
        for part in (phase.score, phase.live):
            name = "score run" if part.kind == "score" else "live run"
            result.notes += [f"{phase.label}, {name}: {note}" for note in part.notes]
            result.failures += [f"{phase.label}, {name}: {why}" for why in part.failures]
            odd = {s: n for s, n in part.nginx_statuses.items() if s >= 400}
            if odd:
                result.notes.append(
                    f"{phase.label}, {name}: nginx logged {fmt_counts(odd)} (static files are "
                    "not logged)"
                )
        if phase.problems:
            result.notes.append(
                f"{phase.label}: {len(phase.problems)} problem lines in the worker or nginx "
                f"logs, first: {phase.problems[0][:240]}"
            )
    return result


def run(args) -> Result:
    why = unavailable(args.scale_postgres, args.scale_redis)
    if why:
        result = Result(title=TITLE, setup=f"Skipped: {why}.")
        result.add("Skipped", why)
        return result
    phases: list[Phase] = []
    with Cluster(
        postgres=args.scale_postgres, redis_url=args.scale_redis, keep=getattr(args, "keep", False)
    ) as cluster:
        watch = ConnectionWatch(cluster.postgres, cluster.db_name)
        watch.start()
        crashed = None
        try:
            for workers in (1, args.scale_workers):
                try:
                    phases.append(run_phase(cluster, workers, args, watch))
                except Exception as exc:
                    if not phases:
                        raise
                    # Keep what the first phase measured.
                    traceback.print_exc()
                    crashed = f"the {workers}-worker phase crashed: {type(exc).__name__}: {exc}"
                    break
                phases[-1].max_connections = watch.max_connections
        finally:
            watch.stop()
        result = table(phases, cluster, args)
    if watch.error:
        result.notes.append(f"The connection count could not be read: {watch.error}")
    if crashed:
        result.failures.append(crashed)
    return result

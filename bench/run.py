"""Run the benchmarks against a real server and append the results to docs/benchmarks.md.

    make bench                           # the default set (about 15 minutes), writes the doc
    .venv/bin/python bench/run.py --big  # ... and the 1,000-phone run (about 7 minutes more)
    .venv/bin/python bench/run.py --only live_scoring --phones 20 --seconds 10 --no-write  # smoke

Each benchmark is a module in bench/ with `TITLE`, `add_arguments(parser)` and `run(args)`
returning a bench.report.Result. BENCHMARKS names the runs: a module with preset arguments (the
live-scoring sizes share one module); an argument given on the command line wins over a preset.
A module that does not exist (yet) is skipped with a note. A run appends one dated section (the
machine and every benchmark's table, each with the load average at its start and end) and keeps
the earlier ones. Exits non-zero when a benchmark failed (for live scoring: a tap lost, doubled,
stored without its answer, or a 5xx other than 503); speed itself is never a failure, the machine
may be noisy.
"""

import argparse
import importlib
import importlib.util
import os
import platform
import subprocess
import sys
import time
import traceback
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make `bench` importable as a package
    sys.path.insert(0, str(ROOT))

from bench.report import Result  # noqa: E402

# name: (module under bench/, preset arguments). The live-scoring presets join in the first part
# of the run; when --seconds is given without --join-seconds, the join window shrinks with it.
BENCHMARKS: dict[str, tuple[str, dict]] = {
    "first_load": ("first_load", {}),
    "live_scoring": ("live_scoring", {"phones": 100, "seconds": 60.0, "join_seconds": 0.0}),
    "live_scoring_300": (
        "live_scoring",
        {"phones": 300, "seconds": 180.0, "join_seconds": 30.0, "goal_screen_p95": 150.0},
    ),
    "saturation": ("saturation", {}),
    # Past capacity: more clients than the threads and the queue hold, so 503s must appear.
    "overload": ("saturation", {"saturation_clients": 400, "saturation_phones": 400}),
    # The same saturation under other ASGI servers (skipped when not installed).
    "saturation_uvicorn": ("saturation", {"saturation_server": "uvicorn"}),
    "saturation_granian": ("saturation", {"saturation_server": "granian"}),
    "pdf_report": ("pdf_report", {}),
    "partnership_history": ("partnership_history", {}),
    "scale_out": ("scale_out", {}),  # bench/scale_out.py: the two-worker run
    "live_scoring_1000": (
        "live_scoring",
        {
            "phones": 1000,
            "seconds": 300.0,
            "join_seconds": 60.0,
            "goal_http_p95": 500.0,
            "goal_screen_p95": 1000.0,
        },
    ),
}
# `make bench`, in this order; --big adds BIG.
DEFAULT = [
    "first_load",
    "live_scoring",
    "live_scoring_300",
    "saturation",
    "overload",
    "pdf_report",
    "partnership_history",
    "scale_out",
]
BIG = ["live_scoring_1000", "saturation_uvicorn", "saturation_granian"]

DOC = ROOT / "docs" / "benchmarks.md"
HEADER = r"""# Benchmarks

`make bench` starts real servers the way `make run` does (`manage.py serve`: daphne on 127.0.0.1
without an access log, its own temporary SQLite database, the in-memory channel layer, production
mode) and drives them the way a session does. Each run appends a dated section below (the machine,
then one table per benchmark); earlier runs are kept. Speed is reported, never judged: the machine
is shared, so compare numbers from the same run rather than across runs, and read them next to the
load average that every table ends with (at the benchmark's start and end), with its wall time.
A run fails (exit status 1, **Failed:** under the table) only on correctness: a tap not answered,
lost, doubled or stored without its answer, a 5xx other than 503, a phone that could not join.

```sh
make bench                                                    # the default set, about 15 minutes
.venv/bin/python bench/run.py --big                           # ... plus 1,000 phones (+9 min)
.venv/bin/python bench/run.py --only live_scoring_1000        # one benchmark (repeatable)
.venv/bin/python bench/run.py --only live_scoring --phones 20 --seconds 10 --no-write   # smoke
.venv/bin/python bench/run.py --only saturation --no-write \
    --saturation-phones 30 --saturation-clients 16 --saturation-seconds 3 --saturation-warmup 1
```

The default set is `first_load`, `live_scoring`, `live_scoring_300`, `saturation`, `overload`,
`pdf_report` and `scale_out`; `--big` adds `live_scoring_1000` and the saturation under two other
ASGI servers (`saturation_uvicorn`, `saturation_granian`; skipped unless
`pip install uvicorn uvloop httptools granian` put them in the virtualenv). `--no-write` prints
the section instead of appending it, `--keep` keeps the servers' temporary directories, and
`bench/run.py --help` lists every flag. `--phones`, `--seconds` and `--join-seconds` override the
sizes of every live-scoring run that is selected (a preset's join window shrinks with
`--seconds`).

**Live scoring** (`live_scoring`: 100 phones × 22 statements over 60 s, all joined before the first
tap; `live_scoring_300`: 300 × 22 over 180 s, joining at random moments in the first 30 s;
`live_scoring_1000`: 1,000 × 22 over 300 s, joining in the first 60 s). Every phone behaves as the
real one (`bench/phone.py`): it opens the join link, taps "Meedoen", loads its page and the static
files a fresh phone fetches, holds its own receive-only WebSocket (and so never polls; without a
socket it polls every 4 s), and then taps every statement once at seeded random moments, one answer
at a time, while a logged-in facilitator holds the screen's WebSocket. A 503 is waited out (its
Retry-After with up to half again as jitter, else a backoff of 1 s doubling to 10 s with jitter)
and the same tap sent again; so are other 5xx, dropped connections and time-outs (10 s), for up to
60 s per tap. One process drives all phones: they share keep-alive connections and keep their
cookies by hand (`bench/wire.py`), so a thousand phones cost the generator little.

How to read a live-scoring table: *sent* is taps attempted, *answered* those that got a 2xx in the
end, *stored* the database rows found per phone (by its device token's SHA-256) and statement;
*doubled* is more than one row for a pair, *lost* answered but not stored (or stored with another
value), *stored without its answer* a row for a tap whose phone never got its 2xx — all must be 0,
as must *other 5xx*. The 503s and the taps that met one show how often the server shed load. HTTP
answer times are given for the last attempt and from the first attempt (retries included: what the
person waits); tap → screen is from the first attempt to the facilitator's socket bringing the
statement's fragment with a respondent count (`data-respondents`) at least the tap's rank among the
answered taps on it. Its p95 per minute (per sixth of a run shorter than 3 minutes) shows whether
it stays flat; "worst n×" compares the worst slice with the run's p95. The goals of the 300 and
1,000 phone runs (tap → screen p95 ≤ 150 ms; HTTP p95 ≤ 500 ms and tap → screen p95 ≤ 1 s) are set
against the measured value, not judged. Server CPU is per tap (joins included when they overlap the
taps), with the busiest 10 s, peak RSS (VmHWM) and the most threads seen. The load generator's own
CPU and event-loop lag are there to show whether the generator was the limit: near one core, or a
loop lag of tens of milliseconds, means the numbers say more about the generator than about the
server.

**Saturation** (`saturation`): one server, a session with 200 joined phones holding their sockets
and the facilitator's screen open; then 32 closed-loop clients (each sends its next request when
its last is answered) for 10 s each, after 2 s of warm-up, one kind after the other: the score
POST (an htmx tap, spread over the phones and statements, the value alternating so each tap is
a real change), the state poll (`/s/<code>/state/?v=…&k=…`, answering 204) and a hashed static
file served by whitenoise (the phone's CSS). It reports answers per second (2xx), latency
p50 / p95 / p99, the status codes (a 503 is waited out and sent again, as a phone does), server and
generator CPU per request, and the ratios score / static and poll / static of the same run. The
goal "the tap is cheap" is score ≥ 0.50 × static. Afterwards each phone × statement must hold the
last value answered. `--saturation-clients`, `--saturation-seconds`, `--saturation-warmup` and
`--saturation-phones` change the sizes.

**Past capacity** (`overload`): the saturation run with 400 phones and 400 closed-loop clients,
more than a worker's HTTP threads and queue hold (8 + 200 by default). The 503s must appear, be
answered fast (their p50 is in the statuses row), be retried by the clients, and leave nothing
lost, doubled or stored without its answer; any other 5xx fails the run. The answers per second
next to the `saturation` run's show whether the server degrades or collapses.

**Other ASGI servers** (`saturation_uvicorn`, `saturation_granian`, with `--big`): the saturation
run under uvicorn (uvloop, httptools) or granian instead of daphne, the same application, so the
three can be compared by their answers per second and CPU per request (`--saturation-server` picks
one for a single run). They are not the project's dependencies; `make run` serves with daphne.

**Two workers** (`scale_out`, `bench/scale_out.py` with the setup in `bench/proxy.py`): a fresh
PostgreSQL database and a Redis database of its own, and a real nginx (least_conn, WebSockets,
`X-Forwarded-For`, static files from `staticfiles/`) in front of first one, then two `manage.py
serve` workers. Each phase runs the closed-loop score POST and a live run (phones with sockets, the
facilitator's screen socket, so a tap crosses workers through Redis), and reports per worker the
CPU and the requests nginx gave it, the CPU of nginx, PostgreSQL, Redis and the generator, the
PostgreSQL connections at their peak, and the ratios two / one. On a two-core machine shared with
the generator, nginx, PostgreSQL and Redis two workers cannot reach 2×; the CPU rows say whether
the cores or the design were the limit. `--scale-workers`, `--scale-clients`,
`--scale-saturation-seconds`, `--scale-phones`, `--scale-seconds` and others change the sizes.

**A phone's first load** (`first_load`) opens the join link in a fresh Chromium phone context
(empty cache), taps "Meedoen" and waits for the first statements with the socket open: the
requests and bytes that crossed the wire (Chromium's own accounting; cache hits are not counted),
under `make run` (production mode) and `make dev` in the same run. Its goal is at most 60 KB in at
most 8 requests under `make run`.

**The report** (`pdf_report`) times `report.render_pdf` for a full, closed session (22 statements
scored by 40 participants, 15 agreements) built in a temporary database of its own: one warm-up
render, then 7 timed ones, with wall and CPU time, the share spent before WeasyPrint, pages and
size. Its goal is a median under one second on the machine at hand; the ratio to that goal is
reported, not judged.

**A partnership's history** (`partnership_history`) builds twelve closed sessions of one
partnership (25 participants each, 5 agreements each, the earlier ones reviewed) and times its page
(the whole view through Django's test client, with its queries and the points drawn) and its PDF.
Goals of our own: the page under 0.5 s, the PDF under 2 s (medians).

Runs before 2026-12 used an earlier live-scoring benchmark (one httpx client per phone, daphne
started directly with its access log on, no retries): their numbers are not comparable with
later ones.
"""


def read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def machine() -> dict[str, str]:
    cpuinfo = read("/proc/cpuinfo")
    model = next(
        (line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if "model name" in line),
        platform.processor() or platform.machine(),
    )
    mem_kib = next(
        (int(line.split()[1]) for line in read("/proc/meminfo").splitlines() if "MemTotal" in line),
        0,
    )
    os_name = next(
        (
            line.split("=", 1)[1].strip().strip('"')
            for line in read("/etc/os-release").splitlines()
            if line.startswith("PRETTY_NAME=")
        ),
        platform.system(),
    )
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    return {
        "CPU": f"{model}, {os.cpu_count()} cores available",
        "RAM": f"{mem_kib / 1024 / 1024:.1f} GiB",
        "OS": f"{os_name}, Linux {platform.release()}",
        "Python": f"{platform.python_version()} ({platform.python_implementation()})",
        "Load average at start (1/5/15 min)": load,
        "Commit": commit(),
    }


def commit() -> str:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return done.stdout.strip() + " (the working tree may differ)"


def section(started: datetime, info: dict[str, str], results, argv, skipped) -> str:
    command = " ".join(["bench/run.py", *argv]) if argv else "make bench"
    lines = [f"## Run of {started:%Y-%m-%d %H:%M %Z}", "", f"Command: `{command}`", ""]
    lines += [f"- {key}: {value}" for key, value in info.items()]
    lines += [f"- Skipped {name}: {why}" for name, why in skipped]
    lines.append("")
    for result in results:
        lines.append(result.markdown())
    return "\n".join(lines)


def load_modules() -> tuple[dict, dict[str, str]]:
    """The benchmark modules that exist and import, and why the others are missing."""
    modules, missing = {}, {}
    for module_name in dict.fromkeys(module for module, _preset in BENCHMARKS.values()):
        if importlib.util.find_spec(f"bench.{module_name}") is None:
            missing[module_name] = f"bench/{module_name}.py does not exist"
            continue
        try:
            modules[module_name] = importlib.import_module(f"bench.{module_name}")
        except Exception as exc:  # noqa: BLE001 - one broken module must not stop the others
            missing[module_name] = f"bench/{module_name}.py does not import ({exc!r})"
    return modules, missing


def with_preset(args: argparse.Namespace, preset: dict) -> argparse.Namespace:
    """A copy of the arguments with the preset filled in where the command line said nothing."""
    copy = argparse.Namespace(**vars(args))
    for key, value in preset.items():
        if getattr(copy, key, None) is None:
            setattr(copy, key, value)
    if (
        "join_seconds" in preset
        and args.join_seconds is None
        and args.seconds is not None
        and preset.get("seconds")
    ):
        copy.join_seconds = preset["join_seconds"] * args.seconds / preset["seconds"]
    return copy


def run_one(name: str, module, args: argparse.Namespace) -> Result:
    """Run one benchmark; a crash becomes a failed result, so the others still run."""
    load_start = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    began = time.monotonic()
    try:
        result = module.run(args)
    except Exception as exc:  # noqa: BLE001 - reported in the document and on stderr
        traceback.print_exc()
        result = Result(title=f"{getattr(module, 'TITLE', name)} ({name})")
        result.failures.append(f"crashed: {type(exc).__name__}: {exc}")
    load_end = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    result.add("Load average (1/5/15 min) at start → end", f"{load_start} → {load_end}")
    result.add("Wall time of this benchmark, setup included", f"{time.monotonic() - began:.0f} s")
    return result


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--only", choices=list(BENCHMARKS), action="append", help="run only these (repeatable)"
    )
    parser.add_argument(
        "--big",
        action="store_true",
        help="add the 1,000-phone run and the saturation under uvicorn and granian",
    )
    parser.add_argument("--no-write", action="store_true", help="print, do not append to the doc")
    parser.add_argument("--output", type=Path, default=DOC, help="the document to append to")
    parser.add_argument("--keep", action="store_true", help="keep the server's temporary VAR_DIR")
    modules, missing = load_modules()
    for module_name, module in list(modules.items()):
        try:
            module.add_arguments(parser)
        except (AttributeError, argparse.ArgumentError) as exc:
            missing[module_name] = f"bench/{module_name}.py cannot add its arguments ({exc})"
            del modules[module_name]
    args = parser.parse_args(argv)

    names = args.only or DEFAULT + (BIG if args.big else [])
    started = datetime.now().astimezone()
    info = machine()
    results, skipped = [], []
    for name in names:
        module_name, preset = BENCHMARKS[name]
        if module_name not in modules:
            print(f"Skipping {name}: {missing[module_name]}", file=sys.stderr, flush=True)
            skipped.append((name, missing[module_name]))
            continue
        print(f"Running {name} …", file=sys.stderr, flush=True)
        results.append(run_one(name, modules[module_name], with_preset(args, preset)))
    info["Load average at end (1/5/15 min)"] = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    text = section(started, info, results, argv, skipped)
    print(text)

    if not args.no_write:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        existing = args.output.read_text() if args.output.exists() else HEADER
        args.output.write_text(existing.rstrip("\n") + "\n\n" + text.rstrip("\n") + "\n")
        print(f"Appended to {args.output}", file=sys.stderr)

    failed = [r for r in results if not r.ok]
    for result in failed:
        print(f"FAILED {result.title}: {'; '.join(result.failures)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

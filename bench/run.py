"""Run the benchmarks against a real server and append the results to docs/benchmarks.md.

    make bench                                  # everything, default sizes, writes the doc
    .venv/bin/python bench/run.py --phones 10 --seconds 5 --no-write   # a quick smoke run

Each benchmark is a module in bench/ with `TITLE`, `add_arguments(parser)` and `run(args)`
returning a bench.report.Result; list it in BENCHMARKS. A run appends one dated section (the machine
and every benchmark's table) and keeps the earlier ones. Exits non-zero when a benchmark failed
(for live scoring: a tap was lost); speed itself is never a failure, the machine may be noisy.
"""

import argparse
import importlib
import os
import platform
import subprocess
import sys
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make `bench` importable as a package
    sys.path.insert(0, str(ROOT))

# Modules under bench/, run in this order.
BENCHMARKS = ["first_load", "live_scoring", "pdf_report"]

DOC = ROOT / "docs" / "benchmarks.md"
HEADER = """# Benchmarks

`make bench` starts a real server (daphne on 127.0.0.1, its own temporary SQLite database, the
in-memory channel layer, production mode: the embedded profile of `make run`) and drives it the
way a session does.
The live-scoring benchmark lets simulated phones, each a real HTTP client with its own cookies and
CSRF token, score every statement of the LOB instrument over a minute while a logged-in facilitator
holds the screen's WebSocket. It reports the taps per second, how long a phone waits for its
answer, the time from a tap to the facilitator's socket showing it, and how many taps were lost
(must be 0; the run fails otherwise). A tap counts as shown when the socket first brings that
statement's fragment with a respondent count (`data-respondents`) of at least the tap's rank among
the acknowledged taps on it; lost means acknowledged (2xx) but not shown within 5 s after the last
tap, and the database is checked as well (one answer per phone on every statement). Speed is
reported, never judged: the machine is shared, so compare numbers from the same run rather than
across runs, and read them next to the load average recorded with each run.

The first-load benchmark opens the join link in a fresh Chromium phone context (empty cache), taps
"Meedoen" and waits for the first statements with the socket open: the requests and bytes that
crossed the wire (Chromium's own accounting; cache hits are not counted), under `make run`
(production mode) and `make dev` in the same run. Its goal is at most 60 KB in at most 8 requests
under `make run`.

The report benchmark times `report.render_pdf` for a full, closed session (22 statements scored by
40 participants, 15 agreements) built in a temporary database of its own: one warm-up render, then
7 timed ones, with wall and CPU time, the share spent before WeasyPrint, pages and size. Its goal
is a median under one second on the machine at hand; the ratio to that goal is reported, not judged.

Run it with `make bench` (about three minutes), or a quick check with
`.venv/bin/python bench/run.py --phones 10 --seconds 5 --no-write`. Each run appends a section
below; earlier runs are kept.
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


def section(started: datetime, info: dict[str, str], results, argv: list[str]) -> str:
    command = " ".join(["bench/run.py", *argv]) if argv else "make bench"
    lines = [f"## Run of {started:%Y-%m-%d %H:%M %Z}", "", f"Command: `{command}`", ""]
    lines += [f"- {key}: {value}" for key, value in info.items()]
    lines.append("")
    for result in results:
        lines.append(result.markdown())
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=BENCHMARKS, action="append", help="run only these")
    parser.add_argument("--no-write", action="store_true", help="print, do not append to the doc")
    parser.add_argument("--output", type=Path, default=DOC, help="the document to append to")
    parser.add_argument("--keep", action="store_true", help="keep the server's temporary VAR_DIR")
    modules = {name: importlib.import_module(f"bench.{name}") for name in BENCHMARKS}
    for module in modules.values():
        module.add_arguments(parser)
    args = parser.parse_args(argv)

    started = datetime.now().astimezone()
    info = machine()
    results = []
    for name in args.only or BENCHMARKS:
        print(f"Running {name} …", file=sys.stderr, flush=True)
        results.append(modules[name].run(args))
    info["Load average at end (1/5/15 min)"] = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    text = section(started, info, results, argv)
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

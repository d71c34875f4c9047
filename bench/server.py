"""A real Reflectie server for a benchmark: its own database, one daphne process on 127.0.0.1.

    with BenchServer() as server:
        live = server.create_live_session(slug="lob-regio")
        ... talk to server.base_url / server.ws_url ...
        counts = server.response_counts(live["session_id"])

The server runs the embedded profile (SQLite in a temporary VAR_DIR, the in-memory channel layer,
one daphne process) in production mode with collected static files, started the way `make run`
starts it (`manage.py serve`, which replaces itself by daphne: no access log); `debug=True` gives
`make dev` instead. It is stopped by its own pid when the block ends.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
# Environment variables that would point the server away from its own temporary database.
FOREIGN = (
    "DATABASE_URL",
    "REDIS_URL",
    "SITE_URL",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "HTTPS",
)

# Runs in a subprocess with the server's environment: Django set up, `args` given, `emit` to answer.
PRELUDE = """
import json, os, sys
import django
django.setup()
args = json.loads(os.environ["BENCH_ARGS"])
def emit(value):
    sys.stdout.write("BENCH-RESULT " + json.dumps(value) + "\\n")
"""

CREATE_LIVE_SESSION = """
import secrets
from django.contrib.auth import get_user_model
from instruments.models import Instrument, Item
from sessions import lifecycle

instrument = Instrument.objects.filter(slug=args["slug"]).order_by("-version").first()
if instrument is None:
    sys.exit(f"instrument {args['slug']!r} not loaded")
password = secrets.token_urlsafe(16)
user = get_user_model().objects.create_user(args["username"], password=password)
session = lifecycle.create_session(
    user, instrument, title="Benchmark", partnership_name="Benchmark", scoring_mode=args["mode"]
)
lifecycle.set_phase(session, "scoring")
items = list(
    Item.objects.filter(theme__instrument=instrument, kind=Item.Kind.STATEMENT)
    .order_by("theme__position", "position", "pk")
    .values_list("pk", flat=True)
)
emit({
    "session_id": session.pk,
    "code": session.code,
    "username": user.username,
    "password": password,
    "item_ids": items,
    "instrument": f"{instrument.slug} v{instrument.version}",
})
"""

RESPONSE_COUNTS = """
from django.db.models import Count
from sessions.models import Participant, Response

rows = (
    Response.objects.filter(session_id=args["session_id"])
    .values("item_id")
    .annotate(n=Count("pk"))
)
emit({
    "responses": {str(row["item_id"]): row["n"] for row in rows},
    "participants": Participant.objects.filter(session_id=args["session_id"]).count(),
})
"""


ANSWER_ROWS = """
from django.db.models import Count, Max, Min
from sessions.models import Participant, Response

rows = (
    Response.objects.filter(session_id=args["session_id"])
    .values("participant__token_hash", "item_id")
    .annotate(n=Count("pk"), low=Min("value"), high=Max("value"))
)
emit({
    "rows": [
        [row["participant__token_hash"], row["item_id"], row["n"], row["low"], row["high"]]
        for row in rows
    ],
    "participants": Participant.objects.filter(session_id=args["session_id"]).count(),
})
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def proc_status(pid: int) -> dict[str, str]:
    """/proc/<pid>/status as a dict ("VmHWM" -> "123456 kB"); empty when the process is gone."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    return dict(line.split(":\t", 1) for line in text.splitlines() if ":\t" in line)


def _stat(pid: int) -> list[str] | None:
    try:
        # After "pid (comm)": state is field 0, ppid 1, utime 11, stime 12 (in clock ticks).
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def proc_cpu_seconds(pid: int) -> float | None:
    """User + system CPU time the process and its running children have used so far (granian
    serves from a child process; daphne and uvicorn have none)."""
    fields = _stat(pid)
    if fields is None:
        return None
    ticks = int(fields[11]) + int(fields[12])
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and entry.name != str(pid):
            child = _stat(int(entry.name))
            if child is not None and child[1] == str(pid):
                ticks += int(child[11]) + int(child[12])
    return ticks / os.sysconf("SC_CLK_TCK")


# Other ASGI servers the saturation benchmark can compare with daphne (`--saturation-server`);
# they are not the project's dependencies: `pip install uvicorn uvloop httptools granian`.
OTHER_SERVERS = {
    "uvicorn": [
        "-m", "uvicorn", "--loop", "uvloop", "--http", "httptools", "--ws", "websockets",
        "--no-access-log", "--log-level", "warning", "--host", "{host}", "--port", "{port}",
        "reflectie.asgi:application",
    ],
    "granian": [
        "-m", "granian", "--interface", "asgi", "--loop", "uvloop", "--log-level", "warning",
        "--host", "{host}", "--port", "{port}", "reflectie.asgi:application",
    ],
}  # fmt: skip


class BenchServer:
    def __init__(
        self,
        *,
        keep: bool = False,
        python: str | None = None,
        debug: bool = False,
        server: str = "daphne",
    ):
        self.server = server
        self.keep = keep
        self.debug = debug
        self.python = python or sys.executable
        self.var_dir = Path(tempfile.mkdtemp(prefix="reflectie-bench-"))
        self.port = free_port()
        self.base_url = f"http://{HOST}:{self.port}"
        self.ws_url = f"ws://{HOST}:{self.port}"
        self.log_path = self.var_dir / "daphne.log"
        self.proc: subprocess.Popen | None = None
        self.peak_rss_kib: int | None = None
        self.env = {k: v for k, v in os.environ.items() if k not in FOREIGN}
        self.env.update(
            VAR_DIR=str(self.var_dir),
            DEBUG="1" if debug else "0",
            LOG_LEVEL="WARNING",
            DJANGO_SETTINGS_MODULE="reflectie.settings",
            PYTHONUNBUFFERED="1",
            # Every simulated phone comes from localhost: one address, unlike a room's phones.
            REFLECTIE_JOIN_BURST="100000",
        )

    # Setup ---------------------------------------------------------------------------------

    def manage(self, *args: str) -> None:
        subprocess.run(
            [self.python, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def django(self, code: str, **args):
        """Run a snippet in a subprocess with the server's settings; returns what it emits."""
        env = dict(self.env, BENCH_ARGS=json.dumps(args))
        done = subprocess.run(
            [self.python, "-c", PRELUDE + code],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        for line in reversed(done.stdout.splitlines()):
            if line.startswith("BENCH-RESULT "):
                return json.loads(line.removeprefix("BENCH-RESULT "))
        raise RuntimeError(f"snippet gave no result:\n{done.stdout}\n{done.stderr}")

    def prepare(self) -> None:
        self.manage("migrate", "--noinput", "-v", "0")
        self.manage("load_instruments")
        if not self.debug:
            self.manage("collectstatic", "--noinput", "-v", "0")

    def create_live_session(self, *, slug: str = "lob-regio", mode: str = "all") -> dict:
        """A facilitator and a session in the scoring phase; its statements' ids in order."""
        return self.django(CREATE_LIVE_SESSION, slug=slug, mode=mode, username="bench")

    def response_counts(self, session_id: int) -> dict:
        """{"responses": {item_id: count}, "participants": n}, read straight from the database."""
        return self.django(RESPONSE_COUNTS, session_id=session_id)

    def answer_rows(self, session_id: int) -> dict:
        """{"rows": [[token_hash, item_id, rows, lowest value, highest value], ...],
        "participants": n}: every stored answer by participant (their device token's SHA-256)
        and statement, straight from the database."""
        return self.django(ANSWER_ROWS, session_id=session_id)

    # The daphne process ----------------------------------------------------------------------

    def start(self, timeout: float = 60.0) -> None:
        # As `make run`: `serve` checks the database, then execs daphne (same pid) without an
        # access log. Calling daphne directly would log every request to daphne.log.
        argv = [self.python, "manage.py", "serve", "--host", HOST, "--port", str(self.port)]
        if self.server != "daphne":
            args = OTHER_SERVERS[self.server]
            argv = [self.python] + [a.format(host=HOST, port=self.port) for a in args]
        self._log = open(self.log_path, "wb")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(
            argv, cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"daphne exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                httpx.get(self.base_url + "/", timeout=2.0)
                return
            except httpx.TransportError:
                time.sleep(0.2)
        raise RuntimeError(f"daphne did not answer within {timeout:.0f}s:\n{self.log_tail()}")

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def cpu_seconds(self) -> float | None:
        return proc_cpu_seconds(self.pid) if self.pid else None

    def read_peak_rss(self) -> int | None:
        """Peak resident memory of the server process so far, in KiB (VmHWM)."""
        if self.pid is None:
            return None
        raw = proc_status(self.pid).get("VmHWM", "")
        if raw.endswith(" kB"):
            self.peak_rss_kib = int(raw.split()[0])
        return self.peak_rss_kib

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.read_peak_rss()
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def log_problems(self) -> list[str]:
        """Lines of the server log that report an error or a traceback."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return []
        words = ("Traceback", "ERROR", "Exception", "WARNING")
        return [line for line in text.splitlines() if any(w in line for w in words)]

    # Context manager ---------------------------------------------------------------------------

    def __enter__(self) -> "BenchServer":
        try:
            self.prepare()
            self.start()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc) -> None:
        try:
            self.stop()
        finally:
            if self.keep:
                print(f"Server files kept in {self.var_dir}", file=sys.stderr)
            else:
                shutil.rmtree(self.var_dir, ignore_errors=True)

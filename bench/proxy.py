"""Reflectie as a service on this machine, for a benchmark: N workers behind a real nginx, on a
fresh PostgreSQL database and a Redis database of its own (the picture of docs/deploy.md).

    why = unavailable(POSTGRES, REDIS_URL)   # nginx missing, PostgreSQL or Redis not answering
    with Cluster() as cluster:               # database made, migrated, instruments, collectstatic
        cluster.start(workers=2)             # Redis db flushed, 2 × `manage.py serve`, nginx
        ... talk to cluster.base_url / cluster.ws_url (nginx) ...
        cluster.stop()
    # the database dropped, the Redis database flushed, the temporary folder removed

A Cluster is a BenchServer whose port is nginx's, so its helpers (`django`, `answer_rows`, …) run
against the PostgreSQL database. The workers run as `make run` starts one (`manage.py serve`,
DEBUG off, LOG_LEVEL=WARNING), with a shared SECRET_KEY and VAR_DIR, trusting nginx's
X-Forwarded-For (REFLECTIE_TRUSTED_PROXIES=127.0.0.1); the nginx configuration follows
deploy/nginx.conf.example on plain HTTP (least_conn, WebSocket upgrade, /static/ from
staticfiles/ with gzip_static), with everything nginx writes in the temporary folder. Every
process is stopped by its own pid.

`Cluster.snapshot()` reads from /proc the CPU time used so far by each worker, nginx (master and
workers), PostgreSQL (the postmaster, its live backends and those it has reaped: the whole
cluster, whoever else uses it) and Redis, the generator itself, and the machine as a whole;
`ConnectionWatch` polls pg_stat_activity for the database's connection count. Linux only.
"""

import contextlib
import grp
import os
import pwd
import resource
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from .sampling import own_cpu_seconds
from .server import HOST, ROOT, BenchServer, free_port, proc_status

POSTGRES = os.environ.get("REFLECTIE_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
# A Redis database apart from the tests' (0, and 12 for tests/deploy/test_proxy.py).
REDIS_URL = os.environ.get("REFLECTIE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
STATIC_ROOT = ROOT / "staticfiles"
MIME_TYPES = Path("/etc/nginx/mime.types")
# Settings that would point the workers elsewhere or change what they are, besides BenchServer's.
FOREIGN = ("SECRET_KEY", "PROXY_HEADERS", "ACCESS_LOG", "REFLECTIE_TRUSTED_PROXIES")
TICK = os.sysconf("SC_CLK_TCK")


def find_nginx() -> str | None:
    return shutil.which("nginx", path=os.environ.get("PATH", "") + os.pathsep + "/usr/sbin:/sbin")


def unavailable(postgres: str = POSTGRES, redis_url: str = REDIS_URL) -> str | None:
    """Why the cluster cannot run here (nginx, PostgreSQL or Redis missing), or None."""
    if find_nginx() is None:
        return "nginx is not installed (looked on PATH and in /usr/sbin)"
    try:
        import psycopg

        with psycopg.connect(postgres.rstrip("/") + "/postgres", connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - the reason is the answer
        return f"PostgreSQL at {postgres} does not answer ({type(exc).__name__}: {exc})".strip()
    try:
        import redis

        redis.Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001
        return f"Redis at {redis_url} does not answer ({type(exc).__name__}: {exc})"
    return None


# CPU time from /proc ---------------------------------------------------------------------------


def process_table() -> dict[int, tuple[str, int, float]]:
    """Every process: pid -> (command name, parent pid, CPU seconds of it and its reaped
    children: utime + stime + cutime + cstime)."""
    table = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            raw = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        comm = raw[raw.find("(") + 1 : raw.rfind(")")]
        fields = raw[raw.rfind(")") + 2 :].split()
        try:
            table[int(entry.name)] = (comm, int(fields[1]), sum(map(int, fields[11:15])) / TICK)
        except (IndexError, ValueError):
            continue
    return table


def tree_cpu(table: dict, children: dict[int, list[int]], root: int) -> float | None:
    """CPU seconds of a process and all its descendants, the living and the reaped. A child
    that exits between two readings moves from the living into its parent's cutime/cstime, so
    the difference of two readings is what the tree used in between."""
    if root not in table:
        return None
    total, stack = 0.0, [root]
    while stack:
        pid = stack.pop()
        total += table[pid][2]
        stack.extend(children.get(pid, ()))
    return total


def roots(table: dict, name: str) -> list[int]:
    """Processes called `name` whose parent is not: a PostgreSQL cluster's postmaster, Redis."""
    return [
        pid
        for pid, (comm, ppid, _cpu) in table.items()
        if comm == name and table.get(ppid, ("",))[0] != name
    ]


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, all cores (/proc/stat)."""
    try:
        first = Path("/proc/stat").read_text().splitlines()[0].split()
    except (OSError, IndexError):
        return 0.0, 0.0
    values = [int(v) for v in first[1:9]]  # user nice system idle iowait irq softirq steal
    idle = values[3] + values[4]
    return (sum(values) - idle) / TICK, sum(values) / TICK


@dataclass
class Snapshot:
    at: float  # time.perf_counter()
    clock: float  # time.time(), to match nginx's log
    cpu: dict[str, float | None]  # "worker :8001", "nginx", "PostgreSQL", "Redis", "generator"
    machine_busy: float
    machine_total: float


def used(before: Snapshot, after: Snapshot) -> dict[str, float | None]:
    """CPU seconds each process (tree) used between two snapshots; None where one is missing."""
    found: dict[str, float | None] = {}
    for name, last in after.cpu.items():
        first = before.cpu.get(name)
        # A tree does not lose CPU time; less would mean that the process was replaced.
        found[name] = None if first is None or last is None else max(0.0, last - first)
    return found


# The PostgreSQL connection count ---------------------------------------------------------------


class ConnectionWatch:
    """Polls pg_stat_activity from a thread: the most connections to one database at once,
    kept under as many names as asked (`take("window")`, `take("phase")`). Its own connection
    goes to the `postgres` database, so it does not count itself."""

    def __init__(self, postgres: str, database: str, every: float = 0.25):
        self.postgres = postgres.rstrip("/")
        self.database = database
        self.every = every
        self.peaks: dict[str, int] = {}
        self.last = 0
        self.max_connections: int | None = None
        self.error: str | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="pg-connections", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import psycopg

        try:
            with psycopg.connect(self.postgres + "/postgres", autocommit=True) as conn:
                self.max_connections = int(conn.execute("SHOW max_connections").fetchone()[0])
                while not self._stop.is_set():
                    count = conn.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = %s",
                        (self.database,),
                    ).fetchone()[0]
                    with self._lock:
                        self.last = count
                        for name, peak in self.peaks.items():
                            self.peaks[name] = max(peak, count)
                    self._stop.wait(self.every)
        except Exception as exc:  # noqa: BLE001 - reported with the numbers
            self.error = f"{type(exc).__name__}: {exc}"

    def take(self, name: str) -> int:
        """The peak under `name` since its last take (the first take starts it: 0); the next
        period starts from the current count."""
        with self._lock:
            peak = self.peaks.get(name, 0)
            self.peaks[name] = self.last
        return peak

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)


# The cluster -----------------------------------------------------------------------------------


@dataclass
class Worker:
    port: int
    proc: subprocess.Popen
    log_path: Path
    peak_rss_kib: int | None = None
    peak_threads: int | None = None


@dataclass
class Run:
    """One start of the cluster: its folder, its workers and its nginx."""

    folder: Path
    workers: list[Worker] = field(default_factory=list)
    nginx: subprocess.Popen | None = None
    nginx_port: int | None = None


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}:\n{tail(log)}")
        try:
            answer = httpx.get(url, timeout=3.0)
            if answer.status_code == 200:
                return
            last = f"HTTP {answer.status_code}"
        except httpx.TransportError as exc:
            last = type(exc).__name__
        time.sleep(0.2)
    raise RuntimeError(f"{what} not healthy within {timeout:.0f} s ({last}):\n{tail(log)}")


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


class Cluster(BenchServer):
    def __init__(
        self,
        *,
        postgres: str = POSTGRES,
        redis_url: str = REDIS_URL,
        keep: bool = False,
        nginx_workers: str = "auto",
    ):
        super().__init__(keep=keep)
        self.postgres = postgres.rstrip("/")
        self.db_name = f"reflectie_bench_{os.getpid()}"
        self.database_url = f"{self.postgres}/{self.db_name}"
        self.redis_url = redis_url
        self.nginx = find_nginx()
        self.nginx_workers = nginx_workers
        self.runs: list[Run] = []
        self.created_db = False
        self.running = False
        for name in FOREIGN:
            self.env.pop(name, None)
        self.env.update(
            DATABASE_URL=self.database_url,
            REDIS_URL=redis_url,
            ALLOWED_HOSTS=f"{HOST},localhost",
            REFLECTIE_TRUSTED_PROXIES=HOST,
            # Every worker must sign and read the same cookies.
            SECRET_KEY=secrets.token_urlsafe(50),
        )
        self.port = None
        self.base_url = self.ws_url = ""

    @property
    def run(self) -> Run | None:
        return self.runs[-1] if self.runs else None

    @property
    def workers(self) -> list[Worker]:
        return self.run.workers if self.run else []

    # Database and Redis ----------------------------------------------------------------------

    def _admin(self, statement: str) -> None:
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.postgres + "/postgres", autocommit=True) as conn:
            conn.execute(sql.SQL(statement).format(sql.Identifier(self.db_name)))

    def flush_redis(self) -> None:
        import redis

        client = redis.Redis.from_url(self.redis_url, socket_connect_timeout=2)
        try:
            client.flushdb()
        finally:
            client.close()

    def redis_version(self) -> str:
        import redis

        client = redis.Redis.from_url(self.redis_url, socket_connect_timeout=2)
        try:
            return str(client.info("server").get("redis_version", "?"))
        finally:
            client.close()

    def postgres_version(self) -> str:
        import psycopg

        with psycopg.connect(self.postgres + "/postgres") as conn:
            return str(conn.execute("SHOW server_version").fetchone()[0]).split()[0]

    def nginx_version(self) -> str:
        done = subprocess.run([self.nginx, "-v"], capture_output=True, text=True)
        said = (done.stderr or done.stdout).strip()
        return said.removeprefix("nginx version: ").removeprefix("nginx/")

    def prepare(self) -> None:
        """A fresh database, migrated, with the instruments; the static files collected."""
        self._admin("DROP DATABASE IF EXISTS {} WITH (FORCE)")
        self._admin("CREATE DATABASE {}")
        self.created_db = True
        super().prepare()

    # Workers and nginx -----------------------------------------------------------------------

    def start(self, workers: int = 2, timeout: float = 60.0) -> None:
        """`workers` × `manage.py serve` and nginx in front of them, on a flushed Redis db."""
        if self.running:
            raise RuntimeError("stop the running cluster first")
        self.running = True
        self.flush_redis()
        run = Run(self.var_dir / f"run-{len(self.runs) + 1}")
        run.folder.mkdir()
        self.runs.append(run)
        try:
            for _ in range(workers):
                port = free_port()
                log_path = run.folder / f"worker-{port}.log"
                with open(log_path, "wb") as log:
                    proc = subprocess.Popen(
                        [self.python, "manage.py", "serve", "--host", HOST, "--port", str(port)],
                        cwd=ROOT,
                        env=self.env,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                    )
                run.workers.append(Worker(port, proc, log_path))
            for worker in run.workers:
                wait_healthy(
                    f"http://{HOST}:{worker.port}/health",
                    worker.proc,
                    timeout,
                    f"worker :{worker.port}",
                    worker.log_path,
                )
            run.nginx_port = free_port()
            conf = run.folder / "nginx.conf"
            conf.write_text(self.nginx_conf(run))
            error_log = run.folder / "error.log"
            run.nginx = subprocess.Popen(
                [self.nginx, "-p", str(run.folder), "-e", str(error_log), "-c", str(conf)]
                + ["-g", "daemon off;"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.STDOUT,
            )
            self.port = run.nginx_port
            self.base_url = f"http://{HOST}:{self.port}"
            self.ws_url = f"ws://{HOST}:{self.port}"
            wait_healthy(f"{self.base_url}/health", run.nginx, 15, "nginx", error_log)
        except BaseException:
            self.stop()
            raise

    def nginx_conf(self, run: Run) -> str:
        """deploy/nginx.conf.example on plain HTTP, with every file nginx writes in the run's
        folder. `Host $http_host` keeps the port (the example's `$host` drops it, fine on 443)."""
        tmp = run.folder
        servers = "\n".join(f"        server {HOST}:{w.port};" for w in run.workers)
        temp = "\n".join(
            f"    {kind}_temp_path {tmp}/{kind};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        user = ""
        if os.geteuid() == 0:  # as root nginx would hand its workers to `nobody`
            user = (
                f"user {pwd.getpwuid(os.geteuid()).pw_name} {grp.getgrgid(os.getegid()).gr_name};"
            )
        types = (
            f"include {MIME_TYPES};"
            if MIME_TYPES.exists()
            else "types { text/css css; text/javascript js; image/svg+xml svg; }"
        )
        proxy = """
            proxy_pass http://reflectie;
            proxy_http_version 1.1;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_connect_timeout 5s;"""
        # Two descriptors per proxied connection; no more than this process may have (raising
        # the hard limit needs a privilege a container may not give, even to root).
        files = min(65536, resource.getrlimit(resource.RLIMIT_NOFILE)[1])
        return f"""{user}
worker_processes {self.nginx_workers};
worker_rlimit_nofile {files};
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections {max(512, files // 2)}; }}
http {{
    {types}
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    server_tokens off;
    log_format bench '$msec $status $upstream_addr $upstream_status $request_method $uri';
    access_log {tmp}/access.log bench buffer=64k flush=1s;
{temp}
    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    upstream reflectie {{
        least_conn;
{servers}
        keepalive 16;
    }}
    server {{
        listen {HOST}:{run.nginx_port} backlog=4096;
        client_max_body_size 512k;
        location /static/ {{
            alias {STATIC_ROOT}/;
            gzip_static on;
            gzip_vary on;
            add_header Cache-Control "public, max-age=31536000, immutable";
            access_log off;
        }}
        location /ws/ {{{proxy}
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_read_timeout 1h;
            proxy_send_timeout 1h;
        }}
        location / {{{proxy}
            proxy_set_header Connection "";
            proxy_read_timeout 60s;
        }}
    }}
}}
"""

    @staticmethod
    def _end(proc: subprocess.Popen, first: int) -> None:
        if proc.poll() is None:
            proc.send_signal(first)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def stop(self) -> None:
        """nginx first (a graceful stop writes out its log), then the workers; by their pids."""
        run = self.run
        if run is None or not self.running:
            return
        self.running = False
        for worker in run.workers:
            status = proc_status(worker.proc.pid)
            if status.get("VmHWM", "").endswith(" kB"):
                worker.peak_rss_kib = int(status["VmHWM"].split()[0])
        if run.nginx is not None:
            self._end(run.nginx, signal.SIGQUIT)
        for worker in run.workers:
            self._end(worker.proc, signal.SIGTERM)

    # What the run left behind ----------------------------------------------------------------

    def access_log(self) -> list[tuple[float, int, str, str, str, str]]:
        """nginx's log of the current run: (time, status, upstream address, upstream status,
        method, path) per request; static files are not logged (as in the example)."""
        lines = []
        with contextlib.suppress(OSError):
            for line in (self.run.folder / "access.log").read_text(errors="replace").splitlines():
                parts = line.split(" ", 5)
                if len(parts) == 6 and parts[1].isdigit():
                    lines.append((float(parts[0]), int(parts[1]), *parts[2:]))
        return lines

    def log_problems(self) -> list[str]:
        """Worker log lines that report an error, a warning or a traceback, and nginx's errors,
        of the current run."""
        problems = []
        words = ("Traceback", "ERROR", "Exception", "WARNING", "CRITICAL")
        for worker in self.workers:
            with contextlib.suppress(OSError):
                for line in worker.log_path.read_text(errors="replace").splitlines():
                    if any(w in line for w in words):
                        problems.append(f"worker :{worker.port}: {line.strip()}")
        with contextlib.suppress(OSError, AttributeError):
            for line in (self.run.folder / "error.log").read_text(errors="replace").splitlines():
                if any(f"[{level}]" in line for level in ("warn", "error", "crit", "alert")):
                    problems.append(f"nginx: {line.strip()}")
        return problems

    def snapshot(self) -> Snapshot:
        table = process_table()
        children: dict[int, list[int]] = defaultdict(list)
        for pid, (_comm, ppid, _cpu) in table.items():
            children[ppid].append(pid)
        cpu: dict[str, float | None] = {
            f"worker :{w.port}": tree_cpu(table, children, w.proc.pid) for w in self.workers
        }
        nginx = self.run.nginx if self.run else None
        cpu["nginx"] = tree_cpu(table, children, nginx.pid) if nginx else None
        for label, name in (("PostgreSQL", "postgres"), ("Redis", "redis-server")):
            found = [tree_cpu(table, children, pid) for pid in roots(table, name)]
            cpu[label] = sum(v for v in found if v is not None) if found else None
        cpu["generator"] = own_cpu_seconds()
        busy, total = machine_cpu()
        return Snapshot(time.perf_counter(), time.time(), cpu, busy, total)

    # Context manager ---------------------------------------------------------------------------

    def __enter__(self) -> "Cluster":
        try:
            self.prepare()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc) -> None:
        try:
            self.stop()
        finally:
            try:
                if self.created_db:
                    self._admin("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                with contextlib.suppress(Exception):
                    self.flush_redis()
            finally:
                if self.keep:
                    print(f"Cluster files kept in {self.var_dir}", file=sys.stderr)
                else:
                    shutil.rmtree(self.var_dir, ignore_errors=True)

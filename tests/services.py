"""Real PostgreSQL, Redis and daphne for the tests that need them (multi-machine, outages,
hostile input on PostgreSQL).

PostgreSQL and Redis are the ones on localhost (CI starts them: .ci/run); a test that needs them
is skipped elsewhere when they are down. Each test module works on a database of its own.
"""

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("REFLECTIE_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/")
REDIS_URL = os.environ.get("REFLECTIE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
# The server without a database name: where databases are made and dropped.
PG_SERVER = PG_URL.rsplit("/", 1)[0]
PG_PORT, REDIS_PORT = 5432, 6379


def reachable(port: int) -> bool:
    with closing(socket.socket()) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def missing(*ports: int) -> bool:
    """True when a service on these local ports is down and may be: CI starts them, so there
    a missing service fails the test instead of skipping it."""
    return not all(reachable(port) for port in ports) and not os.environ.get("CI")


def needs(*ports: int, reason: str):
    """A mark that skips a module or test when the services on these ports are `missing`."""
    return pytest.mark.skipif(missing(*ports), reason=reason)


@contextmanager
def fresh_database(name: str) -> Iterator[str]:
    """An empty PostgreSQL database (dropped first if an earlier run left it); yields its URL."""
    import psycopg

    def drop(conn) -> None:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    with psycopg.connect(PG_SERVER + "/postgres", autocommit=True) as conn:
        drop(conn)
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        with psycopg.connect(PG_SERVER + "/postgres", autocommit=True) as conn:
            drop(conn)


def manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    """manage.py in a subprocess with `env`; output captured, a failure raised."""
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )


def prepare(env: dict) -> None:
    """Migrations and instruments, as `make run` does before serving."""
    manage(env, "migrate", "-v0")
    manage(env, "load_instruments")


def shell_json(env: dict, code: str) -> dict:
    """Run `code` in manage.py shell; the JSON it prints last is the answer."""
    return json.loads(manage(env, "shell", "-c", code).stdout.strip().splitlines()[-1])


@contextmanager
def daphne(
    env: dict,
    count: int = 1,
    log: Path | None = None,
    argv: Callable[[int], list[str]] | None = None,
) -> Iterator[list[int]]:
    """`count` daphne processes with `env`, each on a free port; yields the ports once all of
    them answer, and stops them afterwards. Their output goes to `log` (a file, not a pipe: a
    full pipe would stall a server), or nowhere. `argv(port)` is the command line (default:
    plain daphne on 127.0.0.1)."""
    executable = str(Path(sys.executable).with_name("daphne"))

    def plain(port: int) -> list[str]:
        return [executable, "-b", "127.0.0.1", "-p", str(port), "reflectie.asgi:application"]

    ports = [free_port() for _ in range(count)]
    out = log.open("wb") if log else subprocess.DEVNULL
    procs = [
        subprocess.Popen(
            (argv or plain)(port),
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        for port in ports
    ]
    try:
        deadline = time.monotonic() + 30
        while not all(reachable(port) for port in ports):
            if time.monotonic() > deadline or any(proc.poll() is not None for proc in procs):
                said = log.read_text(errors="replace")[-2000:] if log else ""
                raise RuntimeError(f"daphne did not start\n{said}")
            time.sleep(0.1)
        yield ports
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        if log:
            out.close()

"""The production picture on one machine: a real nginx in front of two `manage.py serve`
workers on PostgreSQL and Redis (docs/deploy.md).

Phones join and tap through nginx; two facilitator screens hold sockets opened through nginx,
which `least_conn` puts on different workers. Every tap must reach both screens. The workers run
in production mode (DEBUG off), and nothing may end up in their logs as an error.

Skipped when nginx is not installed, or when PostgreSQL or Redis is not running on localhost
(unless CI is set: then those fail the test, as in tests/services.py). The nginx configuration
is generated here, plain HTTP on a free port, with everything nginx writes in a temporary
folder; deploy/nginx.conf.example is checked with `nginx -t` by the second test.
"""

import asyncio
import grp
import json
import os
import pwd
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
import websockets
from channels_redis.core import RedisChannelLayer

from sessions import groups
from tests import services

NGINX = shutil.which("nginx", path=os.environ.get("PATH", "") + os.pathsep + "/usr/sbin:/sbin")
# A database of this run's own: the full suite may run in two checkouts on one machine.
DB_NAME = f"reflectie_proxy_test_{os.getpid()}"
# A Redis database of its own, apart from the one the other tests use.
REDIS_DB = 12
STATIC_ROOT = services.ROOT / "staticfiles"

pytestmark = pytest.mark.skipif(NGINX is None, reason="nginx is not installed")
needs_services = services.needs(
    services.PG_PORT,
    services.REDIS_PORT,
    reason="PostgreSQL and Redis are not running on localhost",
)

SETUP = """
import json
from django.contrib.auth import get_user_model
from instruments.models import Instrument
from sessions import lifecycle
user = get_user_model().objects.create_user("px-alice", password="px-alice-password")
lob = Instrument.objects.get(slug="lob-regio")
session = lifecycle.create_session(user, lob, title="Regio", partnership_name="Noord")
lifecycle.set_scoring_mode(session, "all")
lifecycle.set_phase(session, "scoring")
items = [i.pk for t in lob.themes.all() for i in t.items.filter(kind="statement")]
print(json.dumps({"id": session.pk, "code": session.code, "items": items}))
"""


def nginx_conf(tmp: Path, port: int, workers: list[int]) -> str:
    """What deploy/nginx.conf.example does, on plain HTTP, with every file nginx writes in
    `tmp`. `Host $http_host` keeps the port (the example's `$host` drops it, fine on 443)."""
    servers = "\n".join(f"        server 127.0.0.1:{worker};" for worker in workers)
    temp = "\n".join(
        f"    {kind}_temp_path {tmp}/{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    # As root nginx would hand its workers to `nobody`; they should run as we do.
    user = ""
    if os.geteuid() == 0:
        user = f"user {pwd.getpwuid(os.geteuid()).pw_name} {grp.getgrgid(os.getegid()).gr_name};"
    proxy = """
            proxy_pass http://reflectie;
            proxy_http_version 1.1;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            add_header X-Upstream $upstream_addr always;"""
    return f"""
{user}
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log {tmp}/access.log;
{temp}
    default_type application/octet-stream;
    types {{ text/css css; text/javascript js; }}
    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    upstream reflectie {{
        least_conn;
{servers}
        keepalive 4;
    }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 1m;
        location /static/ {{
            alias {STATIC_ROOT}/;
            gzip_static on;
            add_header Cache-Control "public, max-age=31536000, immutable";
        }}
        location /ws/ {{{proxy}
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_read_timeout 1h;
        }}
        location / {{{proxy}
            proxy_set_header Connection "";
        }}
    }}
}}
"""


@pytest.fixture(scope="module")
def profile_env(tmp_path_factory):
    redis_url = urlsplit(services.REDIS_URL)._replace(path=f"/{REDIS_DB}").geturl()
    with services.fresh_database(DB_NAME) as database_url:
        env = {
            key: value
            for key, value in os.environ.items()
            if key
            not in (
                "DJANGO_SETTINGS_MODULE",
                "HTTPS",
                "SITE_URL",
                "CSRF_TRUSTED_ORIGINS",
                "SECRET_KEY",
                "PROXY_HEADERS",
                "ACCESS_LOG",
            )
        }
        env.update(
            DATABASE_URL=database_url,
            REDIS_URL=redis_url,
            VAR_DIR=str(tmp_path_factory.mktemp("var")),
            DEBUG="0",
            ALLOWED_HOSTS="127.0.0.1,localhost",
            REFLECTIE_TRUSTED_PROXIES="127.0.0.1",
            LOG_LEVEL="WARNING",
            PYTHONUNBUFFERED="1",
        )
        services.prepare(env)
        if not (STATIC_ROOT / "staticfiles.json").exists():
            # Once here, not in both workers at the same time (`serve` would).
            services.manage(env, "collectstatic", "--noinput", "-v0")
        yield env, services.shell_json(env, SETUP)


@pytest.fixture(scope="module")
def proxied(profile_env, tmp_path_factory):
    """Two workers and nginx in front of them: (nginx port, worker ports, info, folder, the
    workers' Redis)."""
    env, info = profile_env
    tmp = tmp_path_factory.mktemp("nginx")

    def serve(port: int) -> list[str]:
        # Each worker writes its own access log, to see which one holds which socket.
        return [
            "env",
            f"ACCESS_LOG={tmp}/worker-{port}.log",
            sys.executable,
            "manage.py",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ]

    with services.daphne(env, count=2, log=tmp / "workers.log", argv=serve) as workers:
        port = services.free_port()
        conf = tmp / "nginx.conf"
        conf.write_text(nginx_conf(tmp, port, workers))
        nginx = subprocess.Popen(
            [NGINX, "-p", str(tmp), "-e", str(tmp / "error.log"), "-c", str(conf)]
            + ["-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 10
            while not services.reachable(port):
                if nginx.poll() is not None or time.monotonic() > deadline:
                    said = (tmp / "error.log").read_text(errors="replace")
                    raise RuntimeError(f"nginx did not start:\n{said}")
                time.sleep(0.05)
            yield port, workers, info, tmp, env["REDIS_URL"]
        finally:
            nginx.terminate()
            try:
                nginx.wait(timeout=10)
            except subprocess.TimeoutExpired:
                nginx.kill()
                nginx.wait()


def _csrf(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


async def _respondents(ws, item: int, wanted: int, timeout: float = 8) -> None:
    """Read a screen's messages until the statement's fragment shows `wanted` respondents."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        html = await asyncio.wait_for(ws.recv(), max(deadline - loop.time(), 0.01))
        found = re.search(rf'id="item-{item}"[^>]*data-respondents="(\d+)"', html)
        if found and int(found.group(1)) == wanted:
            return


async def _join_and_tap(base: str, code: str, item: int, phones: int) -> None:
    """`phones` phones join through nginx as a browser would, then each scores `item`."""
    clients = [httpx.AsyncClient(base_url=base) for _ in range(phones)]
    try:
        for phone in clients:
            join = await phone.get(f"/j/{code}/")
            joined = await phone.post(
                f"/j/{code}/",
                data={"csrfmiddlewaretoken": _csrf(join.text)},
                headers={"Origin": base, "Referer": f"{base}/j/{code}/"},
            )
            assert joined.status_code in (302, 303), joined.status_code
            assert phone.cookies.get(f"reflectie_{code}")
        for phone in clients:
            answer = await phone.post(
                f"/s/{code}/answer/",
                data={f"item-{item}": "4"},
                headers={
                    "X-CSRFToken": phone.cookies["csrftoken"],
                    "HX-Request": "true",
                    "Origin": base,
                    "Referer": f"{base}/s/{code}/",
                },
            )
            assert answer.status_code == 200, answer.text[:500]
    finally:
        for phone in clients:
            await phone.aclose()


@needs_services
def test_taps_through_nginx_reach_screens_on_both_workers(proxied):
    port, workers, info, tmp, env_redis_url = proxied
    base = f"http://127.0.0.1:{port}"
    item = info["items"][0]

    async def scenario():
        async with httpx.AsyncClient(base_url=base) as facilitator:
            page = await facilitator.get("/accounts/login/")
            assert page.status_code == 200
            login = await facilitator.post(
                "/accounts/login/",
                data={
                    "username": "px-alice",
                    "password": "px-alice-password",
                    "csrfmiddlewaretoken": _csrf(page.text),
                },
            )
            assert login.status_code == 302, login.text[:500]
            cookie = f"sessionid={facilitator.cookies['sessionid']}"
        screen = f"ws://127.0.0.1:{port}/ws/sessies/{info['id']}/facilitator/"
        headers = {"Cookie": cookie, "Origin": base}
        async with (
            websockets.connect(screen, additional_headers=headers) as first,
            websockets.connect(screen, additional_headers=headers) as second,
        ):
            await asyncio.wait_for(first.recv(), 5)  # the snapshots
            await asyncio.wait_for(second.recv(), 5)
            # least_conn gave the second socket to the worker without one.
            for worker in workers:
                log = (tmp / f"worker-{worker}.log").read_text()
                assert log.count("WSCONNECT /ws/sessies/") == 1, (worker, log)

            # Screens poll the stored version every half second as well, so their numbers
            # alone do not show that the workers talk through Redis: listen there too.
            layer = RedisChannelLayer(hosts=[env_redis_url])
            listener = await layer.new_channel()
            await layer.group_add(groups.screens(info["id"]), listener)
            try:
                await _join_and_tap(base, info["code"], item, phones=3)
                await asyncio.gather(_respondents(first, item, 3), _respondents(second, item, 3))
                notice = await asyncio.wait_for(layer.receive(listener), 5)
                assert notice["type"] == "session.changed"
            finally:
                await layer.group_discard(groups.screens(info["id"]), listener)
                await layer.close_pools()

    asyncio.run(scenario())

    # /health through nginx, answered by each worker in turn.
    answered_by = set()
    for _ in range(6):
        health = httpx.get(f"{base}/health")
        assert health.status_code == 200
        assert health.json() == {"status": "ok", "database": "ok", "channel_layer": "ok"}
        assert "no-store" in health.headers["cache-control"]
        answered_by.add(health.headers["x-upstream"])
    assert answered_by == {f"127.0.0.1:{worker}" for worker in workers}

    # Static files come from nginx itself, compressed and cached for a year.
    manifest = json.loads((STATIC_ROOT / "staticfiles.json").read_text())
    css = manifest["paths"]["css/phone.css"]
    static = httpx.get(f"{base}/static/{css}", headers={"Accept-Encoding": "gzip"})
    assert static.status_code == 200
    assert "immutable" in static.headers["cache-control"]
    assert static.headers.get("content-encoding") == "gzip"
    assert "x-upstream" not in static.headers

    said = (tmp / "workers.log").read_text(errors="replace")
    for word in ("Traceback", "ERROR", "Exception", "Internal Server Error"):
        assert word not in said, said[-3000:]
    errors = (tmp / "error.log").read_text(errors="replace")
    assert not re.search(r"\[(error|crit|alert|emerg)\]", errors), errors[-3000:]


def test_the_example_configuration_is_valid_nginx(tmp_path):
    """deploy/nginx.conf.example, as a site file inside `http {}`, passes `nginx -t` once its
    placeholders (certificate, key) point at real files."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed (a certificate for the check)")
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-subj", "/CN=reflectie.example"]
        + ["-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
        check=True,
        capture_output=True,
    )
    example = (services.ROOT / "deploy" / "nginx.conf.example").read_text()
    site = re.sub(r"/etc/ssl/\S+/fullchain\.pem", str(tmp_path / "cert.pem"), example)
    site = re.sub(r"/etc/ssl/\S+/privkey\.pem", str(tmp_path / "key.pem"), site)
    assert site != example, "the certificate placeholders were not found"
    # `nginx -t` binds the ports it checks: free ones on loopback, not 80 and 443 (taken, or
    # not ours to take as another user).
    ports = {}

    def loopback(listen: re.Match) -> str:
        if listen["v6"]:
            return ""
        port = ports.setdefault(listen["port"], services.free_port())
        return f"{listen['indent']}listen 127.0.0.1:{port}{listen['rest']};"

    listens = r"(?m)^(?P<indent>[ \t]*)listen\s+(?P<v6>\[::\]:)?(?P<port>\d+)(?P<rest>[^;]*);"
    site = re.sub(listens, loopback, site)
    assert sorted(ports) == ["443", "80"], ports
    (tmp_path / "site.conf").write_text(site)
    temp = "\n".join(
        f"{kind}_temp_path {tmp_path}/{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\naccess_log off;\n{temp}\ninclude {tmp_path}/site.conf;\n}}\n"
    )
    checked = subprocess.run(
        [NGINX, "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log")]
        + ["-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr

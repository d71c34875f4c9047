"""The server's logs hold no join code, share token or cookie (README: "Wat de server logt").

daphne writes every request's path to stdout by default (its access log at verbosity 1), and
Django logs the path of every 4xx: `manage.py serve` turns the first off and LOGGING masks the
second. An access log is written only when ACCESS_LOG asks, and then masked too.
"""

import io
import logging
import os

import pytest

from reflectie.private_logs import MaskSecrets, mask
from reflectie.server import masked
from sessions.management.commands.serve import server_argv
from tests import services

CODE = "K7QW3P"
SHARE_TOKEN = "S" * 43
DEVICE_TOKEN = "device-token-that-must-stay-secret"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"GET /j/{CODE}/", "GET /j/******/"),
        (f"Not Found: /s/{CODE}/answer/", "Not Found: /s/******/answer/"),
        (f"/s/{CODE}/state/?v=3&k=scoring", "/s/******/state/?v=3&k=scoring"),
        (f"WSCONNECT /ws/s/{CODE}/", "WSCONNECT /ws/s/******/"),
        (f"/gedeeld/{SHARE_TOKEN}/verslag.pdf", "/gedeeld/******/verslag.pdf"),
        (f"http://192.168.1.23:8000/j/{CODE}/", "http://192.168.1.23:8000/j/******/"),
        (f"/j/?code={CODE}", "/j/?code=******"),
        # What is no secret stays readable.
        ("GET /j/", "GET /j/"),
        ("GET /sessies/12/deelnemers/", "GET /sessies/12/deelnemers/"),
        ("GET /static/js/phone.js", "GET /static/js/phone.js"),
    ],
)
def test_mask_hides_codes_and_share_tokens(text, expected):
    assert mask(text) == expected


def test_the_log_filter_masks_messages_arguments_and_tracebacks():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(MaskSecrets())
    logger = logging.getLogger("tests.private_logs")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("%s: %s", "Not Found", f"/s/{CODE}/")
        try:
            raise ValueError(f"no session for /j/{CODE}/")
        except ValueError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    assert CODE not in stream.getvalue()
    assert "Not Found: /s/******/" in stream.getvalue()
    assert "ValueError: no session for /j/******/" in stream.getvalue()


def test_every_log_line_goes_through_the_masking_handler(settings):
    console = settings.LOGGING["handlers"]["console"]
    assert console["filters"] == ["mask_secrets"]
    assert settings.LOGGING["filters"]["mask_secrets"]["()"] == "reflectie.private_logs.MaskSecrets"
    assert settings.LOGGING["root"]["handlers"] == ["console"]
    # Django's own handlers (unmasked, in DEBUG) are replaced: its records reach the root's.
    assert settings.LOGGING["loggers"]["django"]["handlers"] == []


def test_the_access_log_writer_gets_masked_paths():
    seen = []
    log = masked(lambda protocol, action, details: seen.append(details["path"]))
    log("http", "complete", {"path": f"/s/{CODE}/answer/", "status": 200})
    log("websocket", "connected", {"path": f"/ws/s/{CODE}/"})
    assert seen == ["/s/******/answer/", "/ws/s/******/"]
    assert masked(None) is None


def test_serve_starts_daphne_without_an_access_log(monkeypatch):
    monkeypatch.delenv("ACCESS_LOG", raising=False)
    monkeypatch.delenv("PROXY_HEADERS", raising=False)
    argv = server_argv("0.0.0.0", 8000)  # noqa: S104
    assert argv[1:3] == ["-m", "reflectie.server"]
    # Verbosity 0: daphne's default (1) writes every path to stdout.
    assert argv[argv.index("-v") + 1] == "0"
    assert "--access-log" not in argv


def test_an_access_log_is_opt_in(monkeypatch, tmp_path):
    monkeypatch.setenv("ACCESS_LOG", str(tmp_path / "access.log"))
    argv = server_argv("127.0.0.1", 8000)
    assert argv[argv.index("--access-log") + 1] == str(tmp_path / "access.log")


# The real server, started as `make run` starts it -------------------------------------------------

SETUP = """
import json
from django.contrib.auth import get_user_model
from instruments.models import Instrument
from sessions import lifecycle
user = get_user_model().objects.create_user("logs-alice", password="logs-alice-password")
lob = Instrument.objects.get(slug="lob-regio")
session = lifecycle.create_session(user, lob, title="Regio", partnership_name="Noord")
print(json.dumps({"code": session.code}))
"""


@pytest.fixture(scope="module")
def environment(tmp_path_factory):
    """A prepared SQLite database in a VAR_DIR of its own, and a session's real code."""
    env = {
        **os.environ,
        "VAR_DIR": str(tmp_path_factory.mktemp("var")),
        "DJANGO_SETTINGS_MODULE": "reflectie.settings",
        # Development mode only for the static files (no collectstatic); it logs more, not less.
        "DEBUG": "1",
        "SECRET_KEY": "private-logs-test-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "INFO",
    }
    for name in ("DATABASE_URL", "REDIS_URL", "ACCESS_LOG", "PROXY_HEADERS"):
        env.pop(name, None)
    services.prepare(env)
    return env, services.shell_json(env, SETUP)["code"]


def visit(port: int, code: str) -> None:
    """What phones and partners do, plus mistakes that Django logs with their path."""
    import httpx

    with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
        client.cookies.set("reflectie_device", DEVICE_TOKEN)
        client.cookies.set(f"reflectie_{code}", DEVICE_TOKEN)
        assert client.get(f"/j/{code}/").status_code == 200
        client.get(f"/s/{code}/")
        client.get(f"/s/{code}/state/")
        assert client.get(f"/j/{CODE}/").status_code == 404  # an unknown code: logged
        assert client.get(f"/gedeeld/{SHARE_TOKEN}/verslag.pdf").status_code == 404


def serve_and_visit(environment, tmp_path, monkeypatch) -> str:
    env, code = environment
    log = tmp_path / "server.log"
    monkeypatch.delenv("PROXY_HEADERS", raising=False)
    with services.daphne(env, log=log, argv=lambda port: server_argv("127.0.0.1", port)) as [port]:
        visit(port, code)
    return log.read_text()


def assert_no_secrets(text: str, code: str) -> None:
    for secret in (code, CODE, SHARE_TOKEN, DEVICE_TOKEN):
        assert secret not in text


def test_the_default_server_logs_no_code_path_or_cookie(environment, tmp_path, monkeypatch):
    monkeypatch.delenv("ACCESS_LOG", raising=False)
    output = serve_and_visit(environment, tmp_path, monkeypatch)
    assert_no_secrets(output, environment[1])
    # No access log at all; Django's warnings are there, masked.
    assert '"GET ' not in output
    assert "Not Found: /j/******/" in output
    assert "Not Found: /gedeeld/******/verslag.pdf" in output


def test_an_opted_in_access_log_masks_codes(environment, tmp_path, monkeypatch):
    access_log = tmp_path / "access.log"
    monkeypatch.setenv("ACCESS_LOG", str(access_log))
    output = serve_and_visit(environment, tmp_path, monkeypatch)
    written = access_log.read_text()
    assert_no_secrets(written + output, environment[1])
    assert '"GET /j/******/" 200' in written
    assert '"GET /j/******/" 404' in written
    assert '"GET /gedeeld/******/verslag.pdf" 404' in written

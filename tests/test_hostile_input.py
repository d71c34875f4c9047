"""Hostile input over HTTP, on SQLite (the test client) and on PostgreSQL (a real daphne).

Every string of tests/hostile.py goes into every free-text field: nothing answers 5xx, what the
free-text rule refuses gets a 4xx and is not stored, what it accepts is stored exactly and shown
escaped. Other parameters get the same strings and must not answer 5xx either.

PostgreSQL is where a NUL used to become a 500 (SQLite stores it), so the run is repeated there,
against a server started like tests/test_multimachine.py starts its workers, on a database of
its own. It is skipped when PostgreSQL is not on localhost, unless CI is set.
"""

import os
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from django.db import connection
from django.test import Client

from sessions import agreements, lifecycle, participation
from tests import services
from tests.builders import valid_agreement
from tests.hostile import (
    BAD_UTF8,
    CORPUS,
    FORM,
    Context,
    DjangoClientHttp,
    HttpxHttp,
    Report,
    fields,
    run_corpus,
)

# Its own database, and one per run: two test runs in one checkout must not drop each other's.
DB_NAME = f"reflectie_hostile_test_{os.getpid()}"


def _sqlite_query(sql: str, params: tuple) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


@pytest.fixture
def people(alice, lob, lobby_session):
    """alice, a phone that joined her lobby session, and a phone that has not joined yet; and a
    later session of another partnership that looks back at an agreement of an earlier one."""
    # A server error becomes a status to count, as a real server answers it.
    facilitator = Client(raise_request_exception=False)
    facilitator.force_login(alice)
    phone = Client(raise_request_exception=False)
    _participant, token, _created = participation.join(lobby_session, None)
    phone.cookies[participation.cookie_name(lobby_session.code)] = token
    earlier = lifecycle.create_session(alice, lob, title="Vorig jaar", partnership_name="Oost")
    earlier_agreement = agreements.create(earlier, valid_agreement())
    second = lifecycle.create_session(alice, lob, title="Dit jaar", partnership_name="Oost")
    ctx = Context(
        instrument_id=lob.pk,
        session_id=lobby_session.pk,
        code=lobby_session.code,
        second_id=second.pk,
        earlier_agreement_id=earlier_agreement.pk,
    )
    newcomer = Client(raise_request_exception=False)
    return ctx, *(DjangoClientHttp(c) for c in (facilitator, phone, newcomer))


def test_the_corpus_has_at_least_sixty_hostile_strings_of_every_kind():
    assert len(CORPUS) >= 60
    assert sum(h.refused for h in CORPUS) >= 25
    assert any("\u202e" in h.text for h in CORPUS) and any("\x00" in h.text for h in CORPUS)
    assert any("שלום" in h.text and not h.refused for h in CORPUS)
    assert len(BAD_UTF8) >= 5


def _assert_clean(report: Report) -> None:
    assert report.problems == []
    assert max(report.statuses) < 500
    assert report.refused and report.accepted


def test_every_free_text_field_refuses_or_stores_exactly_and_never_errs_on_sqlite(people):
    ctx, facilitator, phone, newcomer = people
    all_fields = fields(ctx, facilitator, phone, newcomer, _sqlite_query)
    report = run_corpus(all_fields)
    _assert_clean(report)
    assert report.sent == len(all_fields) * (len(CORPUS) + len(BAD_UTF8))


def test_a_multipart_body_that_is_not_utf8_is_refused_too(people):
    ctx, facilitator, _phone, _newcomer = people
    boundary = "grens"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="action"\r\n\r\n'.encode()
        + b"caf\xe9"
        + f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="owner"\r\n\r\nIk\r\n'.encode()
        + f"--{boundary}--\r\n".encode()
    )
    response = facilitator.client.post(
        f"/sessies/{ctx.session_id}/afspraken/",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 400
    assert _sqlite_query(
        "SELECT count(*) FROM live_agreement WHERE session_id = %s", (ctx.session_id,)
    ) == [(0,)]


# Other parameters: no free text, but the same strings must not break them -----------------------


def _other_parameters(ctx: Context, session_id: int, agreement_id: int) -> list[tuple]:
    """(who, path, field, other fields) for every POST parameter that is not free text."""
    s = session_id
    return [
        ("facilitator", f"/sessies/{s}/fase/", "phase", {}),
        ("facilitator", f"/sessies/{s}/modus/", "mode", {}),
        ("facilitator", f"/sessies/{s}/slot/", "locked", {}),
        ("facilitator", f"/sessies/{s}/ronde/", "theme", {}),
        ("facilitator", f"/sessies/{s}/tonen/", "shown", {"theme": "1"}),
        ("facilitator", f"/sessies/{s}/klok/", "action", {}),
        ("facilitator", f"/sessies/{s}/klok/", "minutes", {"action": "extend"}),
        ("facilitator", f"/sessies/{s}/klok/", "next", {"action": "start"}),
        ("facilitator", f"/sessies/{s}/afspraken/", "due", valid_agreement()),
        ("facilitator", f"/sessies/{s}/afspraken/", "answers", valid_agreement()),
        ("facilitator", f"/sessies/{s}/afspraken/", "onbekend", valid_agreement()),
        ("facilitator", f"/sessies/{s}/afspraken/{agreement_id}/verplaatsen/", "direction", {}),
        ("facilitator", f"/sessies/{s}/afspraken/volgorde/", "order", {}),
        ("facilitator", f"/sessies/{ctx.second_id}/terugblik/", "status", {}),
        ("facilitator", f"/sessies/{ctx.second_id}/terugblik/", "agreement", {}),
        ("facilitator", "/sessies/nieuw/", "instrument", {"title": "T", "partnership_name": "P"}),
        ("facilitator", "/sessies/nieuw/", "language", {"title": "T", "partnership_name": "P"}),
        ("phone", f"/s/{ctx.code}/answer/", "item-1", {}),
        ("phone", f"/s/{ctx.code}/choose/", "option", {}),
        ("phone", f"/s/{ctx.code}/choose/", "item", {"option": "a"}),
        ("phone", f"/s/{ctx.code}/profile/", "partner_type", {}),
        ("newcomer", f"/j/{ctx.code}/", "partner_type", {}),
        ("newcomer", "/accounts/login/", "username", {"password": "x"}),
        ("newcomer", "/i18n/setlang/", "language", {}),
        ("newcomer", "/i18n/setlang/", "next", {"language": "en"}),
        ("newcomer", "/j/", "code", {}),
    ]


def test_other_parameters_never_answer_a_server_error(people, alice, lob):
    ctx, facilitator, phone, newcomer = people
    # A session of its own, so the controls cannot close the one the phone is in.
    session = lifecycle.create_session(alice, lob, title="Knoppen", partnership_name="West")
    agreement = agreements.create(session, valid_agreement())
    who = {"facilitator": facilitator, "phone": phone, "newcomer": newcomer}
    failures = []
    # Every third string keeps each kind and the run short; then numbers at the edges.
    values = [h.text for h in CORPUS[::3]] + ["", "-1", "99999999999999999999", "0", "1"]
    for person, path, name, other in _other_parameters(ctx, session.pk, agreement.pk):
        for value in values:
            body = urlencode({**other, name: value}).encode()
            status, _html = who[person].post(path, body)
            if status >= 500:
                failures.append(f"{path} {name}={value[:30]!r}: {status}")
    for value in values:  # and in the addresses phones type
        for path in (f"/j/{quote(value, safe='')}/", f"/s/{quote(value, safe='')}/"):
            status, _html = newcomer.get(path)
            if status >= 500:
                failures.append(f"GET {path[:40]}: {status}")
    assert failures == []


# PostgreSQL, through a real server --------------------------------------------------------------


SETUP = """
import json
from django.contrib.auth import get_user_model
from instruments.models import Instrument
from sessions import agreements, lifecycle
user = get_user_model().objects.create_user("hostile-alice", password="hostile-alice-password")
lob = Instrument.objects.get(slug="lob-regio")
session = lifecycle.create_session(user, lob, title="Regio", partnership_name="West")
earlier = lifecycle.create_session(user, lob, title="Vorig jaar", partnership_name="Oost")
agreement = agreements.create(earlier, {"action": "Open dag", "owner": "Gemeente"})
second = lifecycle.create_session(user, lob, title="Dit jaar", partnership_name="Oost")
print(json.dumps({"instrument_id": lob.pk, "session_id": session.pk, "code": session.code,
                  "second_id": second.pk, "earlier_agreement_id": agreement.pk}))
"""


@pytest.fixture(scope="module")
def pg_server(tmp_path_factory):
    """daphne on a fresh PostgreSQL database."""
    if services.missing(services.PG_PORT):
        pytest.skip("PostgreSQL is not running on localhost")
    import psycopg

    with services.fresh_database(DB_NAME) as database_url:
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "VAR_DIR": str(tmp_path_factory.mktemp("var")),
            "LOG_LEVEL": "WARNING",
            # Development mode, said out loud: the default is production mode.
            "DEBUG": "1",
            "SECRET_KEY": "hostile-input-test-key-" + "x" * 40,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_SETTINGS_MODULE": "reflectie.settings",
        }
        env.pop("REDIS_URL", None)
        services.prepare(env)
        ctx = Context(**services.shell_json(env, SETUP))
        # Every 400 is a logged warning: the log goes to a file.
        log = Path(env["VAR_DIR"]) / "daphne.log"
        with (
            services.daphne(env, log=log) as [port],
            psycopg.connect(database_url, autocommit=True) as db,
        ):
            yield f"http://127.0.0.1:{port}", ctx, db


def test_every_free_text_field_refuses_or_stores_exactly_and_never_errs_on_postgresql(pg_server):
    import httpx

    url, ctx, db = pg_server

    def query(sql: str, params: tuple) -> list[tuple]:
        with db.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description else []

    with (
        httpx.Client(base_url=url) as facilitator,
        httpx.Client(base_url=url) as phone,
        httpx.Client(base_url=url) as newcomer,
    ):
        login = facilitator.get("/accounts/login/")
        assert login.status_code == 200
        facilitator.post(
            "/accounts/login/",
            data={"username": "hostile-alice", "password": "hostile-alice-password"},
            headers={"X-CSRFToken": facilitator.cookies["csrftoken"]},
        )
        assert "sessionid" in facilitator.cookies
        for person in (phone, newcomer):  # a CSRF cookie, as the join page gives one
            assert person.get(f"/j/{ctx.code}/").status_code == 200
        joined = phone.post(
            f"/j/{ctx.code}/",
            content=urlencode({"partner_type": "mbo"}).encode(),
            headers={"Content-Type": FORM, "X-CSRFToken": phone.cookies["csrftoken"]},
        )
        assert joined.status_code == 303
        http = [HttpxHttp(c) for c in (facilitator, phone, newcomer)]
        report = run_corpus(fields(ctx, *http, query))
    _assert_clean(report)

"""What one tap costs the server: three queries, whatever the room's size, and no tally work."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sessions import answers
from sessions.models import Response, Session, Tally
from tests.builders import HTMX, code_url, join_phones, theme_statements

pytestmark = pytest.mark.django_db

TRANSACTION_CONTROL = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)", re.IGNORECASE)


def statements_run(queries) -> list[str]:
    return [q["sql"] for q in queries if not TRANSACTION_CONTROL.match(q["sql"])]


def tap(client, session, item, value):
    return client.post(code_url("phone_answer", session), {f"item-{item.pk}": value}, **HTMX)


@pytest.mark.parametrize("room", [3, 60])
def test_a_tap_is_three_queries_whatever_the_room(client, phone, scoring_session, room):
    items = theme_statements(scoring_session.current_theme)
    for other in join_phones(scoring_session, room):
        for item in items:
            answers.answer(other, item.pk, "3")
    tap(client, scoring_session, items[0], "4")  # warms the instrument's cached structure
    with CaptureQueriesContext(connection) as queries:
        response = tap(client, scoring_session, items[1], "5")
    assert response.status_code == 200
    run = statements_run(queries.captured_queries)
    # The participant (with its session), the upsert, the session's version.
    assert len(run) == 3, run
    assert not any("live_tally" in sql for sql in run)


def test_an_unchanged_tap_writes_nothing(client, phone, scoring_session):
    item = theme_statements(scoring_session.current_theme)[0]
    tap(client, scoring_session, item, "4")
    version = Session.objects.get(pk=scoring_session.pk).version
    with CaptureQueriesContext(connection) as queries:
        assert tap(client, scoring_session, item, "4").status_code == 200
    run = statements_run(queries.captured_queries)
    assert len(run) == 2, run  # the participant and an upsert that changed no row
    assert Session.objects.get(pk=scoring_session.pk).version == version


def test_a_tap_stamps_its_answer_with_the_version_it_gives_the_session(
    client, phone, scoring_session
):
    item = theme_statements(scoring_session.current_theme)[0]
    tap(client, scoring_session, item, "2")
    session = Session.objects.get(pk=scoring_session.pk)
    answer = Response.objects.get(participant=phone, item=item)
    assert answer.seq == session.version == session.stamped
    assert session.tallied < session.stamped  # counted when a screen next reads
    tap(client, scoring_session, item, "dk")
    answer.refresh_from_db()
    assert answer.value is None
    assert answer.seq == Session.objects.get(pk=scoring_session.pk).version
    assert not Tally.objects.filter(session=scoring_session).exists()

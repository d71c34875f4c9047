from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from sessions.models import Participant, Response, Session
from sessions.results import session_results


def test_demo_session_makes_a_filled_in_session_to_look_at(instruments):
    out = StringIO()
    call_command("demo_session", "--participants", "12", stdout=out)
    session = Session.objects.get()
    assert session.code in out.getvalue()
    assert Participant.objects.filter(session=session).count() == 12
    # Every participant answered every statement (a score or "weet ik niet").
    assert Response.objects.filter(session=session).count() == 12 * 22
    results = session_results(session.pk)
    assert all(r.stats.respondents == 12 for r in results.statements)
    assert all(theme.mean is not None for theme in results.themes)
    assert session.phase == "discussion"


def test_demo_session_is_repeatable_with_the_same_seed(instruments):
    call_command("demo_session", "--participants", "5", "--seed", "7", stdout=StringIO())
    call_command("demo_session", "--participants", "5", "--seed", "7", stdout=StringIO())
    first, second = Session.objects.order_by("pk")
    values = [
        sorted(
            (theme, position, -1 if value is None else value)
            for theme, position, value in Response.objects.filter(session=s).values_list(
                "item__theme__position", "item__position", "value"
            )
        )
        for s in (first, second)
    ]
    assert values[0] == values[1]


def test_demo_session_refuses_an_absurd_number_of_participants(instruments):
    with pytest.raises(CommandError):
        call_command("demo_session", "--participants", "0", stdout=StringIO())
    assert not Session.objects.exists()

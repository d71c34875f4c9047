"""A session of only the conversation: nobody scores, the group talks (issue 11, item 5)."""

import pytest
from django.urls import reverse

from sessions import answers, lifecycle, participation
from sessions.errors import NotAllowed
from sessions.models import BalanceAnswer, PriorityChoice, Response, Session
from tests.builders import HTMX, code_url, fragment, theme_statements

pytestmark = pytest.mark.django_db

NO_SCORES = "Vandaag geen scores: we praten met elkaar."


@pytest.fixture
def talk(alice, lob):
    """A LOB session of only the conversation, in its first theme's round."""
    session = lifecycle.create_session(
        alice, lob, title="Gesprek", partnership_name="LOB West", conversation_only=True
    )
    return lifecycle.open_round(session, lob.themes.first().pk)


@pytest.fixture
def talk_phone(client, talk):
    participant, token, _created = participation.join(talk, None)
    client.cookies[participation.cookie_name(talk.code)] = token
    return participant


def test_the_new_session_form_offers_and_stores_conversation_only(alice_client, lob):
    form = alice_client.get(reverse("session_new")).text
    assert 'name="conversation_only"' in form
    assert "Alleen het gesprek, zonder scores" in form
    response = alice_client.post(
        reverse("session_new"),
        {
            "instrument": lob.pk,
            "title": "Alleen praten",
            "partnership_name": "Regio West",
            "scoring_mode": "theme",
            "language": "nl",
            "conversation_only": "on",
        },
    )
    assert response.status_code == 302
    assert Session.objects.get(title="Alleen praten").conversation_only is True


def test_a_session_scores_as_before_unless_the_box_is_ticked(alice_client, lob):
    alice_client.post(
        reverse("session_new"),
        {"instrument": lob.pk, "title": "Scoren", "partnership_name": "Regio West",
         "scoring_mode": "theme", "language": "nl"},
    )  # fmt: skip
    assert Session.objects.get(title="Scoren").conversation_only is False


def test_a_score_from_a_phone_is_refused_with_a_dutch_4xx(client, talk, talk_phone):
    item = theme_statements(talk.current_theme)[0]
    response = client.post(code_url("phone_answer", talk), {f"item-{item.pk}": "4"}, **HTMX)
    assert response.status_code == 403
    assert NO_SCORES in response.text
    assert not Response.objects.exists()


def test_the_service_refuses_scores_picks_and_pairs(talk, talk_phone, instruments):
    item = theme_statements(talk.current_theme)[0]
    with pytest.raises(NotAllowed, match="Vandaag geen scores"):
        answers.answer(talk_phone, item.pk, "4")
    lifecycle.set_phase(talk, "priorities")
    talk_phone.session.refresh_from_db()
    with pytest.raises(NotAllowed, match="Vandaag geen scores"):
        answers.choose(talk_phone, None, [])
    with pytest.raises(NotAllowed, match="Vandaag geen scores"):
        answers.answer_balance(talk_phone, item.pk, "3", "3")
    assert not PriorityChoice.objects.exists() and not BalanceAnswer.objects.exists()


def test_a_choice_post_is_refused_too(client, talk, talk_phone):
    lifecycle.set_phase(talk, "priorities")
    response = client.post(code_url("phone_choose", talk), {"option": "x"}, **HTMX)
    assert response.status_code == 403
    assert NO_SCORES in response.text


@pytest.mark.parametrize("phase", ["scoring", "discussion", "priorities"])
def test_the_phone_says_we_talk_instead_of_scoring(client, talk, talk_phone, phase):
    lifecycle.set_phase(talk, phase)
    text = client.get(code_url("phone", talk)).text
    stage = fragment(text, "conversation-only")
    assert NO_SCORES in stage
    assert "Kijk mee op het grote scherm." in text
    assert 'name="item-' not in text and "phone_answer" not in text
    assert reverse("phone_answer", args=[talk.code]) not in text


def test_a_scoring_session_still_shows_its_statements(client, scoring_session, phone):
    text = client.get(code_url("phone", scoring_session)).text
    assert NO_SCORES not in text
    assert reverse("phone_answer", args=[scoring_session.code]) in text


def test_the_dashboard_hides_the_round_buttons_and_shows_a_chip(alice_client, talk, lob):
    text = alice_client.get(reverse("session_dashboard", args=[talk.pk])).text
    assert 'id="conversation-only"' in text and "alleen gesprek" in text
    assert "Open deze ronde" not in text
    # Nothing about scoring: no scoring mode, no "hebben het thema ingevuld".
    assert 'id="mode-all"' not in text
    assert "hebben het thema ingevuld" not in text
    # Showing a theme on the projector stays.
    assert f'id="reveal-{lob.themes.first().pk}"' in text


def test_a_scoring_session_keeps_its_round_buttons(alice_client, lobby_session):
    text = alice_client.get(reverse("session_dashboard", args=[lobby_session.pk])).text
    assert "Open deze ronde" in text
    assert 'id="mode-all"' in text and "hebben het thema ingevuld" in text
    assert 'id="conversation-only"' not in text

"""How far a phone is, how many are still busy when the facilitator moves on, and the phone that
is told its half-done round has closed."""

import pytest
from django.urls import reverse

from sessions import answers, lifecycle, participation
from sessions.screens import render_screen
from tests.builders import HTMX, code_url, fragment, join_phones, statements_of, theme_statements


def answer_some(participant, items, values=("3",)):
    for n, item in enumerate(items):
        answers.answer(participant, item.pk, values[n % len(values)])


def state(client, session, version, key):
    return client.get(code_url("phone_state", session), {"v": version, "k": key}, **HTMX)


def scored_themes(lob):
    return list(lob.themes.filter(items__kind="statement").distinct())


# The phone's own progress -------------------------------------------------------------------------


def test_all_at_once_shows_how_many_of_all_are_answered(client, phone, all_at_once_session, lob):
    visie, relatie = scored_themes(lob)[:2]
    # "weet ik niet" is an answer too.
    answer_some(phone, theme_statements(visie)[:2], values=("4", answers.DONT_KNOW))
    answer_some(phone, theme_statements(relatie)[:1])
    html = client.get(code_url("phone", all_at_once_session)).text

    total = len(statements_of(lob))
    overall = fragment(html, "phone-progress")
    assert 'role="status" aria-live="polite"' in overall
    assert f'<span class="progress-done">3</span> van {total} beantwoord' in overall
    per_theme = fragment(html, f"theme-progress-{visie.pk}")
    assert f'<span class="progress-done">2</span> van {len(theme_statements(visie))}' in per_theme
    assert '<span class="progress-done">1</span>' in fragment(html, f"theme-progress-{relatie.pk}")
    third = scored_themes(lob)[2]
    assert '<span class="progress-done">0</span>' in fragment(html, f"theme-progress-{third.pk}")


def test_one_theme_at_a_time_shows_the_theme_count_only(client, phone, scoring_session):
    theme = scoring_session.current_theme
    answer_some(phone, theme_statements(theme)[:1])
    html = client.get(code_url("phone", scoring_session)).text
    assert 'id="phone-progress"' not in html
    count = fragment(html, f"theme-progress-{theme.pk}")
    assert f'<span class="progress-done">1</span> van {len(theme_statements(theme))}' in count


def test_another_participants_answers_do_not_count(client, phone, scoring_session):
    other = join_phones(scoring_session, 1)[0]
    answer_some(other, theme_statements(scoring_session.current_theme))
    html = client.get(code_url("phone", scoring_session)).text
    count = fragment(html, f"theme-progress-{scoring_session.current_theme_id}")
    assert '<span class="progress-done">0</span>' in count


def test_the_save_buttons_stay_in_the_page_for_phones_without_javascript(
    client, phone, scoring_session
):
    # Hidden by phone.css only once phone.js runs (html.phone-js); the form still posts without.
    html = client.get(code_url("phone", scoring_session)).text
    form = html[html.index('<form method="post" action="/') :]
    assert '<button type="submit" class="button primary">Opslaan</button>' in form


# The facilitator: who is still busy -----------------------------------------------------------


@pytest.fixture
def three_phones(scoring_session):
    """Three phones in the first round: one done, one halfway, one that has not started."""
    done, halfway, idle = join_phones(scoring_session, 3)
    items = theme_statements(scoring_session.current_theme)
    answer_some(done, items, values=("4", answers.DONT_KNOW))
    answer_some(halfway, items[:2])
    return done, halfway, idle


def phase_panel(session) -> str:
    _version, fragments = render_screen(session.pk, "facilitator")
    return fragments["phase-panel"]


def test_the_dashboard_says_how_many_are_still_busy(scoring_session, three_phones):
    panel = phase_panel(scoring_session)
    progress = fragment(panel, "round-progress")
    assert "1 van 3 klaar" in progress
    assert "2 nog bezig" in progress


def test_nobody_busy_when_everyone_finished(scoring_session):
    items = theme_statements(scoring_session.current_theme)
    for phone in join_phones(scoring_session, 2):
        answer_some(phone, items)
    progress = fragment(phase_panel(scoring_session), "round-progress")
    assert "2 van 2 klaar" in progress
    assert "bezig" not in progress


def test_no_round_count_outside_scoring(lobby_session):
    join_phones(lobby_session, 2)
    assert 'id="round-progress"' not in phase_panel(lobby_session)


def test_opening_the_next_round_says_who_was_still_busy(
    alice_client, scoring_session, three_phones, lob
):
    visie, relatie = scored_themes(lob)[:2]
    url = reverse("session_round", args=[scoring_session.pk])
    response = alice_client.post(url, {"theme": relatie.pk}, **HTMX)
    assert response.status_code == 200
    assert (
        f"Ronde {relatie.title} geopend. 2 deelnemers waren nog bezig met {visie.title}."
        in response.text
    )
    # The next round: nobody has answered anything there, but nothing closed with them busy
    # when the same round is opened again.
    again = alice_client.post(url, {"theme": relatie.pk}, **HTMX)
    assert again.text == ""


def test_changing_phase_says_who_was_still_busy_and_plain_forms_get_a_message(
    alice_client, scoring_session, three_phones, lob
):
    url = reverse("session_phase", args=[scoring_session.pk])
    response = alice_client.post(url, {"phase": "discussion"}, follow=True)
    assert response.status_code == 200
    title = scored_themes(lob)[0].title
    assert f"2 deelnemers waren nog bezig met {title}." in response.text


def test_moving_on_when_everyone_finished_says_nothing(alice_client, scoring_session):
    for phone in join_phones(scoring_session, 2):
        answer_some(phone, theme_statements(scoring_session.current_theme))
    url = reverse("session_phase", args=[scoring_session.pk])
    response = alice_client.post(url, {"phase": "discussion"}, **HTMX)
    assert response.status_code == 200
    assert response.text == ""


def test_a_bad_phase_is_still_refused_without_a_note(alice_client, scoring_session, three_phones):
    url = reverse("session_phase", args=[scoring_session.pk])
    response = alice_client.post(url, {"phase": "nonsense"}, **HTMX)
    assert response.status_code == 400
    assert "bezig" not in response.text


# The phone that had not finished --------------------------------------------------------------


def test_a_half_done_phone_is_told_its_round_closed_once(client, phone, scoring_session, lob):
    visie, relatie = scored_themes(lob)[:2]
    answer_some(phone, theme_statements(visie)[:2])
    old = scoring_session.phase_version
    lifecycle.open_round(scoring_session, relatie.pk)
    response = state(client, scoring_session, old, f"scoring-{visie.pk}")
    assert response.status_code == 200
    notice = fragment(response.text, "round-closed")
    assert 'role="alert"' in notice
    assert (
        f"De ronde over {visie.title} is gesloten. Je had er 2 van de 4 beantwoord; "
        "de rest telt niet mee." in notice
    )
    assert f'id="theme-{relatie.pk}"' in response.text  # the new round is there below it

    # The next stage the phone asks for says what it shows now: not told again.
    lifecycle.set_phase(scoring_session, "discussion")
    later = state(client, scoring_session, old + 1, f"scoring-{relatie.pk}")
    assert 'id="round-closed"' not in later.text


def test_a_phone_without_javascript_is_told_after_its_refresh_link(
    client, phone, scoring_session, lob
):
    visie, relatie = scored_themes(lob)[:2]
    answer_some(phone, theme_statements(visie)[:2])
    page = client.get(code_url("phone", scoring_session)).text
    link = f"{code_url('phone', scoring_session)}?k=scoring-{visie.pk}"
    assert f'href="{link}"' in page
    lifecycle.open_round(scoring_session, relatie.pk)
    notice = fragment(client.get(link).text, "round-closed")
    assert f"De ronde over {visie.title} is gesloten. Je had er 2 van de 4" in notice
    # A plain reload says nothing (it does not say what the phone showed).
    assert 'id="round-closed"' not in client.get(code_url("phone", scoring_session)).text


def test_a_phone_that_finished_or_never_started_is_not_told(client, phone, scoring_session, lob):
    visie = scored_themes(lob)[0]
    answer_some(phone, theme_statements(visie))
    old = scoring_session.phase_version
    lifecycle.set_phase(scoring_session, "discussion")
    response = state(client, scoring_session, old, f"scoring-{visie.pk}")
    assert 'id="round-closed"' not in response.text

    other, token, _created = participation.join(scoring_session, None)
    client.cookies[participation.cookie_name(scoring_session.code)] = token
    response = state(client, scoring_session, old, f"scoring-{visie.pk}")
    assert response.status_code == 200
    assert 'id="round-closed"' not in response.text


def test_all_at_once_closing_names_each_half_done_theme(client, phone, all_at_once_session, lob):
    visie, relatie, partners = scored_themes(lob)[:3]
    answer_some(phone, theme_statements(visie)[:1])
    answer_some(phone, theme_statements(relatie))  # finished: not named
    answer_some(phone, theme_statements(partners)[:3])
    old = all_at_once_session.phase_version
    lifecycle.set_phase(all_at_once_session, "discussion")
    notice = fragment(state(client, all_at_once_session, old, "scoring-all").text, "round-closed")
    assert f"De ronde over {visie.title} is gesloten. Je had er 1 van de 4" in notice
    assert f"De ronde over {partners.title} is gesloten. Je had er 3 van de 4" in notice
    assert relatie.title not in notice


@pytest.mark.parametrize("key", ["scoring-abc", "scoring-0", "scoring-99999999", "x" * 200])
def test_a_shown_key_that_names_no_round_tells_nothing(client, phone, scoring_session, key):
    answer_some(phone, theme_statements(scoring_session.current_theme)[:1])
    old = scoring_session.phase_version
    lifecycle.set_phase(scoring_session, "discussion")
    response = state(client, scoring_session, old, key)
    assert response.status_code == 200
    assert 'id="round-closed"' not in response.text


def test_the_round_still_open_tells_nothing(client, phone, all_at_once_session, lob):
    visie = scored_themes(lob)[0]
    answer_some(phone, theme_statements(visie)[:1])
    old = all_at_once_session.phase_version
    lifecycle.open_round(all_at_once_session, visie.pk)  # all → only visie: visie stays open
    response = state(client, all_at_once_session, old, "scoring-all")
    assert f"De ronde over {visie.title}" not in response.text

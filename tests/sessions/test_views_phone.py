"""The phone page: its stages, answering with and without htmx, and every refusal."""

import re

import pytest

from instruments.models import Item
from sessions import answers, lifecycle, participation, timer
from sessions.models import Participant, PriorityChoice, Response
from tests.builders import HTMX, code_url, theme_statements


def cookie(session) -> str:
    """The name of the device cookie for this session's code."""
    return participation.cookie_name(session.code)


def post_answer(client, session, data, **extra):
    return client.post(code_url("phone_answer", session), data, **extra)


def shown(version, key):
    """The hidden inputs that tell the state view what the phone shows."""
    return (
        f'<input type="hidden" name="v" value="{version}">'
        f'<input type="hidden" name="k" value="{key}">'
    )


def state(client, session, version, key):
    return client.get(code_url("phone_state", session), {"v": version, "k": key}, **HTMX)


# The page ---------------------------------------------------------------------------------------


def test_the_phone_page_without_a_cookie_redirects_to_join(client, lobby_session):
    response = client.get(code_url("phone", lobby_session))
    assert response.status_code == 302
    assert response.url == code_url("join", lobby_session)


def test_the_phone_page_with_a_forged_cookie_redirects_to_join(client, lobby_session, phone):
    client.cookies[cookie(lobby_session)] = "forged-token-forged-token-forged"
    assert client.get(code_url("phone", lobby_session)).url == code_url("join", lobby_session)


def test_the_lobby_says_wait_and_counts_your_answers(client, lobby_session, phone):
    response = client.get(code_url("phone", lobby_session))
    assert response.status_code == 200
    html = response.text
    assert "Je doet mee. Wacht tot de gespreksleider begint." in html
    assert "nog geen stellingen beantwoord" in html
    assert 'id="phone-main"' in html
    assert '<div id="phone-signal" hidden></div>' in html
    lobby_session.refresh_from_db()
    version = lobby_session.phase_version
    assert f'ws-connect="/ws/s/{lobby_session.code}/?v={version}"' in html
    assert 'hx-ext="ws"' in html
    assert "hx-ws-2" in html
    # The poll and the socket's signal both send what the phone shows.
    assert shown(lobby_session.phase_version, "lobby") in html
    assert 'hx-include="#phone-shown"' in html
    # The profile form is reachable from the lobby.
    assert code_url("phone_profile", lobby_session) in html


def test_the_lobby_counts_answers_given_earlier(client, phone, scoring_session):
    answers.answer(phone, theme_statements(scoring_session.current_theme)[0].pk, "4")
    lifecycle.set_phase(scoring_session, "lobby")
    assert "Je hebt 1 stelling beantwoord." in client.get(code_url("phone", scoring_session)).text


def test_the_scoring_page_shows_the_open_theme_as_radio_fieldsets(client, phone, scoring_session):
    html = client.get(code_url("phone", scoring_session)).text
    theme = scoring_session.current_theme
    items = theme_statements(theme)
    assert theme.title in html
    for item in items:
        assert f'<fieldset class="statement" id="item-{item.pk}"' in html
        assert item.text in html
        for point in range(1, 6):
            assert f'type="radio" name="item-{item.pk}" value="{point}"' in html
        assert f'name="item-{item.pk}" value="dk"' in html
        assert f'hx-params="item-{item.pk}"' in html
        assert f'id="status-item-{item.pk}" role="status" aria-live="polite"' in html
    assert html.count("<legend>") >= len(items)
    assert "helemaal niet waar" in html
    assert "helemaal waar" in html
    assert "weet ik niet" in html
    assert 'hx-trigger="change"' in html
    # Without JavaScript: one form per theme with a submit button.
    assert f'<form method="post" action="{code_url("phone_answer", scoring_session)}"' in html
    assert "Opslaan" in html


def test_other_themes_are_not_shown_while_their_round_is_closed(
    client, phone, scoring_session, lob
):
    other = lob.themes.all()[1]
    html = client.get(code_url("phone", scoring_session)).text
    assert other.title not in html
    assert theme_statements(other)[0].text not in html


def test_all_at_once_shows_every_theme(client, phone, scoring_session, lob):
    lifecycle.set_scoring_mode(scoring_session, "all")
    html = client.get(code_url("phone", scoring_session)).text
    for theme in lob.themes.all():
        assert theme.title in html


def test_the_stored_answer_is_checked_again(client, phone, scoring_session):
    first, second = theme_statements(scoring_session.current_theme)[:2]
    answers.answer(phone, first.pk, "4")
    answers.answer(phone, second.pk, "dk")
    html = client.get(code_url("phone", scoring_session)).text
    assert f'name="item-{first.pk}" value="4" checked' in html
    assert f'name="item-{second.pk}" value="dk" checked' in html
    assert html.count(" checked") == 2


def test_dont_know_is_only_offered_when_the_instrument_has_it(client, phone, scoring_session, lob):
    lob.dont_know_label = ""
    lob.save()
    html = client.get(code_url("phone", scoring_session)).text
    assert 'value="dk"' not in html


def test_the_phone_page_never_shows_other_participants_answers(client, phone, scoring_session):
    item = theme_statements(scoring_session.current_theme)[0]
    for _ in range(5):
        other = participation.join(scoring_session, None)[0]
        answers.answer(other, item.pk, "2")
    html = client.get(code_url("phone", scoring_session)).text
    assert " checked" not in html
    assert "data-respondents" not in html
    assert "van 5" not in html and "van 6" not in html
    lifecycle.set_phase(scoring_session, "discussion")
    html = client.get(code_url("phone", scoring_session)).text
    assert "We bespreken de resultaten." in html
    assert "consensus" not in html.lower()
    assert "<svg" not in html
    assert 'type="radio"' not in html


def test_the_priorities_stage_offers_the_session_vote(client, lobby_session, phone):
    lifecycle.set_phase(lobby_session, "priorities")
    html = client.get(code_url("phone", lobby_session)).text
    for key, label in answers.session_vote_options(lobby_session):
        assert f'type="checkbox" name="option" value="{key}"' in html
        assert label in html
    assert "Kies er maximaal 3." in html
    assert f'action="{code_url("phone_choose", lobby_session)}"' in html
    assert 'name="item"' not in html


def test_the_follow_up_stage_says_we_make_agreements(client, lobby_session, phone):
    lifecycle.set_phase(lobby_session, "followup")
    assert "We maken afspraken." in client.get(code_url("phone", lobby_session)).text


def test_a_closed_sessions_phone_page_says_thank_you_and_has_no_inputs(
    client, lobby_session, phone
):
    lifecycle.set_phase(lobby_session, "closed")
    response = client.get(code_url("phone", lobby_session))
    assert response.status_code == 200
    assert "Bedankt voor het meedoen." in response.text
    assert 'type="radio"' not in response.text
    assert "ws-connect" not in response.text
    assert "/state/" not in response.text


def test_a_reused_code_sends_a_phone_of_the_old_session_to_join_the_new_one(
    client, alice, lob, lobby_session, phone
):
    lifecycle.set_phase(lobby_session, "closed")
    newer = lifecycle.create_session(alice, lob, title="Later", partnership_name="LOB West")
    newer.code = lobby_session.code
    newer.save()
    assert client.get(code_url("phone", lobby_session)).url == code_url("join", lobby_session)


# The state endpoint (polling and the socket's signal) ------------------------------------------


def test_the_state_is_204_while_the_phase_version_is_unchanged(client, lobby_session, phone):
    lobby_session.refresh_from_db()
    response = client.get(
        f"{code_url('phone_state', lobby_session)}?v={lobby_session.phase_version}", **HTMX
    )
    assert response.status_code == 204
    assert response.content == b""


def test_the_state_is_the_new_stage_after_a_phase_change(client, lobby_session, phone, lob):
    old = lobby_session.phase_version
    lifecycle.open_round(lobby_session, lob.themes.first().pk)
    response = client.get(f"{code_url('phone_state', lobby_session)}?v={old}", **HTMX)
    assert response.status_code == 200
    assert 'type="radio"' in response.text
    assert "<html" not in response.text
    # It carries the new version, so the next poll is a 204 again.
    lobby_session.refresh_from_db()
    assert shown(lobby_session.phase_version, f"scoring-{lob.themes.first().pk}") in response.text


def test_answers_do_not_change_the_state(client, phone, scoring_session):
    version = scoring_session.phase_version
    answers.answer(phone, theme_statements(scoring_session.current_theme)[0].pk, "3")
    response = client.get(f"{code_url('phone_state', scoring_session)}?v={version}", **HTMX)
    assert response.status_code == 204


def test_a_clock_change_keeps_the_scoring_form_and_only_updates_what_is_shown(
    client, phone, scoring_session
):
    key = f"scoring-{scoring_session.current_theme_id}"
    old = scoring_session.phase_version
    timer.start(scoring_session)  # phones are told: the version moves on
    scoring_session.refresh_from_db()
    assert scoring_session.phase_version > old
    response = state(client, scoring_session, old, key)
    assert response.status_code == 200
    assert response["HX-Reswap"] == "none"
    # Only the new version, out of band: the form on screen (and what is typed in it) stays.
    assert 'type="radio"' not in response.text
    assert 'id="phone-shown" hidden hx-swap-oob="true"' in response.text
    assert shown(scoring_session.phase_version, key) in response.text
    assert state(client, scoring_session, scoring_session.phase_version, key).status_code == 204


def test_a_clock_change_keeps_the_half_typed_name_in_the_lobby(client, lobby_session, phone):
    old = lobby_session.phase_version
    timer.start(lobby_session)
    response = state(client, lobby_session, old, "lobby")
    assert response["HX-Reswap"] == "none"
    assert "id_name" not in response.text


def test_a_new_round_replaces_the_scoring_form(client, phone, scoring_session, lob):
    old = scoring_session.phase_version
    other = lob.themes.filter(items__kind="statement").exclude(pk=scoring_session.current_theme_id)[
        0
    ]
    lifecycle.open_round(scoring_session, other.pk)
    response = state(client, scoring_session, old, f"scoring-{lob.themes.first().pk}")
    assert "HX-Reswap" not in response
    assert f'id="theme-{other.pk}"' in response.text


def test_all_at_once_is_a_new_form_too(client, phone, scoring_session):
    old = scoring_session.phase_version
    lifecycle.set_scoring_mode(scoring_session, "all")
    response = state(client, scoring_session, old, f"scoring-{scoring_session.current_theme_id}")
    assert "HX-Reswap" not in response
    assert shown(scoring_session.phase_version, "scoring-all") in response.text


def test_a_stage_without_a_form_is_rendered_again_after_any_change(client, lobby_session, phone):
    lifecycle.set_phase(lobby_session, "discussion")
    old = lobby_session.phase_version
    timer.start(lobby_session)
    response = state(client, lobby_session, old, "discussion")
    assert "HX-Reswap" not in response
    assert "We bespreken de resultaten." in response.text


def test_the_signal_without_a_version_gets_the_stage(client, lobby_session, phone):
    response = client.get(code_url("phone_state", lobby_session), **HTMX)
    assert response.status_code == 200
    assert "Wacht tot de gespreksleider begint" in response.text


def test_the_state_of_a_closed_session_is_the_thank_you(client, lobby_session, phone):
    old = lobby_session.phase_version
    lifecycle.set_phase(lobby_session, "closed")
    response = client.get(f"{code_url('phone_state', lobby_session)}?v={old}", **HTMX)
    assert "Bedankt voor het meedoen." in response.text
    assert "/state/" not in response.text


def test_the_state_without_a_device_sends_htmx_to_join(client, lobby_session):
    response = client.get(code_url("phone_state", lobby_session), **HTMX)
    assert response["HX-Redirect"] == code_url("join", lobby_session)


# Answering --------------------------------------------------------------------------------------


def test_a_plain_form_post_stores_the_whole_theme_and_redirects(client, phone, scoring_session):
    items = theme_statements(scoring_session.current_theme)
    data = {f"item-{item.pk}": "4" for item in items}
    data["csrfmiddlewaretoken"] = "ignored-by-the-test-client"
    response = post_answer(client, scoring_session, data)
    assert response.status_code == 303
    assert response.url.startswith(code_url("phone", scoring_session))
    assert Response.objects.filter(participant=phone, value=4).count() == len(items)
    page = client.get(response.url)
    assert "Opgeslagen" in page.text


def test_an_htmx_post_stores_one_answer_and_returns_a_small_fragment(
    client, phone, scoring_session
):
    item = theme_statements(scoring_session.current_theme)[0]
    response = post_answer(client, scoring_session, {f"item-{item.pk}": "2"}, **HTMX)
    assert response.status_code == 200
    assert "opgeslagen" in response.text
    assert len(response.content) < 200
    assert Response.objects.get(participant=phone, item=item).value == 2


def test_an_htmx_post_of_dont_know_stores_no_value(client, phone, scoring_session):
    item = theme_statements(scoring_session.current_theme)[0]
    response = post_answer(client, scoring_session, {f"item-{item.pk}": "dk"}, **HTMX)
    assert response.status_code == 200
    assert Response.objects.get(participant=phone, item=item).value is None


def test_posting_the_same_answer_again_changes_nothing(client, phone, scoring_session):
    item = theme_statements(scoring_session.current_theme)[0]
    post_answer(client, scoring_session, {f"item-{item.pk}": "5"}, **HTMX)
    scoring_session.refresh_from_db()
    version = scoring_session.version
    response = post_answer(client, scoring_session, {f"item-{item.pk}": "5"}, **HTMX)
    assert response.status_code == 200
    scoring_session.refresh_from_db()
    assert scoring_session.version == version
    assert Response.objects.count() == 1


@pytest.mark.parametrize("value", ["9", "0", "abc", "", "3.5", "³", "dk dk"])
def test_a_bad_value_is_400_and_stores_nothing(client, phone, scoring_session, value):
    item = theme_statements(scoring_session.current_theme)[0]
    for extra in ({}, HTMX):
        response = post_answer(client, scoring_session, {f"item-{item.pk}": value}, **extra)
        assert response.status_code == 400
        assert re.search(r"Kies een score|niet lezen", response.text)
    assert Response.objects.count() == 0


@pytest.mark.parametrize(
    "field",
    ["item-abc", "item-", "item-1.5", "item--3", "item-0", "score", "item-99999999999999999999"],
)
def test_a_field_that_is_not_item_and_an_id_is_400(client, phone, scoring_session, field):
    item = theme_statements(scoring_session.current_theme)[0]
    response = post_answer(client, scoring_session, {f"item-{item.pk}": "3", field: "3"}, **HTMX)
    assert response.status_code == 400
    assert "niet lezen" in response.text
    assert Response.objects.count() == 0


def test_an_empty_post_is_400(client, phone, scoring_session):
    response = post_answer(client, scoring_session, {})
    assert response.status_code == 400
    assert "Er is geen antwoord meegestuurd." in response.text


def test_the_same_item_twice_in_one_post_is_400(client, phone, scoring_session):
    item = theme_statements(scoring_session.current_theme)[0]
    response = post_answer(client, scoring_session, {f"item-{item.pk}": ["2", "4"]})
    assert response.status_code == 400
    assert Response.objects.count() == 0


def test_an_item_of_another_instrument_is_400_and_stores_nothing(
    client, phone, scoring_session, instruments
):
    own = theme_statements(scoring_session.current_theme)[0]
    foreign = Item.objects.filter(
        theme__instrument=instruments["po-externe-partners"], kind="statement"
    ).first()
    response = post_answer(
        client, scoring_session, {f"item-{own.pk}": "3", f"item-{foreign.pk}": "3"}
    )
    assert response.status_code == 400
    assert "hoort niet bij deze sessie" in response.text
    assert Response.objects.count() == 0


def test_an_item_that_does_not_exist_is_400(client, phone, scoring_session):
    response = post_answer(client, scoring_session, {"item-987654321": "3"}, **HTMX)
    assert response.status_code == 400


def test_a_closed_round_is_403_and_the_page_says_so(client, phone, scoring_session, lob):
    other = theme_statements(lob.themes.all()[1])[0]
    response = post_answer(client, scoring_session, {f"item-{other.pk}": "3"})
    assert response.status_code == 403
    assert "Deze ronde is gesloten" in response.text
    # Without JavaScript the refusal page leads back to the questions.
    assert f'href="{code_url("phone", scoring_session)}"' in response.text
    item = theme_statements(scoring_session.current_theme)[0]
    lifecycle.set_phase(scoring_session, "discussion")
    response = post_answer(client, scoring_session, {f"item-{item.pk}": "3"}, **HTMX)
    assert response.status_code == 403
    assert "Deze ronde is gesloten" in response.text
    assert Response.objects.count() == 0


def test_a_forged_cookie_is_403_and_stores_nothing(client, phone, scoring_session):
    item = theme_statements(scoring_session.current_theme)[0]
    client.cookies[cookie(scoring_session)] = "forged-token-forged-token-forged"
    response = post_answer(client, scoring_session, {f"item-{item.pk}": "3"})
    assert response.status_code == 403
    assert "doet niet mee" in response.text
    assert Response.objects.count() == 0


def test_no_cookie_at_all_is_403(client, scoring_session):
    item = theme_statements(scoring_session.current_theme)[0]
    response = post_answer(client, scoring_session, {f"item-{item.pk}": "3"}, **HTMX)
    assert response.status_code == 403
    assert Response.objects.count() == 0


def test_a_phone_of_another_session_cannot_answer_here(client, alice, lob, scoring_session):
    other = lifecycle.create_session(alice, lob, title="Elders", partnership_name="Oost")
    _participant, token, _ = participation.join(other, None)
    # Even sent under this session's cookie name, another session's token finds no one here.
    client.cookies[cookie(scoring_session)] = token
    item = theme_statements(scoring_session.current_theme)[0]
    assert post_answer(client, scoring_session, {f"item-{item.pk}": "3"}).status_code == 403
    assert Response.objects.count() == 0


def test_an_oversized_body_is_400_and_stores_nothing(client, phone, scoring_session):
    item = theme_statements(scoring_session.current_theme)[0]
    data = {f"item-{item.pk + n}": "3" for n in range(300)}
    response = post_answer(client, scoring_session, data)
    assert response.status_code == 400
    assert "te veel" in response.text
    assert Response.objects.count() == 0


def test_more_than_a_hundred_answers_at_once_is_400(client, phone, scoring_session):
    item = theme_statements(scoring_session.current_theme)[0]
    data = {f"item-{item.pk + n}": "3" for n in range(150)}
    response = post_answer(client, scoring_session, data, **HTMX)
    assert response.status_code == 400
    assert Response.objects.count() == 0


def test_answering_needs_a_post(client, phone, scoring_session):
    assert client.get(code_url("phone_answer", scoring_session)).status_code == 405


# Priority picks ---------------------------------------------------------------------------------


def test_a_priority_item_is_shown_as_checkboxes(client, priority_round):
    session, item, _participant = priority_round
    html = client.get(code_url("phone", session)).text
    assert f'name="item" value="{item.pk}"' in html
    for option in item.options:
        assert f'type="checkbox" name="option" value="{option["key"]}"' in html
    assert f"Kies er maximaal {item.max_choices}." in html


def test_picks_are_stored_with_htmx_and_without(client, priority_round):
    session, item, participant = priority_round
    keys = [o["key"] for o in item.options]
    response = client.post(
        code_url("phone_choose", session), {"item": item.pk, "option": keys[:2]}, **HTMX
    )
    assert response.status_code == 200
    assert "opgeslagen" in response.text
    assert answers.choices_of(participant) == {item.pk: set(keys[:2])}
    response = client.post(code_url("phone_choose", session), {"item": item.pk, "option": keys[2]})
    assert response.status_code == 303
    assert answers.choices_of(participant) == {item.pk: {keys[2]}}
    page = client.get(response.url).text
    assert f'value="{keys[2]}" checked' in page


def test_too_many_picks_are_refused_and_the_stored_ones_are_put_back(client, priority_round):
    session, item, participant = priority_round
    keys = [o["key"] for o in item.options]
    client.post(code_url("phone_choose", session), {"item": item.pk, "option": keys[0]}, **HTMX)
    response = client.post(
        code_url("phone_choose", session),
        {"item": item.pk, "option": keys[: item.max_choices + 1]},
        **HTMX,
    )
    assert response.status_code == 400
    assert f"Kies er maximaal {item.max_choices}." in response.text
    assert 'hx-swap-oob="true"' in response.text
    assert f'value="{keys[0]}" checked' in response.text
    assert answers.choices_of(participant) == {item.pk: {keys[0]}}


@pytest.mark.parametrize(
    "data",
    [
        {"item": "abc", "option": "x"},
        {"item": ["1", "2"]},
        {"item": "1", "extra": "x"},
        {"option": "theme:bestaat-niet"},
    ],
)
def test_bad_picks_are_4xx_and_store_nothing(client, priority_round, data):
    session, _item, _participant = priority_round
    response = client.post(code_url("phone_choose", session), data, **HTMX)
    assert 400 <= response.status_code < 500
    assert PriorityChoice.objects.count() == 0


def test_the_session_vote_is_stored_in_the_priorities_phase(client, lobby_session, phone):
    keys = [key for key, _label in answers.session_vote_options(lobby_session)]
    response = client.post(code_url("phone_choose", lobby_session), {"option": keys[:3]}, **HTMX)
    assert response.status_code == 403
    assert PriorityChoice.objects.count() == 0
    lifecycle.set_phase(lobby_session, "priorities")
    response = client.post(code_url("phone_choose", lobby_session), {"option": keys[:3]}, **HTMX)
    assert response.status_code == 200
    assert answers.choices_of(phone) == {None: set(keys[:3])}
    response = client.post(code_url("phone_choose", lobby_session), {"option": keys[:4]}, **HTMX)
    assert response.status_code == 400
    assert answers.choices_of(phone) == {None: set(keys[:3])}


def test_picks_with_a_forged_cookie_are_403(client, priority_round):
    session, item, _participant = priority_round
    client.cookies[cookie(session)] = "forged-token-forged-token-forged"
    response = client.post(
        code_url("phone_choose", session), {"item": item.pk, "option": item.options[0]["key"]}
    )
    assert response.status_code == 403
    assert PriorityChoice.objects.count() == 0


# Profile ----------------------------------------------------------------------------------------


def test_the_profile_can_be_changed_from_the_lobby(client, lobby_session, phone):
    response = client.post(code_url("phone_profile", lobby_session), {"partner_type": "ho"})
    assert response.status_code == 303
    phone.refresh_from_db()
    assert phone.partner_type == "ho"
    html = client.get(response.url).text
    assert 'value="ho" checked' in html
    assert 'name="name"' not in html  # the profile is the partner type only


def test_the_profile_needs_a_joined_device(client, lobby_session):
    response = client.post(code_url("phone_profile", lobby_session), {"partner_type": "ho"})
    assert response.status_code == 403
    assert Participant.objects.count() == 0

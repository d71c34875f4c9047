"""The phone page: its stages, answering with and without htmx, and every refusal."""

import re

import pytest
from django.urls import reverse

from instruments.models import Item
from sessions import answers, lifecycle, participation, timer
from sessions.models import Participant, PriorityChoice, Response

COOKIE = participation.COOKIE


@pytest.fixture
def phone(client, session):
    """A phone that joined: the client carries its device cookie."""
    participant, token, _created = participation.join(session, None)
    client.cookies[COOKIE] = token
    return participant


@pytest.fixture
def scoring(session, lob):
    """The first theme's round is open."""
    return lifecycle.open_round(session, lob.themes.first().pk)


def url(name, session):
    return reverse(name, args=[session.code])


def statements(theme):
    return list(theme.items.filter(kind="statement"))


def post_answer(client, session, data, **extra):
    return client.post(url("phone_answer", session), data, **extra)


HTMX = {"HTTP_HX_REQUEST": "true"}


def shown(version, key):
    """The hidden inputs that tell the state view what the phone shows."""
    return (
        f'<input type="hidden" name="v" value="{version}">'
        f'<input type="hidden" name="k" value="{key}">'
    )


def state(client, session, version, key):
    return client.get(url("phone_state", session), {"v": version, "k": key}, **HTMX)


# The page ---------------------------------------------------------------------------------------


def test_the_phone_page_without_a_cookie_redirects_to_join(client, session):
    response = client.get(url("phone", session))
    assert response.status_code == 302
    assert response.url == url("join", session)


def test_the_phone_page_with_a_forged_cookie_redirects_to_join(client, session, phone):
    client.cookies[COOKIE] = "forged-token-forged-token-forged"
    assert client.get(url("phone", session)).url == url("join", session)


def test_the_lobby_says_wait_and_counts_your_answers(client, session, phone):
    response = client.get(url("phone", session))
    assert response.status_code == 200
    html = response.text
    assert "Je doet mee. Wacht tot de gespreksleider begint." in html
    assert "nog geen stellingen beantwoord" in html
    assert 'id="phone-main"' in html
    assert '<div id="phone-signal" hidden></div>' in html
    assert f'ws-connect="/ws/s/{session.code}/"' in html
    assert 'hx-ext="ws"' in html
    assert "hx-ws-2" in html
    # The poll and the socket's signal both send what the phone shows.
    assert shown(session.phase_version, "lobby") in html
    assert 'hx-include="#phone-shown"' in html
    # The profile form is reachable from the lobby.
    assert url("phone_profile", session) in html


def test_the_lobby_counts_answers_given_earlier(client, session, phone, scoring):
    answers.answer(phone, statements(scoring.current_theme)[0].pk, "4")
    lifecycle.set_phase(session, "lobby")
    assert "Je hebt 1 stelling beantwoord." in client.get(url("phone", session)).text


def test_the_scoring_page_shows_the_open_theme_as_radio_fieldsets(client, session, phone, scoring):
    html = client.get(url("phone", session)).text
    theme = scoring.current_theme
    items = statements(theme)
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
    assert f'<form method="post" action="{url("phone_answer", session)}"' in html
    assert "Opslaan" in html


def test_other_themes_are_not_shown_while_their_round_is_closed(
    client, session, phone, scoring, lob
):
    other = lob.themes.all()[1]
    html = client.get(url("phone", session)).text
    assert other.title not in html
    assert statements(other)[0].text not in html


def test_all_at_once_shows_every_theme(client, session, phone, scoring, lob):
    lifecycle.set_scoring_mode(session, "all")
    html = client.get(url("phone", session)).text
    for theme in lob.themes.all():
        assert theme.title in html


def test_the_stored_answer_is_checked_again(client, session, phone, scoring):
    first, second = statements(scoring.current_theme)[:2]
    answers.answer(phone, first.pk, "4")
    answers.answer(phone, second.pk, "dk")
    html = client.get(url("phone", session)).text
    assert f'name="item-{first.pk}" value="4" checked' in html
    assert f'name="item-{second.pk}" value="dk" checked' in html
    assert html.count(" checked") == 2


def test_dont_know_is_only_offered_when_the_instrument_has_it(client, session, phone, scoring, lob):
    lob.dont_know_label = ""
    lob.save()
    html = client.get(url("phone", session)).text
    assert 'value="dk"' not in html


def test_the_phone_page_never_shows_other_participants_answers(client, session, phone, scoring):
    item = statements(scoring.current_theme)[0]
    for _ in range(5):
        other = participation.join(session, None)[0]
        answers.answer(other, item.pk, "2")
    html = client.get(url("phone", session)).text
    assert " checked" not in html
    assert "data-respondents" not in html
    assert "van 5" not in html and "van 6" not in html
    lifecycle.set_phase(session, "discussion")
    html = client.get(url("phone", session)).text
    assert "We bespreken de resultaten." in html
    assert "consensus" not in html.lower()
    assert "<svg" not in html
    assert 'type="radio"' not in html


def test_the_priorities_stage_offers_the_session_vote(client, session, phone):
    lifecycle.set_phase(session, "priorities")
    html = client.get(url("phone", session)).text
    for key, label in answers.session_vote_options(session):
        assert f'type="checkbox" name="option" value="{key}"' in html
        assert label in html
    assert "Kies er maximaal 3." in html
    assert f'action="{url("phone_choose", session)}"' in html
    assert 'name="item"' not in html


def test_the_follow_up_stage_says_we_make_agreements(client, session, phone):
    lifecycle.set_phase(session, "followup")
    assert "We maken afspraken." in client.get(url("phone", session)).text


def test_a_closed_sessions_phone_page_says_thank_you_and_has_no_inputs(client, session, phone):
    lifecycle.set_phase(session, "closed")
    response = client.get(url("phone", session))
    assert response.status_code == 200
    assert "Bedankt voor het meedoen." in response.text
    assert 'type="radio"' not in response.text
    assert "ws-connect" not in response.text
    assert "/state/" not in response.text


def test_a_reused_code_sends_a_phone_of_the_old_session_to_join_the_new_one(
    client, alice, lob, session, phone
):
    lifecycle.set_phase(session, "closed")
    newer = lifecycle.create_session(alice, lob, title="Later", partnership_name="LOB West")
    newer.code = session.code
    newer.save()
    assert client.get(url("phone", session)).url == url("join", session)


# The state endpoint (polling and the socket's signal) ------------------------------------------


def test_the_state_is_204_while_the_phase_version_is_unchanged(client, session, phone):
    session.refresh_from_db()
    response = client.get(f"{url('phone_state', session)}?v={session.phase_version}", **HTMX)
    assert response.status_code == 204
    assert response.content == b""


def test_the_state_is_the_new_stage_after_a_phase_change(client, session, phone, lob):
    old = session.phase_version
    lifecycle.open_round(session, lob.themes.first().pk)
    response = client.get(f"{url('phone_state', session)}?v={old}", **HTMX)
    assert response.status_code == 200
    assert 'type="radio"' in response.text
    assert "<html" not in response.text
    # It carries the new version, so the next poll is a 204 again.
    session.refresh_from_db()
    assert shown(session.phase_version, f"scoring-{lob.themes.first().pk}") in response.text


def test_answers_do_not_change_the_state(client, session, phone, scoring):
    version = scoring.phase_version
    answers.answer(phone, statements(scoring.current_theme)[0].pk, "3")
    response = client.get(f"{url('phone_state', session)}?v={version}", **HTMX)
    assert response.status_code == 204


def test_a_clock_change_keeps_the_scoring_form_and_only_updates_what_is_shown(
    client, session, phone, scoring
):
    key = f"scoring-{scoring.current_theme_id}"
    old = scoring.phase_version
    timer.start(scoring)  # phones are told: the version moves on
    scoring.refresh_from_db()
    assert scoring.phase_version > old
    response = state(client, session, old, key)
    assert response.status_code == 200
    assert response["HX-Reswap"] == "none"
    # Only the new version, out of band: the form on screen (and what is typed in it) stays.
    assert 'type="radio"' not in response.text
    assert 'id="phone-shown" hidden hx-swap-oob="true"' in response.text
    assert shown(scoring.phase_version, key) in response.text
    assert state(client, session, scoring.phase_version, key).status_code == 204


def test_a_clock_change_keeps_the_half_typed_name_in_the_lobby(client, session, phone):
    old = session.phase_version
    timer.start(session)
    response = state(client, session, old, "lobby")
    assert response["HX-Reswap"] == "none"
    assert "id_name" not in response.text


def test_a_new_round_replaces_the_scoring_form(client, session, phone, scoring, lob):
    old = scoring.phase_version
    other = lob.themes.filter(items__kind="statement").exclude(pk=scoring.current_theme_id)[0]
    lifecycle.open_round(scoring, other.pk)
    response = state(client, session, old, f"scoring-{lob.themes.first().pk}")
    assert "HX-Reswap" not in response
    assert f'id="theme-{other.pk}"' in response.text


def test_all_at_once_is_a_new_form_too(client, session, phone, scoring):
    old = scoring.phase_version
    lifecycle.set_scoring_mode(scoring, "all")
    response = state(client, session, old, f"scoring-{scoring.current_theme_id}")
    assert "HX-Reswap" not in response
    assert shown(scoring.phase_version, "scoring-all") in response.text


def test_a_stage_without_a_form_is_rendered_again_after_any_change(client, session, phone):
    lifecycle.set_phase(session, "discussion")
    old = session.phase_version
    timer.start(session)
    response = state(client, session, old, "discussion")
    assert "HX-Reswap" not in response
    assert "We bespreken de resultaten." in response.text


def test_the_signal_without_a_version_gets_the_stage(client, session, phone):
    response = client.get(url("phone_state", session), **HTMX)
    assert response.status_code == 200
    assert "Wacht tot de gespreksleider begint" in response.text


def test_the_state_of_a_closed_session_is_the_thank_you(client, session, phone):
    old = session.phase_version
    lifecycle.set_phase(session, "closed")
    response = client.get(f"{url('phone_state', session)}?v={old}", **HTMX)
    assert "Bedankt voor het meedoen." in response.text
    assert "/state/" not in response.text


def test_the_state_without_a_device_sends_htmx_to_join(client, session):
    response = client.get(url("phone_state", session), **HTMX)
    assert response["HX-Redirect"] == url("join", session)


# Answering --------------------------------------------------------------------------------------


def test_a_plain_form_post_stores_the_whole_theme_and_redirects(client, session, phone, scoring):
    items = statements(scoring.current_theme)
    data = {f"item-{item.pk}": "4" for item in items}
    data["csrfmiddlewaretoken"] = "ignored-by-the-test-client"
    response = post_answer(client, session, data)
    assert response.status_code == 303
    assert response.url.startswith(url("phone", session))
    assert Response.objects.filter(participant=phone, value=4).count() == len(items)
    page = client.get(response.url)
    assert "Opgeslagen" in page.text


def test_an_htmx_post_stores_one_answer_and_returns_a_small_fragment(
    client, session, phone, scoring
):
    item = statements(scoring.current_theme)[0]
    response = post_answer(client, session, {f"item-{item.pk}": "2"}, **HTMX)
    assert response.status_code == 200
    assert "opgeslagen" in response.text
    assert len(response.content) < 200
    assert Response.objects.get(participant=phone, item=item).value == 2


def test_an_htmx_post_of_dont_know_stores_no_value(client, session, phone, scoring):
    item = statements(scoring.current_theme)[0]
    response = post_answer(client, session, {f"item-{item.pk}": "dk"}, **HTMX)
    assert response.status_code == 200
    assert Response.objects.get(participant=phone, item=item).value is None


def test_posting_the_same_answer_again_changes_nothing(client, session, phone, scoring):
    item = statements(scoring.current_theme)[0]
    post_answer(client, session, {f"item-{item.pk}": "5"}, **HTMX)
    scoring.refresh_from_db()
    version = scoring.version
    response = post_answer(client, session, {f"item-{item.pk}": "5"}, **HTMX)
    assert response.status_code == 200
    scoring.refresh_from_db()
    assert scoring.version == version
    assert Response.objects.count() == 1


@pytest.mark.parametrize("value", ["9", "0", "abc", "", "3.5", "³", "dk dk"])
def test_a_bad_value_is_400_and_stores_nothing(client, session, phone, scoring, value):
    item = statements(scoring.current_theme)[0]
    for extra in ({}, HTMX):
        response = post_answer(client, session, {f"item-{item.pk}": value}, **extra)
        assert response.status_code == 400
        assert re.search(r"Kies een score|niet lezen", response.text)
    assert Response.objects.count() == 0


@pytest.mark.parametrize(
    "field",
    ["item-abc", "item-", "item-1.5", "item--3", "item-0", "score", "item-99999999999999999999"],
)
def test_a_field_that_is_not_item_and_an_id_is_400(client, session, phone, scoring, field):
    item = statements(scoring.current_theme)[0]
    response = post_answer(client, session, {f"item-{item.pk}": "3", field: "3"}, **HTMX)
    assert response.status_code == 400
    assert "niet lezen" in response.text
    assert Response.objects.count() == 0


def test_an_empty_post_is_400(client, session, phone, scoring):
    response = post_answer(client, session, {})
    assert response.status_code == 400
    assert "Er is geen antwoord meegestuurd." in response.text


def test_the_same_item_twice_in_one_post_is_400(client, session, phone, scoring):
    item = statements(scoring.current_theme)[0]
    response = post_answer(client, session, {f"item-{item.pk}": ["2", "4"]})
    assert response.status_code == 400
    assert Response.objects.count() == 0


def test_an_item_of_another_instrument_is_400_and_stores_nothing(
    client, session, phone, scoring, instruments
):
    own = statements(scoring.current_theme)[0]
    foreign = Item.objects.filter(
        theme__instrument=instruments["po-externe-partners"], kind="statement"
    ).first()
    response = post_answer(client, session, {f"item-{own.pk}": "3", f"item-{foreign.pk}": "3"})
    assert response.status_code == 400
    assert "hoort niet bij deze sessie" in response.text
    assert Response.objects.count() == 0


def test_an_item_that_does_not_exist_is_400(client, session, phone, scoring):
    response = post_answer(client, session, {"item-987654321": "3"}, **HTMX)
    assert response.status_code == 400


def test_a_closed_round_is_403_and_the_page_says_so(client, session, phone, scoring, lob):
    other = statements(lob.themes.all()[1])[0]
    response = post_answer(client, session, {f"item-{other.pk}": "3"})
    assert response.status_code == 403
    assert "Deze ronde is gesloten" in response.text
    # Without JavaScript the refusal page leads back to the questions.
    assert f'href="{url("phone", session)}"' in response.text
    item = statements(scoring.current_theme)[0]
    lifecycle.set_phase(session, "discussion")
    response = post_answer(client, session, {f"item-{item.pk}": "3"}, **HTMX)
    assert response.status_code == 403
    assert "Deze ronde is gesloten" in response.text
    assert Response.objects.count() == 0


def test_a_forged_cookie_is_403_and_stores_nothing(client, session, phone, scoring):
    item = statements(scoring.current_theme)[0]
    client.cookies[COOKIE] = "forged-token-forged-token-forged"
    response = post_answer(client, session, {f"item-{item.pk}": "3"})
    assert response.status_code == 403
    assert "doet niet mee" in response.text
    assert Response.objects.count() == 0


def test_no_cookie_at_all_is_403(client, session, scoring):
    item = statements(scoring.current_theme)[0]
    response = post_answer(client, session, {f"item-{item.pk}": "3"}, **HTMX)
    assert response.status_code == 403
    assert Response.objects.count() == 0


def test_a_phone_of_another_session_cannot_answer_here(client, alice, lob, session, scoring):
    other = lifecycle.create_session(alice, lob, title="Elders", partnership_name="Oost")
    _participant, token, _ = participation.join(other, None)
    client.cookies[COOKIE] = token
    item = statements(scoring.current_theme)[0]
    assert post_answer(client, session, {f"item-{item.pk}": "3"}).status_code == 403
    assert Response.objects.count() == 0


def test_an_oversized_body_is_400_and_stores_nothing(client, session, phone, scoring):
    item = statements(scoring.current_theme)[0]
    data = {f"item-{item.pk + n}": "3" for n in range(300)}
    response = post_answer(client, session, data)
    assert response.status_code == 400
    assert "te veel" in response.text
    assert Response.objects.count() == 0


def test_more_than_a_hundred_answers_at_once_is_400(client, session, phone, scoring):
    item = statements(scoring.current_theme)[0]
    data = {f"item-{item.pk + n}": "3" for n in range(150)}
    response = post_answer(client, session, data, **HTMX)
    assert response.status_code == 400
    assert Response.objects.count() == 0


def test_answering_needs_a_post(client, session, phone, scoring):
    assert client.get(url("phone_answer", session)).status_code == 405


# Priority picks ---------------------------------------------------------------------------------


@pytest.fixture
def praat(client, alice, instruments):
    """A praatplaat session with a priority vote open, and a phone that joined it."""
    instrument = instruments["praatplaat-regio"]
    item = next(
        item
        for item in Item.objects.filter(theme__instrument=instrument, kind="priority")
        if item.max_choices < len(item.options)
    )
    session = lifecycle.create_session(alice, instrument, title="Praat", partnership_name="Zuid")
    lifecycle.open_round(session, item.theme_id)
    participant, token, _ = participation.join(session, None)
    client.cookies[COOKIE] = token
    return session, item, participant


def test_a_priority_item_is_shown_as_checkboxes(client, praat):
    session, item, _participant = praat
    html = client.get(url("phone", session)).text
    assert f'name="item" value="{item.pk}"' in html
    for option in item.options:
        assert f'type="checkbox" name="option" value="{option["key"]}"' in html
    assert f"Kies er maximaal {item.max_choices}." in html


def test_picks_are_stored_with_htmx_and_without(client, praat):
    session, item, participant = praat
    keys = [o["key"] for o in item.options]
    response = client.post(
        url("phone_choose", session), {"item": item.pk, "option": keys[:2]}, **HTMX
    )
    assert response.status_code == 200
    assert "opgeslagen" in response.text
    assert answers.choices_of(participant) == {item.pk: set(keys[:2])}
    response = client.post(url("phone_choose", session), {"item": item.pk, "option": keys[2]})
    assert response.status_code == 303
    assert answers.choices_of(participant) == {item.pk: {keys[2]}}
    page = client.get(response.url).text
    assert f'value="{keys[2]}" checked' in page


def test_too_many_picks_are_refused_and_the_stored_ones_are_put_back(client, praat):
    session, item, participant = praat
    keys = [o["key"] for o in item.options]
    client.post(url("phone_choose", session), {"item": item.pk, "option": keys[0]}, **HTMX)
    response = client.post(
        url("phone_choose", session),
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
def test_bad_picks_are_4xx_and_store_nothing(client, praat, data):
    session, _item, _participant = praat
    response = client.post(url("phone_choose", session), data, **HTMX)
    assert 400 <= response.status_code < 500
    assert PriorityChoice.objects.count() == 0


def test_the_session_vote_is_stored_in_the_priorities_phase(client, session, phone):
    keys = [key for key, _label in answers.session_vote_options(session)]
    response = client.post(url("phone_choose", session), {"option": keys[:3]}, **HTMX)
    assert response.status_code == 403
    assert PriorityChoice.objects.count() == 0
    lifecycle.set_phase(session, "priorities")
    response = client.post(url("phone_choose", session), {"option": keys[:3]}, **HTMX)
    assert response.status_code == 200
    assert answers.choices_of(phone) == {None: set(keys[:3])}
    response = client.post(url("phone_choose", session), {"option": keys[:4]}, **HTMX)
    assert response.status_code == 400
    assert answers.choices_of(phone) == {None: set(keys[:3])}


def test_picks_with_a_forged_cookie_are_403(client, praat):
    session, item, _participant = praat
    client.cookies[COOKIE] = "forged-token-forged-token-forged"
    response = client.post(
        url("phone_choose", session), {"item": item.pk, "option": item.options[0]["key"]}
    )
    assert response.status_code == 403
    assert PriorityChoice.objects.count() == 0


# Profile ----------------------------------------------------------------------------------------


def test_the_profile_can_be_changed_from_the_lobby(client, session, phone):
    response = client.post(url("phone_profile", session), {"name": "Bram", "partner_type": "ho"})
    assert response.status_code == 303
    phone.refresh_from_db()
    assert (phone.name, phone.partner_type) == ("Bram", "ho")
    assert 'value="ho" checked' in client.get(response.url).text


def test_the_profile_needs_a_joined_device(client, session):
    response = client.post(url("phone_profile", session), {"name": "Bram"})
    assert response.status_code == 403
    assert Participant.objects.count() == 0

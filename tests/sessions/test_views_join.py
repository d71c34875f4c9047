"""Joining from a phone: typing the code, the join page, the device cookie, refusals."""

from django.test import Client
from django.urls import reverse

from instruments import partner_types
from sessions import answers, codes, lifecycle, participation, tokens
from sessions.models import Participant, Response
from tests.builders import theme_statements


def cookie(session) -> str:
    """The name of the device cookie for this session's code."""
    return participation.cookie_name(session.code)


def join_url(session):
    return reverse("join", args=[session.code])


def phone_url(session):
    return reverse("phone", args=[session.code])


def unknown_code(session):
    """A well-formed code that no session has."""
    code = "ABCDEF" if session.code != "ABCDEF" else "ABCDEG"
    return code


def test_the_code_form_is_shown(client, db):
    response = client.get(reverse("join_code"))
    assert response.status_code == 200
    assert 'name="code"' in response.text
    assert '<label for="id_code">' in response.text


def test_it_joins_by_a_code_typed_in_lower_case_with_spaces(client, lobby_session):
    typed = codes.pretty(lobby_session.code).lower()
    assert " " in typed
    response = client.post(reverse("join_code"), {"code": typed})
    assert response.status_code == 302
    assert response.url == join_url(lobby_session)


def test_it_joins_by_a_code_typed_with_a_dash(client, lobby_session):
    typed = f"{lobby_session.code[:3]}-{lobby_session.code[3:]}".lower()
    response = client.post(reverse("join_code"), {"code": typed})
    assert response.url == join_url(lobby_session)


def test_an_unknown_code_gets_a_clear_404(client, lobby_session):
    response = client.post(reverse("join_code"), {"code": unknown_code(lobby_session)})
    assert response.status_code == 404
    assert "Deze code kennen we niet" in response.text
    # The form is there again, to type it once more.
    assert 'name="code"' in response.text


def test_a_code_with_look_alikes_is_unknown(client, lobby_session):
    response = client.post(reverse("join_code"), {"code": "0OI1L0"})
    assert response.status_code == 404


def test_too_many_failed_codes_get_429_before_any_lookup(client, lobby_session):
    for _ in range(participation.WRONG_CODES_PER_HOUR):
        assert client.post(reverse("join_code"), {"code": "zzz zzz"}).status_code == 404
    # Even the right code is refused now: the limit is checked before the lookup.
    response = client.post(reverse("join_code"), {"code": lobby_session.code})
    assert response.status_code == 429
    assert "te veel onjuiste codes" in response.text


def test_failures_count_per_address(client, lobby_session):
    for _ in range(participation.WRONG_CODES_PER_HOUR):
        client.post(reverse("join_code"), {"code": "zzz zzz"}, REMOTE_ADDR="198.51.100.1")
    other = client.post(
        reverse("join_code"), {"code": lobby_session.code}, REMOTE_ADDR="198.51.100.2"
    )
    assert other.status_code == 302


def test_unknown_codes_on_the_join_address_count_as_failures(client, lobby_session):
    for _ in range(participation.WRONG_CODES_PER_HOUR):
        response = client.get(reverse("join", args=[unknown_code(lobby_session)]))
        assert response.status_code == 404
        assert "Deze code kennen we niet" in response.text
    assert client.get(join_url(lobby_session)).status_code == 429


def test_the_join_page_asks_no_name_and_says_what_is_kept(client, lobby_session, settings):
    settings.RETENTION_DAYS = 30
    response = client.get(join_url(lobby_session))
    assert response.status_code == 200
    html = response.text
    assert "Regio West" in html
    assert 'name="name"' not in html
    assert "We vragen niet naar je naam." in html
    assert 'type="radio" name="partner_type" value="" checked' in html  # zeg ik liever niet
    for value, _label in partner_types.DEFAULT:
        assert f'type="radio" name="partner_type" value="{value}"' in html
    assert "Je scores zijn anoniem: niemand ziet wie wat heeft ingevuld." in html
    assert "alleen aantallen per stelling, pas vanaf drie antwoorden" in html
    assert "minstens drie mensen iets hebben ingevuld of aangepast" in html
    assert "30 dagen na de sessie wordt alles gewist." in html
    assert "Meedoen" in html


def test_a_join_address_typed_loosely_redirects_to_the_canonical_one(client, lobby_session):
    response = client.get(reverse("join", args=[lobby_session.code.lower()]))
    assert response.status_code == 302
    assert response.url == join_url(lobby_session)


def test_joining_sets_an_httponly_device_cookie_and_goes_to_the_phone_page(client, lobby_session):
    response = client.post(join_url(lobby_session), {"partner_type": "mbo"})
    assert response.status_code == 303
    assert response.url == phone_url(lobby_session)
    device = response.cookies[f"reflectie_{lobby_session.code}"]
    assert device["httponly"]
    assert device["samesite"] == "Lax"
    assert device["path"] == "/"
    assert not device["secure"]
    assert int(device["max-age"]) == participation.COOKIE_MAX_AGE == 7 * 24 * 60 * 60
    participant = Participant.objects.get(session=lobby_session)
    assert participant.token_hash == tokens.digest(device.value)
    assert participant.partner_type == "mbo"


def test_the_device_cookie_is_secure_over_https(client, lobby_session):
    response = client.post(join_url(lobby_session), secure=True)
    assert response.cookies[cookie(lobby_session)]["secure"]


def test_the_device_cookie_is_secure_when_session_cookies_are(client, lobby_session, settings):
    settings.SESSION_COOKIE_SECURE = True
    response = client.post(join_url(lobby_session))
    assert response.cookies[cookie(lobby_session)]["secure"]


def test_joining_without_a_partner_type_is_fine(client, lobby_session):
    response = client.post(join_url(lobby_session), {"partner_type": ""})
    assert response.status_code == 303
    assert Participant.objects.get(session=lobby_session).partner_type == ""


def test_joining_removes_the_old_cookie_shared_by_all_sessions(client, lobby_session):
    client.cookies[participation.LEGACY_COOKIE] = "an-old-device-token-of-180-days"
    response = client.post(join_url(lobby_session))
    assert response.cookies[participation.LEGACY_COOKIE]["max-age"] == 0
    # It is not adopted either.
    participant = Participant.objects.get(session=lobby_session)
    assert participant.token_hash != tokens.digest("an-old-device-token-of-180-days")


# The device token: issued by the server, one per session ----------------------------------------


def test_a_planted_cookie_is_not_adopted(client, lobby_session):
    planted = "planted-by-someone-else-0123456789"
    assert participation.valid_token(planted)
    client.cookies[cookie(lobby_session)] = planted
    response = client.post(join_url(lobby_session))
    assert response.status_code == 303
    issued = response.cookies[cookie(lobby_session)].value
    assert issued != planted
    participant = Participant.objects.get(session=lobby_session)
    assert participant.token_hash == tokens.digest(issued)
    assert participant.token_hash != tokens.digest(planted)


def test_one_browser_in_two_sessions_has_two_unrelated_tokens(alice, lob, lobby_session):
    other = lifecycle.create_session(alice, lob, title="Regio Oost", partnership_name="LOB Oost")
    browser = Client()
    browser.post(join_url(lobby_session))
    browser.post(join_url(other))
    first = Participant.objects.get(session=lobby_session)
    second = Participant.objects.get(session=other)
    assert first.token_hash != second.token_hash
    assert browser.cookies[cookie(lobby_session)].value != browser.cookies[cookie(other)].value
    # Each finds its own participant again.
    assert browser.get(phone_url(lobby_session)).status_code == 200
    assert browser.get(phone_url(other)).status_code == 200


def test_the_planted_value_cannot_read_or_change_the_victims_answers(lobby_session, lob):
    planted = "planted-by-someone-else-0123456789"
    victim = Client()
    victim.cookies[cookie(lobby_session)] = planted
    victim.post(join_url(lobby_session))
    lifecycle.open_round(lobby_session, lob.themes.first().pk)
    item = theme_statements(lobby_session.current_theme)[0]
    answer_url = reverse("phone_answer", args=[lobby_session.code])
    assert victim.post(answer_url, {f"item-{item.pk}": "2"}).status_code == 303

    attacker = Client()
    attacker.cookies[cookie(lobby_session)] = planted
    page = attacker.get(phone_url(lobby_session))
    assert page.status_code == 302 and page.url == join_url(lobby_session)
    assert attacker.get(reverse("phone_state", args=[lobby_session.code])).status_code == 302
    assert attacker.post(answer_url, {f"item-{item.pk}": "5"}).status_code == 403
    profile = reverse("phone_profile", args=[lobby_session.code])
    assert attacker.post(profile, {"partner_type": "mbo"}).status_code == 403
    participant = Participant.objects.get(session=lobby_session)
    assert answers.answers_of(participant) == {item.pk: 2}
    assert participant.partner_type == ""
    assert Response.objects.count() == 1


def test_a_joined_device_is_sent_straight_back_to_its_phone_page(client, lobby_session):
    client.post(join_url(lobby_session))
    response = client.get(join_url(lobby_session))
    assert response.status_code == 302
    assert response.url == phone_url(lobby_session)
    # Joining again does not make a second participant.
    client.post(join_url(lobby_session))
    assert Participant.objects.filter(session=lobby_session).count() == 1


def test_a_locked_room_refuses_a_new_phone_with_403(client, lobby_session):
    lifecycle.set_locked(lobby_session, True)
    assert client.get(join_url(lobby_session)).status_code == 403
    response = client.post(join_url(lobby_session))
    assert response.status_code == 403
    assert "gesloten voor nieuwe deelnemers" in response.text
    assert Participant.objects.count() == 0


def test_a_locked_room_lets_a_joined_phone_back(client, lobby_session):
    client.post(join_url(lobby_session))
    lifecycle.set_locked(lobby_session, True)
    response = client.get(join_url(lobby_session))
    assert response.url == phone_url(lobby_session)
    assert client.get(phone_url(lobby_session)).status_code == 200


def test_a_joined_phone_is_let_back_even_from_a_blocked_address(client, lobby_session):
    client.post(join_url(lobby_session))
    for _ in range(participation.WRONG_CODES_PER_HOUR):
        participation.record_failure("127.0.0.1")
    response = client.get(join_url(lobby_session))
    assert response.url == phone_url(lobby_session)
    # A new phone on that address learns nothing about the code.
    assert Client().get(join_url(lobby_session)).status_code == 429


def test_a_closed_session_cannot_be_joined(client, lobby_session):
    lifecycle.set_phase(lobby_session, "closed")
    assert client.get(join_url(lobby_session)).status_code == 404
    assert client.post(join_url(lobby_session)).status_code == 404
    response = client.post(reverse("join_code"), {"code": lobby_session.code})
    assert response.status_code == 404


def test_a_phone_that_took_part_in_a_closed_session_sees_its_thank_you(client, lobby_session):
    client.post(join_url(lobby_session))
    lifecycle.set_phase(lobby_session, "closed")
    response = client.get(join_url(lobby_session))
    assert response.url == phone_url(lobby_session)


def test_the_join_pages_are_never_cached(client, lobby_session):
    response = client.get(join_url(lobby_session))
    assert "no-store" in response["Cache-Control"]

"""Joining from a phone: typing the code, the join page, the device cookie, refusals."""

from django.urls import reverse

from sessions import codes, lifecycle, participation, tokens
from sessions.models import Participant

COOKIE = participation.COOKIE


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
    for _ in range(participation.MAX_FAILURES):
        assert client.post(reverse("join_code"), {"code": "zzz zzz"}).status_code == 404
    # Even the right code is refused now: the limit is checked before the lookup.
    response = client.post(reverse("join_code"), {"code": lobby_session.code})
    assert response.status_code == 429
    assert "te veel onjuiste codes" in response.text


def test_failures_count_per_address(client, lobby_session):
    for _ in range(participation.MAX_FAILURES):
        client.post(reverse("join_code"), {"code": "zzz zzz"}, REMOTE_ADDR="198.51.100.1")
    other = client.post(
        reverse("join_code"), {"code": lobby_session.code}, REMOTE_ADDR="198.51.100.2"
    )
    assert other.status_code == 302


def test_unknown_codes_on_the_join_address_count_as_failures(client, lobby_session):
    for _ in range(participation.MAX_FAILURES):
        response = client.get(reverse("join", args=[unknown_code(lobby_session)]))
        assert response.status_code == 404
        assert "Deze code kennen we niet" in response.text
    assert client.get(join_url(lobby_session)).status_code == 429


def test_the_join_page_shows_the_title_and_the_optional_fields(client, lobby_session):
    response = client.get(join_url(lobby_session))
    assert response.status_code == 200
    html = response.text
    assert "Regio West" in html
    assert "Naam toevoegen (niet verplicht)" in html
    assert "<details" in html
    for value, _label in Participant.PartnerType.choices:
        assert f'type="radio" name="partner_type" value="{value}"' in html
    assert "Je scores zijn anoniem: niemand ziet wie wat heeft ingevuld." in html
    assert "Meedoen" in html


def test_a_join_address_typed_loosely_redirects_to_the_canonical_one(client, lobby_session):
    response = client.get(reverse("join", args=[lobby_session.code.lower()]))
    assert response.status_code == 302
    assert response.url == join_url(lobby_session)


def test_joining_sets_an_httponly_device_cookie_and_goes_to_the_phone_page(client, lobby_session):
    response = client.post(join_url(lobby_session), {"name": "Anna", "partner_type": "mbo"})
    assert response.status_code == 303
    assert response.url == phone_url(lobby_session)
    cookie = response.cookies[COOKIE]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert not cookie["secure"]
    assert int(cookie["max-age"]) == participation.COOKIE_MAX_AGE
    participant = Participant.objects.get(session=lobby_session)
    assert participant.token_hash == tokens.digest(cookie.value)
    assert (participant.name, participant.partner_type) == ("Anna", "mbo")


def test_the_device_cookie_is_secure_over_https(client, lobby_session):
    response = client.post(join_url(lobby_session), secure=True)
    assert response.cookies[COOKIE]["secure"]


def test_joining_without_a_name_or_partner_type_is_fine(client, lobby_session):
    response = client.post(join_url(lobby_session))
    assert response.status_code == 303
    participant = Participant.objects.get(session=lobby_session)
    assert (participant.name, participant.partner_type) == ("", "")


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

"""Joining with a code and coming back on the same phone (sessions.participation, codes)."""

import pytest

from sessions import answers, codes, lifecycle, participation, tokens
from sessions.errors import NotAllowed, NotFound
from sessions.models import Participant, Response


def first_statement(session):
    return session.instrument.themes.first().items.filter(kind="statement").first()


def test_joining_creates_one_participant_and_a_token(lobby_session):
    participant, token, created = participation.join(lobby_session, None)
    assert created
    assert participation.valid_token(token)
    assert Participant.objects.filter(session=lobby_session).count() == 1
    # Only the hash is stored, never the token itself.
    assert participant.token_hash == tokens.digest(token)
    assert token not in participant.token_hash


def test_joining_bumps_the_session_version(lobby_session):
    before = lobby_session.version
    participation.join(lobby_session, None)
    lobby_session.refresh_from_db()
    assert lobby_session.version == before + 1


def test_the_same_token_resumes_with_answers_kept(lobby_session):
    participant, token, _ = participation.join(lobby_session, None)
    lifecycle.open_round(lobby_session, first_statement(lobby_session).theme_id)
    answers.answer(participant, first_statement(lobby_session).pk, "4")

    again, same_token, created = participation.join(lobby_session, token)
    assert not created
    assert again.pk == participant.pk
    assert same_token == token
    assert answers.answers_of(again) == {first_statement(lobby_session).pk: 4}
    assert Participant.objects.count() == 1


def test_a_device_token_is_reused_for_the_next_session(alice, lob, lobby_session):
    _participant, token, _ = participation.join(lobby_session, None)
    other = lifecycle.create_session(alice, lob, title="Regio Oost", partnership_name="LOB Oost")
    participant, same_token, created = participation.join(other, token)
    assert created
    assert same_token == token
    assert participant.session == other


def test_a_locked_room_refuses_new_joins_but_lets_a_joined_device_back(lobby_session):
    participant, token, _ = participation.join(lobby_session, None)
    lifecycle.set_locked(lobby_session, True)

    with pytest.raises(NotAllowed) as refused:
        participation.join(lobby_session, None)
    assert refused.value.status == 403
    assert "gesloten voor nieuwe deelnemers" in str(refused.value.message)

    back, _token, created = participation.join(lobby_session, token)
    assert back.pk == participant.pk
    assert not created


def test_a_closed_session_cannot_be_joined(lobby_session):
    lifecycle.set_phase(lobby_session, "closed")
    with pytest.raises(NotFound):
        participation.join(lobby_session, None)


def test_a_forged_token_finds_nothing(lobby_session):
    participation.join(lobby_session, None)
    assert participation.participant_for(lobby_session, "x" * 32) is None
    assert participation.participant_for(lobby_session, "not a token!") is None
    assert participation.participant_for(lobby_session, "") is None
    assert participation.participant_for(lobby_session, None) is None


def test_a_forged_token_of_the_wrong_shape_gets_a_fresh_one(lobby_session):
    _participant, token, created = participation.join(lobby_session, "<script>")
    assert created
    assert token != "<script>"
    assert participation.valid_token(token)


def test_a_known_partner_type_is_stored(lobby_session):
    participant, _token, _ = participation.join(
        lobby_session, None, name=" Anna ", partner_type="mbo"
    )
    assert participant.partner_type == "mbo"
    assert participant.name == "Anna"


def test_an_unknown_partner_type_is_left_empty(lobby_session):
    participant, _token, _ = participation.join(lobby_session, None, partner_type="koning")
    assert participant.partner_type == ""


def test_the_profile_can_be_changed_and_an_unknown_partner_type_is_dropped(lobby_session):
    participant, _token, _ = participation.join(lobby_session, None)
    participation.update_profile(participant, name="Bram", partner_type="gemeente")
    participant.refresh_from_db()
    assert (participant.name, participant.partner_type) == ("Bram", "gemeente")
    participation.update_profile(participant, name="", partner_type="koning")
    participant.refresh_from_db()
    assert (participant.name, participant.partner_type) == ("", "")


def test_an_address_is_blocked_after_max_failures():
    address = "203.0.113.7"
    for _ in range(participation.MAX_FAILURES - 1):
        participation.record_failure(address)
    assert not participation.too_many_failures(address)
    participation.record_failure(address)
    assert participation.too_many_failures(address)
    assert not participation.too_many_failures("203.0.113.8")


@pytest.mark.parametrize("raw", ["abc def", "abc-def", " ABC-DEF ", "a b c d e f", "AbCdEf"])
def test_normalize_accepts_case_spaces_and_dashes(raw):
    assert codes.normalize(raw) == "ABCDEF"


@pytest.mark.parametrize(
    "raw", ["ABCDE0", "ABCDEO", "ABCDE1", "ABCDEI", "ABCDEL", "ABCDE", "ABCDEFG", ""]
)
def test_normalize_rejects_look_alikes_and_wrong_lengths(raw):
    assert codes.normalize(raw) is None


def test_new_codes_avoid_look_alikes():
    for _ in range(200):
        code = codes.new_code()
        assert codes.normalize(code) == code
        assert not set(code) & set("01OIL")


def test_an_open_session_is_found_by_its_code_typed_loosely(lobby_session):
    typed = codes.pretty(lobby_session.code).lower().replace(" ", "-")
    assert participation.find_open_session(typed) == lobby_session


def test_a_closed_session_is_not_found_by_its_code(lobby_session):
    lifecycle.set_phase(lobby_session, "closed")
    assert participation.find_open_session(lobby_session.code) is None


def test_leaving_a_session_keeps_no_score_without_a_participant(lobby_session):
    # Sanity: joining alone stores no answers.
    participation.join(lobby_session, None)
    assert Response.objects.count() == 0


def test_a_device_is_found_in_the_newest_session_with_a_code_it_joined(alice, lob, lobby_session):
    old, token, _ = participation.join(lobby_session, None)
    lifecycle.set_phase(lobby_session, "closed")
    # The code is free again once a session closes; the same phone joins the new session.
    newer = lifecycle.create_session(alice, lob, title="Najaar", partnership_name="LOB West")
    newer.code = lobby_session.code
    newer.save(update_fields=["code"])
    new, _same, _ = participation.join(newer, token)

    assert participation.device_participant(lobby_session.code.lower(), token) == new
    assert participation.device_participant(lobby_session.code, "x" * 32) is None
    assert participation.device_participant("not a code", token) is None
    assert old.session.is_closed


def test_a_phone_of_a_closed_session_whose_code_went_to_a_new_one_must_join_again(
    alice, lob, lobby_session
):
    _participant, token, _ = participation.join(lobby_session, None)
    lifecycle.set_phase(lobby_session, "closed")
    assert participation.phone_participant(lobby_session.code, token) is not None  # its thank-you
    newer = lifecycle.create_session(alice, lob, title="Najaar", partnership_name="LOB West")
    newer.code = lobby_session.code
    newer.save(update_fields=["code"])
    assert participation.phone_participant(lobby_session.code, token) is None

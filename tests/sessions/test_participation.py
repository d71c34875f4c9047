"""Joining with a code and coming back on the same phone (sessions.participation, codes)."""

import pytest
from django.core.cache import cache
from django.db import connection

from reflectie import attempts
from sessions import answers, codes, lifecycle, participation, tallies, tokens
from sessions.errors import NotAllowed, NotFound
from sessions.models import Participant, Response, Session


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


def test_each_session_gets_a_fresh_token_not_the_one_of_another_session(alice, lob, lobby_session):
    first, token, _ = participation.join(lobby_session, None)
    other = lifecycle.create_session(alice, lob, title="Regio Oost", partnership_name="LOB Oost")
    participant, new_token, created = participation.join(other, token)
    assert created
    assert participant.session == other
    # Unrelated hashes: the two rows cannot be linked to one phone.
    assert new_token != token
    assert participant.token_hash != first.token_hash


def test_a_planted_token_is_never_adopted(lobby_session):
    # Someone who put a value in the phone's cookie beforehand must not know its token.
    planted = participation.new_token()
    participant, token, created = participation.join(lobby_session, planted)
    assert created
    assert token != planted
    assert participant.token_hash == tokens.digest(token) != tokens.digest(planted)
    assert participation.participant_for(lobby_session, planted) is None


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
    participant, _token, _ = participation.join(lobby_session, None, partner_type="mbo")
    assert participant.partner_type == "mbo"


def test_an_unknown_partner_type_is_left_empty(lobby_session):
    participant, _token, _ = participation.join(lobby_session, None, partner_type="koning")
    assert participant.partner_type == ""


def test_the_profile_can_be_changed_and_an_unknown_partner_type_is_dropped(lobby_session):
    participant, _token, _ = participation.join(lobby_session, None)
    participation.update_profile(participant, partner_type="gemeente")
    participant.refresh_from_db()
    assert participant.partner_type == "gemeente"
    participation.update_profile(participant, partner_type="koning")
    participant.refresh_from_db()
    assert participant.partner_type == ""


def test_a_changed_partner_type_is_told_to_the_tallies_in_its_transaction(
    lobby_session, monkeypatch
):
    participant, _token, _ = participation.join(lobby_session, None)
    seen = []
    depth = len(connection.atomic_blocks)

    def changed(who):
        # Saved already, and inside update_profile's own transaction.
        stored = Participant.objects.get(pk=who.pk).partner_type
        seen.append((who.pk, stored, len(connection.atomic_blocks) > depth))

    monkeypatch.setattr(tallies, "partner_type_changed", changed)
    participation.update_profile(participant, partner_type="mbo")
    assert seen == [(participant.pk, "mbo", True)]
    # The same type again changes nothing: no step, no bump.
    before = Session.objects.get(pk=lobby_session.pk).version
    participation.update_profile(participant, partner_type="mbo")
    assert len(seen) == 1
    assert Session.objects.get(pk=lobby_session.pk).version == before


def test_an_address_is_blocked_after_the_wrong_codes_of_an_hour():
    address = "203.0.113.7"
    for _ in range(participation.WRONG_CODES_PER_HOUR - 1):
        participation.record_failure(address)
    assert not participation.too_many_failures(address)
    participation.record_failure(address)
    assert participation.too_many_failures(address)
    with pytest.raises(participation.TooMany) as refused:
        participation.check_not_blocked(address)
    assert refused.value.status == 429
    assert "Wacht een uur" in str(refused.value.message)
    assert not participation.too_many_failures("203.0.113.8")


def test_an_address_is_blocked_after_the_wrong_codes_of_a_day():
    address = "203.0.113.9"
    # Spread over the day: the hour's count starts again, the day's does not.
    for _ in range(participation.WRONG_CODES_PER_DAY):
        participation.record_failure(address)
        cache.delete(f"join-failures:hour:{address}")
    with pytest.raises(participation.TooMany) as refused:
        participation.check_not_blocked(address)
    assert "morgen" in str(refused.value.message)


def test_the_limits_leave_a_room_of_300_with_its_typos_far_below_them():
    # 10% of 300 phones mistype, and each retries twice: 90 wrong codes in an hour.
    assert 30 * 3 < participation.WRONG_CODES_PER_HOUR <= participation.WRONG_CODES_PER_DAY


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
    new, new_token, _ = participation.join(newer, token)

    assert new_token != token
    assert participation.device_participant(lobby_session.code.lower(), new_token) == new
    # The old token still finds the old, closed session: its thank-you and report.
    assert participation.device_participant(lobby_session.code, token) == old
    assert participation.device_participant(lobby_session.code, "x" * 32) is None
    assert participation.device_participant("not a code", new_token) is None
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


# The device cookie ------------------------------------------------------------------------------


def test_the_cookie_is_named_for_the_code_however_it_is_typed(lobby_session):
    name = participation.cookie_name(lobby_session.code)
    assert name == f"reflectie_{lobby_session.code}"
    assert participation.cookie_name(lobby_session.code.lower()) == name
    assert participation.cookie_name("not a code") is None
    cookies = {name: "a-token", "reflectie_ZZZZZZ": "other"}
    assert participation.device_token(cookies, lobby_session.code.lower()) == "a-token"
    assert participation.device_token(cookies, "nonsense") is None


# The join limit ---------------------------------------------------------------------------------


def test_a_token_bucket_gives_its_burst_then_its_rate():
    now = 1_000_000.0

    def take(at: float) -> bool:
        return attempts.take("bucket", capacity=5, per_second=2, now=at)

    assert all(take(now) for _ in range(5))
    assert not take(now)
    assert not take(now + 0.2)  # refused claims are given back, but 0.2 s is not half a token
    assert take(now + 0.5)  # one more every half second
    assert not take(now + 0.5)
    # Idle long enough, the bucket is full again, and no fuller than its capacity.
    later = now + 3600
    assert all(take(later) for _ in range(5))
    assert not take(later)


def test_joins_from_one_address_stop_at_the_burst_and_nothing_is_stored(lobby_session, monkeypatch):
    monkeypatch.setattr(participation, "clock", lambda: 2_000_000.0)
    for _ in range(participation.JOIN_BURST):
        participation.join(lobby_session, None, address="192.0.2.1")
    version = Session.objects.get(pk=lobby_session.pk).version
    with pytest.raises(participation.TooMany) as refused:
        participation.join(lobby_session, None, address="192.0.2.1")
    assert refused.value.status == 429
    assert "Wacht even" in str(refused.value.message)
    assert Participant.objects.count() == participation.JOIN_BURST
    # The first refusal re-renders the dashboard once; more refusals write nothing.
    assert Session.objects.get(pk=lobby_session.pk).version == version + 1
    with pytest.raises(participation.TooMany):
        participation.join(lobby_session, None, address="192.0.2.1")
    assert Session.objects.get(pk=lobby_session.pk).version == version + 1
    # Another address, or the demo command (no address), is not held up.
    participation.join(lobby_session, None, address="192.0.2.2")
    participation.join(lobby_session, None)
    assert Participant.objects.count() == participation.JOIN_BURST + 2


def test_a_phone_that_joined_comes_back_whatever_the_join_limit(lobby_session, monkeypatch):
    monkeypatch.setattr(participation, "clock", lambda: 2_000_000.0)
    first, token, _ = participation.join(lobby_session, None, address="192.0.2.1")
    for _ in range(participation.JOIN_BURST - 1):
        participation.join(lobby_session, None, address="192.0.2.1")
    again, _token, created = participation.join(lobby_session, token, address="192.0.2.1")
    assert (again, created) == (first, False)


def test_the_room_activity_counts_recent_joins_and_refusals(lobby_session, monkeypatch):
    now = [3_000_000.0]
    monkeypatch.setattr(participation, "clock", lambda: now[0])
    assert participation.room_activity(lobby_session.pk)["warn"] is False
    for n in range(participation.FAST_JOINS + 1):
        participation.join(lobby_session, None, address=f"198.51.100.{n % 250}")
    activity = participation.room_activity(lobby_session.pk)
    assert activity["recent_joins"] == participation.FAST_JOINS + 1
    assert activity["busy"] and activity["warn"]
    now[0] += 2 * 60  # a quiet two minutes later
    assert participation.room_activity(lobby_session.pk)["warn"] is False

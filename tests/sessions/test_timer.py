"""The hour: remaining time, follow-up at the end, pause and extend (pure logic and services)."""

from datetime import UTC, datetime, timedelta

import pytest

from sessions import timer
from sessions.errors import Invalid
from tests.builders import stored

T0 = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def clock(now, *, started=T0, paused_at=None, paused_seconds=0, extra=0, duration=60, followup=15):
    return timer.state(
        started_at=started,
        paused_at=paused_at,
        paused_seconds=paused_seconds,
        duration=duration,
        followup=followup,
        extra=extra,
        now=now,
    )


# Pure logic -------------------------------------------------------------------------------------


def test_a_clock_that_has_not_started_shows_the_whole_hour():
    state = clock(at(30), started=None)
    assert state.remaining == 3600
    assert state.elapsed == 0
    assert not state.started and not state.followup_started and not state.time_up
    assert state.state == timer.IDLE
    assert state.remaining_display == "60:00"


def test_the_clock_counts_down_from_the_start():
    state = clock(at(10.5))
    assert state.elapsed == 630
    assert state.remaining == 3600 - 630
    assert state.remaining_display == "49:30"
    assert state.state == timer.RUNNING


def test_follow_up_starts_fifteen_minutes_before_the_end():
    assert not clock(at(44) + timedelta(seconds=59)).followup_started
    state = clock(at(45))
    assert state.followup_started and not state.time_up
    assert state.state == timer.FOLLOWUP
    assert state.phase_label == "Tijd voor afspraken"
    assert state.until_followup == 0


def test_time_is_up_after_the_hour_and_remaining_never_goes_below_zero():
    state = clock(at(75))
    assert state.time_up and state.followup_started
    assert state.remaining == 0
    assert state.overtime == 15 * 60
    assert state.phase_label == "De tijd is om"


def test_remaining_time_stands_still_while_paused():
    paused_at = at(20)
    during = [clock(at(20 + m), paused_at=paused_at) for m in (0, 1, 5)]
    assert {s.remaining for s in during} == {40 * 60}
    assert all(s.paused and s.state == timer.PAUSED for s in during)


def test_paused_time_does_not_count_after_resuming():
    # Paused for 5 minutes at minute 20, then resumed: at minute 30 only 25 minutes have run.
    state = clock(at(30), paused_seconds=300)
    assert state.elapsed == 25 * 60
    assert state.remaining == 35 * 60
    # Follow-up moves along with the pause: it starts at minute 45 + 5.
    assert not clock(at(49), paused_seconds=300).followup_started
    assert clock(at(50), paused_seconds=300).followup_started


def test_extending_moves_both_the_end_and_the_start_of_follow_up():
    assert clock(at(60)).time_up
    extended = clock(at(60), extra=10)
    assert not extended.time_up
    assert extended.remaining == 10 * 60
    # duration + extra - followup = 60 + 10 - 15 = 55
    assert not clock(at(54), extra=10).followup_started
    assert clock(at(55), extra=10).followup_started
    assert clock(at(70), extra=10).time_up


def test_pause_and_extend_together():
    state = clock(at(70), paused_seconds=300, extra=10)
    assert state.elapsed == 65 * 60
    assert state.remaining == 5 * 60
    assert state.followup_started and not state.time_up


def test_a_session_without_follow_up_time_only_ends():
    state = clock(at(59), followup=0)
    assert not state.followup_started
    assert clock(at(60), followup=0).time_up


# Services ---------------------------------------------------------------------------------------


def test_a_session_takes_its_hour_from_the_instrument(lobby_session, lob):
    assert (lobby_session.duration_minutes, lobby_session.followup_minutes) == (60, 15)
    assert (lob.duration_minutes, lob.followup_minutes) == (60, 15)


def test_start_pause_resume_are_stored_and_the_pause_does_not_count(lobby_session):
    timer.start(lobby_session, now=at(0))
    timer.pause(lobby_session, now=at(20))
    assert timer.session_state(stored(lobby_session), now=at(25)).remaining == 40 * 60
    timer.resume(lobby_session, now=at(25))
    s = stored(lobby_session)
    assert s.paused_seconds == 300 and s.timer_paused_at is None
    assert timer.session_state(s, now=at(30)).remaining == 35 * 60


def test_resuming_twice_is_harmless(lobby_session):
    timer.start(lobby_session, now=at(0))
    timer.pause(lobby_session, now=at(10))
    timer.resume(lobby_session, now=at(12))
    timer.resume(lobby_session, now=at(40))
    assert stored(lobby_session).paused_seconds == 120


def test_starting_twice_keeps_the_first_start(lobby_session):
    timer.start(lobby_session, now=at(0))
    timer.start(lobby_session, now=at(5))
    assert stored(lobby_session).timer_started_at == at(0)


def test_pausing_a_clock_that_does_not_run_changes_nothing(lobby_session):
    before = stored(lobby_session).version
    timer.pause(lobby_session, now=at(1))
    assert stored(lobby_session).timer_paused_at is None
    assert stored(lobby_session).version == before


def test_extend_adds_minutes_and_time_is_up_later(lobby_session):
    timer.start(lobby_session, now=at(0))
    timer.extend(lobby_session, "10")
    s = stored(lobby_session)
    assert s.extra_minutes == 10
    assert not timer.session_state(s, now=at(65)).time_up
    assert timer.session_state(s, now=at(70)).time_up


@pytest.mark.parametrize("minutes", ["0", "-5", "abc", "", None, "61", "1.5"])
def test_extend_refuses_nonsense_and_stores_nothing(lobby_session, minutes):
    with pytest.raises(Invalid):
        timer.extend(lobby_session, minutes)
    assert stored(lobby_session).extra_minutes == 0


def test_extensions_have_a_ceiling(lobby_session):
    for _ in range(3):
        timer.extend(lobby_session, 60)
    with pytest.raises(Invalid):
        timer.extend(lobby_session, 1)
    assert stored(lobby_session).extra_minutes == 180


def test_every_change_bumps_both_versions_and_tells_the_phones(lobby_session, told):
    before = stored(lobby_session)
    timer.start(lobby_session, now=at(0))
    after = stored(lobby_session)
    assert after.version == before.version + 1
    assert after.phase_version == before.phase_version + 1
    assert told == [(lobby_session.pk, True)]


def test_apply_refuses_an_unknown_action(lobby_session):
    with pytest.raises(Invalid):
        timer.apply(lobby_session, "explode")


def test_reset_goes_back_to_the_planned_hour(lobby_session):
    timer.start(lobby_session, now=at(0))
    timer.extend(lobby_session, 5)
    timer.reset(lobby_session)
    s = stored(lobby_session)
    assert s.timer_started_at is None and s.extra_minutes == 0
    assert timer.session_state(s).state == timer.IDLE

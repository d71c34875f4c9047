"""The hour: how long the session has run, how long is left, and when follow-up starts.

The clock is stored as a start time plus the seconds spent paused, never as a ticking counter:
any screen can work out the same state from the stored fields and its own clock, and a lost
message or a reload changes nothing. `state()` is a pure function of those fields so the rules
(pause, extend, follow-up at the end) are tested without a database.

The last `followup` minutes of the (possibly extended) hour are for agreements: follow-up starts
at duration + extra - followup minutes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import lifecycle
from .errors import Invalid
from .models import Session

#: Largest single extension, and the most extra time in total: an hour is an hour.
MAX_EXTEND = 60
MAX_EXTRA = 180

IDLE = "idle"
RUNNING = "running"
PAUSED = "paused"
FOLLOWUP = "followup"
TIME_UP = "time-up"


@dataclass(frozen=True)
class TimerState:
    elapsed: int  # seconds the clock has run, pauses excluded
    remaining: int  # seconds left, never below 0
    total: int  # seconds planned, extensions included
    followup_at: int  # elapsed seconds at which follow-up starts
    started: bool
    followup_started: bool
    time_up: bool
    paused: bool
    state: str  # idle | running | paused | followup | time-up (for data- attributes and CSS)
    phase_label: str

    @property
    def remaining_display(self) -> str:
        """mm:ss, also past the hour (75:00 after an extension)."""
        minutes, seconds = divmod(self.remaining, 60)
        return f"{minutes:02d}:{seconds:02d}"

    @property
    def until_followup(self) -> int:
        """Seconds until follow-up starts (0 once it has)."""
        return max(0, self.followup_at - self.elapsed)

    @property
    def overtime(self) -> int:
        return max(0, self.elapsed - self.total)


def state(
    *,
    started_at: datetime | None,
    paused_at: datetime | None,
    paused_seconds: int,
    duration: int,
    followup: int,
    extra: int,
    now: datetime,
) -> TimerState:
    """The clock at `now`. Minutes for duration, followup and extra; seconds for the rest."""
    total = max(0, (duration + extra) * 60)
    followup_at = max(0, total - followup * 60)
    if started_at is None:
        elapsed = 0
    else:
        # While paused the clock stands still at the moment of pausing.
        until = paused_at if paused_at is not None else now
        elapsed = max(0, int((until - started_at).total_seconds()) - paused_seconds)
    started = started_at is not None
    paused = started and paused_at is not None
    time_up = started and elapsed >= total
    followup_started = started and elapsed >= followup_at
    if not started:
        name, label = IDLE, _("De klok loopt nog niet")
    elif time_up:
        name, label = TIME_UP, _("De tijd is om")
    elif paused:
        name, label = PAUSED, _("Gepauzeerd")
    elif followup_started:
        name, label = FOLLOWUP, _("Tijd voor afspraken")
    else:
        name, label = RUNNING, _("Het gesprek loopt")
    return TimerState(
        elapsed=elapsed,
        remaining=max(0, total - elapsed),
        total=total,
        followup_at=followup_at,
        started=started,
        followup_started=followup_started,
        time_up=time_up,
        paused=paused,
        state=name,
        phase_label=str(label),
    )


def session_state(session: Session, now: datetime | None = None) -> TimerState:
    return state(
        started_at=session.timer_started_at,
        paused_at=session.timer_paused_at,
        paused_seconds=session.paused_seconds,
        duration=session.duration_minutes,
        followup=session.followup_minutes,
        extra=session.extra_minutes,
        now=now or timezone.now(),
    )


# Services: store on the session, bump its versions and tell screens and phones. -----------------

_CLOCK_FIELDS = ("timer_started_at", "timer_paused_at", "paused_seconds", "extra_minutes")


def start(session: Session, now: datetime | None = None) -> Session:
    """Start the clock. Starting a running clock changes nothing (a double click is harmless)."""
    with transaction.atomic():
        fresh = _locked(session)
        if fresh.timer_started_at is not None:
            return _copy(fresh, session)
        return _store(
            session, timer_started_at=now or timezone.now(), timer_paused_at=None, paused_seconds=0
        )


def pause(session: Session, now: datetime | None = None) -> Session:
    with transaction.atomic():
        fresh = _locked(session)
        if fresh.timer_started_at is None or fresh.timer_paused_at is not None:
            return _copy(fresh, session)
        return _store(session, timer_paused_at=now or timezone.now())


def resume(session: Session, now: datetime | None = None) -> Session:
    """Continue after a pause; the paused time does not count. Resuming twice is harmless."""
    with transaction.atomic():
        fresh = _locked(session)
        if fresh.timer_paused_at is None:
            return _copy(fresh, session)
        now = now or timezone.now()
        stood_still = max(0, int((now - fresh.timer_paused_at).total_seconds()))
        return _store(
            session,
            timer_paused_at=None,
            paused_seconds=fresh.paused_seconds + stood_still,
        )


def extend(session: Session, minutes) -> Session:
    """Add minutes to the hour; follow-up moves along, so it stays at the end."""
    try:
        minutes = int(str(minutes).strip())
    except ValueError:
        raise Invalid(_("Geef het aantal extra minuten als een heel getal.")) from None
    if not 1 <= minutes <= MAX_EXTEND:
        raise Invalid(_("Verleng met 1 tot en met %(max)s minuten.") % {"max": MAX_EXTEND})
    with transaction.atomic():
        fresh = _locked(session)
        if fresh.extra_minutes + minutes > MAX_EXTRA:
            raise Invalid(_("Er kan in totaal hooguit %(max)s minuten bij.") % {"max": MAX_EXTRA})
        return _store(session, extra_minutes=fresh.extra_minutes + minutes)


def reset(session: Session) -> Session:
    """Back to the planned hour, not started (for a clock started by mistake)."""
    return _store(
        session, timer_started_at=None, timer_paused_at=None, paused_seconds=0, extra_minutes=0
    )


ACTIONS = {"start": start, "pause": pause, "resume": resume, "reset": reset}


def apply(session: Session, action: str, minutes=None) -> Session:
    """One entry point for the control form: action is start, pause, resume, extend or reset."""
    if action == "extend":
        return extend(session, minutes)
    if action not in ACTIONS:
        raise Invalid(_("Onbekende actie voor de klok."))
    return ACTIONS[action](session)


def _locked(session: Session) -> Session:
    """The stored clock, read inside the transaction so two clicks cannot both apply."""
    return Session.objects.select_for_update().only("pk", *_CLOCK_FIELDS).get(pk=session.pk)


def _copy(source: Session, target: Session) -> Session:
    for name in _CLOCK_FIELDS:
        setattr(target, name, getattr(source, name))
    return target


def _store(session: Session, **fields) -> Session:
    # Phones show the clock too, so they are told as well.
    return lifecycle.change(session, phones=True, **fields)

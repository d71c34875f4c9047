"""Deleting data: what the retention period lets go, and what a facilitator deletes by hand.

Sessions are kept ``settings.RETENTION_DAYS`` days after they close (or, never closed, after
they were created); ``manage.py purge_sessions`` deletes what is older, with everything of
theirs. A facilitator can delete a session or a partnership sooner. Removing one participant is
``tallies.withdraw``: their answers must leave the results with a step, not alone.

Every deletion runs in one transaction, so a failure leaves everything as it was. Two
foreign keys shape the order: ``Session.partnership`` is PROTECT (sessions go before their
partnership), and a later session's ``AgreementReview`` points at an earlier session's
agreement (CASCADE): deleting the earlier session also deletes those reviews, which is why the
counts below include them.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib import import_module

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from .models import (
    Agreement,
    AgreementReview,
    BalanceAnswer,
    OpenAnswer,
    Participant,
    Partnership,
    PriorityChoice,
    Response,
    Session,
    ShareLink,
    Tally,
    ThemeNote,
)

#: What goes with a session, in the order the counts are shown.
SESSION_PARTS = (
    "participants",
    "responses",
    "balance_answers",
    "priority_choices",
    "tallies",
    "open_answers",
    "notes",
    "agreements",
    "reviews",
    "share_links",
)


@dataclass(frozen=True)
class ExpiredSession:
    """What the purge tells about a session: no title, no participant, only when."""

    id: int
    created_at: datetime
    closed_at: datetime | None


@dataclass
class Purge:
    """What a purge deletes (dry run) or deleted (``purge(apply=True)``)."""

    days: int
    cutoff: datetime
    sessions: list[ExpiredSession] = field(default_factory=list)
    #: {kind: count}: "sessions", the SESSION_PARTS, "partnerships", "revoked_share_links"
    #: (of sessions that stay) and "django_sessions" (None: the session engine cannot count).
    counts: dict[str, int | None] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not any(self.counts.values())


def parts_of(sessions: QuerySet[Session]) -> dict[str, int]:
    """How many rows of each kind go when these sessions are deleted (their CASCADE)."""
    ids = sessions.values("pk")
    return {
        "participants": Participant.objects.filter(session__in=ids).count(),
        "responses": Response.objects.filter(session__in=ids).count(),
        "balance_answers": BalanceAnswer.objects.filter(session__in=ids).count(),
        "priority_choices": PriorityChoice.objects.filter(session__in=ids).count(),
        "tallies": Tally.objects.filter(session__in=ids).count(),
        "open_answers": OpenAnswer.objects.filter(session__in=ids).count(),
        "notes": ThemeNote.objects.filter(session__in=ids).count(),
        "agreements": Agreement.objects.filter(session__in=ids).count(),
        # Reviews in these sessions, and reviews in later sessions of these sessions' agreements.
        "reviews": AgreementReview.objects.filter(
            Q(session__in=ids) | Q(agreement__session__in=ids)
        ).count(),
        "share_links": ShareLink.objects.filter(session__in=ids).count(),
    }


def later_reviews(sessions: QuerySet[Session]) -> int:
    """Reviews in other sessions that look back at these sessions' agreements: they go too."""
    ids = sessions.values("pk")
    return (
        AgreementReview.objects.filter(agreement__session__in=ids).exclude(session__in=ids).count()
    )


# The retention period --------------------------------------------------------------------------


def cutoff(days: int, now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(days=days)


def expired_sessions(before: datetime) -> QuerySet[Session]:
    """Closed before ``before``, or never closed and created before it."""
    return Session.objects.filter(
        Q(closed_at__lt=before) | Q(closed_at__isnull=True, created_at__lt=before)
    )


def empty_partnerships(before: datetime, leaving: QuerySet[Session]) -> QuerySet[Partnership]:
    """Partnerships older than ``before`` with no session left once ``leaving`` is gone."""
    staying = Session.objects.filter(partnership=OuterRef("pk")).exclude(
        pk__in=leaving.values("pk")
    )
    return Partnership.objects.filter(created_at__lt=before).filter(~Exists(staying))


def revoked_links(leaving: QuerySet[Session]) -> QuerySet[ShareLink]:
    """Revoked links of the sessions that stay (those of leaving sessions go with them)."""
    return ShareLink.objects.filter(revoked_at__isnull=False).exclude(
        session__in=leaving.values("pk")
    )


def _session_store():
    return import_module(settings.SESSION_ENGINE).SessionStore


def expired_login_sessions() -> int | None:
    """Expired rows of django.contrib.sessions; None when the engine keeps no rows to count."""
    store = _session_store()
    if not hasattr(store, "get_model_class"):
        return None  # cache or cookie sessions expire by themselves
    return store.get_model_class().objects.filter(expire_date__lt=timezone.now()).count()


def purge(days: int | None = None, *, apply: bool = False, now: datetime | None = None) -> Purge:
    """What the retention period lets go; with ``apply``, delete it, all or nothing.

    ``days`` overrides ``settings.RETENTION_DAYS``; it must be at least 1.
    """
    days = settings.RETENTION_DAYS if days is None else days
    if days < 1:
        raise ValueError("days must be at least 1")
    before = cutoff(days, now)
    with transaction.atomic():
        leaving = expired_sessions(before)
        plan = Purge(days=days, cutoff=before)
        plan.sessions = [
            ExpiredSession(*row)
            for row in leaving.order_by("created_at", "pk").values_list(
                "pk", "created_at", "closed_at"
            )
        ]
        plan.counts = {"sessions": len(plan.sessions), **parts_of(leaving)}
        plan.counts["partnerships"] = empty_partnerships(before, leaving).count()
        plan.counts["revoked_share_links"] = revoked_links(leaving).count()
        plan.counts["django_sessions"] = expired_login_sessions()
        if apply:
            # Ids first: once the sessions are gone, `leaving` no longer finds them.
            session_ids = [s.id for s in plan.sessions]
            partnership_ids = list(empty_partnerships(before, leaving).values_list("pk", flat=True))
            revoked_links(leaving).delete()
            Session.objects.filter(pk__in=session_ids).delete()
            # After their sessions: Session.partnership is PROTECT.
            Partnership.objects.filter(pk__in=partnership_ids).delete()
            clear_login_sessions()
    return plan


def clear_login_sessions() -> None:
    """django.contrib.sessions' own rule, as `manage.py clearsessions` runs it."""
    with suppress(NotImplementedError):  # an engine without expired rows to clear
        _session_store().clear_expired()


# A facilitator's deletions ---------------------------------------------------------------------


def session_summary(session: Session) -> dict[str, int]:
    """What deleting this session takes with it, for the confirmation page."""
    one = Session.objects.filter(pk=session.pk)
    return {**parts_of(one), "later_reviews": later_reviews(one)}


def delete_session(session: Session) -> None:
    with transaction.atomic():
        Session.objects.filter(pk=session.pk).delete()


def partnership_summary(partnership: Partnership) -> dict[str, int]:
    """What deleting this partnership takes with it: its sessions and all of theirs."""
    sessions = Session.objects.filter(partnership=partnership)
    return {"sessions": sessions.count(), **parts_of(sessions)}


def delete_partnership(partnership: Partnership) -> None:
    with transaction.atomic():
        # Sessions first (Session.partnership is PROTECT), in the same transaction.
        Session.objects.filter(partnership=partnership).delete()
        Partnership.objects.filter(pk=partnership.pk).delete()

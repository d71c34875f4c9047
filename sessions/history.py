"""A partnership over time: earlier agreements, how they went, and how the themes moved.

Sessions of one partnership are compared when they ran the same instrument (by slug, so a newer
version of it still counts); themes are matched by key across versions. Agreements belong to the
partnership: each later session looks back at the ones still open.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from reflectie.free_text import clean_text

from . import agreements as agreement_service
from . import lifecycle, results
from . import stats as calc
from .bands import band_label
from .errors import Invalid, NotAllowed
from .models import Agreement, AgreementReview, Session

MAX_NOTE = 500


def _earlier(session: Session):
    """Sessions of the same partnership that were created before this one, newest first.

    Whoever ran them: a shared partnership's members all run its sessions (access.py), and a
    session is only ever filed under a partnership its facilitator owns or is a member of
    (lifecycle.create_session), so the look back stays within the partnership.
    """
    return (
        Session.objects.filter(partnership_id=session.partnership_id)
        .filter(
            Q(created_at__lt=session.created_at)
            | Q(created_at=session.created_at, pk__lt=session.pk)
        )
        .exclude(pk=session.pk)
        .order_by("-created_at", "-pk")
    )


def previous_session(session: Session) -> Session | None:
    """The latest earlier session of this partnership with the same instrument (any version)."""
    return (
        _earlier(session)
        .filter(instrument__slug=session.instrument.slug)
        .select_related("instrument")
        .first()
    )


# Earlier agreements and their review ------------------------------------------------------------


@dataclass
class EarlierAgreement:
    agreement: Agreement
    view: agreement_service.AgreementView
    session: Session  # where it was made
    status: str  # "" until reviewed in this session
    status_label: str
    note: str
    earlier_status: str  # how it stood after the last review before this session


def earlier_agreements(session: Session) -> list[EarlierAgreement]:
    """Agreements of earlier sessions that are still open, with their review for this session.

    Open means: not marked "gedaan" or "gestopt" in any session before this one. So the previous
    session's agreements come back, and so does an older one that was "loopt nog" last time.
    """
    earlier = list(_earlier(session).select_related("instrument"))
    if not earlier:
        return []
    by_id = {s.pk: s for s in earlier}
    candidates = list(
        Agreement.objects.filter(session_id__in=by_id).order_by(
            "session__created_at", "position", "pk"
        )
    )
    reviews = AgreementReview.objects.filter(agreement__in=candidates)
    here: dict[int, AgreementReview] = {}
    before: dict[int, tuple] = {}  # agreement id -> (session created_at, status) of latest review
    for review in reviews.select_related("session"):
        if review.session_id == session.pk:
            here[review.agreement_id] = review
        elif review.session_id in by_id and review.status:
            key = (review.session.created_at, review.session_id)
            if review.agreement_id not in before or before[review.agreement_id][0] < key:
                before[review.agreement_id] = (key, review.status)
    closed = {AgreementReview.Status.DONE, AgreementReview.Status.STOPPED}
    labels = dict(AgreementReview.Status.choices)
    result = []
    views_cache: dict[int, dict] = {}
    for agreement in candidates:
        earlier_status = before.get(agreement.pk, (None, ""))[1]
        if earlier_status in closed and agreement.pk not in here:
            continue
        origin = by_id[agreement.session_id]
        if origin.pk not in views_cache:
            views_cache[origin.pk] = {
                "fields": agreement_service.fields_of(origin),
                "refs": dict(agreement_service.reference_choices(origin, length=None)),
            }
        cached = views_cache[origin.pk]
        review = here.get(agreement.pk)
        status = review.status if review else ""
        result.append(
            EarlierAgreement(
                agreement=agreement,
                view=agreement_service.view(agreement, cached["fields"], cached["refs"]),
                session=origin,
                status=status,
                status_label=str(labels.get(status, "")) if status else "",
                note=review.note if review else "",
                earlier_status=earlier_status,
            )
        )
    return result


@dataclass(frozen=True)
class ReviewSummary:
    """How far the look back is: earlier agreements to talk about, and how many have a status."""

    count: int
    reviewed: int

    @property
    def open(self) -> int:
        return self.count - self.reviewed


def earlier_sessions(session: Session) -> list[Session]:
    """The partnership's earlier sessions, newest first, light: for the live dashboard."""
    return list(
        _earlier(session)
        .select_related("instrument")
        .only("id", "title", "created_at", "version", "instrument", "instrument__slug")
    )


def previous_of(session: Session, earlier: list[Session]) -> Session | None:
    """previous_session, picked from earlier_sessions(session) without another query."""
    return next((s for s in earlier if s.instrument.slug == session.instrument.slug), None)


def review_summary(session: Session, earlier: list[Session] | None = None) -> ReviewSummary:
    """The counts of earlier_agreements(session) (and how many got a status here), in one query.

    For the live dashboard, which renders on every change: the same rules as earlier_agreements
    (an agreement closed in an earlier review drops out unless it was reviewed here too), read
    from one row per (agreement, review) instead of full agreement views. Pass
    earlier_sessions(session) if you have it: without earlier sessions there is nothing to read.
    """
    if earlier is not None and not earlier:
        return ReviewSummary(count=0, reviewed=0)
    here_key = (session.created_at, session.pk)
    rows = (
        Agreement.objects.filter(session__partnership_id=session.partnership_id)  # as _earlier
        .filter(
            Q(session__created_at__lt=session.created_at)
            | Q(session__created_at=session.created_at, session__pk__lt=session.pk)
        )
        .values_list("pk", "reviews__session_id", "reviews__status", "reviews__session__created_at")
    )
    here: dict[int, str] = {}
    before: dict[int, tuple] = {}  # agreement id -> ((created_at, session id), status)
    agreement_ids = set()
    for agreement_id, review_session, status, review_created in rows:
        agreement_ids.add(agreement_id)
        if review_session is None:
            continue
        if review_session == session.pk:
            here[agreement_id] = status
        elif status and (review_created, review_session) < here_key:
            key = (review_created, review_session)
            if agreement_id not in before or before[agreement_id][0] < key:
                before[agreement_id] = (key, status)
    closed = {AgreementReview.Status.DONE, AgreementReview.Status.STOPPED}
    shown = [
        a for a in agreement_ids if not (before.get(a, (None, ""))[1] in closed and a not in here)
    ]
    return ReviewSummary(count=len(shown), reviewed=sum(1 for a in shown if here.get(a)))


def review(session: Session, agreement_id, status: str, note: str = "") -> AgreementReview:
    """Record how an earlier agreement went, as seen in this session (upsert)."""
    try:
        pk = int(agreement_id)
    except (TypeError, ValueError):
        raise Invalid(_("Onbekende afspraak.")) from None
    status = (status or "").strip()
    if status and status not in AgreementReview.Status.values:
        raise Invalid(_("Kies gedaan, loopt nog of gestopt."))
    if not isinstance(note, str):
        raise Invalid(_("De toelichting moet een tekst zijn."))
    note = clean_text(note, error=Invalid)
    if len(note) > MAX_NOTE:
        raise Invalid(_("De toelichting is te lang: hooguit %(max)s tekens.") % {"max": MAX_NOTE})
    agreement = Agreement.objects.select_related("session").filter(pk=pk).first()
    if agreement is None:
        raise Invalid(_("Onbekende afspraak."))
    if not _earlier(session).filter(pk=agreement.session_id).exists():
        raise NotAllowed(
            _("Alleen afspraken uit eerdere sessies van dit samenwerkingsverband kun je bespreken.")
        )
    with transaction.atomic():
        obj, _created = AgreementReview.objects.update_or_create(
            agreement=agreement, session=session, defaults={"status": status, "note": note}
        )
        lifecycle.change(session, phones=True)
    return obj


# Theme trends -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ThemeTrend:
    key: str
    title: str
    current: float | None
    previous: float | None
    trend: calc.Trend | None

    @property
    def band(self) -> str | None:
        return calc.band(self.current)

    @property
    def band_label(self) -> str:
        return band_label(self.band)

    @property
    def summary(self) -> str:
        """One line for a PDF or a screen: "↑ +0,4 · aandachtspunt → sterk punt"."""
        if self.trend is None:
            return ""
        return describe(self.trend, shown_delta(self.current, self.previous))


def shown_delta(current: float, previous: float) -> float:
    """The change between the two means as they are shown (one decimal each).

    3,9 then 3,5 reads as −0,4, even when the unrounded means (3,94 and 3,46) differ by 0,48.
    Direction and "stabiel" still follow the unrounded change (stats.trend); from 0,3 up the
    shown change is at least 0,3 too, so the words and the number agree.
    """
    return round(calc.round_display(current) - calc.round_display(previous), 1)


def describe(trend: calc.Trend | None, delta: float | None = None) -> str:
    """`delta`: the change to show (shown_delta); the unrounded one when left out."""
    if trend is None:
        return ""
    if trend.direction == "stable":
        stable = _("stabiel")
        text = f"{trend.arrow} {stable}"
    else:
        sign = "+" if trend.delta > 0 else "−"
        size = abs(trend.delta if delta is None else delta)
        text = f"{trend.arrow} {sign}{number_format(calc.round_display(size), 1)}"
    if trend.band_changed and trend.band_from and trend.band_to:
        text += f" · {band_label(trend.band_from)} → {band_label(trend.band_to)}"
    return text


def theme_means(session_id: int) -> dict[str, float | None]:
    """A session's theme means by theme key (what a later session compares with)."""
    return {t.info.key: t.mean for t in results.session_results(session_id).themes}


def theme_trends(
    session: Session,
    current: results.SessionResults | None = None,
    previous: Session | None | bool = False,
    before: dict[str, float | None] | None = None,
) -> dict[str, ThemeTrend]:
    """Per theme key (in this session's order): current mean, previous mean and the trend.

    Pass the current results if you already have them; `previous` False means "look it up".
    Pass `before` (theme_means of the previous session) if you have them too, e.g. cached.
    Themes without statements are left out; a theme the previous session did not have gets no
    previous mean and no trend.
    """
    if previous is False:
        previous = previous_session(session)
    current = current or results.session_results(session.pk)
    if before is None:
        before = theme_means(previous.pk) if previous is not None else {}
    out = {}
    for theme in current.themes:
        if not theme.statements:
            continue
        prev = before.get(theme.info.key)
        out[theme.info.key] = ThemeTrend(
            key=theme.info.key,
            title=theme.info.title,
            current=theme.mean,
            previous=prev,
            trend=calc.trend(theme.mean, prev),
        )
    return out

"""A partnership over all its sessions: its members, its history and the next session.

The page and the partnership PDF read the same `overview`: every session with its theme means
and bands, each theme's mean as a series per instrument (by slug, themes by key, as
history.py compares them), and every agreement with how it stands now and whether it is due.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from instruments.models import Instrument
from reflectie.free_text import clean_text

from . import agreements as agreement_service
from . import lifecycle, results, trend_chart
from .bands import band_label
from .errors import Invalid, NotAllowed, NotFound
from .models import Agreement, AgreementReview, Partnership, PartnershipMember, Session
from .trend_chart import TrendChart, make_trend_chart

#: The follow-up fields whose dates make an agreement due (the Follow-up plaat's keys).
REVIEW_FIELD = "review"  # "Wanneer kijken we er weer naar?"
DONE_FIELD = "due"  # "Wanneer is het klaar?"

CLOSED = {AgreementReview.Status.DONE, AgreementReview.Status.STOPPED}


# Members ----------------------------------------------------------------------------------------


def members(partnership: Partnership) -> list:
    """The member accounts (not the owner), by user name."""
    return [
        m.user
        for m in PartnershipMember.objects.filter(partnership=partnership)
        .select_related("user")
        .order_by("user__username")
    ]


def add_member(partnership: Partnership, by, username) -> None:
    """The owner shares the partnership with another facilitator account, by its user name."""
    if partnership.owner_id != by.pk:
        raise NotAllowed(_("Alleen de eigenaar kan collega's toevoegen."))
    if not isinstance(username, str):
        raise Invalid(_("Vul een gebruikersnaam in."))
    username = clean_text(username, label=_("Gebruikersnaam"), error=Invalid)
    if not username:
        raise Invalid(_("Vul een gebruikersnaam in."))
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise Invalid(
            _("Er is geen gespreksleider met de gebruikersnaam %(name)s.")
            % {"name": username[:150]}
        )
    if user.pk == partnership.owner_id:
        raise Invalid(_("De eigenaar hoort al bij dit samenwerkingsverband."))
    try:
        with transaction.atomic():
            PartnershipMember.objects.create(partnership=partnership, user=user)
    except IntegrityError:
        raise Invalid(_("%(name)s is al lid.") % {"name": username}) from None


def remove_member(partnership: Partnership, by, user_id) -> None:
    """The owner removes a member, or a member leaves. Sessions they ran stay in the history
    (and stay theirs to see as their own facilitator)."""
    try:
        user_id = int(user_id)
    except (TypeError, ValueError):
        raise NotFound(_("Dit lid bestaat niet (meer).")) from None
    if by.pk not in (partnership.owner_id, user_id):
        raise NotAllowed(_("Alleen de eigenaar kan collega's verwijderen."))
    deleted, _rows = PartnershipMember.objects.filter(
        partnership=partnership, user_id=user_id
    ).delete()
    if not deleted:
        raise NotFound(_("Dit lid bestaat niet (meer)."))


def not_a_member() -> NotAllowed:
    return NotAllowed(
        _("Alleen de eigenaar en de leden kunnen een sessie voor dit verband starten.")
    )


# The next session -------------------------------------------------------------------------------


def last_session(partnership: Partnership) -> Session | None:
    return (
        Session.objects.filter(partnership=partnership)
        .select_related("instrument")
        .order_by("-created_at", "-pk")
        .first()
    )


def next_session(partnership: Partnership, facilitator) -> Session:
    """A new session like the last one: the newest version of its instrument, its language and
    way of scoring. Its look back (history.earlier_agreements) has the open agreements ready."""
    last = last_session(partnership)
    if last is None:
        raise Invalid(_("Dit samenwerkingsverband heeft nog geen sessie om op voort te bouwen."))
    instrument = Instrument.objects.newest(last.instrument.slug)
    today = date_format(timezone.localdate(), "j F Y")
    return lifecycle.create_session(
        facilitator,
        instrument,
        title=f"{partnership.name} · {today}"[:200],
        partnership=partnership,
        scoring_mode=last.scoring_mode,
        language=last.language,
    )


# The history ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ThemeCell:
    key: str
    title: str
    mean: float | None
    band: str | None

    @property
    def band_label(self) -> str:
        return band_label(self.band)


@dataclass(frozen=True)
class SessionRow:
    session: Session
    participants: int
    cells: tuple[ThemeCell | None, ...]  # in the order of InstrumentHistory.themes


@dataclass(frozen=True)
class ThemeSeries:
    key: str
    title: str
    chart: TrendChart

    @property
    def svg(self) -> str:
        """Inline on the page: numbers, dates and escaped titles only (trend_chart.py)."""
        return mark_safe(trend_chart.svg_document(self.chart))  # noqa: S308

    @property
    def image_url(self) -> str:
        return trend_chart.data_url(self.chart)


@dataclass
class InstrumentHistory:
    """The sessions that ran one instrument (any version), oldest first, and its themes' series."""

    slug: str
    name: str
    scale: tuple[int, int]
    themes: list[tuple[str, str]] = field(default_factory=list)  # (key, title)
    rows: list[SessionRow] = field(default_factory=list)
    series: list[ThemeSeries] = field(default_factory=list)


@dataclass(frozen=True)
class AgreementStatus:
    view: agreement_service.AgreementView
    session: Session
    status: str  # latest review status, "" when never reviewed
    status_label: str
    note: str  # the latest review's note
    review_date: date | None
    done_date: date | None
    review_due: bool  # "wanneer kijken we er weer naar" has passed and it is still open
    overdue: bool  # "wanneer is het klaar" has passed and it is not done

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED

    @property
    def action(self) -> str:
        return self.view.get("action") or str(
            self.view.filled[0].display if self.view.filled else ""
        )


@dataclass
class Overview:
    partnership: Partnership
    sessions: list[Session]
    histories: list[InstrumentHistory]
    agreements: list[AgreementStatus]

    @property
    def last(self) -> Session | None:
        """The latest session (last_session, without asking the database again)."""
        return self.sessions[-1] if self.sessions else None

    @property
    def due(self) -> list[AgreementStatus]:
        return [a for a in self.agreements if a.review_due or a.overdue]


def overview(partnership: Partnership, today: date | None = None) -> Overview:
    today = today or timezone.localdate()
    sessions = list(
        Session.objects.filter(partnership=partnership)
        .select_related("instrument", "facilitator")
        .order_by("created_at", "pk")
    )
    return Overview(
        partnership=partnership,
        sessions=sessions,
        histories=_histories(sessions),
        agreements=_agreements(sessions, today),
    )


def _histories(sessions: list[Session]) -> list[InstrumentHistory]:
    by_slug: dict[str, InstrumentHistory] = {}
    found: dict[str, list[tuple[Session, results.SessionResults]]] = {}
    for session in sessions:
        slug = session.instrument.slug
        found.setdefault(slug, []).append((session, results.session_results(session.pk)))
    for slug, runs in found.items():
        newest = runs[-1][0].instrument
        history = InstrumentHistory(
            slug=slug, name=newest.name, scale=(newest.scale_min, newest.scale_max)
        )
        # Themes with statements, in the newest run's order, then any only older runs had.
        titles: dict[str, str] = {}
        for _session, res in reversed(runs):
            for theme in res.themes:
                if theme.info.key not in titles and theme.statements:
                    titles[theme.info.key] = theme.info.title
        history.themes = list(titles.items())
        for session, res in runs:
            means = {t.info.key: t for t in res.themes}
            cells = tuple(
                ThemeCell(key, title, means[key].mean, means[key].band) if key in means else None
                for key, title in history.themes
            )
            history.rows.append(SessionRow(session, res.participants, cells))
        labels = [date_format(s.created_at, "j-n-Y") for s, _res in runs]
        for index, (key, title) in enumerate(history.themes):
            values = [row.cells[index].mean if row.cells[index] else None for row in history.rows]
            chart = make_trend_chart(title, labels, values, history.scale)
            history.series.append(ThemeSeries(key, title, chart))
        by_slug[slug] = history
    return list(by_slug.values())


def _agreements(sessions: list[Session], today: date) -> list[AgreementStatus]:
    order = {s.pk: (s.created_at, s.pk) for s in sessions}
    by_id = {s.pk: s for s in sessions}
    agreements = sorted(
        Agreement.objects.filter(session_id__in=by_id),
        key=lambda a: (order[a.session_id], a.position, a.pk),
    )
    # agreement id -> ((created_at, pk) of the reviewing session, status, note): the latest one
    latest: dict[int, tuple] = {}
    for review in AgreementReview.objects.filter(agreement__in=agreements).exclude(status=""):
        key = order.get(review.session_id)
        if key is not None and (
            review.agreement_id not in latest or latest[review.agreement_id][0] < key
        ):
            latest[review.agreement_id] = (key, review.status, review.note)
    labels = dict(AgreementReview.Status.choices)
    shown: dict[int, tuple] = {}
    out = []
    for agreement in agreements:
        session = by_id[agreement.session_id]
        if session.pk not in shown:
            fields = agreement_service.fields_of(session)
            refs = dict(agreement_service.reference_choices(session, length=None))
            shown[session.pk] = (fields, refs)
        view = agreement_service.view(agreement, *shown[session.pk])
        _when, status, note = latest.get(agreement.pk, (None, "", ""))
        review_date = _date(agreement.fields.get(REVIEW_FIELD))
        done_date = _date(agreement.fields.get(DONE_FIELD))
        out.append(
            AgreementStatus(
                view=view,
                session=session,
                status=status,
                status_label=str(labels.get(status, "")) if status else "",
                note=note,
                review_date=review_date,
                done_date=done_date,
                review_due=status not in CLOSED and review_date is not None and review_date < today,
                overdue=status not in CLOSED and done_date is not None and done_date < today,
            )
        )
    return out


def _date(value) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None

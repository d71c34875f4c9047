"""What the facilitator's dashboard and the projector show, as small fragments with stable ids.

The full pages include the same fragment templates with the same context, so a live update is
exactly what a reload would show. ``render_screen`` is what the ScreenConsumer calls: it returns
the stored version and every fragment's outer HTML by id; the consumer sends only the changed
ones and htmx's ws extension swaps each by id.

Fragments rendered for the socket have no request: no CSRF token (htmx sends it as a header from
the page's ``hx-headers``) and no Host. The join address and the facilitator's language are
remembered from the last page view of the session for that reason.

The dashboard also carries the follow-up: the hour's clock (stored on the session row, so free),
the agreements, the look back on earlier agreements and each theme's trend against the
partnership's previous session, whose means are cached per stored version of that session. The
projector reads agreements only in the phases that show them. A render stays at a handful of
queries whatever the number of phones, themes or agreements (tests/sessions/test_screens.py).
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from instruments import translation as instrument_texts
from instruments.models import Item

from . import agreements as agreement_service
from . import charts, codes, history, open_answers, participation, projector_pages, spotlight, timer
from . import stats as calc
from .answers import SESSION_VOTE_MAX
from .bands import band_label
from .models import Session
from .results import (
    SESSION_LANGUAGE,
    ItemResult,
    OptionCount,
    SessionResults,
    ThemeResult,
    session_results,
)

VIEWS = ("facilitator", "projector")

# How many statements each list on the dashboard's "aandacht" panel shows.
ATTENTION_SIZE = 5
# What the socket renders without a request is remembered this long after a page view.
REMEMBER_SECONDS = 60 * 60 * 24

FRAGMENTS = "sessions/fragments/"
FOLLOWUP = "sessions/followup/"


# The pieces a fragment template reads ------------------------------------------------------------


@dataclass
class OptionView:
    key: str
    label: str
    count: int
    share: int  # percent of the most chosen option, for the bar's width


def option_views(options: list[OptionCount], max_choices: int | None) -> tuple[list, bool]:
    """The options with counts, and whether they may be shown at all.

    Results hold counts per option, not how many people chose. Two lower bounds on the number
    of people stand in for it: the most chosen option's count, and the picks divided by the
    most one person may make. Shown only when one of them reaches the anonymity threshold.
    """
    counts = [o.count for o in options]
    total, most = sum(counts), max(counts, default=0)
    people_at_least = max(most, math.ceil(total / max(max_choices or 1, 1)))
    shown = people_at_least >= calc.MIN_RESPONDENTS
    views = [
        OptionView(o.key, o.label, o.count, round(100 * o.count / most) if most else 0)
        for o in options
    ]
    return views, shown


@dataclass
class ItemView:
    id: int
    kind: str
    label: str
    text: str
    participants: int
    respondents: int = 0
    stats: calc.ItemStats | None = None
    chart: charts.Chart | None = None
    options: list[OptionView] = field(default_factory=list)
    options_shown: bool = False
    # Halen en brengen: the shown pairs (their figures are part of this view's repr, so the
    # fragment's kept HTML changes with them: ITEM_KEYS) and their scatter.
    balance: calc.BalanceStats | None = None
    scatter: charts.Scatter | None = None

    @property
    def is_statement(self) -> bool:
        return self.kind == Item.Kind.STATEMENT

    @property
    def is_balance(self) -> bool:
        return self.kind == Item.Kind.BALANCE

    @property
    def balance_shown(self) -> bool:
        """From the anonymity floor up: below it no scatter and no share."""
        return self.scatter is not None

    @property
    def balance_gap(self) -> int:
        return calc.BALANCE_GAP

    @property
    def is_priority(self) -> bool:
        return self.kind == Item.Kind.PRIORITY

    @property
    def fragment_id(self) -> str:
        return f"item-{self.id}"

    @property
    def ranked_options(self) -> list[OptionView]:
        """The options most chosen first (ties keep the instrument's order)."""
        return sorted(self.options, key=lambda o: -o.count)


def item_view(result: ItemResult, participants: int, scale_min: int, scale_max: int) -> ItemView:
    view = ItemView(
        id=result.info.id,
        kind=result.info.kind,
        label=result.label,
        text=result.info.text,
        participants=participants,
        respondents=result.answered,
        stats=result.stats,
    )
    view.chart = charts.for_statement(result.stats, scale_min)
    if view.is_priority:
        view.options, view.options_shown = option_views(result.options, result.info.max_choices)
    if view.is_balance:
        view.balance = result.balance
        view.scatter = charts.for_balance(result.balance, scale_min, scale_max)
    return view


@dataclass
class ThemeView:
    id: int
    title: str
    background_title: str
    background: str
    items: list[ItemView]
    prompts: list
    mean: float | None
    band: str | None
    answered: int
    participants: int
    is_open: bool
    revealed: bool
    breakdown: dict[str, float] | None
    trend: TrendView | None = None
    # Questions that take typed answers, with every answer: the dashboard only (open_answers).
    opens: list = field(default_factory=list)

    @property
    def band_label(self) -> str:
        return band_label(self.band)

    @property
    def statements(self) -> list[ItemView]:
        return [i for i in self.items if i.is_statement]

    @property
    def scored(self) -> bool:
        """Has something phones answer (statements or a priority question)."""
        return bool(self.items)

    @property
    def on_projector(self) -> bool:
        return self.scored and (self.is_open or self.revealed)

    @property
    def fragment_id(self) -> str:
        return f"theme-{self.id}-summary"


@dataclass
class TrendView:
    """A theme against the partnership's previous session, as its summary shows it."""

    previous: float | None
    direction: str | None  # "up" | "down" | "stable"; None when one side has no mean
    arrow: str = ""
    delta: float = 0.0  # the size of the change, rounded as shown
    band_from: str | None = None
    band_to: str | None = None
    band_changed: bool = False

    @property
    def band_from_label(self) -> str:
        return band_label(self.band_from)

    @property
    def band_to_label(self) -> str:
        return band_label(self.band_to)


def trend_view(trend: history.ThemeTrend | None) -> TrendView | None:
    if trend is None or trend.previous is None:
        return None
    t = trend.trend
    if t is None:  # the previous mean exists, this session has none (yet)
        return TrendView(previous=trend.previous, direction=None)
    return TrendView(
        previous=trend.previous,
        direction=t.direction,
        arrow=t.arrow,
        delta=abs(history.shown_delta(trend.current, trend.previous)),
        band_from=t.band_from,
        band_to=t.band_to,
        band_changed=t.band_changed and bool(t.band_from and t.band_to),
    )


def theme_view(result: ThemeResult, participants: int, scale_min: int, scale_max: int) -> ThemeView:
    kinds = (Item.Kind.STATEMENT, Item.Kind.PRIORITY, Item.Kind.BALANCE)
    return ThemeView(
        id=result.info.id,
        title=result.info.title,
        background_title=result.info.background_title,
        background=result.info.background,
        items=[
            item_view(r, participants, scale_min, scale_max)
            for r in result.items
            if r.info.kind in kinds
        ],
        prompts=[r.info for r in result.items if r.info.kind == Item.Kind.PROMPT],
        mean=result.mean,
        band=result.band,
        answered=result.answered,
        participants=participants,
        is_open=result.is_open,
        revealed=result.revealed,
        breakdown=result.breakdown,
    )


# Context shared by the page views and the socket --------------------------------------------


def join_url(join_base: str, code: str) -> str:
    return f"{join_base}{reverse('join', args=[code])}" if join_base else ""


def _previous_means(previous: Session) -> dict[str, float | None]:
    """The previous session's theme means, cached until that session changes.

    The dashboard renders on every tap; the previous session rarely changes (it is usually
    closed), so its results are read once per stored version rather than once per render. The
    creation time is part of the key because a test database reuses ids.
    """
    key = _key(previous.pk, f"means:{previous.version}:{previous.created_at.timestamp()}")
    means = cache.get(key)
    if means is None:
        means = history.theme_means(previous.pk)
        cache.set(key, means, REMEMBER_SECONDS)
    return means


def history_context(session: Session, results: SessionResults) -> dict:
    """For the dashboard: trends against the previous session, and how far the look back is."""
    earlier = history.earlier_sessions(session)
    previous = history.previous_of(session, earlier)
    trends = {}
    if previous is not None:
        trends = history.theme_trends(
            session, current=results, previous=previous, before=_previous_means(previous)
        )
    return {
        "previous_session": previous,
        "trends": {key: trend_view(t) for key, t in trends.items()},
        "review": history.review_summary(session, earlier),
    }


def screen_context(session: Session, results: SessionResults, view: str, *, join_base: str) -> dict:
    # The instrument's own texts (name, guide, scale labels …) in the screen's language.
    session.instrument = instrument_texts.localized(session.instrument)
    scale_min, scale_max = session.instrument.scale_min, session.instrument.scale_max
    themes = [theme_view(t, results.participants, scale_min, scale_max) for t in results.themes]
    facilitator = view == "facilitator"
    extra: dict = {}
    if facilitator:
        extra.update(history_context(session, results))
        keys = {t.info.id: t.info.key for t in results.themes}
        for theme in themes:
            theme.trend = extra["trends"].get(keys[theme.id])
        extra.update(agreement_service.list_context(session))
        extra["timer_next"] = reverse("session_dashboard", args=[session.pk])
        extra["room"] = participation.room_activity(session.pk)  # from the cache: no query
        opens = open_answers.dashboard_blocks(session)  # one query for every typed answer
        for theme in themes:
            theme.opens = opens.get(theme.id, [])
    elif results.phase in (Session.Phase.FOLLOWUP, Session.Phase.CLOSED):
        extra.update(agreement_service.list_context(session))
    elif results.phase == Session.Phase.REVIEW:
        extra["earlier"] = history.earlier_agreements(session)
    statements = [i for t in themes for i in t.statements]
    by_id = {i.id: i for i in statements}
    shown = [r for r in results.statements if r.stats and not r.stats.hidden]
    lowest = [by_id[r.info.id] for r in sorted(shown, key=lambda r: calc.sort_key_lowest(r.stats))]
    divided = [
        by_id[r.info.id] for r in sorted(shown, key=lambda r: calc.sort_key_divided(r.stats))
    ]
    vote_options, votes_shown = option_views(results.votes, SESSION_VOTE_MAX)
    current = next((t for t in themes if t.id == session.current_theme_id), None)
    ctx = {
        "session": session,
        "view": view,
        "phase": results.phase,
        "phase_label": Session.Phase(results.phase).label,
        "phases": [
            {"value": value, "label": label, "current": value == results.phase}
            for value, label in Session.Phase.choices
        ],
        "modes": [
            {"value": value, "label": label, "current": value == session.scoring_mode}
            for value, label in Session.Mode.choices
        ],
        "is_closed": results.phase == Session.Phase.CLOSED,
        "current_theme": current,
        "open_themes": [t for t in themes if t.is_open],
        "pretty_code": codes.pretty(session.code),
        "join_url": join_url(join_base, session.code),
        "participants": results.participants,
        "themes": themes,
        "attention_lowest": lowest[:ATTENTION_SIZE],
        "attention_divided": divided[:ATTENTION_SIZE],
        "votes": vote_options,
        "votes_shown": votes_shown,
        "votes_on_projector": results.phase in (Session.Phase.FOLLOWUP, Session.Phase.CLOSED),
        "priority_items": [i for t in themes for i in t.items if i.is_priority],
        "scale_low": session.instrument.scale_label(session.instrument.scale_min),
        "scale_high": session.instrument.scale_label(session.instrument.scale_max),
        "dont_know_label": session.instrument.dont_know_label,
        # The hour's clock is stored on the session row: no query.
        "timer": timer.session_state(session),
        **extra,
    }
    # Both screens: the projector shows its page and spotlight, the dashboard's controls name them.
    ctx["spot"] = spotlight.shown(session, themes)
    ctx["sorts"] = [
        {"value": value, "label": label, "current": value == session.projector_sort}
        for value, label in Session.Sort.choices
    ]
    ctx["projector"] = projector_pages.current(session, ctx)
    return ctx


def fragment_specs(ctx: dict) -> list[tuple[str, str, dict]]:
    """(id, template, extra context) of every fragment a screen is made of."""
    if ctx["view"] == "projector":
        # One page at a time (projector_pages): the stage line and the page are one fragment
        # each, so a new page replaces what was there instead of adding to it.
        return [
            ("participant-count", FRAGMENTS + "participant_count.html", {}),
            ("timer", FRAGMENTS + "projector_timer.html", {}),
            ("projector-stage", FRAGMENTS + "projector_stage.html", {}),
            ("projector-content", FRAGMENTS + "projector_content.html", {}),
        ]
    specs = [
        ("participant-count", FRAGMENTS + "participant_count.html", {}),
        ("room-notice", FRAGMENTS + "room_notice.html", {}),
        ("timer-panel", FOLLOWUP + "_timer_panel.html", {}),
        ("phase-panel", FRAGMENTS + "phase_panel.html", {}),
        ("projector-controls", FRAGMENTS + "projector_controls.html", {}),
        ("review-panel", FRAGMENTS + "review_panel.html", {}),
        ("attention", FRAGMENTS + "attention.html", {}),
        ("votes", FRAGMENTS + "votes.html", {}),
        ("agreements", FOLLOWUP + "_agreements_list.html", {}),
    ]
    for theme in ctx["themes"]:
        specs.append((theme.fragment_id, FRAGMENTS + "theme_summary.html", {"theme": theme}))
        for item in theme.items:
            specs.append((item.fragment_id, FRAGMENTS + "item.html", {"item": item}))
        for block in theme.opens:
            specs.append((block.fragment_id, FRAGMENTS + "open_answers.html", {"block": block}))
    return specs


def page_context(session: Session, view: str, *, join_base: str) -> dict:
    """Everything a full page needs: the same context the socket renders its fragments with."""
    results = session_results(session.pk, breakdown=view == "facilitator")
    return screen_context(session, results, view, join_base=join_base)


# Remembered from the last page view, for renders without a request --------------------------


def _key(session_id: int, what: str) -> str:
    return f"reflectie:screen:{session_id}:{what}"


def remember_page(session_id: int, *, join_base: str, language: str | None = None) -> None:
    values = {_key(session_id, "join_base"): join_base}
    if language:
        values[_key(session_id, "language")] = language
    cache.set_many(values, REMEMBER_SECONDS)


def screen_language(session: Session, view: str, remembered: str | None = None) -> str:
    """The projector speaks the session's language; the dashboard its facilitator's."""
    if view == "facilitator" and remembered:
        return remembered
    return session.language or settings.LANGUAGE_CODE


# What the consumer calls ----------------------------------------------------------------------


def render_screen(session_id: int, view: str) -> tuple[int, dict[str, str]]:
    """(stored version, {fragment id: outer HTML}) of one screen of a session."""
    if view not in VIEWS:
        raise ValueError(f"unknown screen {view!r}")
    # Results first, session second: if the session changes in between, the version returned
    # is the older one, so the consumer's next tick sees a difference and renders again.
    remembered = cache.get_many([_key(session_id, "join_base"), _key(session_id, "language")])
    # The instrument's texts in the screen's language (screen_language, without the session).
    facilitator = remembered.get(_key(session_id, "language")) if view == "facilitator" else None
    results = session_results(
        session_id, breakdown=view == "facilitator", language=facilitator or SESSION_LANGUAGE
    )
    session = Session.objects.select_related("instrument").get(pk=session_id)
    join_base = remembered.get(_key(session_id, "join_base")) or settings.SITE_URL
    language = screen_language(session, view, remembered.get(_key(session_id, "language")))
    with translation.override(language):
        ctx = screen_context(session, results, view, join_base=join_base)
        fragments = {
            fragment_id: render_fragment(template, ctx, extra, language)
            for fragment_id, template, extra in fragment_specs(ctx)
        }
    return results.version, fragments


# Statements' fragments, kept per worker -------------------------------------------------------

# A tap changes one statement; rendering the other twenty-one again was most of a screen's
# cost. These templates read nothing but what their key holds (the item's view, which holds
# its shown figures, and the session's id), so equal keys give equal HTML. A template that
# starts reading more must add it to its key here.
ITEM_KEYS = {
    # Its "Op het scherm" button posts to this session.
    FRAGMENTS + "item.html": lambda ctx, extra: (ctx["session"].pk,),
}
KEPT_FRAGMENTS = 4096
_kept: OrderedDict[tuple, str] = OrderedDict()
_kept_lock = threading.Lock()


def render_fragment(template: str, ctx: dict, extra: dict, language: str) -> str:
    key_of = ITEM_KEYS.get(template)
    if key_of is None:
        return render_to_string(template, {**ctx, **extra}).strip()
    key = (template, language, repr(extra["item"]), key_of(ctx, extra))
    with _kept_lock:
        html = _kept.get(key)
        if html is not None:
            _kept.move_to_end(key)
            return html
    html = render_to_string(template, {**ctx, **extra}).strip()
    with _kept_lock:
        _kept[key] = html
        if len(_kept) > KEPT_FRAGMENTS:
            _kept.popitem(last=False)
    return html

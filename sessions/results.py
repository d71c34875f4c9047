"""Read a session's results as plain data: what every screen, the CSV and the PDF show.

A handful of queries per call, however many phones answered. Nothing in here reads an answer:
the counts come from the tallies as last published (``tallies.py``), so no two results in a
row differ by one person's answer; only how many answered is read live.
"""

from dataclasses import dataclass, field
from functools import lru_cache

from django.db.models import Count
from django.utils import translation as django_translation
from django.utils.translation import gettext as _

from instruments import partner_types, translation
from instruments.models import Instrument, Item, item_label

from . import lifecycle, tallies
from . import stats as calc
from .models import BalanceAnswer, Participant, Response, Session


@dataclass(frozen=True)
class ItemInfo:
    id: int
    kind: str
    number: int | None
    title: str
    text: str
    max_choices: int | None
    options: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class ThemeInfo:
    id: int
    key: str
    title: str
    background_title: str
    background: str
    items: tuple[ItemInfo, ...]


def instrument_structure(
    instrument: Instrument, language: str | None = None
) -> tuple[ThemeInfo, ...]:
    """Themes and items of a version, their texts in ``language`` (the active one if None).

    Safe to keep: a version in use is never edited.
    """
    # The creation time is part of the key: a deleted and re-created row may get the same id.
    return _structure(instrument.pk, instrument.created_at, translation.language_of(language))


@lru_cache(maxsize=64)
def _structure(instrument_id: int, created_at, language: str) -> tuple[ThemeInfo, ...]:
    instrument = Instrument.objects.get(pk=instrument_id)
    themes = []
    for theme in instrument.themes.prefetch_related("items"):
        shown = translation.localized(theme, language)
        items = tuple(
            ItemInfo(
                id=item.pk,
                kind=item.kind,
                number=item.number,
                title=translation.own(item, "title", language),
                text=translation.own(item, "text", language),
                max_choices=item.max_choices,
                options=tuple(translation.item_choices(item, language)),
            )
            for item in theme.items.all()
        )
        themes.append(
            ThemeInfo(
                id=theme.pk,
                key=theme.key,
                title=shown.title,
                background_title=shown.background_title,
                background=shown.background,
                items=items,
            )
        )
    return tuple(themes)


#: ``session_results(language=SESSION_LANGUAGE)``: in the session's own language.
SESSION_LANGUAGE = "session"


@dataclass
class OptionCount:
    key: str
    label: str
    count: int


@dataclass
class ItemResult:
    info: ItemInfo
    theme_title: str
    answered: int = 0
    stats: calc.ItemStats | None = None
    options: list[OptionCount] = field(default_factory=list)
    # A balance item's shown pairs, their number and how many are out of balance.
    balance: calc.BalanceStats | None = None

    @property
    def label(self) -> str:
        return item_label(self.theme_title, self.info.number, self.info.title)


@dataclass
class ThemeResult:
    info: ThemeInfo
    items: list[ItemResult]
    mean: float | None
    band: str | None
    is_open: bool
    revealed: bool
    breakdown: dict[str, float] | None = None

    @property
    def statements(self) -> list[ItemResult]:
        return [r for r in self.items if r.info.kind == Item.Kind.STATEMENT]

    @property
    def balances(self) -> list[ItemResult]:
        return [r for r in self.items if r.info.kind == Item.Kind.BALANCE]

    @property
    def answered(self) -> int:
        """Fewest answers among its statements: "so many have done the whole theme"."""
        counts = [r.answered for r in self.statements]
        return min(counts) if counts else 0


@dataclass
class SessionResults:
    session_id: int
    version: int
    phase: str
    participants: int
    themes: list[ThemeResult]
    votes: list[OptionCount]

    @property
    def statements(self) -> list[ItemResult]:
        return [r for theme in self.themes for r in theme.statements]

    def lowest(self) -> list[ItemResult]:
        return sorted(self.statements, key=lambda r: calc.sort_key_lowest(r.stats))

    def most_divided(self) -> list[ItemResult]:
        return sorted(self.statements, key=lambda r: calc.sort_key_divided(r.stats))


def session_results(
    session_id: int, *, breakdown: bool = False, language: str | None = None
) -> SessionResults:
    """What may be shown of a session now: the counts as last published (``tallies``).

    The instrument's texts (themes, statements, options, partner types) are in ``language``: the
    active one if None, the session's own for ``SESSION_LANGUAGE`` (the projector's live updates,
    which are rendered without a request). A screen renders its results in the language it speaks.

    How many answered moves live; everything derived from the answers comes from the shown
    counts, so every screen, the PDF and the CSV show the same step. Whoever reads first
    counts the answers stamped since the last read (tallies.publish).
    """
    session = (
        Session.objects.select_related("instrument")
        .only(
            "id", "version", "phase", "scoring_mode", "current_theme_id", "revealed_theme_ids",
            "instrument__created_at", "instrument__scale_min", "instrument__scale_max",
            "instrument__partner_types", "instrument__translations", "stamped", "tallied",
            "language",
        )
        .get(pk=session_id)
    )  # fmt: skip
    if language == SESSION_LANGUAGE:
        language = session.language
    # The group labels ("overige") and the partner types are read in it too.
    with django_translation.override(language or django_translation.get_language()):
        return _results(session, breakdown)


def _results(session: Session, breakdown: bool) -> SessionResults:
    session_id = session.pk
    if tallies.needs_publish(session):
        tallies.publish(session_id)
    participants = Participant.objects.filter(session_id=session_id).count()
    answered = dict(
        Response.objects.filter(session_id=session_id)
        .values_list("item_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    shown = tallies.shown_for_session(session_id)

    structure = instrument_structure(session.instrument)
    if any(item.kind == Item.Kind.BALANCE for theme in structure for item in theme.items):
        # How many gave a pair moves live, as for statements (no query without balance items).
        answered.update(
            BalanceAnswer.objects.filter(session_id=session_id)
            .values_list("item_id")
            .annotate(n=Count("id"))
            .order_by()
        )
    open_ids = set(lifecycle.open_themes(session, [t.id for t in structure]))
    scale = (session.instrument.scale_min, session.instrument.scale_max)
    labels = dict(partner_types.choices(session.instrument)) if breakdown else {}
    themes = []
    for theme in structure:
        items = [
            _item_result(item, theme, shown, answered, participants, scale) for item in theme.items
        ]
        mean = calc.theme_mean(r.stats.mean for r in items if r.stats)
        is_open = theme.id in open_ids
        themes.append(
            ThemeResult(
                info=theme,
                items=items,
                mean=mean,
                band=calc.band(mean),
                is_open=is_open,
                revealed=theme.id in session.revealed_theme_ids,
                # Not while phones can still change it: a group's mean would move with one member.
                breakdown=(
                    _breakdown(theme, shown, scale, labels) if breakdown and not is_open else None
                ),
            )
        )
    vote = shown.get(None, {})
    votes = [OptionCount(key, label, vote.get(key, 0)) for key, label in vote_options(structure)]
    votes.sort(key=lambda o: -o.count)
    return SessionResults(
        session_id=session.pk,
        version=session.version,
        phase=session.phase,
        participants=participants,
        themes=themes,
        votes=votes,
    )


def vote_options(structure: tuple[ThemeInfo, ...]) -> list[tuple[str, str]]:
    """What the session-wide priority vote offers: the themes that have statements."""
    return [
        (f"theme:{theme.key}", theme.title)
        for theme in structure
        if any(item.kind == Item.Kind.STATEMENT for item in theme.items)
    ]


def _item_result(item, theme, shown, answered, participants, scale) -> ItemResult:
    result = ItemResult(info=item, theme_title=theme.title)
    if item.kind == Item.Kind.STATEMENT:
        low, high = scale
        total = tallies.totals(shown.get(item.id, {}))
        result.stats = calc.item_stats(
            [total.get(str(v), 0) for v in range(low, high + 1)],
            total.get(tallies.DONT_KNOW, 0),
            invited=participants,
        )
        result.answered = answered.get(item.id, 0)
    elif item.kind == Item.Kind.PRIORITY:
        picks = shown.get(item.id, {})
        result.options = [OptionCount(key, label, picks.get(key, 0)) for key, label in item.options]
    elif item.kind == Item.Kind.BALANCE:
        result.balance = calc.balance_stats(tallies.pairs(shown.get(item.id, {})))
        result.answered = answered.get(item.id, 0)
    return result


def _breakdown(theme: ThemeInfo, shown, scale, labels) -> dict[str, float] | None:
    """A theme's mean per partner type, or None when showing it could single someone out.

    Every group counts, those without a partner type too. A group is as large as its smallest
    number of scores on any of the theme's scored statements; groups under ``MIN_GROUP`` are merged
    into "overige", and when that rest is still too small nothing is shown: otherwise the total
    minus the shown groups would give the rest away.
    """
    low, high = scale
    scores = [str(v) for v in range(low, high + 1)]
    statements = [item for item in theme.items if item.kind == Item.Kind.STATEMENT]
    if not statements:
        return None
    # Statements nobody has scored yet carry no mean, so they do not make every group empty.
    per_item = [
        counts
        for counts in (shown.get(item.id, {}) for item in statements)
        if any(group.get(k) for group in counts.values() for k in scores)
    ]
    if not per_item:
        return None
    groups = sorted({group for counts in per_item for group in counts})

    def size(members) -> int:
        return min(sum(counts.get(g, {}).get(k, 0) for g in members for k in scores)
                   for counts in per_item)  # fmt: skip

    def pooled_mean(members) -> float | None:
        n = total = 0
        for counts in per_item:
            for g in members:
                for k in scores:
                    c = counts.get(g, {}).get(k, 0)
                    n, total = n + c, total + c * int(k)
        return total / n if n else None

    big = [g for g in groups if size([g]) >= calc.MIN_GROUP]
    rest = [g for g in groups if g not in big and pooled_mean([g]) is not None]
    shown_groups = [[g] for g in big] + ([rest] if rest else [])
    sizes = {_group_label(members, labels): size(members) for members in shown_groups}
    if not calc.breakdown_allowed(sizes):
        return None
    return {_group_label(members, labels): pooled_mean(members) for members in shown_groups}


def _group_label(members: list[str], labels: dict[str, str]) -> str:
    if len(members) > 1:
        return str(_("overige"))
    key = members[0]
    if not key:
        return str(_("geen soort opgegeven"))
    return labels.get(key, key)

"""Read a session's results as plain data: what every screen, the CSV and the PDF show.

A handful of grouped queries per call, however many phones answered. Nothing in here ties an
answer to a participant: only counts per item and value leave the database.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from django.db.models import Count

from instruments.models import Instrument, Item, item_label

from . import lifecycle
from . import stats as calc
from .models import Participant, PriorityChoice, Response, Session


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


def instrument_structure(instrument: Instrument) -> tuple[ThemeInfo, ...]:
    """Themes and items of a version. Safe to keep: a version in use is never edited."""
    # The creation time is part of the key: a deleted and re-created row may get the same id.
    return _structure(instrument.pk, instrument.created_at)


@lru_cache(maxsize=64)
def _structure(instrument_id: int, created_at) -> tuple[ThemeInfo, ...]:
    instrument = Instrument.objects.get(pk=instrument_id)
    return tuple(
        ThemeInfo(
            id=theme.pk,
            key=theme.key,
            title=theme.title,
            background_title=theme.background_title,
            background=theme.background,
            items=tuple(
                ItemInfo(
                    id=item.pk,
                    kind=item.kind,
                    number=item.number,
                    title=item.title,
                    text=item.text,
                    max_choices=item.max_choices,
                    options=tuple(item.choices),
                )
                for item in theme.items.all()
            ),
        )
        for theme in instrument.themes.prefetch_related("items")
    )


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


def session_results(session_id: int, *, breakdown: bool = False) -> SessionResults:
    session = (
        Session.objects.select_related("instrument")
        .only(
            "id", "version", "phase", "scoring_mode", "current_theme_id", "revealed_theme_ids",
            "instrument__created_at", "instrument__scale_min", "instrument__scale_max",
        )
        .get(pk=session_id)
    )  # fmt: skip
    participants = Participant.objects.filter(session_id=session_id).count()

    counts: dict[int, Counter] = defaultdict(Counter)
    for item_id, value, n in (
        Response.objects.filter(session_id=session_id)
        .values_list("item_id", "value")
        .annotate(n=Count("id"))
        .order_by()
    ):
        counts[item_id][value] += n

    picks: dict[int | None, Counter] = defaultdict(Counter)
    for item_id, option, n in (
        PriorityChoice.objects.filter(session_id=session_id)
        .values_list("item_id", "option")
        .annotate(n=Count("id"))
        .order_by()
    ):
        picks[item_id][option] += n

    structure = instrument_structure(session.instrument)
    open_ids = set(lifecycle.open_themes(session, [t.id for t in structure]))
    by_type = _partner_means(session_id) if breakdown else {}
    scale = (session.instrument.scale_min, session.instrument.scale_max)
    themes = []
    for theme in structure:
        items = [
            _item_result(item, theme, counts, picks, participants, scale) for item in theme.items
        ]
        mean = calc.theme_mean(r.stats.mean for r in items if r.stats)
        themes.append(
            ThemeResult(
                info=theme,
                items=items,
                mean=mean,
                band=calc.band(mean),
                is_open=theme.id in open_ids,
                revealed=theme.id in session.revealed_theme_ids,
                breakdown=by_type.get(theme.id),
            )
        )
    votes = [OptionCount(key, label, picks[None][key]) for key, label in vote_options(structure)]
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


def _item_result(item, theme, counts, picks, participants, scale) -> ItemResult:
    result = ItemResult(info=item, theme_title=theme.title)
    if item.kind == Item.Kind.STATEMENT:
        low, high = scale
        c = counts.get(item.id, Counter())
        result.stats = calc.item_stats(
            [c[v] for v in range(low, high + 1)], c[None], invited=participants
        )
        result.answered = result.stats.respondents
    elif item.kind == Item.Kind.PRIORITY:
        p = picks.get(item.id, Counter())
        result.options = [OptionCount(key, label, p[key]) for key, label in item.options]
    return result


def _partner_means(session_id: int) -> dict[int, dict[str, float]]:
    """Theme means per partner type, only where every group shown has enough respondents."""
    rows = (
        Response.objects.filter(session_id=session_id, value__isnull=False)
        .exclude(participant__partner_type="")
        .values_list("item__theme_id", "participant__partner_type", "participant_id", "value")
    )
    sums: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    people: dict[int, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for theme_id, partner_type, participant_id, value in rows:
        sums[theme_id][partner_type].append(value)
        people[theme_id][partner_type].add(participant_id)
    labels = dict(Participant.PartnerType.choices)
    result = {}
    for theme_id, groups in people.items():
        sizes = {key: len(ids) for key, ids in groups.items()}
        if calc.breakdown_allowed(sizes):
            result[theme_id] = {
                str(labels[key]): sum(sums[theme_id][key]) / len(sums[theme_id][key])
                for key in sorted(groups)
            }
    return result

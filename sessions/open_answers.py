"""Short typed answers: to an open question, or the text of an option such as "Anders".

An answer is stored without its participant (models.OpenAnswer), and screens get answers in
threes, each three in the order of their text (``released``), so no screen, export or order of
updates can tie one to a person. The facilitator hides an answer or merges it into another;
what is left is "shown": on the projector when spotlighted, in the PDF and in the CSV.

When a phone may answer (``submit``): the session is not closed, and either the item's theme is
open for phones (a round, or everything at once: lifecycle.open_themes) or the facilitator put
this item on the projector (``Session.spotlight`` of kind "item" or "answers" with its id), in
any phase: a spotlighted question is asked of the room right now.

Merging keeps groups flat: an answer is merged into a root that is itself not merged, so a
group is one root with its members, and merging a root moves its members along.
"""

from dataclasses import dataclass, field
from functools import lru_cache

from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from instruments import translation
from instruments.models import Instrument, Item, item_label
from reflectie.free_text import clean_text

from . import lifecycle
from .errors import Invalid, NotAllowed, NotFound
from .models import OpenAnswer, Participant, Session

MAX_LENGTH = 300
# Answers one phone may send to one question (or option); counted in the cache only, so the
# database never holds who sent what.
MAX_PER_ITEM = 5
# Answers reach the screens in groups of this many (released): the anonymity floor.
RELEASE = 3
COUNT_SECONDS = 60 * 60 * 12
SPOTLIGHT_KINDS = ("item", "answers")


class TooMany(Invalid):
    status = 429


@dataclass(frozen=True)
class ShownAnswer:
    text: str
    option: str  # the option key for an option's text, "" for an open question
    count: int  # this answer and those merged into it


def released(rows) -> tuple[list, dict[int, int]]:
    """The rows screens may show, and per item how many wait.

    ``rows`` start with (pk, item_id, option, text) in the order they came in. A live screen
    must never change by one person's answer (someone watching the room sees who typed), so
    answers to a question (or to one option's "namelijk") come out in threes: the first three
    together, then the next three, and so on; one or two wait for more. Within each three they
    are ordered by their text, not by who came first.
    """
    by_question: dict[tuple[int, str], list] = {}
    for row in rows:
        by_question.setdefault((row[1], row[2]), []).append(row)
    out, waiting = [], {}
    for (item_id, _option), group in by_question.items():
        whole = len(group) - len(group) % RELEASE
        for start in range(0, whole, RELEASE):
            out += sorted(group[start : start + RELEASE], key=lambda r: (r[3].casefold(), r[0]))
        if len(group) > whole:
            waiting[item_id] = waiting.get(item_id, 0) + len(group) - whole
    return out, waiting


def shown_by_item(session_id: int, *, upto: int | None = None) -> dict[int, list[ShownAnswer]]:
    """Per item, its shown answers (released, not hidden, not merged into another), merged ones
    counted in. ``upto``: only answers up to that id, those the facilitator put on the projector
    (``latest_released``): one that arrives later waits for the facilitator to look first."""
    rows, _waiting = released(
        OpenAnswer.objects.filter(session_id=session_id)
        .order_by("pk")
        .values_list("pk", "item_id", "option", "text", "merged_into_id", "hidden")
    )
    if upto is not None:
        rows = [row for row in rows if row[0] <= upto]
    merged: dict[int, int] = {}
    for _pk, _item, _option, _text, into, hidden in rows:
        if into is not None and not hidden:
            merged[into] = merged.get(into, 0) + 1
    shown: dict[int, list[ShownAnswer]] = {}
    for pk, item_id, option, text, into, hidden in rows:
        if into is None and not hidden:
            shown.setdefault(item_id, []).append(ShownAnswer(text, option, 1 + merged.get(pk, 0)))
    return shown


def latest_released(session_id: int, item_id: int) -> int:
    """The id of the newest answer to this item that screens may show (0 when none is)."""
    rows, _waiting = released(
        OpenAnswer.objects.filter(session_id=session_id, item_id=item_id)
        .order_by("pk")
        .values_list("pk", "item_id", "option", "text")
    )
    return max((row[0] for row in rows), default=0)


# What can be answered in words -----------------------------------------------------------------


@dataclass(frozen=True)
class Askable:
    """An open question, or a priority question with options that ask for text."""

    id: int
    theme_id: int
    kind: str
    label: str
    text: str
    text_options: tuple[tuple[str, str], ...]  # (key, label); empty for an open question

    @property
    def is_open(self) -> bool:
        return self.kind == Item.Kind.OPEN

    def option_label(self, key: str) -> str:
        return dict(self.text_options).get(key, "")


def askables(instrument: Instrument) -> dict[int, Askable]:
    """{item id: Askable} of a version, its texts in the active language; kept, as a version in
    use is never edited."""
    return _askables(instrument.pk, instrument.created_at, translation.language_of())


@lru_cache(maxsize=64)
def _askables(instrument_id: int, created_at, language: str) -> dict[int, Askable]:
    found = {}
    items = Item.objects.filter(
        theme__instrument_id=instrument_id, kind__in=(Item.Kind.OPEN, Item.Kind.PRIORITY)
    ).select_related("theme")
    for stored in items.order_by("theme__position", "theme_id", "position", "pk"):
        item = translation.localized(stored, language)
        options = tuple(text_options(item))
        if item.kind == Item.Kind.OPEN or options:
            found[item.pk] = Askable(
                id=item.pk,
                theme_id=item.theme_id,
                kind=item.kind,
                label=item_label(item.theme.title, item.number, item.title),
                text=item.text,
                text_options=options if item.kind == Item.Kind.PRIORITY else (),
            )
    return found


def answerable(session: Session, item: Askable) -> bool:
    """Whether phones may send text to this item now (see the module's docstring)."""
    if session.is_closed:
        return False
    spot = session.spotlight or {}
    if spot.get("kind") in SPOTLIGHT_KINDS and spot.get("id") == item.id:
        return True
    return is_open_for_phones(session, item)


def is_open_for_phones(session: Session, item: Askable) -> bool:
    """Its theme's round is open (no query: the theme is the one asked about)."""
    return item.theme_id in lifecycle.open_themes(session, [item.theme_id])


# Phones ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PhoneField:
    """One text field on a phone: an open question, or one option's "namelijk"."""

    item: Item
    option: str = ""
    option_label: str = ""

    @property
    def key(self) -> str:
        return f"open-{self.item.pk}" + (f"-{self.option}" if self.option else "")


def phone_fields(item: Item) -> list[PhoneField]:
    """The text fields a phone shows for this item: one for an open question, one per option
    with "text": true for a priority question, none otherwise."""
    if item.kind == Item.Kind.OPEN:
        return [PhoneField(item)]
    if item.kind != Item.Kind.PRIORITY:
        return []
    return [PhoneField(item, key, label) for key, label in text_options(item)]


def text_options(item: Item) -> list[tuple[str, str]]:
    """(key, label) of a priority item's options that ask for text ("Anders, namelijk")."""
    return [(o["key"], o["label"]) for o in item.options if isinstance(o, dict) and o.get("text")]


def _count_key(participant_id: int, item_id: int, option: str) -> str:
    return f"reflectie:open:{participant_id}:{item_id}:{option}"


def submit(participant: Participant, item_id: int, text: str, option: str = "") -> OpenAnswer:
    """Store one typed answer, without its participant. Refused: empty or too long text, an item
    or option that takes no text, a question that is not open now, a closed session, or more
    than MAX_PER_ITEM answers from this phone to this question."""
    session = participant.session
    if session.is_closed:
        raise NotAllowed(_("Deze sessie is afgesloten."))
    text = clean_text(str(text or ""), error=Invalid)
    if not text:
        raise Invalid(_("Typ eerst je antwoord."))
    if len(text) > MAX_LENGTH:
        raise Invalid(_("Je antwoord is te lang: hoogstens %(max)s tekens.") % {"max": MAX_LENGTH})
    item = askables(session.instrument).get(item_id)
    if item is None:
        raise Invalid(_("Deze vraag hoort niet bij deze sessie."))
    option = option or ""
    if (item.is_open and option) or (not item.is_open and not item.option_label(option)):
        raise Invalid(_("Bij deze keuze kun je geen tekst typen."))
    if not answerable(session, item):
        raise NotAllowed(_("Deze vraag staat nu niet open."))

    key = _count_key(participant.pk, item_id, option)
    cache.add(key, 0, COUNT_SECONDS)
    if cache.incr(key) > MAX_PER_ITEM:
        raise TooMany(
            _("Je hebt al %(max)s antwoorden op deze vraag gestuurd. Meer kan niet.")
            % {"max": MAX_PER_ITEM}
        )
    with transaction.atomic():
        answer = OpenAnswer.objects.create(
            session_id=session.pk, item_id=item_id, option=option, text=text
        )
        # Screens show the new answer; phones show nothing of it.
        lifecycle.touch(session.pk)
    return answer


# The facilitator ---------------------------------------------------------------------------------


def _answer(session: Session, answer_id) -> OpenAnswer:
    answer = None
    if str(answer_id).isdigit():
        answer = OpenAnswer.objects.filter(session_id=session.pk, pk=int(answer_id)).first()
    if answer is None:
        raise NotFound(_("Dit antwoord hoort niet bij deze sessie."))
    return answer


def _not_closed(session: Session) -> None:
    if session.is_closed:
        raise NotAllowed(_("Deze sessie is afgesloten."))


def _update(session: Session, answer_id, **fields) -> OpenAnswer:
    """Change one answer of this open session; the screens follow."""
    _not_closed(session)
    answer = _answer(session, answer_id)
    with transaction.atomic():
        OpenAnswer.objects.filter(pk=answer.pk).update(**fields)
        lifecycle.touch(session.pk)
    for name, value in fields.items():
        setattr(answer, name, value)
    return answer


def hide(session: Session, answer_id, hidden: bool) -> OpenAnswer:
    """Hide an answer from the projector, the PDF and the CSV, or show it again."""
    return _update(session, answer_id, hidden=hidden)


def merge(session: Session, answer_id, into_id) -> OpenAnswer:
    """Count ``answer_id`` as ``into_id`` (the same thing said again). Into an answer that is
    merged itself means into its group's root; the answers merged into ``answer_id`` move along.
    Merging a group's root into one of its members makes that member the root."""
    _not_closed(session)
    if str(answer_id) == str(into_id):
        raise Invalid(_("Een antwoord kan niet met zichzelf worden samengevoegd."))
    answer, target = _answer(session, answer_id), _answer(session, into_id)
    if (answer.item_id, answer.option) != (target.item_id, target.option):
        raise Invalid(_("Alleen antwoorden op dezelfde vraag kunnen worden samengevoegd."))
    root = target.merged_into_id or target.pk
    with transaction.atomic():
        if root == answer.pk:  # into a member of its own group: that member leads
            root = target.pk
            OpenAnswer.objects.filter(pk=target.pk).update(merged_into=None)
        OpenAnswer.objects.filter(merged_into_id=answer.pk).exclude(pk=root).update(
            merged_into_id=root
        )
        OpenAnswer.objects.filter(pk=answer.pk).update(merged_into_id=root)
        lifecycle.touch(session.pk)
    answer.merged_into_id = root
    return answer


def unmerge(session: Session, answer_id) -> OpenAnswer:
    """Take an answer out of the group it was merged into: shown on its own again."""
    return _update(session, answer_id, merged_into=None)


@dataclass
class DashboardAnswer:
    id: int
    item_id: int
    text: str
    option: str
    hidden: bool
    merged_into: int | None
    merged: int = 0  # answers merged into this one (hidden ones included)
    count: int = 1  # as shown: itself and the shown answers merged into it
    merged_into_text: str = ""
    option_label: str = ""
    # (id, text) of the answers this one may be merged into (set by dashboard_blocks).
    targets: list[tuple[int, str]] = field(default_factory=list)

    @property
    def shown(self) -> bool:
        return not self.hidden and self.merged_into is None


def for_dashboard(session_id: int) -> tuple[dict[int, list[DashboardAnswer]], dict[int, int]]:
    """Per item, every released answer (hidden and merged ones too): what the facilitator
    moderates; and per item how many still wait (``released``). One query."""
    rows, waiting = released(
        OpenAnswer.objects.filter(session_id=session_id)
        .order_by("pk")
        .values_list("pk", "item_id", "option", "text", "hidden", "merged_into_id")
    )
    answers = [
        DashboardAnswer(pk, item_id, text, option, hidden, into)
        for pk, item_id, option, text, hidden, into in rows
    ]
    by_id = {a.id: a for a in answers}
    by_item: dict[int, list[DashboardAnswer]] = {}
    for a in answers:
        root = by_id.get(a.merged_into) if a.merged_into else None
        if root is not None:
            root.merged += 1
            root.count += 0 if a.hidden else 1
            a.merged_into_text = root.text
        by_item.setdefault(a.item_id, []).append(a)
    return by_item, waiting


@dataclass
class DashboardBlock:
    """One question's answers on the dashboard: its own live fragment."""

    item: Askable
    answers: list[DashboardAnswer] = field(default_factory=list)
    waiting: int = 0  # sent, but not yet three together (``released``)

    @property
    def fragment_id(self) -> str:
        return f"open-answers-{self.item.id}"

    @property
    def shown_count(self) -> int:
        return sum(a.count for a in self.answers if a.shown)

    def newer_than(self, upto) -> int:
        """Answers (not hidden) released after ``upto``: not yet on the projector."""
        upto = upto if isinstance(upto, int) else 0
        return sum(1 for a in self.answers if a.id > upto and not a.hidden)


def dashboard_blocks(session: Session) -> dict[int, list[DashboardBlock]]:
    """{theme id: [DashboardBlock]} for every question of the session that takes text, with its
    answers: the items come from the kept structure, the answers in one query."""
    answers, waiting = for_dashboard(session.pk)
    blocks: dict[int, list[DashboardBlock]] = {}
    for item in askables(session.instrument).values():
        own = answers.get(item.id, [])
        for a in own:
            a.option_label = item.option_label(a.option)
            # Into another root of the same question and option (groups stay flat).
            a.targets = [
                (b.id, b.text)
                for b in own
                if b.id != a.id and b.merged_into is None and b.option == a.option
            ]
        blocks.setdefault(item.theme_id, []).append(
            DashboardBlock(item, own, waiting.get(item.id, 0))
        )
    return blocks

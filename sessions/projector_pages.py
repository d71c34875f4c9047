"""The projector's pages: what one 16:9 screen holds, worked out on the server.

The projector never scrolls (nobody in the room can). Each phase is cut into pages of a fixed
amount of content, sized in the stylesheet to fit any 16:9 screen (static/css/projector.css),
and ``Session.projector_page`` says which one is up (clamped to the last). Paging is
deterministic: the same session state gives the same pages on every screen, so the dashboard's
"pagina 2 van 3" and the projector agree.

Scoring and discussion pages depend only on the instrument's structure and the session's row
(which themes are open or revealed), not on answers, so ``theme_page`` can tell where a theme
starts without reading results: revealing a theme or opening its round moves the projector there
(lifecycle). Sorting reorders statements within a theme, never the number of pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from instruments.models import Item, item_label

from . import stats as calc
from .errors import Invalid
from .models import Session

Phase = Session.Phase

RESULTS_PER_PAGE = 4  # revealed statements, two by two
PROGRESS_PER_PAGE = 6  # statements being scored, compact
ROWS_PER_PAGE = 6  # "alles tegelijk": one row per theme
AGREEMENTS_PER_PAGE = 3
PROMPTS_PER_PAGE = 3
CHOICES_PER_PAGE = 12  # the themes a phone may pick in the priorities phase

SCORED = (Item.Kind.STATEMENT, Item.Kind.PRIORITY, Item.Kind.BALANCE)


@dataclass
class Page:
    """One screenful. ``kind`` picks the layout (fragments/projector_content.html)."""

    kind: str
    theme: object | None = None
    items: list = field(default_factory=list)
    rows: list = field(default_factory=list)
    part: int = 1  # which screenful of its theme or list
    parts: int = 1
    start: int = 1  # the number of its first row, for a numbered list
    # A conversation page: one item of the instrument with its theme's background and notes.
    item: object | None = None
    note: str = ""

    @property
    def title(self) -> str:
        """What the dashboard says is on the projector."""
        titles = {
            "join": _("Meedoen"),
            "review": _("Afspraken van eerder"),
            "overview": _("Alle thema's"),
            "waiting": _("Nog geen uitkomsten"),
            "choose": _("Prioriteiten kiezen"),
            "votes": _("Prioriteiten van de groep"),
            "agreements": _("Onze afspraken"),
        }
        if self.theme is not None:
            return self.theme.title
        return str(titles.get(self.kind, ""))


def chunks(values: list, size: int) -> list[list]:
    return [values[i : i + size] for i in range(0, len(values), size)] or [[]]


def _numbered(kind: str, parts: list[list], size: int) -> list[Page]:
    return [
        Page(kind, rows=part, part=n, parts=len(parts), start=(n - 1) * size + 1)
        for n, part in enumerate(parts, 1)
    ]


# Themes: scoring and discussion ----------------------------------------------------------------


def sorted_items(items: list, sort: str) -> list:
    """A revealed theme's items in the chosen order; the dashboard's attention panel uses the
    same keys. Statements without shown figures go last, other kinds keep their place after."""
    if sort not in ("divided", "lowest"):
        return list(items)
    key = calc.sort_key_divided if sort == "divided" else calc.sort_key_lowest
    statements = [i for i in items if i.kind == Item.Kind.STATEMENT]
    others = [i for i in items if i.kind != Item.Kind.STATEMENT]
    return sorted(statements, key=lambda i: key(i.stats)) + others


def _result_pages(theme, sort: str) -> list[Page]:
    """Statements four to a page; a balance or priority question fills a page of its own."""
    items = sorted_items(theme.items, sort)
    statements = [i for i in items if i.kind == Item.Kind.STATEMENT]
    groups = [part for part in chunks(statements, RESULTS_PER_PAGE) if part]
    groups += [[i] for i in items if i.kind != Item.Kind.STATEMENT]
    return [
        Page("results", theme=theme, items=g, part=n, parts=len(groups))
        for n, g in enumerate(groups, 1)
    ]


def _progress_pages(theme) -> list[Page]:
    groups = chunks(list(theme.items), PROGRESS_PER_PAGE)
    return [
        Page("progress", theme=theme, items=g, part=n, parts=len(groups))
        for n, g in enumerate(groups, 1)
    ]


def _prompt_pages(theme) -> list[Page]:
    groups = chunks(list(theme.prompts), PROMPTS_PER_PAGE)
    return [
        Page("prompts", theme=theme, rows=g, part=n, parts=len(groups))
        for n, g in enumerate(groups, 1)
    ]


def theme_pages(session: Session, themes: list, sort: str | None = None) -> list[Page]:
    """Scoring and discussion: the open and revealed themes, in the instrument's order.

    ``themes`` are screens.ThemeView (or the stand-ins of ``theme_page``): ``id``, ``items``
    (the scored ones), ``prompts``, ``is_open``, ``revealed``. ``sort``: the session's unless
    given (the stand-ins have no figures to sort by, and sorting never changes the count).
    """
    sort = session.projector_sort if sort is None else sort
    pages: list[Page] = []
    if session.phase == Phase.SCORING and session.scoring_mode == Session.Mode.ALL:
        waiting = [t for t in themes if t.items and t.is_open and not t.revealed]
        if waiting:
            pages += _numbered("overview", chunks(waiting, ROWS_PER_PAGE), ROWS_PER_PAGE)
    for theme in themes:
        if theme.items and theme.revealed:
            pages += _result_pages(theme, sort)
        elif theme.items and theme.is_open and session.scoring_mode != Session.Mode.ALL:
            pages += _progress_pages(theme)
        elif not theme.items and theme.is_open and theme.prompts:
            # A round on a theme of prompts only (the ten reminders): the room reads them.
            pages += _prompt_pages(theme)
    return pages


@dataclass
class _Theme:
    """What ``theme_pages`` reads of a theme, from the instrument's structure alone."""

    id: int
    items: list
    prompts: list
    is_open: bool
    revealed: bool


def theme_page(session: Session, theme_id: int) -> int:
    """The first page of this theme in the session's current state (0 when it has none)."""
    from . import lifecycle, results  # results imports lifecycle, which imports this lazily

    structure = results.instrument_structure(session.instrument)
    open_ids = set(lifecycle.open_themes(session, [t.id for t in structure]))
    stand_ins = [
        _Theme(
            id=t.id,
            items=[i for i in t.items if i.kind in SCORED],
            prompts=[i for i in t.items if i.kind == Item.Kind.PROMPT],
            is_open=t.id in open_ids,
            revealed=t.id in session.revealed_theme_ids,
        )
        for t in structure
    ]
    for n, page in enumerate(theme_pages(session, stand_ins, sort="")):
        if page.theme is not None and page.theme.id == theme_id:
            return n
    return 0


# A conversation without scores ------------------------------------------------------------------


@dataclass
class Spoken:
    """One item of a conversation page: what the room reads."""

    id: int
    kind: str
    label: str
    text: str


def conversation_pages(session: Session, ctx: dict) -> list[Page]:
    """Every statement and prompt, one to a page, with its theme's background and notes."""
    from . import notes, results

    by_id = {t.id: t for t in ctx["themes"]}
    written = ctx.get("notes")
    if written is None:
        written = notes.by_theme(session.pk)
    pages = []
    for info in results.instrument_structure(session.instrument):
        theme = by_id.get(info.id)
        for item in info.items:
            if item.kind in (Item.Kind.PRIORITY, Item.Kind.BALANCE) or not item.text:
                continue
            label = item.title if item.kind == Item.Kind.PROMPT else None
            spoken = Spoken(
                item.id,
                item.kind,
                label or item_label(info.title, item.number, item.title),
                item.text,
            )
            pages.append(
                Page("conversation", theme=theme, item=spoken, note=written.get(info.id, ""))
            )
    return pages or [Page("waiting")]


# Every phase ------------------------------------------------------------------------------------


def build(session: Session, ctx: dict) -> list[Page]:
    """The pages of the session's current phase, from a screen's context (screens.py).

    The dashboard's context serves too (it counts the pages for its controls): it has no
    earlier agreements, only their number.
    """
    phase = session.phase
    if phase == Phase.LOBBY:
        return [Page("join")]
    if phase == Phase.REVIEW:
        earlier = ctx.get("earlier")
        if earlier is None:
            review = ctx.get("review")
            earlier = [None] * (review.count if review else 0)
        return _numbered("review", chunks(list(earlier), AGREEMENTS_PER_PAGE), AGREEMENTS_PER_PAGE)
    if phase in (Phase.SCORING, Phase.DISCUSSION):
        if session.conversation_only:
            return conversation_pages(session, ctx)
        return theme_pages(session, ctx["themes"]) or [Page("waiting")]
    if phase == Phase.PRIORITIES:
        return _numbered("choose", chunks(list(ctx["votes"]), CHOICES_PER_PAGE), CHOICES_PER_PAGE)
    # Follow-up and closed: what the group chose, then the agreements three at a time.
    pages = [Page("votes", rows=ctx["votes"])] if ctx.get("votes_shown") else []
    agreements = chunks(list(ctx["agreements"]), AGREEMENTS_PER_PAGE)
    return pages + _numbered("agreements", agreements, AGREEMENTS_PER_PAGE)


@dataclass
class Current:
    page: Page
    number: int  # 1-based
    count: int

    @property
    def paged(self) -> bool:
        return self.count > 1

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.count


def current(session: Session, ctx: dict) -> Current:
    """The page the projector shows: ``projector_page`` clamped to the pages there are."""
    pages = build(session, ctx)
    index = min(max(session.projector_page, 0), len(pages) - 1)
    return Current(pages[index], index + 1, len(pages))


def step(session: Session, ctx: dict, raw: str) -> int:
    """The page index a control asks for: "next", "prev" or a page number (1-based)."""
    count = len(build(session, ctx))
    now = min(session.projector_page, count - 1)
    if raw == "next":
        wanted = now + 1
    elif raw == "prev":
        wanted = now - 1
    elif raw.isdigit() and len(raw) < 6:
        wanted = int(raw) - 1
    else:
        raise Invalid(_("Kies de vorige of de volgende pagina."))
    return min(max(wanted, 0), count - 1)

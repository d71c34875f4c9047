"""The follow-up report: a PDF partners take back to their organisation, and a CSV of aggregates.

Both are built from the same plain data as the screens (results.session_results), so nothing
below the anonymity threshold can appear here either: a hidden statement shows only "x van y".
Neither holds a row per participant. Of the open answers only those the facilitator shows are
read (open_answers.shown_by_item: never a hidden one), with the notes per theme (report_data).

The PDF is rendered by WeasyPrint from a Django template (autoescaped: participant and facilitator
text is never marked safe) with a URL fetcher that hands out only `data:` URLs and the app's own
static files. Whatever the text contains, rendering the report never reaches the network or any
other file.
"""

from __future__ import annotations

import gc
import mimetypes
import posixpath
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.db.models import Count, Sum
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from instruments import translation as instrument_texts
from instruments.models import Item

from . import agreements as agreement_service
from . import charts, history, notes, open_answers, results
from .bands import band_label
from .models import PriorityChoice, Session
from .stats import BALANCE_GAP, MIN_RESPONDENTS

#: The PDF's own origin: only used to resolve /static/... paths, never contacted (.invalid can
#: not resolve, and the fetcher below does not open connections at all).
STATIC_ORIGIN = "https://reflectie.invalid"
PDF_CSS = "css/pdf.css"


# The URL fetcher ---------------------------------------------------------------------------------


class RefusedURL(ValueError):
    """A URL the report may not load; WeasyPrint logs it and leaves the resource out."""


def _static_prefix() -> str:
    path = urlsplit(settings.STATIC_URL or "/static/").path or "/static/"
    return "/" + path.strip("/") + "/"


def _static_roots() -> list[Path]:
    roots = [Path(p if isinstance(p, str | Path) else p[1]) for p in settings.STATICFILES_DIRS]
    if settings.STATIC_ROOT:
        roots.append(Path(settings.STATIC_ROOT))
    return [r.resolve() for r in roots]


def static_file(url: str) -> Path | None:
    """The app's own static file a URL points at, or None.

    Accepted: <STATIC_ORIGIN>/static/<path> (what relative and /static/ links resolve to) and
    file: URLs inside STATICFILES_DIRS or STATIC_ROOT. The path is then looked up through the
    staticfiles finders (and STATIC_ROOT for collected files), which refuse anything outside them.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "https" and f"{parts.scheme}://{parts.netloc}".lower() == STATIC_ORIGIN:
        prefix = _static_prefix()
        if not parts.path.startswith(prefix):
            return None
        relative = unquote(parts.path[len(prefix) :])
    elif scheme == "file" and parts.netloc in ("", "localhost"):
        path = Path(url2pathname(parts.path)).resolve()
        relative = next(
            (
                path.relative_to(root).as_posix()
                for root in _static_roots()
                if path.is_relative_to(root)
            ),
            None,
        )
        if relative is None:
            return None
    else:
        return None
    relative = posixpath.normpath(relative)
    if not relative or relative.startswith(("/", "..")) or "\x00" in relative or relative == ".":
        return None
    found = finders.find(relative)
    if found:
        return Path(found)
    if settings.STATIC_ROOT:
        root = Path(settings.STATIC_ROOT).resolve()
        candidate = (root / relative).resolve()
        if candidate.is_relative_to(root) and candidate.is_file():
            return candidate
    return None


class StaticOnlyFetcher(URLFetcher):
    """Allows `data:` URLs and the app's own static files; refuses everything else."""

    def __init__(self):
        # No redirects, and the parent's opener is used for data: only.
        super().__init__(timeout=1, allowed_protocols={"data"}, allow_redirects=False)

    def fetch(self, url, headers=None):
        if url[:5].lower() == "data:":
            return super().fetch(url, headers)
        path = static_file(url)
        if path is None:
            raise RefusedURL(f"the report loads only its own static files, not {url[:200]!r}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})


# Report data ------------------------------------------------------------------------------------


@dataclass
class StatementRow:
    result: results.ItemResult
    chart: charts.Chart | None

    @property
    def stats(self):
        return self.result.stats

    @property
    def chart_src(self) -> str:
        """The chart as an image URL; "" when the statement is hidden."""
        return charts.data_url(self.chart) if self.chart else ""


@dataclass
class BalanceRow:
    """A balance item in the report: its scatter and share out of balance, from the floor up."""

    result: results.ItemResult
    scatter: charts.Scatter | None

    @property
    def balance(self):
        return self.result.balance

    @property
    def scatter_src(self) -> str:
        """The scatter as an image URL; "" below the floor."""
        return charts.scatter_data_url(self.scatter) if self.scatter else ""


@dataclass(frozen=True)
class AnswerRow:
    """A shown open answer: its text, the option it is the text of ("Anders"), how many."""

    text: str
    option: str  # the option's label, "" for an open question
    count: int


@dataclass
class AskedItem:
    """A priority item (its votes) or an open item, with the open answers the facilitator shows."""

    kind: str
    title: str
    text: str
    answers: list[AnswerRow]
    voters: int = 0
    hidden: bool = False
    options: list = field(default_factory=list)


@dataclass
class ThemeSection:
    key: str
    title: str
    mean: float | None
    band: str
    trend: str
    previous: float | None
    statements: list[StatementRow]
    priorities: list[AskedItem] = field(default_factory=list)
    balances: list[BalanceRow] = field(default_factory=list)
    opens: list[AskedItem] = field(default_factory=list)
    notes: str = ""


def _voters(session: Session) -> dict[int | None, int]:
    """How many people took part in each vote (None = the session's own priority vote)."""
    rows = (
        PriorityChoice.objects.filter(session=session)
        .values_list("item_id")
        .annotate(n=Count("participant_id", distinct=True))
        .order_by()
    )
    return dict(rows)


def repeats_the_vote(item: results.ItemInfo, theme_keys: set[str]) -> bool:
    """A priority item that asks what the session's own vote asks: which themes need attention.

    Older Praatplaat versions ask it as an item too; its options are the instrument's themes.
    """
    keys = {key for key, _label in item.options}
    return item.kind == Item.Kind.PRIORITY and len(keys) >= 2 and keys <= theme_keys


def answer_rows(item: results.ItemInfo, shown: list[open_answers.ShownAnswer]) -> list[AnswerRow]:
    labels = dict(item.options)
    return [AnswerRow(a.text, labels.get(a.option, a.option), a.count) for a in shown]


@dataclass
class ReportData:
    """What the PDF and the CSV are both made of, read once."""

    results: results.SessionResults
    previous: Session | None
    trends: dict
    voters: dict
    answers: dict  # item id -> [ShownAnswer], hidden answers never in it
    notes: dict  # theme id -> text
    vote_held: bool  # the session's own vote has votes: a repeating item is left out

    def asked(self, theme: results.ThemeResult) -> tuple[list[AskedItem], list[AskedItem]]:
        """A theme's priority items and open items, each with its shown answers."""
        theme_keys = {t.info.key for t in self.results.themes}
        priorities, opens = [], []
        for item in theme.items:
            info = item.info
            rows = answer_rows(info, self.answers.get(info.id, []))
            if info.kind == Item.Kind.PRIORITY:
                if self.vote_held and repeats_the_vote(info, theme_keys):
                    continue  # the session's vote is the one result (sessions "Prioriteiten")
                n = self.voters.get(info.id, 0)
                priorities.append(
                    AskedItem(
                        kind=info.kind,
                        title="",
                        text=info.text or info.title,
                        answers=rows,
                        voters=n,
                        hidden=n < MIN_RESPONDENTS,
                        options=sorted(item.options, key=lambda o: -o.count),
                    )
                )
            elif info.kind == Item.Kind.OPEN or rows:
                title = info.title if info.title != info.text else ""
                opens.append(AskedItem(kind=info.kind, title=title, text=info.text, answers=rows))
        return priorities, opens


def report_data(session: Session) -> ReportData:
    res = results.session_results(session.pk)
    previous = history.previous_session(session)
    return ReportData(
        results=res,
        previous=previous,
        trends=history.theme_trends(session, current=res, previous=previous),
        voters=_voters(session),
        answers=open_answers.shown_by_item(session.pk),
        notes=notes.by_theme(session.pk),
        vote_held=any(v.count for v in res.votes),
    )


def report_context(session: Session) -> dict:
    """Everything the PDF shows, as plain data (no per-participant rows)."""
    # Name, source and scale labels in the report's language (the session's).
    instrument = instrument_texts.localized(session.instrument)
    data = report_data(session)
    res = data.results
    themes = []
    for theme in res.themes:
        priorities, opens = data.asked(theme)
        note = data.notes.get(theme.info.id, "")
        if not (theme.statements or priorities or theme.balances or opens or note):
            continue
        t = data.trends.get(theme.info.key)
        themes.append(
            ThemeSection(
                key=theme.info.key,
                title=theme.info.title,
                mean=theme.mean,
                band=band_label(theme.band),
                trend=t.summary if t else "",
                previous=t.previous if t else None,
                statements=[
                    StatementRow(r, charts.for_statement(r.stats, instrument.scale_min))
                    for r in theme.statements
                ],
                priorities=priorities,
                balances=[
                    BalanceRow(
                        r,
                        charts.for_balance(r.balance, instrument.scale_min, instrument.scale_max),
                    )
                    for r in theme.balances
                ],
                opens=opens,
                notes=note,
            )
        )
    session_voters = data.voters.get(None, 0)
    closed = session.is_closed
    return {
        "session": session,
        "instrument": instrument,
        "partnership": session.partnership,
        "language": session.language,
        "date": timezone.localtime(session.closed_at or session.created_at).date(),
        # Before the session closes the report is a snapshot: it says so, and when it was made.
        "interim": not closed,
        "made_at": timezone.localtime(),
        "participants": res.participants,
        "themes": themes,
        "votes": res.votes if data.vote_held else [],
        "votes_hidden": session_voters < MIN_RESPONDENTS,
        "vote_voters": session_voters,
        "previous": data.previous,
        "agreements": agreement_service.views(session),
        "earlier": history.earlier_agreements(session),
        "dont_know_label": instrument.dont_know_label or _("weet ik niet"),
        "min_respondents": MIN_RESPONDENTS,
        "balance_gap": BALANCE_GAP,
        # Answers still waiting for a step of three (tallies.py): counted, not in the figures.
        "held_back": sum(max(0, r.answered - r.stats.respondents) for r in res.statements),
        "css_url": css_url(),
    }


def render_html(session: Session) -> str:
    """The report's HTML, in the session's language (whoever asks for it)."""
    with translation.override(session.language):
        return render_to_string("sessions/pdf/report.html", report_context(session))


_gc_lock = threading.Lock()
_gc_pauses = 0
_gc_was_enabled = False


@contextmanager
def _cycle_collection_paused():
    """Python's cycle collector off while WeasyPrint renders, then one sweep of what it left.

    A render allocates a few hundred thousand objects. With the collector on, that sets off
    hundreds of young collections and several full ones, each walking the whole heap (Django and
    the app: some 250,000 objects): a quarter of the render's time. Paused, the render's cyclic
    garbage (about 20 MB) is collected once, in the young generation, as the render ends.
    Reference counting frees everything else as usual. The pause is process-wide but lasts one
    render: overlapping renders switch the collector back on when the last one ends, and only
    when it was on before.
    """
    global _gc_pauses, _gc_was_enabled
    with _gc_lock:
        if _gc_pauses == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            resume = _gc_pauses == 0 and _gc_was_enabled
            if resume:
                gc.enable()
        if resume:
            gc.collect(0)  # the render's own garbage, not the whole heap


# Downloads ---------------------------------------------------------------------------------------

PDF_CACHE_SECONDS = 60 * 60
_render_locks: dict[str, threading.Lock] = {}
_render_locks_guard = threading.Lock()


def pdf_for_download(session: Session) -> bytes:
    """The report, rendered once per state of the partnership.

    When a session closes, every phone gets a download button at once: forty one-second renders
    in parallel would keep the last phone waiting for most of a minute. The key changes with any
    change to any session of the partnership (versions only go up), so nothing stale is served.
    """
    versions = Session.objects.filter(partnership_id=session.partnership_id).aggregate(
        count=Count("id"), total=Sum("version")
    )
    key = f"report-pdf:{session.pk}:{session.language}:{versions['count']}:{versions['total']}"
    return render_once(key, lambda: render_pdf(session))


def render_once(key: str, render) -> bytes:
    """render() for this key unless it is cached; concurrent callers in a process wait for one."""
    pdf = cache.get(key)
    if pdf is not None:
        return pdf
    with _render_locks_guard:
        lock = _render_locks.setdefault(key, threading.Lock())
    with lock:
        pdf = cache.get(key)
        if pdf is None:
            pdf = render()
            cache.set(key, pdf, PDF_CACHE_SECONDS)
    with _render_locks_guard:
        _render_locks.pop(key, None)
    return pdf


def render_pdf(session: Session, *, fetcher: URLFetcher | None = None) -> bytes:
    """The report as an A4 PDF/UA-1 document (tagged, with title and language).

    Relative and /static/ URLs resolve against STATIC_ORIGIN; the fetcher turns those into the
    app's own static files and refuses everything else.
    """
    return html_to_pdf(render_html(session), fetcher=fetcher)


def html_to_pdf(html: str, *, fetcher: URLFetcher | None = None) -> bytes:
    """A report's HTML (this one's or the partnership's) as a tagged PDF/UA-1 document."""
    with _cycle_collection_paused():
        document = HTML(
            string=html, base_url=STATIC_ORIGIN + "/", url_fetcher=fetcher or StaticOnlyFetcher()
        )
        return document.write_pdf(pdf_variant="pdf/ua-1")


def css_url() -> str:
    """The reports' stylesheet, as the fetcher finds it."""
    return STATIC_ORIGIN + _static_prefix() + PDF_CSS


# CSV --------------------------------------------------------------------------------------------


def render_csv(session: Session) -> str:
    """The aggregates as a spreadsheet (report_csv.py): never a row per participant."""
    from .report_csv import render_csv as render  # it reads this module's report data

    return render(session)


# What a downloaded file is called, per kind of file.
FILE_WORDS = {
    "pdf": pgettext_lazy("bestandsnaam", "verslag"),
    "csv": pgettext_lazy("bestandsnaam", "resultaten"),
}


def filename(session: Session, extension: str) -> str:
    """verslag-<title>-<date>.pdf, in the session's language; ASCII only, safe in any
    Content-Disposition."""
    with translation.override(session.language):
        word = slugify(str(FILE_WORDS[extension]))
        stem = slugify(session.title)[:60].strip("-") or slugify(pgettext("bestandsnaam", "sessie"))
    day = timezone.localtime(session.created_at).date().isoformat()
    return f"{word}-{stem}-{day}.{extension}"

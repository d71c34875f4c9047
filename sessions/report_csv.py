"""The results as a spreadsheet: blocks of aggregates, each under a header row of its own.

Statements, themes (mean, band, trend), halen en brengen, the votes, the shown open answers, the
notes per theme and the agreements; a blank row between blocks. Read from the same data as the
PDF (report.report_data) and every figure written by the same function as screen and PDF
(formatting.number), so the three never disagree. Never a row per participant, never a hidden
open answer, and nothing below the anonymity threshold.

Separator and decimal mark follow the session's language (Dutch spreadsheets expect ";" and
"3,5"). Every cell that a spreadsheet would run as a formula is defused.
"""

from __future__ import annotations

import csv
import io

from django.utils import formats, translation
from django.utils.translation import gettext as _

from instruments import translation as instrument_texts

from . import agreements as agreement_service
from . import report
from .bands import band_label
from .formatting import CONSENSUS_PLACES, MEAN_PLACES, number
from .models import Session

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    """Text as a spreadsheet cell; text that a spreadsheet would run as a formula is defused."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


class _Sheet:
    def __init__(self, delimiter: str):
        self.out = io.StringIO()
        self.writer = csv.writer(self.out, delimiter=delimiter, lineterminator="\r\n")
        self.blocks = 0

    def row(self, cells) -> None:
        # Every cell, headers included: an instrument's labels are text from a file too.
        self.writer.writerow([_cell(cell) for cell in cells])

    def block(self, header) -> None:
        """A new block: a blank row after the one before, then its header."""
        if self.blocks:
            self.row([])
        self.blocks += 1
        self.row(header)


def render_csv(session: Session) -> str:
    with translation.override(session.language):
        comma_decimal = formats.get_format("DECIMAL_SEPARATOR") == ","
        sheet = _Sheet(";" if comma_decimal else ",")
        data = report.report_data(session)
        _statements(sheet, session, data)
        _themes(sheet, data)
        _balances(sheet, data)
        _votes(sheet, data)
        _answers(sheet, data)
        _notes(sheet, data)
        _agreements(sheet, session)
        return sheet.out.getvalue()


def _statements(sheet: _Sheet, session: Session, data: report.ReportData) -> None:
    """Per statement: who answered, and from three scores up the counts and figures.

    A hidden statement keeps only respondents, invited and "weet ik niet": its counts, mean,
    consensus and flags stay blank.
    """
    instrument = session.instrument
    points = instrument.scale_points
    yes, no = _("ja"), _("nee")
    sheet.block(
        [_("thema"), _("nummer"), _("stelling"), _("respondenten"), _("uitgenodigd")]
        + [str(p) for p in points]
        + [instrument_texts.dont_know_label(instrument) or _("weet ik niet"), _("gemiddelde"),
           _("overeenstemming"), _("verschil van inzicht"), _("grote verdeeldheid")]
    )  # fmt: skip
    for theme in data.results.themes:
        for row in theme.statements:
            s = row.stats
            hidden = s is None or s.hidden
            sheet.row(
                [theme.info.title, row.info.number or "", row.info.text,
                 s.respondents if s else 0, "" if not s or s.invited is None else s.invited]
                + ([""] * len(points) if hidden else list(s.counts))
                + [s.dont_know if s else 0,
                   "" if hidden else number(s.mean, MEAN_PLACES),
                   "" if hidden else number(s.consensus, CONSENSUS_PLACES),
                   "" if hidden else (yes if s.divided else no),
                   "" if hidden else (yes if s.split else no)]
            )  # fmt: skip


def _themes(sheet: _Sheet, data: report.ReportData) -> None:
    """Per theme with statements: its mean and band, and against the previous session."""
    themes = [t for t in data.results.themes if t.statements]
    if not themes:
        return
    sheet.block(
        [_("thema"), _("gemiddelde"), _("beoordeling"), _("gemiddelde vorige sessie"),
         _("sinds de vorige sessie")]
    )  # fmt: skip
    for theme in themes:
        trend = data.trends.get(theme.info.key)
        sheet.row(
            [theme.info.title, number(theme.mean, MEAN_PLACES), band_label(theme.band),
             number(trend.previous, MEAN_PLACES) if trend else "",
             trend.summary if trend else ""]
        )  # fmt: skip


def _balances(sheet: _Sheet, data: report.ReportData) -> None:
    """Halen en brengen: how many gave a pair, and from the floor up how many pairs the figures
    hold and how many of those are out of balance."""
    res = data.results
    balances = [(theme, row) for theme in res.themes for row in theme.balances]
    if not balances:
        return
    sheet.block([_("thema"), _("halen en brengen"), _("ingevuld"), _("uitgenodigd"),
                 _("getoond"), _("uit balans")])  # fmt: skip
    for theme, row in balances:
        b = row.balance
        sheet.row(
            [theme.info.title, row.info.text, row.answered, res.participants,
             "" if b.hidden else b.total, "" if b.hidden else b.out_of_balance]
        )  # fmt: skip


def _votes(sheet: _Sheet, data: report.ReportData) -> None:
    """The session's own vote, then each priority item: per option its votes, and how many
    voted. Fewer than three voters: the counts stay blank, as in the PDF."""
    floor = report.MIN_RESPONDENTS
    votes = []
    if data.vote_held:
        voters = data.voters.get(None, 0)
        votes.append((_("Prioriteiten"), voters, data.results.votes))
    for theme in data.results.themes:
        priorities, _opens = data.asked(theme)
        votes.extend((p.text, p.voters, p.options) for p in priorities)
    if not votes:
        return
    sheet.block([_("stemming"), _("keuze"), _("stemmen"), _("gestemd")])
    for question, voters, options in votes:
        for option in options:
            sheet.row([question, option.label, "" if voters < floor else option.count, voters])


def _answers(sheet: _Sheet, data: report.ReportData) -> None:
    """The open answers the facilitator shows (hidden ones never), merged ones counted in."""
    rows = []
    for theme in data.results.themes:
        priorities, opens = data.asked(theme)
        for item in priorities + opens:
            # An open item's title is its question ("Wat willen we bereiken?"), its text a hint.
            question = item.title or item.text
            rows.extend(
                [theme.info.title, question, a.option, a.text, a.count] for a in item.answers
            )
    if not rows:
        return
    sheet.block([_("thema"), _("vraag"), _("keuze"), _("antwoord"), _("aantal")])
    for row in rows:
        sheet.row(row)


def _notes(sheet: _Sheet, data: report.ReportData) -> None:
    """The notes per theme, each in one cell (its line breaks kept)."""
    rows = [(t.info.title, data.notes[t.info.id]) for t in data.results.themes
            if data.notes.get(t.info.id)]  # fmt: skip
    if not rows:
        return
    sheet.block([_("thema"), _("aantekeningen")])
    for row in rows:
        sheet.row(row)


def _agreements(sheet: _Sheet, session: Session) -> None:
    fields = agreement_service.fields_of(session)
    sheet.block([_("afspraak")] + [f["label"] for f in fields])
    for position, agreement in enumerate(agreement_service.views(session), start=1):
        # Dates stay ISO (a spreadsheet reads them); references show the theme or statement.
        sheet.row(
            [position] + [v.value if v.kind == "date" else v.display for v in agreement.values]
        )

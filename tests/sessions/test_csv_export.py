"""The CSV (issue 11): figures written by the same function as screen and PDF, and the blocks it
gained: theme means, bands and trends, the votes, the shown open answers and the notes."""

import csv
import io
import re
import shutil
import subprocess
from io import StringIO

import pytest
from django.core.management import call_command
from django.template.defaultfilters import floatformat
from django.utils import formats, translation

from instruments.models import Item
from sessions import agreements, answers, lifecycle, report, tallies
from sessions.formatting import number
from sessions.models import OpenAnswer, Session, ThemeNote
from tests.builders import join_phones, make_scored_session, statements_of, valid_agreement


def read_csv(text: str, delimiter=";") -> list[list[str]]:
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def block(rows: list[list[str]], first_header: str) -> list[list[str]]:
    """The rows of the block whose header starts with these cells, up to the blank row."""
    start = next(n for n, row in enumerate(rows) if row[:2] == first_header.split("|"))
    end = next((n for n in range(start + 1, len(rows)) if not rows[n]), len(rows))
    return rows[start:end]


# One formatting function ------------------------------------------------------------------------


VALUES = [0.025, 0.035, 0.045, 0.005, 0.675, 1.005, 2.675, 3.45, 3.55, 3.95, 4.25, 0.0, 5.0,
          0.7071067811865476, 0.6449, 2 / 3, 1 / 3, 3.4999999, 1e-7]  # fmt: skip


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("places", [1, 2])
def test_number_writes_what_floatformat_writes(language, places):
    with translation.override(language):
        for value in VALUES:
            assert number(value, places) == floatformat(value, places), value


def test_number_rounds_half_up_where_number_format_cut_off():
    with translation.override("nl"):
        assert formats.number_format(0.025, 2) == "0,02"  # what the CSV used to write
        assert number(0.025, 2) == "0,03"
        assert number(None) == "" and number(-0.04, 1) == "0,0"
    with translation.override("en"):
        assert number(3.45, 1) == "3.5"


def pdf_figures(data: bytes) -> list[tuple[str, str]]:
    """(mean, consensus) of every shown statement row, in order, from pdftotext -layout."""
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()
    return re.findall(r"\d+ van \d+\s+(\d,\d)\s+(\d,\d\d)\b", text)


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
def test_every_statement_s_figures_in_the_csv_equal_those_in_the_pdf(instruments):
    call_command("demo_session", "--participants", "12", stdout=StringIO())
    session = Session.objects.get()
    rows = read_csv(report.render_csv(session))[1:]
    statements = rows[: next(n for n, row in enumerate(rows) if not row)]
    in_csv = [(row[11], row[12]) for row in statements if row[12]]
    assert len(in_csv) >= 21
    assert pdf_figures(report.render_pdf(session)) == in_csv
    # The demo has figures that the old CSV wrote differently (cut off, and with two places).
    shown = [r.stats for t in report.report_data(session).results.themes for r in t.statements]
    with translation.override("nl"):
        assert any(formats.number_format(s.consensus, 2) != number(s.consensus, 2) for s in shown)


# Themes, bands and trends -----------------------------------------------------------------------


def test_the_csv_has_each_theme_s_mean_band_and_trend(alice, lob):
    make_scored_session(alice, lob, scores={"visie": [3, 3, 4, 4]})
    second = make_scored_session(alice, lob, title="Najaar", scores={"visie": [4, 4, 5, 5]})
    themes = block(read_csv(report.render_csv(second)), "thema|gemiddelde")
    assert themes[0] == [
        "thema", "gemiddelde", "beoordeling", "gemiddelde vorige sessie", "sinds de vorige sessie"
    ]  # fmt: skip
    assert themes[1] == [
        "Visie en ambitie", "4,5", "sterk punt", "3,5", "↑ +1,0 · aandachtspunt → sterk punt"
    ]  # fmt: skip
    assert len(themes) == 1 + lob.themes.filter(items__kind="statement").distinct().count()
    assert themes[2][1:] == ["4,0", "sterk punt", "4,0", "→ stabiel"]


def test_an_english_csv_uses_commas_and_points(alice, lob):
    session = make_scored_session(alice, lob, scores={"visie": [3, 3, 4, 4]}, language="en")
    rows = read_csv(report.render_csv(session), delimiter=",")
    assert rows[1][11] == "3.5"
    themes = rows[rows.index([]) + 1 :]
    assert themes[1][1] == "3.5"  # visie, its title in the session's language


# Votes, open answers and notes ------------------------------------------------------------------


@pytest.fixture
def praat(instruments):
    return instruments["praatplaat-regio"]


@pytest.fixture
def talked(alice, praat):
    """A Praatplaat session: three phones voted on the topics item and in the session's vote,
    typed "Anders" answers (one hidden, one merged) and answered an open question; two notes."""
    inhoud = praat.themes.get(key="inhoud")
    question = Item.objects.create(
        theme=inhoud, kind=Item.Kind.OPEN, position=90, text="Wat willen we bereiken?"
    )
    topics = Item.objects.get(theme__instrument=praat, kind="priority", theme__key="onderwerpen")
    session = make_scored_session(alice, praat, title="Praat")
    phones = join_phones(session, 3)
    lifecycle.open_round(session, topics.theme_id)
    for phone, picks in zip(
        phones, (["anders"], ["anders", "lerarentekort"], ["anders"]), strict=True
    ):
        answers.choose(phone, topics.pk, picks)
    lifecycle.set_phase(session, "priorities")
    for phone in phones:
        answers.choose(phone, None, ["theme:inhoud"])
    tallies.publish_all(session.pk)
    krimp = OpenAnswer.objects.create(session=session, item=topics, option="anders", text="Krimp")
    OpenAnswer.objects.create(session=session, item=topics, option="anders", text="krimp",
                              merged_into=krimp)  # fmt: skip
    OpenAnswer.objects.create(session=session, item=topics, option="anders", text="Geheim",
                              hidden=True)  # fmt: skip
    for text in ("=Samen sterker", "Banen", "Zorg"):  # screens show answers in threes
        OpenAnswer.objects.create(session=session, item=question, text=text)
    ThemeNote.objects.create(session=session, theme=inhoud, text="Regel een\n\n- punt twee")
    ThemeNote.objects.create(
        session=session, theme=praat.themes.get(key="reminders"), text="Vraag door."
    )
    return session, topics, question


def test_the_csv_has_the_session_vote_and_each_priority_item_s_votes(talked):
    session, topics, _question = talked
    votes = block(read_csv(report.render_csv(session)), "stemming|keuze")
    assert votes[0] == ["stemming", "keuze", "stemmen", "gestemd"]
    assert ["Prioriteiten", "Inhoud", "3", "3"] in votes
    question = topics.text or topics.title
    assert [question, "Anders", "3", "3"] in votes
    assert [question, "Lerarentekort", "1", "3"] in votes


def test_fewer_than_three_voters_leave_the_counts_blank(alice, praat):
    topics = Item.objects.get(theme__instrument=praat, kind="priority", theme__key="onderwerpen")
    session = make_scored_session(alice, praat, title="Praat")
    phones = join_phones(session, 2)
    lifecycle.open_round(session, topics.theme_id)
    for phone in phones:
        answers.choose(phone, topics.pk, ["anders"])
    tallies.publish_all(session.pk)
    votes = block(read_csv(report.render_csv(session)), "stemming|keuze")
    assert all(row[2] == "" and row[3] == "2" for row in votes[1:])


def test_the_csv_has_the_shown_open_answers_and_never_a_hidden_one(talked):
    session, topics, _question = talked
    text = report.render_csv(session)
    assert "Geheim" not in text
    shown = block(read_csv(text), "thema|vraag")
    assert shown[0] == ["thema", "vraag", "keuze", "antwoord", "aantal"]
    assert ["Waar werken we samen aan?", topics.text or topics.title, "Anders", "Krimp", "2"] in (
        shown
    )
    assert ["Inhoud", "Wat willen we bereiken?", "", "'=Samen sterker", "1"] in shown
    assert len(shown) == 5


def test_the_csv_has_the_notes_per_theme(talked):
    session, _topics, _question = talked
    notes = block(read_csv(report.render_csv(session)), "thema|aantekeningen")
    assert notes[1:] == [
        ["Inhoud", "Regel een\n\n- punt twee"],
        ["Tien reminders voor het gesprek", "Vraag door."],
    ]


def test_the_agreements_stay_the_last_block_with_the_whole_reference(alice, lob):
    statement = max(statements_of(lob), key=lambda item: len(item.text))
    session = make_scored_session(alice, lob)
    agreements.create(session, valid_agreement(answers=f"item:{statement.pk}"))
    rows = read_csv(report.render_csv(session))
    header = next(n for n, row in enumerate(rows) if row[:1] == ["afspraak"])
    assert rows[header + 1][2] == f"{statement.label}: {statement.text}"
    assert header + 2 == len(rows)

"""The PDF as a record of the conversation (issue 11): the notes and the shown open answers under
their theme, open items, one result for the attention vote, an interim report that says so, and
pages that read well (no split rows, no lone rows, no hyphenated headers)."""

import io
import re

import pytest
from pypdf import PdfReader

from instruments.models import Item
from sessions import agreements, answers, lifecycle, report, tallies
from sessions.models import OpenAnswer, ThemeNote
from sessions.results import instrument_structure
from tests.builders import (
    join_phones,
    make_scored_session,
    pdf_text,
    squeeze,
    statements_of,
    valid_agreement,
)


def page_texts(data: bytes) -> list[str]:
    """Each page's text without whitespace (a line may wrap anywhere)."""
    return [squeeze(page.extract_text()) for page in PdfReader(io.BytesIO(data)).pages]


# Scores: "weet ik niet" is not a score ------------------------------------------------------------


def test_the_scores_column_counts_scores_only_as_the_threshold_does(alice, lob):
    # Five people; visie: two scores and three "weet ik niet", so its statements are hidden.
    session = make_scored_session(
        alice, lob, people=5, scores={"visie": [3, 4, None, None, None]}, close=True
    )
    text = pdf_text(report.render_pdf(session))
    assert "2 van 5" in text
    assert "weet ik niet: 3" in text
    assert "minder dan 3 scores: niet getoond" in text
    # Before: "5 van 5" (respondents, "weet ik niet" included) beside "minder dan 3 scores".
    assert "5 van 5" not in text
    assert "Gescoord" not in text and "Scores" in text


# Interim ----------------------------------------------------------------------------------------


def test_a_report_before_the_session_closes_says_it_is_interim_on_every_page(alice, lob):
    session = make_scored_session(alice, lob)
    assert not session.is_closed
    data = report.render_pdf(session)
    pages = page_texts(data)
    first = pdf_text(data).splitlines()
    assert any("Tussenstand: de sessie loopt nog" in line for line in first[:5])
    assert re.search(r"gemaaktop\d+\w+\d{4}om\d\d:\d\d", pages[0])
    assert len(pages) > 1
    for page in pages:
        assert squeeze("Tussenstand: de sessie loopt nog ·") in page


def test_a_closed_session_s_report_is_not_interim(alice, lob):
    session = make_scored_session(alice, lob, close=True)
    assert "Tussenstand" not in pdf_text(report.render_pdf(session))


# Layout -----------------------------------------------------------------------------------------


def test_table_headers_are_whole_words(scored_session):
    text = pdf_text(report.render_pdf(scored_session))
    for word in ("Gemiddelde", "Overeenstemming", "Beoordeling"):
        assert word in text
    assert not re.search(r"Gemiddel[-‐\u00ad]\s*de|Overeen[-‐\u00ad]\s*stemming", text)


@pytest.fixture
def long_report(alice, lob):
    """A LOB session where visie has 18 statements (a table longer than a page), with long texts,
    and 15 agreements: the report runs over many pages."""
    visie = lob.themes.get(key="visie")
    for n in range(5, 19):
        Item.objects.create(
            theme=visie,
            kind="statement",
            number=n,
            position=n,
            text=f"Extra stelling {n}: werken we in de regio samen aan doorlopende leerlijnen, "
            "met tijd en geld van alle partners en een plan dat we elk jaar samen bijstellen?",
        )
    session = make_scored_session(alice, lob, people=6, default=(1, 3, 4, 5, None, 2), close=True)
    for n in range(15):
        agreements.create(
            session,
            valid_agreement(action=f"Actie {n}", success="Twintig bedrijven doen mee. " * 4),
        )
    return session


def rows_by_page(pages: list[str], lob) -> dict[int, list[int]]:
    """Statement pk -> the pages on which its label and the start of its text appear."""
    found = {}
    for item in statements_of(lob):
        key = squeeze(f"{item.label} {item.text[:25]}")
        found[item.pk] = [n for n, page in enumerate(pages) if key in page]
    return found


def test_rows_never_split_and_no_page_holds_a_lone_row_of_a_table(long_report, lob):
    pages = page_texts(report.render_pdf(long_report))
    found = rows_by_page(pages, lob)
    assert all(len(on) == 1 for on in found.values()), found
    for item in statements_of(lob):
        # The whole row (label, text, its figures) is on one page.
        (page,) = found[item.pk]
        assert squeeze(item.text) in pages[page]
    by_theme: dict[str, dict[int, int]] = {}
    for item in statements_of(lob):
        counts = by_theme.setdefault(item.theme.key, {})
        counts[found[item.pk][0]] = counts.get(found[item.pk][0], 0) + 1
    # Visie's long table splits: every page of it has its header again and at least two rows.
    assert len(by_theme["visie"]) > 1
    for page, count in by_theme["visie"].items():
        assert count >= 2, by_theme["visie"]
        assert squeeze("Stelling Scores Gemiddelde Overeenstemming Verdeling") in pages[page]
    # A theme that fits on a page is printed on one page.
    for key, counts in by_theme.items():
        if key != "visie":
            assert len(counts) == 1, (key, counts)


# Notes, open answers and open items -----------------------------------------------------------


@pytest.fixture
def praat(instruments):
    return instruments["praatplaat-regio"]


def theme_of(instrument, key):
    return instrument.themes.get(key=key)


@pytest.fixture
def conversation(alice, praat):
    """A closed Praatplaat session with an open question (added to "inhoud"), answers to it and
    to "Anders" (one merged into another, one hidden), and notes on two themes."""
    inhoud = theme_of(praat, "inhoud")
    question = Item.objects.create(
        theme=inhoud,
        kind=Item.Kind.OPEN,
        position=90,
        title="Wat willen we bereiken?",
        text="Schrijf in een paar woorden op wat de samenwerking moet opleveren.",
    )
    unanswered = Item.objects.create(
        theme=inhoud, kind=Item.Kind.OPEN, position=91, text="Wie missen we aan tafel?"
    )
    topics = Item.objects.get(theme__instrument=praat, kind="priority", theme__key="onderwerpen")
    session = make_scored_session(alice, praat, title="Praat", close=True)
    first = OpenAnswer.objects.create(session=session, item=question, text="Minder thuiszitters")
    OpenAnswer.objects.create(
        session=session, item=question, text="minder thuiszitters!", merged_into=first
    )
    OpenAnswer.objects.create(session=session, item=question, text="Een eigen regiofonds")
    OpenAnswer.objects.create(session=session, item=question, text="Jan is lui", hidden=True)
    for text in ("Krimp in de kern", "Cultuur", "Sport"):  # screens show answers in threes
        OpenAnswer.objects.create(session=session, item=topics, option="anders", text=text)
    ThemeNote.objects.create(
        session=session,
        theme=inhoud,
        text="Eerste alinea over de opgave.\nTweede regel.\n\nTweede alinea <script>x</script>",
    )
    reminders = theme_of(praat, "reminders")
    ThemeNote.objects.create(session=session, theme=reminders, text="Jubeltaal: vraag door.")
    ThemeNote.objects.create(session=session, theme=theme_of(praat, "proces"), text="")
    return session, question, unanswered


def test_the_pdf_holds_notes_and_shown_answers_under_their_theme_and_no_hidden_answer(
    conversation,
):
    session, question, unanswered = conversation
    text = pdf_text(report.render_pdf(session))
    flat = squeeze(text)
    assert "Jan is lui" not in text
    details = flat[flat.index(squeeze("Uitkomsten per thema")) :]
    inhoud = details[details.index("Inhoud·gemiddeld") :]
    inhoud = inhoud[: inhoud.index("Proces·gemiddeld")]
    # The open question, its shown answers (the merged one counted in), the empty one, notes.
    assert squeeze("Wat willen we bereiken?") in inhoud
    assert squeeze(question.text) in inhoud
    assert "Antwoorden" in inhoud
    assert squeeze("Minder thuiszitters ×2") in inhoud
    assert squeeze("Een eigen regiofonds") in inhoud
    assert "minderthuiszitters!" not in inhoud  # merged: counted, not repeated
    assert squeeze(unanswered.text) in inhoud
    assert squeeze("Er zijn geen antwoorden getoond.") in inhoud
    assert "Aantekeningen" in inhoud
    assert squeeze("Eerste alinea over de opgave. Tweede regel.") in inhoud
    assert squeeze("Tweede alinea <script>x</script>") in inhoud
    # "Anders" with its text under the priority question of its theme.
    assert squeeze("Anders: Krimp in de kern") in flat
    # A theme of prompts only (the reminders) gets a section for its notes.
    assert squeeze("Tien reminders voor het gesprek") in details
    assert squeeze("Jubeltaal: vraag door.") in details


def test_notes_keep_their_paragraphs_and_are_escaped(conversation):
    session, _question, _unanswered = conversation
    html = report.render_html(session)
    assert "<p>Eerste alinea over de opgave.<br>Tweede regel.</p>" in html
    assert "<p>Tweede alinea &lt;script&gt;x&lt;/script&gt;</p>" in html
    assert "<script" not in html
    assert "Jan is lui" not in html


# One result for "which themes need attention" ------------------------------------------------


@pytest.fixture
def attention_item(praat):
    """A priority item asking what the session's vote asks (as older Praatplaat versions do)."""
    # From the database: the instrument's cached structure must be read after the item exists.
    themes = list(praat.themes.filter(items__kind="statement").distinct())
    assert len(themes) >= 3
    return Item.objects.create(
        theme=theme_of(praat, "tafel"),
        kind=Item.Kind.PRIORITY,
        position=95,
        text="Welke thema's verdienen volgens jou (extra) aandacht? (proef)",
        max_choices=3,
        options=[{"key": t.key, "label": t.title} for t in themes[:3]],
    )


def vote(session, item, phones, option, *, session_vote):
    if item is not None:
        lifecycle.open_round(session, item.theme_id)
        for phone in phones:
            answers.choose(phone, item.pk, [option])
    if session_vote:
        lifecycle.set_phase(session, "priorities")
        for phone in phones:
            answers.choose(phone, None, [f"theme:{session_vote}"])
    tallies.publish_all(session.pk)


def test_the_attention_question_asked_twice_prints_only_the_session_vote(
    alice, praat, attention_item
):
    session = make_scored_session(alice, praat, title="Praat")
    phones = join_phones(session, 3)
    key = attention_item.options[0]["key"]
    vote(session, attention_item, phones, key, session_vote=key)
    assert attention_item.pk in {i.id for t in instrument_structure(praat) for i in t.items}
    text = pdf_text(report.render_pdf(session))
    assert "3 mensen stemden." in text  # the session's own vote, in "Prioriteiten"
    assert squeeze(attention_item.text) not in squeeze(text)


def test_without_a_session_vote_the_attention_item_is_the_one_result(alice, praat, attention_item):
    session = make_scored_session(alice, praat, title="Praat")
    phones = join_phones(session, 3)
    vote(session, attention_item, phones, attention_item.options[0]["key"], session_vote=None)
    text = pdf_text(report.render_pdf(session))
    assert "Er is niet gestemd over prioriteiten." in text
    assert squeeze(attention_item.text) in squeeze(text)


# Agreements: the full reference --------------------------------------------------------------


def test_an_agreement_about_a_long_statement_prints_the_whole_statement(alice, lob):
    statement = max(statements_of(lob), key=lambda item: len(item.text))
    assert len(f"{statement.label}: {statement.text}") > 90
    session = make_scored_session(alice, lob, close=True)
    agreements.create(session, valid_agreement(answers=f"item:{statement.pk}"))
    text = squeeze(pdf_text(report.render_pdf(session)))
    assert squeeze(f"{statement.label}: {statement.text}") in text
    assert "…" not in text
    # The choice list still shortens it; the stored value is the key.
    choices = dict(agreements.reference_choices(session))
    assert choices[f"item:{statement.pk}"].endswith("…")
    assert session.agreements.get().fields["answers"] == f"item:{statement.pk}"

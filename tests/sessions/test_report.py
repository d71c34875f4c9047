"""The follow-up report: what the PDF and the CSV contain, and what the renderer may load."""

import base64
import csv
import gc
import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from pypdf import PdfReader
from pypdf.generic import IndirectObject

from sessions import agreements, charts, history, lifecycle, report
from sessions.models import Participant, Session
from tests.builders import make_scored_session, pdf_text, squeeze, statements_of, valid_agreement

HOSTILE = [
    '<img src="file:///etc/passwd">',
    '<a href="http://169.254.169.254/">x</a>',
    "<script>alert(1)</script>",
]


# Helpers ----------------------------------------------------------------------------------------


class RecordingFetcher(report.StaticOnlyFetcher):
    def __init__(self):
        super().__init__()
        self.asked = []

    def fetch(self, url, headers=None):
        self.asked.append(url)
        return super().fetch(url, headers)


# The PDF ----------------------------------------------------------------------------------------


@pytest.fixture
def reported_session(alice, lob):
    """alice's "Voorjaar" (Regio West): visie scored 3, 3, 4, 4, the last statement by only two
    of the four (so it must be hidden), and one agreement about visie."""
    statement = statements_of(lob)[-1]
    s = make_scored_session(alice, lob, scores={"visie": [3, 3, 4, 4]}, hidden=[statement.pk])
    agreements.create(
        s, valid_agreement(answers="theme:visie", due="2026-06-01", success="Tien scholen doen mee")
    )
    return s


def test_the_pdf_holds_the_header_theme_means_agreements_and_attribution(reported_session, lob):
    text = pdf_text(report.render_pdf(reported_session))
    flat = squeeze(text)
    assert "Voorjaar" in text and "Regio West" in text
    assert squeeze(lob.name) in flat
    assert "versie 1" in text
    assert "Expertisepunt LOB" in text
    assert squeeze(lob.attribution_url) in flat
    # visie: every statement 3, 3, 4, 4 -> 3,5 (Dutch decimal comma), an aandachtspunt.
    assert "gemiddeld 3,5 · aandachtspunt" in text
    assert "4 van 4" in text
    assert "Organiseren van een open dag" in text
    assert "Gemeente Westland" in text
    assert squeeze("Tien scholen doen mee") in flat
    assert "Wat gaan we doen?" in text  # fields with their labels from the data
    assert "1 juni 2026" in text


def test_the_pdf_is_a4_pdf_ua_and_in_the_session_language(reported_session):
    data = report.render_pdf(reported_session)
    reader = PdfReader(io.BytesIO(data))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    assert reader.trailer["/Root"]["/MarkInfo"]["/Marked"]
    assert reader.trailer["/Root"]["/Lang"] == "nl"
    assert b"pdfuaid" in reader.trailer["/Root"]["/Metadata"].get_object().get_data()


def test_a_statement_with_fewer_than_three_scores_shows_nothing_but_x_of_y(reported_session, lob):
    hidden = statements_of(lob)[-1]
    context = report.report_context(reported_session)
    rows = [r for t in context["themes"] for r in t.statements if r.result.info.id == hidden.pk]
    assert rows[0].stats.hidden and rows[0].chart is None
    text = pdf_text(report.render_pdf(reported_session))
    assert "2 van 4" in text
    assert "minder dan 3 scores: niet getoond" in text


def test_hostile_agreement_text_is_printed_as_text_and_nothing_else_is_fetched(reported_session):
    for n, text in enumerate(HOSTILE):
        agreements.create(
            reported_session, valid_agreement(action=f"{text} actie {n}", with_whom=text)
        )
    fetcher = RecordingFetcher()
    text = squeeze(pdf_text(report.render_pdf(reported_session, fetcher=fetcher)))
    for hostile in HOSTILE:
        assert squeeze(hostile) in text
    assert fetcher.asked, "the stylesheet and fonts come through the fetcher"
    static = report.STATIC_ORIGIN + "/static/"
    assert all(url.startswith((static, "data:")) for url in fetcher.asked), fetcher.asked
    assert any(url.endswith("fonts/DejaVuSans.ttf") for url in fetcher.asked)
    assert any(url.endswith("css/pdf.css") for url in fetcher.asked)


def test_the_html_never_marks_user_text_safe(reported_session):
    agreements.create(reported_session, valid_agreement(action=HOSTILE[0], owner=HOSTILE[2]))
    html = report.render_html(reported_session)
    assert "<img" not in html and "<script" not in html
    assert 'href="http://169.254' not in html


def pdf_objects(data: bytes, key: str) -> list:
    """The values of every `key` entry in the PDF's pages and their resources (fonts too)."""
    seen, found, stack = set(), [], [PdfReader(io.BytesIO(data)).trailer["/Root"]["/Pages"]]
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            if node.idnum in seen:
                continue
            seen.add(node.idnum)
            node = node.get_object()
        if isinstance(node, dict):
            found.extend(v.get_object() for k, v in node.items() if k == key)
            stack.extend(v for k, v in node.items() if k not in ("/Parent", "/StructParents"))
        elif isinstance(node, list):
            stack.extend(node)
    return found


def structure_elements(data: bytes, role: str) -> list:
    """The tagged PDF's structure elements of one role (/Figure, /Table...)."""
    seen, found = set(), []
    stack = [PdfReader(io.BytesIO(data)).trailer["/Root"]["/StructTreeRoot"]]
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            if node.idnum in seen:
                continue
            seen.add(node.idnum)
            node = node.get_object()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            if node.get("/S") == role:
                found.append(node)
            if "/K" in node:
                stack.append(node["/K"])
    return found


def test_each_chart_is_a_figure_whose_text_alternative_lists_the_counts(reported_session):
    html = report.render_html(reported_session)
    charts = re.findall(r'<svg class="chart".*?</svg>', html, re.S)
    assert charts, "the statements have charts"
    # visie: 3, 3, 4, 4 -> two 3s and two 4s.
    title = "Verdeling van de scores: 1: 0 keer; 2: 0 keer; 3: 2 keer; 4: 2 keer; 5: 0 keer"
    assert f"<title>{title}</title>" in charts[0]
    # The bars and numbers are an image (a data: URL), not elements of the document.
    image = re.search(r'<image [^>]*href="data:image/svg\+xml;base64,([^"]+)"', charts[0])
    svg = base64.b64decode(image.group(1)).decode()
    assert svg.count("<rect ") == 5 and "text-anchor" not in svg
    numbers = re.findall(r">([^<]*)</text>", svg)  # per bar its count, then its scale value
    assert numbers == ["0", "1", "0", "2", "2", "3", "2", "4", "0", "5"]
    # In the PDF (tagged): a Figure per chart, the counts as its alternative text.
    figures = structure_elements(report.render_pdf(reported_session), "/Figure")
    assert len(figures) == len(charts)
    assert title in [str(figure.get("/Alt")) for figure in figures]


def test_the_chart_centres_its_numbers_with_the_bundled_fonts_digit_width():
    from fontTools.ttLib import TTFont

    font = TTFont(STATIC_DIR / "fonts" / "DejaVuSans.ttf", lazy=True)
    cmap, metrics = font.getBestCmap(), font["hmtx"]
    widths = {metrics[cmap[ord(d)]][0] / font["head"].unitsPerEm for d in "0123456789"}
    assert widths == {charts.DIGIT_EM}


def test_every_page_has_the_footer_and_only_the_bundled_fonts_are_embedded(reported_session):
    data = report.render_pdf(reported_session)
    reader = PdfReader(io.BytesIO(data))
    pages = len(reader.pages)
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert f"Pagina {number} van {pages}" in text
        assert "Voorjaar · Regio West" in text
    fonts = pdf_objects(data, "/BaseFont")
    assert fonts and all(re.fullmatch(r"/[A-Z]{6}\+Report-Sans(-Bold)?", f) for f in fonts), fonts
    descriptors = pdf_objects(data, "/FontDescriptor")
    assert descriptors and all("/FontFile2" in d for d in descriptors)


@pytest.mark.parametrize("enabled", [True, False])
def test_rendering_leaves_the_cycle_collector_as_it_was(reported_session, enabled):
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        report.render_pdf(reported_session)
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()


# The fetcher ------------------------------------------------------------------------------------


STATIC_DIR = Path(settings.STATICFILES_DIRS[0])


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://169.254.169.254/latest/meta-data/",
        "https://example.org/static/css/pdf.css",
        "https://reflectie.invalid/media/x.png",
        "https://reflectie.invalid/static/../../../etc/passwd",
        "https://reflectie.invalid/static/%2e%2e/%2e%2e/etc/passwd",
        "https://reflectie.invalid/static/does-not-exist.css",
        (STATIC_DIR / ".." / "manage.py").resolve().as_uri(),
        "ftp://reflectie.invalid/static/css/pdf.css",
        "//reflectie.invalid/static/css/pdf.css",
    ],
)
def test_the_fetcher_refuses_anything_but_own_static_files(url):
    with pytest.raises(ValueError):
        report.StaticOnlyFetcher().fetch(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://reflectie.invalid/static/css/pdf.css",
        (STATIC_DIR / "css" / "pdf.css").as_uri(),
    ],
)
def test_the_fetcher_serves_own_static_files(url):
    response = report.StaticOnlyFetcher().fetch(url)
    assert response.content_type == "text/css"
    assert b"@font-face" in response.read()


def test_the_fetcher_decodes_data_urls_without_a_network():
    response = report.StaticOnlyFetcher().fetch("data:text/plain;base64,aGFsbG8=")
    assert response.read() == b"hallo"


# Trends and the look back in the PDF ------------------------------------------------------------


def test_a_second_session_shows_the_trend_and_the_reviewed_agreements(alice, lob):
    first = make_scored_session(alice, lob, scores={"visie": [3, 3, 4, 4]})
    made = agreements.create(first, valid_agreement(action="Netwerkbijeenkomst organiseren"))
    second = make_scored_session(alice, lob, title="Najaar", scores={"visie": [4, 4, 5, 5]})
    history.review(second, made.pk, "loopt", "Eerste bijeenkomst was in mei")
    text = pdf_text(report.render_pdf(second))
    assert "↑ +1,0 · aandachtspunt → sterk punt" in text
    assert "was 3,5" in text
    assert "Terugblik op eerdere afspraken" in text
    assert "Netwerkbijeenkomst organiseren" in text
    assert "loopt nog" in text
    assert "Eerste bijeenkomst was in mei" in text


def test_english_sessions_get_an_english_document(alice, lob):
    session = make_scored_session(alice, lob, language="en")
    assert '<html lang="en">' in report.render_html(session)


# The CSV ----------------------------------------------------------------------------------------


def read_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def test_the_csv_has_one_row_per_statement_and_no_participant_identifiers(reported_session, lob):
    Participant.objects.filter(session=reported_session).update(partner_type="mbo")
    text = report.render_csv(reported_session)
    rows = read_csv(text)
    header = rows[0]
    assert header[:5] == ["thema", "nummer", "stelling", "respondenten", "uitgenodigd"]
    assert header[5:10] == ["1", "2", "3", "4", "5"]
    body = rows[1 : 1 + len(statements_of(lob))]
    assert len(body) == 22
    for participant in Participant.objects.filter(session=reported_session):
        assert participant.token_hash not in text
    # Statements, the six themes' means, the agreements' header and one agreement, each block
    # after a blank line: nothing per person.
    assert len(rows) == 1 + 22 + 1 + 1 + 6 + 1 + 1 + 1
    assert not any(word in cell.lower() for cell in header for word in ("naam", "deelnemer"))
    visie = body[0]
    assert visie[3:5] == ["4", "4"]
    assert visie[5:10] == ["0", "0", "2", "2", "0"]
    assert visie[11] == "3,5"  # as on screen and in the PDF (formatting.number)


def test_the_csv_blanks_everything_derived_from_a_hidden_statement(reported_session, lob):
    rows = read_csv(report.render_csv(reported_session))
    hidden = rows[len(statements_of(lob))]  # the last statement
    assert hidden[2] == statements_of(lob)[-1].text
    assert hidden[3:5] == ["2", "4"]  # x van y stays
    assert hidden[5:10] == [""] * 5
    assert hidden[11:] == ["", "", "", ""]


def test_the_csv_lists_the_agreements_and_defuses_formulas(reported_session):
    agreements.create(
        reported_session, valid_agreement(action='=HYPERLINK("http://x")', owner="@SUM(A1)")
    )
    rows = read_csv(report.render_csv(reported_session))
    start = next(n for n, row in enumerate(rows) if row[:1] == ["afspraak"])
    assert "Wat gaan we doen?" in rows[start]
    first, second = rows[start + 1], rows[start + 2]
    assert first[1] == "Organiseren van een open dag"
    assert "2026-06-01" in first
    assert second[1].startswith("'=") and second[3].startswith("'@")


# Timing (run once by hand; the lead keeps the benchmark) ----------------------------------------


def full_session(alice, lob, *, people=40, agreements_count=15):
    """22 statements, `people` participants, `agreements_count` agreements: a full hour."""
    pattern = (1, 2, 3, 3, 4, 4, 4, 5, 5, None)
    session = make_scored_session(
        alice, lob, people=people, default=[pattern[i % len(pattern)] for i in range(people)]
    )
    for n in range(agreements_count):
        agreements.create(
            session,
            valid_agreement(
                action=f"Actie {n}: stagebank voor de regio opzetten en onderhouden",
                answers="theme:partners",
                with_whom="mbo, hbo en werkgevers",
                due="2026-09-01",
                success="Minstens twintig bedrijven bieden stages aan. " * 3,
                review="2026-12-01",
            ),
        )
    return session


def test_a_full_session_renders(alice, lob):
    session = full_session(alice, lob)
    data = report.render_pdf(session)
    text = pdf_text(data)
    assert "36 van 40" in text  # scores only: 4 of the 40 said "weet ik niet"
    assert text.count("Actie ") >= 15


def test_a_download_renders_once_per_state_of_the_partnership(alice, lob, monkeypatch):
    session = lifecycle.create_session(alice, lob, title="Regio", partnership_name="West")
    renders = []
    monkeypatch.setattr(report, "render_pdf", lambda s: renders.append(s.pk) or b"%PDF-1")
    report.pdf_for_download(session)
    report.pdf_for_download(Session.objects.get(pk=session.pk))
    assert renders == [session.pk]
    agreements.create(session, valid_agreement())
    report.pdf_for_download(Session.objects.get(pk=session.pk))
    assert renders == [session.pk, session.pk]


def test_an_earlier_session_changing_renders_the_report_again(alice, lob, monkeypatch):
    earlier = lifecycle.create_session(alice, lob, title="Najaar", partnership_name="West")
    later = lifecycle.create_session(alice, lob, title="Voorjaar", partnership_name="West")
    renders = []
    monkeypatch.setattr(report, "render_pdf", lambda s: renders.append(s.pk) or b"%PDF-1")
    report.pdf_for_download(later)
    agreements.create(earlier, valid_agreement())
    report.pdf_for_download(later)
    assert renders == [later.pk, later.pk]


def test_concurrent_downloads_wait_for_one_render():
    import threading
    import time

    renders = []

    def slow_render():
        renders.append(1)
        time.sleep(0.2)
        return b"%PDF-1"

    results = []
    threads = [
        threading.Thread(
            target=lambda: results.append(report.render_once("report-pdf:test", slow_render))
        )
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert renders == [1]
    assert results == [b"%PDF-1"] * 8

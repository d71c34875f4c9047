"""Halen en brengen on the screens, in the PDF and the CSV: a scatter and a share out of
balance, never below the anonymity floor."""

import csv
import io
import re

import pytest

from instruments.models import Item
from sessions import answers, charts, lifecycle, report, screens, stats
from tests.builders import join_phones, pdf_text, projector_item, squeeze

pytestmark = pytest.mark.django_db

SHARE = re.compile(r"<strong>(\d+)</strong> van (\d+) uit balans")


@pytest.fixture
def balance_round(alice, instruments):
    """A praatplaat session whose round on "Halen en brengen" is open. Returns (session, item)."""
    praat = instruments["praatplaat-regio"]
    item = Item.objects.get(theme__instrument=praat, kind=Item.Kind.BALANCE)
    session = lifecycle.create_session(alice, praat, title="Praat", partnership_name="Zuid")
    lifecycle.open_round(session, item.theme_id)
    return session, item


def give(session, item, pairs, phones=None) -> list:
    phones = phones or join_phones(session, len(pairs))
    for phone, (brings, gets) in zip(phones, pairs, strict=True):
        answers.answer_balance(phone, item.pk, str(brings), str(gets))
    return phones


def reveal(session, item):
    lifecycle.set_revealed(session, item.theme_id, True)


def screen(session, item, view) -> str:
    if view == "projector":  # one page at a time: the page that holds it
        return projector_item(session, item)
    _version, fragments = screens.render_screen(session.pk, view)
    return fragments[f"item-{item.pk}"]


def csv_rows(session) -> list[list[str]]:
    return list(csv.reader(io.StringIO(report.render_csv(session)), delimiter=";"))


# Below the floor: how many answered, nothing else -------------------------------------------------


def test_two_pairs_show_no_scatter_and_no_share_anywhere(balance_round):
    session, item = balance_round
    give(session, item, [(5, 1), (4, 4)])
    reveal(session, item)
    dashboard, projector = screen(session, item, "facilitator"), screen(session, item, "projector")
    for html in (dashboard, projector):
        assert "<svg" not in html and "uit balans" not in html
        assert "2 van 2 hebben ingevuld — nog te weinig antwoorden om te tonen" in html
    lifecycle.set_phase(session, "closed")
    text = squeeze(pdf_text(report.render_pdf(session)))
    assert squeeze("Hoe is het halen en brengen voor jouw eigen organisatie?") in text
    assert squeeze("2 van 2 hebben ingevuld. Minder dan 3 antwoorden: niet getoond.") in text
    assert "uitbalans" not in text
    row = next(r for r in csv_rows(session) if r[:2] == ["Halen en brengen", item.text])
    assert row[2:] == ["2", "2", "", ""]


def test_a_third_pair_that_came_alone_after_a_step_is_held_back_too(balance_round):
    session, item = balance_round
    phones = give(session, item, [(5, 1), (4, 4), (2, 5)])
    reveal(session, item)
    before = screen(session, item, "projector")
    assert SHARE.search(before).groups() == ("2", "3")
    # One more pair: the counts wait; the dashboard says that they lag.
    give(session, item, [(1, 5)])
    assert screen(session, item, "projector") == before
    assert "Getoond: 3 antwoorden." in screen(session, item, "facilitator")
    assert len(phones) == 3


# From the floor up: the scatter and the share --------------------------------------------------


def test_three_pairs_show_the_scatter_and_two_of_three_out_of_balance(balance_round):
    session, item = balance_round
    give(session, item, [(5, 1), (4, 4), (2, 5)])
    dashboard = screen(session, item, "facilitator")
    assert SHARE.search(dashboard).groups() == ("2", "3")
    assert '<svg font-family="Report Sans, DejaVu Sans, sans-serif" class="scatter"' in dashboard
    assert "3 van 3 hebben ingevuld" in dashboard
    # A circle with its count per pair, the band out of balance, the diagonal, the axes' names.
    assert dashboard.count('class="scatter-dot"') == 3
    assert dashboard.count('class="scatter-band"') == 12  # |brengen − halen| ≥ 2 on a 5×5 grid
    assert 'class="scatter-diagonal"' in dashboard
    for words in ("halen →", "↑ brengen", "in balans"):
        assert words in dashboard
    # Its text alternatives: title and description, and a table of the pairs.
    assert f'aria-labelledby="scatter-{item.pk}-title scatter-{item.pk}-desc"' in dashboard
    assert "brengen 5, halen 1: 1 keer" in dashboard
    assert "<td>5</td><td>1</td><td>1</td>" in dashboard


def test_the_projector_shows_the_scatter_only_once_the_theme_is_revealed(balance_round):
    session, item = balance_round
    give(session, item, [(5, 1), (4, 4), (2, 5)])
    projector = screen(session, item, "projector")
    assert "<svg" not in projector and "uit balans" not in projector
    assert "<strong>3</strong> van 3 hebben ingevuld" in projector
    reveal(session, item)
    projector = screen(session, item, "projector")
    assert 'class="scatter"' in projector
    assert SHARE.search(projector).groups() == ("2", "3")
    # Off the projector when the round moves on and the theme is hidden again.
    lifecycle.set_revealed(session, item.theme_id, False)
    lifecycle.open_round(session, session.instrument.themes.get(key="inhoud").pk)
    assert screen(session, item, "projector") == ""


def test_the_fragment_changes_live_when_the_shown_pairs_change(balance_round):
    session, item = balance_round
    phones = give(session, item, [(3, 3), (3, 3), (3, 3)])
    reveal(session, item)
    before = screen(session, item, "projector")
    give(session, item, [(5, 1), (5, 1), (5, 1)], phones)
    after = screen(session, item, "projector")
    assert after != before
    assert SHARE.search(after).groups() == ("3", "3")
    # A kept fragment is never served for other figures.
    assert screen(session, item, "projector") == after


def test_the_pdf_and_the_csv_show_the_scatter_and_the_share_from_the_floor_up(balance_round):
    session, item = balance_round
    give(session, item, [(5, 1), (4, 4), (2, 5)])
    lifecycle.set_phase(session, "closed")
    context = report.report_context(session)
    (row,) = [r for theme in context["themes"] for r in theme.balances]
    assert row.scatter_src.startswith("data:image/svg+xml;base64,")
    text = squeeze(pdf_text(report.render_pdf(session)))
    assert squeeze("2 van 3 uit balans") in text
    assert squeeze("Minder dan 3 antwoorden: niet getoond.") not in text
    rows = csv_rows(session)
    header = next(r for r in rows if r[:2] == ["thema", "halen en brengen"])
    assert header == [
        "thema", "halen en brengen", "ingevuld", "uitgenodigd", "getoond", "uit balans"
    ]  # fmt: skip
    assert ["Halen en brengen", item.text, "3", "3", "3", "2"] in rows


def test_an_instrument_without_balance_items_keeps_its_csv_as_it_was(alice, lob):
    session = lifecycle.create_session(alice, lob, title="LOB", partnership_name="West")
    assert not any(r[:2] == ["thema", "halen en brengen"] for r in csv_rows(session))


# The scatter's numbers --------------------------------------------------------------------------


def test_the_scatter_puts_halen_across_and_brengen_up_with_area_by_count():
    balance = stats.balance_stats({(5, 1): 4, (1, 5): 1, (3, 3): 1})
    scatter = charts.make_scatter(balance, 1, 5)
    cells = {(c.brings, c.gets): c for c in scatter.cells}
    assert len(cells) == 25
    top_left, bottom_right = cells[5, 1], cells[1, 5]
    assert top_left.x < bottom_right.x and top_left.y < bottom_right.y
    assert top_left.radius == pytest.approx(2 * cells[3, 3].radius, abs=0.1)
    assert [c.count for c in scatter.counted] == [4, 1, 1]
    assert {(c.brings, c.gets) for c in scatter.shaded} == {
        (b, g) for b in range(1, 6) for g in range(1, 6) if abs(b - g) >= 2
    }
    assert "5 van 6 uit balans" in scatter.description
    document = charts.scatter_document(scatter)
    assert document.count("<circle") == 3 and "halen →" in document


def test_no_scatter_below_the_floor():
    assert charts.for_balance(stats.balance_stats({(5, 1): 2}), 1, 5) is None
    assert charts.for_balance(None, 1, 5) is None

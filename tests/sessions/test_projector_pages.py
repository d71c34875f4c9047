"""The projector's pages: how each phase is cut, which page is up, and how it follows."""

import pytest
from django.urls import reverse

from instruments.models import Item
from sessions import agreements, lifecycle, projector_pages, screens
from sessions import stats as calc
from sessions.models import Response, Session
from tests.builders import (
    HTMX,
    make_scored_session,
    projector_item,
    stored,
    theme_statements,
    valid_agreement,
)

pytestmark = pytest.mark.django_db


def current(session) -> projector_pages.Current:
    ctx = screens.page_context(stored(session), "projector", join_base="")
    return ctx["projector"]


def content(session) -> str:
    return screens.render_screen(session.pk, "projector")[1]["projector-content"]


def stage(session) -> str:
    return screens.render_screen(session.pk, "projector")[1]["projector-stage"]


@pytest.fixture
def discussed(alice, lob):
    """A scored LOB session in the discussion phase, nothing revealed yet."""
    session = make_scored_session(
        alice, lob, scores={"visie": [1, 5, 3, 4], "relatie": [2, 2, 3, 2]}
    )
    return lifecycle.set_phase(session, "discussion")


def theme(lob, key):
    return lob.themes.get(key=key)


# Counting pages ---------------------------------------------------------------------------------


def test_the_lobby_is_one_page_with_the_join_panel(lobby_session):
    now = current(lobby_session)
    assert (now.page.kind, now.number, now.count) == ("join", 1, 1)
    assert 'class="qr"' in content(lobby_session)
    assert "pagina" not in stage(lobby_session)


def test_a_revealed_theme_of_four_statements_is_one_page_and_two_themes_are_two(discussed, lob):
    assert current(discussed).page.kind == "waiting"
    lifecycle.set_revealed(discussed, theme(lob, "visie").pk, True)
    now = current(discussed)
    assert (now.page.kind, now.count, len(now.page.items)) == ("results", 1, 4)
    lifecycle.set_revealed(discussed, theme(lob, "daadkracht").pk, True)
    now = current(discussed)
    assert now.count == 2
    assert "pagina 2 van 2" in stage(discussed)


def test_a_balance_question_gets_a_page_of_its_own(alice, instruments):
    praat = instruments["praatplaat-regio"]
    session = make_scored_session(alice, praat)
    lifecycle.set_phase(session, "discussion")
    balans = praat.themes.get(key="balans")
    lifecycle.set_revealed(session, balans.pk, True)
    pages = projector_pages.build(
        stored(session), screens.page_context(session, "projector", join_base="")
    )
    assert [(p.kind, len(p.items), p.part, p.parts) for p in pages] == [
        ("results", 4, 1, 2),
        ("results", 1, 2, 2),
    ]
    assert pages[1].items[0].kind == Item.Kind.BALANCE


def test_scoring_all_at_once_is_one_row_per_theme(all_at_once_session, lob):
    now = current(all_at_once_session)
    assert now.page.kind == "overview"
    assert [t.id for t in now.page.rows] == list(
        lob.themes.filter(items__kind="statement").distinct().values_list("pk", flat=True)
    )
    html = content(all_at_once_session)
    assert html.count('class="p-row"') == lob.themes.count() == 6


def test_the_followup_pages_through_eight_agreements_three_at_a_time(lobby_session):
    lifecycle.set_phase(lobby_session, "followup")
    for n in range(8):
        agreements.create(lobby_session, valid_agreement(action=f"Afspraak nummer {n + 1}"))
    now = current(lobby_session)
    assert (now.page.kind, now.count) == ("agreements", 3)
    assert "Afspraak nummer 1" in content(lobby_session)
    assert "Afspraak nummer 4" not in content(lobby_session)
    Session.objects.filter(pk=lobby_session.pk).update(projector_page=2)
    html = content(lobby_session)
    assert "Afspraak nummer 7" in html and "Afspraak nummer 8" in html
    assert 'start="7"' in html
    assert "pagina 3 van 3" in stage(lobby_session)


def test_a_page_beyond_the_last_shows_the_last(lobby_session):
    lifecycle.set_phase(lobby_session, "followup")
    for n in range(4):
        agreements.create(lobby_session, valid_agreement(action=f"Afspraak {n + 1}"))
    Session.objects.filter(pk=lobby_session.pk).update(projector_page=40)
    now = current(lobby_session)
    assert (now.number, now.count) == (2, 2)
    assert "Afspraak 4" in content(lobby_session)


def test_a_conversation_walks_every_statement_one_page_each_with_background_and_notes(
    lobby_session, lob
):
    from sessions import notes

    Session.objects.filter(pk=lobby_session.pk).update(conversation_only=True)
    lifecycle.set_phase(lobby_session, "discussion")
    visie = theme(lob, "visie")
    notes.save(lobby_session, visie.pk, "We willen één gezamenlijke agenda.")
    now = current(lobby_session)
    statements = Item.objects.filter(theme__instrument=lob, kind="statement").count()
    assert (now.page.kind, now.count) == ("conversation", statements)
    html = content(lobby_session)
    first = theme_statements(visie)[0]
    assert first.text in html
    assert "We willen één gezamenlijke agenda." in html
    assert visie.background.split()[0] in html
    assert "<svg" not in html and "gemiddelde" not in html


# Following the facilitator ------------------------------------------------------------------------


def test_revealing_a_theme_moves_the_projector_to_it_and_a_phase_change_back_to_the_start(
    discussed, lob
):
    for key in ("visie", "relatie", "partners"):
        lifecycle.set_revealed(discussed, theme(lob, key).pk, True)
    assert stored(discussed).projector_page == 2
    lifecycle.set_revealed(discussed, theme(lob, "visie").pk, True)
    assert stored(discussed).projector_page == 0
    lifecycle.set_revealed(discussed, theme(lob, "relatie").pk, False)  # hiding does not move
    assert stored(discussed).projector_page == 0
    Session.objects.filter(pk=discussed.pk).update(projector_page=1)
    lifecycle.set_phase(stored(discussed), "followup")
    assert stored(discussed).projector_page == 0


def test_opening_a_round_moves_the_projector_to_that_round(lobby_session, lob):
    lifecycle.set_revealed(lobby_session, theme(lob, "visie").pk, True)
    lifecycle.open_round(lobby_session, theme(lob, "relatie").pk)
    now = current(lobby_session)
    assert (now.number, now.page.kind, now.page.theme.id) == (
        2,
        "progress",
        theme(lob, "relatie").pk,
    )


def test_a_round_on_prompts_only_shows_the_prompts(alice, instruments):
    praat = instruments["praatplaat-regio"]
    reminders = praat.themes.get(key="reminders")
    session = lifecycle.create_session(alice, praat, title="Praat", partnership_name="Zuid")
    lifecycle.open_round(session, reminders.pk)
    now = current(session)
    assert (now.page.kind, now.count) == ("prompts", 4)  # ten reminders, three to a page
    first = reminders.items.first()
    assert first.text[:40] in content(session)
    assert "Scoor de stellingen" not in stage(session)


# Sorting ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("sort", ["divided", "lowest", ""])
def test_a_revealed_theme_is_sorted_as_chosen(alice, lob, sort):
    scores = {"visie": [1, 5, 3, 4]}
    session = make_scored_session(alice, lob, scores=scores)
    lifecycle.set_phase(session, "discussion")
    visie = theme(lob, "visie")
    lifecycle.set_revealed(session, visie.pk, True)
    Session.objects.filter(pk=session.pk).update(projector_sort=sort)
    page = current(session).page
    shown = [i.id for i in page.items]
    if sort == "":
        assert shown == [i.pk for i in theme_statements(visie)]
    else:
        key = calc.sort_key_divided if sort == "divided" else calc.sort_key_lowest
        assert shown == [i.id for i in sorted(page.items, key=lambda i: key(i.stats))]


def test_lowest_first_puts_the_lowest_statement_first(alice, lob):
    session = make_scored_session(alice, lob)
    visie = theme(lob, "visie")
    low = theme_statements(visie)[2]
    Response.objects.filter(session=session, item=low).update(value=1)
    from sessions import tallies

    tallies.publish_all(session.pk)
    lifecycle.set_phase(session, "discussion")
    lifecycle.set_revealed(session, visie.pk, True)
    assert current(session).page.items[0].id != low.pk
    Session.objects.filter(pk=session.pk).update(projector_sort="lowest")
    assert current(session).page.items[0].id == low.pk
    assert "eerst de laagste scores" in stage(session)
    assert projector_item(session, low)


# The dashboard's controls -------------------------------------------------------------------------


def page_post(client, session, value):
    return client.post(
        reverse("session_projector_page", args=[session.pk]), {"page": value}, **HTMX
    )


def test_next_and_previous_page_stop_at_the_ends(alice_client, lobby_session):
    lifecycle.set_phase(lobby_session, "followup")
    for n in range(7):
        agreements.create(lobby_session, valid_agreement(action=f"Afspraak {n + 1}"))
    for expected in (1, 2, 2):
        assert page_post(alice_client, lobby_session, "next").status_code == 200
        assert stored(lobby_session).projector_page == expected
    page_post(alice_client, lobby_session, "prev")
    assert stored(lobby_session).projector_page == 1
    page_post(alice_client, lobby_session, "1")
    assert stored(lobby_session).projector_page == 0
    refused = page_post(alice_client, lobby_session, "verder")
    assert refused.status_code == 400
    assert stored(lobby_session).projector_page == 0


def test_without_javascript_a_control_goes_back_to_the_dashboard(alice_client, lobby_session):
    response = alice_client.post(
        reverse("session_projector_sort", args=[lobby_session.pk]), {"sort": "divided"}
    )
    assert response.status_code == 302
    assert response.url == reverse("session_dashboard", args=[lobby_session.pk])
    assert stored(lobby_session).projector_sort == "divided"


def test_an_unknown_sort_is_refused_with_nothing_stored(alice_client, lobby_session):
    response = alice_client.post(
        reverse("session_projector_sort", args=[lobby_session.pk]), {"sort": "random"}, **HTMX
    )
    assert response.status_code == 400
    assert "Kies een volgorde." in response.content.decode()
    assert stored(lobby_session).projector_sort == ""


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("session_projector_page", {"page": "next"}),
        ("session_projector_sort", {"sort": "lowest"}),
        ("session_spotlight", {"kind": ""}),
    ],
)
def test_another_facilitator_cannot_move_alices_projector(client, bob, lobby_session, name, data):
    client.force_login(bob)
    response = client.post(reverse(name, args=[lobby_session.pk]), data)
    assert response.status_code == 404
    assert stored(lobby_session).projector_sort == ""


def test_the_dashboard_shows_the_projectors_page_and_its_controls(alice_client, lobby_session):
    lifecycle.set_phase(lobby_session, "followup")
    for n in range(4):
        agreements.create(lobby_session, valid_agreement(action=f"Afspraak {n + 1}"))
    html = alice_client.get(reverse("session_dashboard", args=[lobby_session.pk])).content.decode()
    assert 'id="projector-controls"' in html
    assert "pagina 1 van 2" in html
    assert 'id="projector-next"' in html
    _v, fragments = screens.render_screen(lobby_session.pk, "facilitator")
    assert "Onze afspraken" in fragments["projector-controls"]

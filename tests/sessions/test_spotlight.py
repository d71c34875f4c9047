"""The spotlight: one thing on the projector (and phones) over everything else."""

import pytest
from django.urls import reverse

from instruments.models import Item
from sessions import lifecycle, screens, spotlight
from sessions.errors import Conflict, Invalid
from tests.builders import HTMX, code_url, fragment, make_scored_session, stored, theme_statements

pytestmark = pytest.mark.django_db


def spot(client, session, kind, pk=""):
    return client.post(
        reverse("session_spotlight", args=[session.pk]), {"kind": kind, "id": pk}, **HTMX
    )


def projector(session) -> dict:
    return screens.render_screen(session.pk, "projector")[1]


@pytest.fixture
def praat(alice, instruments):
    instrument = instruments["praatplaat-regio"]
    session = lifecycle.create_session(alice, instrument, title="Praat", partnership_name="Zuid")
    return session, instrument


def reminder(instrument) -> Item:
    return Item.objects.filter(theme__instrument=instrument, theme__key="reminders").first()


def test_a_prompt_goes_on_the_projector_and_comes_off(alice_client, praat):
    session, instrument = praat
    prompt = reminder(instrument)
    assert spot(alice_client, session, "item", prompt.pk).status_code == 200
    assert stored(session).spotlight == {"kind": "item", "id": prompt.pk}
    shown = projector(session)
    assert prompt.text in shown["projector-content"]
    assert 'class="qr"' not in shown["projector-content"]  # over the lobby's page
    assert spot(alice_client, session, "").status_code == 200
    assert stored(session).spotlight == {}
    assert 'class="qr"' in projector(session)["projector-content"]


def test_a_background_fills_the_page(praat):
    session, instrument = praat
    theme = instrument.themes.get(key="inhoud")
    spotlight.set(session, "background", theme.pk)
    html = projector(session)["projector-content"]
    assert (theme.background_title or theme.title) in html
    assert theme.background.split("\n")[0][:60] in html


def test_a_statement_shows_its_result_once_its_theme_is_revealed(alice, lob):
    session = make_scored_session(alice, lob, scores={"visie": [1, 2, 4, 5]})
    item = theme_statements(lob.themes.get(key="visie"))[0]
    spotlight.set(session, "item", item.pk)
    html = projector(session)["projector-content"]
    assert item.text in html and "<svg" not in html
    lifecycle.set_revealed(session, item.theme_id, True)
    card = fragment(projector(session)["projector-content"], f"p-item-{item.pk}")
    assert "<svg" in card and "3,0" in card


def test_answers_show_the_shown_answers_of_an_open_or_priority_question(praat):
    session, instrument = praat
    question = Item.objects.filter(theme__instrument=instrument, kind="priority").first()
    spotlight.set(session, "answers", question.pk)
    html = projector(session)["projector-content"]
    assert question.text[:40] in html


@pytest.mark.parametrize("kind", ["item", "background", "answers"])
def test_something_of_another_instrument_is_refused_with_nothing_stored(
    alice_client, praat, lob, kind
):
    session, _instrument = praat
    foreign = lob.themes.first() if kind == "background" else lob.themes.first().items.first()
    response = spot(alice_client, session, kind, foreign.pk)
    assert response.status_code == 400
    assert stored(session).spotlight == {}


@pytest.mark.parametrize(
    ("kind", "pk"), [("nonsense", "1"), ("item", "abc"), ("item", ""), ("item", "9" * 30)]
)
def test_nonsense_is_refused(alice_client, praat, kind, pk):
    session, _instrument = praat
    response = spot(alice_client, session, kind, pk)
    assert response.status_code == 400
    assert "Kies wat er op het scherm moet komen." in response.content.decode()


def test_answers_of_a_statement_are_refused(praat):
    session, instrument = praat
    statement = Item.objects.filter(theme__instrument=instrument, kind="statement").first()
    with pytest.raises(Invalid):
        spotlight.set(session, "answers", statement.pk)


def test_a_closed_session_takes_no_spotlight(praat):
    session, instrument = praat
    lifecycle.set_phase(session, "closed")
    with pytest.raises(Conflict):
        spotlight.set(session, "item", reminder(instrument).pk)


def test_another_facilitator_gets_a_404_and_changes_nothing(client, bob, praat):
    session, instrument = praat
    client.force_login(bob)
    response = client.post(
        reverse("session_spotlight", args=[session.pk]),
        {"kind": "item", "id": reminder(instrument).pk},
    )
    assert response.status_code == 404
    assert stored(session).spotlight == {}


def test_a_new_phase_takes_the_spotlight_off(praat):
    session, instrument = praat
    spotlight.set(session, "item", reminder(instrument).pk)
    lifecycle.set_phase(stored(session), "discussion")
    assert stored(session).spotlight == {}


def test_phones_are_told_and_show_the_prompt_above_their_stage(client, praat, told):
    session, instrument = praat
    from sessions import participation

    _participant, token, _created = participation.join(session, None)
    client.cookies[participation.cookie_name(session.code)] = token
    prompt = reminder(instrument)
    spotlight.set(session, "item", prompt.pk)
    assert told[-1] == (session.pk, True)
    html = client.get(code_url("phone", session)).content.decode()
    assert prompt.text[:50] in fragment(html, "phone-spotlight")


def test_a_phone_halfway_through_a_form_keeps_it_and_gets_the_prompt_out_of_band(client, praat):
    session, instrument = praat
    from sessions import participation

    _participant, token, _created = participation.join(session, None)
    client.cookies[participation.cookie_name(session.code)] = token
    inhoud = instrument.themes.get(key="inhoud")
    lifecycle.open_round(session, inhoud.pk)
    before = stored(session)
    key = f"scoring-{inhoud.pk}"
    spotlight.set(before, "background", inhoud.pk)
    response = client.get(
        code_url("phone_state", session), {"v": before.phase_version - 1, "k": key}, **HTMX
    )
    html = response.content.decode()
    assert response["HX-Reswap"] == "none"  # the form stays as it is
    assert 'id="phone-spotlight"' in html and 'hx-swap-oob="true"' in html
    assert (inhoud.background_title or inhoud.title) in html
    # Taken off: the same out-of-band element, now empty.
    spotlight.clear(stored(session))
    response = client.get(
        code_url("phone_state", session), {"v": before.phase_version, "k": key}, **HTMX
    )
    assert inhoud.background[:40] not in response.content.decode()


def test_the_dashboard_has_on_screen_buttons_and_the_preview_does_not(alice_client, praat):
    session, instrument = praat
    html = alice_client.get(reverse("session_dashboard", args=[session.pk])).content.decode()
    prompt = reminder(instrument)
    assert f'name="id" value="{prompt.pk}"' in html
    assert html.count('class="button small spot-button"') > 20
    spotlight.set(session, "item", prompt.pk)
    _v, fragments = screens.render_screen(session.pk, "facilitator")
    assert 'id="spotlight-off"' in fragments["projector-controls"]
    preview = alice_client.get(reverse("instrument_preview", args=[instrument.pk]))
    assert preview.status_code == 200
    assert "background" in preview.content.decode()
    assert "spot-button" not in preview.content.decode()

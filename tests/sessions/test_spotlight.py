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


def test_answers_that_arrive_later_wait_for_the_facilitator_before_they_go_up(praat):
    """The projector shows the answers as they were when put up; newer ones are on the dashboard
    first (the facilitator may hide one), and go up when the facilitator presses again."""
    from sessions import open_answers
    from sessions.models import OpenAnswer

    session, instrument = praat
    question = Item.objects.get(theme__instrument=instrument, kind=Item.Kind.OPEN)
    first = [
        OpenAnswer.objects.create(session=session, item=question, text=text)
        for text in ("Banen", "Stages", "Zorg")
    ]
    spotlight.set(session, "answers", question.pk)
    assert stored(session).spotlight["upto"] == first[-1].pk
    for text in ("Aardig", "Grof woord", "Sport"):
        OpenAnswer.objects.create(session=session, item=question, text=text)
    html = projector(stored(session))["projector-content"]
    assert "Stages" in html and "Sport" not in html and "Grof woord" not in html
    dashboard = screens.render_screen(session.pk, "facilitator")[1]
    block = dashboard[f"open-answers-{question.pk}"]
    assert "3 nieuwe antwoorden staan nog niet op het scherm." in block
    assert "Bijwerken op het scherm" in block
    # The facilitator hides the rude one, then puts the rest up.
    rude = OpenAnswer.objects.get(text="Grof woord")
    open_answers.hide(stored(session), rude.pk, True)
    block = screens.render_screen(session.pk, "facilitator")[1][f"open-answers-{question.pk}"]
    assert "2 nieuwe antwoorden staan nog niet op het scherm." in block
    spotlight.set(stored(session), "answers", question.pk)
    html = projector(stored(session))["projector-content"]
    assert "Sport" in html and "Aardig" in html and "Grof woord" not in html
    block = screens.render_screen(session.pk, "facilitator")[1][f"open-answers-{question.pk}"]
    assert "nog niet op het scherm" not in block
    # Hiding one that is up takes it down at once.
    open_answers.hide(stored(session), first[1].pk, True)
    assert "Stages" not in projector(stored(session))["projector-content"]


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
    shown = f"background:{inhoud.pk}"
    # Another change while the same spotlight is up: the phone keeps its spotlight as it is
    # (a half-typed answer in it stays).
    lifecycle.change(stored(session), phones=True)
    response = client.get(
        code_url("phone_state", session),
        {"v": before.phase_version, "k": key, "s": shown},
        **HTMX,
    )
    assert 'id="phone-shown"' in response.content.decode()
    assert 'id="phone-spotlight"' not in response.content.decode()
    # Taken off: the same out-of-band element, now empty.
    spotlight.clear(stored(session))
    response = client.get(
        code_url("phone_state", session),
        {"v": before.phase_version, "k": key, "s": shown},
        **HTMX,
    )
    html = response.content.decode()
    assert inhoud.background[:40] not in html
    assert '<div id="phone-spotlight" class="phone-spotlight" hx-swap-oob="true"' in html


def test_an_open_question_in_the_spotlight_can_be_answered_on_the_phone(client, praat):
    """Outside its round (a conversation-only session has none), the spotlight asks it."""
    session, instrument = praat
    from sessions import participation
    from sessions.models import OpenAnswer

    _participant, token, _created = participation.join(session, None)
    client.cookies[participation.cookie_name(session.code)] = token
    question = Item.objects.get(theme__instrument=instrument, kind=Item.Kind.OPEN)
    lifecycle.set_phase(session, "discussion")
    spotlight.set(stored(session), "item", question.pk)
    html = fragment(client.get(code_url("phone", session)).content.decode(), "phone-spotlight")
    assert f'<form id="open-{question.pk}"' in html and "zonder je naam" in html
    response = client.post(
        code_url("phone_open_answer", session), {"item": question.pk, "text": "Samen sterker"}
    )
    assert response.status_code in (200, 302, 303)
    assert list(OpenAnswer.objects.values_list("text", flat=True)) == ["Samen sterker"]
    # In its own open round the stage has the field: the spotlight does not repeat it.
    lifecycle.open_round(stored(session), question.theme_id)
    html = client.get(code_url("phone", session)).content.decode()
    assert html.count(f'<form id="open-{question.pk}"') == 1


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


def test_an_english_session_shows_the_spotlight_in_english(client, alice, instruments):
    from sessions import participation

    instrument = instruments["praatplaat-regio"]
    session = lifecycle.create_session(
        alice, instrument, title="Table", partnership_name="East", language="en"
    )
    _participant, token, _created = participation.join(session, None)
    client.cookies[participation.cookie_name(session.code)] = token
    prompt = reminder(instrument)
    english = prompt.translations["en"]
    spotlight.set(session, "item", prompt.pk)
    phone = fragment(client.get(code_url("phone", session)).content.decode(), "phone-spotlight")
    assert english["title"] in phone and english["text"][:40] in phone
    assert prompt.text[:40] not in phone
    assert english["text"][:40] in projector(session)["projector-content"]

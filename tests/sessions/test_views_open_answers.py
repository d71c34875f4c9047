"""Typed answers over HTTP: a phone sends one (with and without htmx), the facilitator hides and
merges, nobody else can, and the dashboard shows a new answer live."""

import pytest
from django.urls import reverse

from instruments.models import Item
from sessions import lifecycle, open_answers, participation, screens
from sessions.models import OpenAnswer
from tests.builders import HTMX, code_url, fragment, stored

pytestmark = pytest.mark.django_db

NOTICE = (
    "De gespreksleider ziet je antwoord zonder je naam, samen met minstens twee andere. Het kan "
    "op het grote scherm en in het "
    "verslag komen."
)
OPTIONS = [{"key": "werk", "label": "Werk"}, {"key": "anders", "label": "Anders", "text": True}]


@pytest.fixture
def room(client, alice, lob):
    """alice's LOB session with the first theme open, holding an open question and a priority
    question with "Anders"; `client` is a phone that joined. Returns (session, ask, pick)."""
    theme = lob.themes.first()
    ask = Item.objects.create(theme=theme, kind="open", position=90, text="Wat willen we?")
    pick = Item.objects.create(
        theme=theme, kind="priority", position=91, text="Welke?", max_choices=1, options=OPTIONS
    )
    session = lifecycle.create_session(alice, lob, title="Regio", partnership_name="LOB Oost")
    lifecycle.open_round(session, theme.pk)
    _participant, token, _created = participation.join(session, None)
    client.cookies[participation.cookie_name(session.code)] = token
    return session, ask, pick


def send(client, session, data, **extra):
    return client.post(code_url("phone_open_answer", session), data, **extra)


# The phone --------------------------------------------------------------------------------------


def test_the_phone_shows_the_field_with_who_sees_it_before_the_field(client, room):
    session, ask, pick = room
    html = client.get(code_url("phone", session)).text
    form = fragment(html, f"open-{ask.pk}")
    assert f'<label for="open-{ask.pk}-text" class="item-text">Wat willen we?</label>' in form
    assert form.index(NOTICE) < form.index("<textarea")
    assert 'maxlength="300"' in form
    assert f'aria-describedby="open-{ask.pk}-notice"' in form
    assert ">Versturen</button>" in form
    anders = fragment(html, f"open-{pick.pk}-anders")
    assert "Anders, namelijk:" in anders
    assert '<input type="hidden" name="option" value="anders">' in anders
    assert f"open-{pick.pk}-werk" not in html


def test_with_htmx_only_the_status_and_an_empty_field_come_back(client, room):
    session, ask, _pick = room
    response = send(client, session, {"item": ask.pk, "text": "Meer stages"}, **HTMX)
    assert response.status_code == 200
    html = response.text
    assert '<span class="saved">Verstuurd. Je kunt nog een antwoord sturen.</span>' in html
    assert f'<textarea id="open-{ask.pk}-text"' in html
    assert 'hx-swap-oob="true"></textarea>' in html
    assert "<form" not in html
    assert list(OpenAnswer.objects.values_list("text", flat=True)) == ["Meer stages"]


def test_without_javascript_the_phone_goes_back_to_its_page_with_a_message(client, room):
    session, _ask, pick = room
    data = {"item": pick.pk, "option": "anders", "text": "Cultuur"}
    response = send(client, session, data)
    assert response.status_code == 303
    assert response.url == code_url("phone", session) + f"#open-{pick.pk}-anders"
    page = client.get(response.url).text
    assert "Verstuurd. Je kunt nog een antwoord sturen." in page
    assert OpenAnswer.objects.get().option == "anders"


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({"text": ""}, 400, "Typ eerst je antwoord."),
        ({"text": "x" * 301}, 400, "Je antwoord is te lang: hoogstens 300 tekens."),
        ({"text": "Hoi", "item": "999999"}, 400, "Deze vraag hoort niet bij deze sessie."),
        ({"text": "Hoi", "option": "werk"}, 400, "Bij deze keuze kun je geen tekst typen."),
        ({"text": "Hoi", "item": "abc"}, 400, "Dit antwoord kunnen we niet lezen."),
        ({"text": "Hoi", "extra": "1"}, 400, "Dit antwoord kunnen we niet lezen."),
    ],
)
def test_bad_input_gets_a_dutch_message_and_stores_nothing(client, room, data, status, message):
    session, ask, _pick = room
    data = {"item": ask.pk, **data}
    response = send(client, session, data, **HTMX)
    assert response.status_code == status
    assert message in response.text
    assert 'class="error"' in response.text
    assert not OpenAnswer.objects.exists()
    plain = send(client, session, data)  # without htmx: the phone's refusal page
    assert plain.status_code == status
    assert message in plain.text


def test_a_foreign_item_is_refused(client, room, instruments):
    session, _ask, _pick = room
    praat = instruments["praatplaat-regio"]
    foreign = Item.objects.create(theme=praat.themes.first(), kind="open", text="Elders?")
    response = send(client, session, {"item": foreign.pk, "text": "Hoi"}, **HTMX)
    assert response.status_code == 400
    assert "Deze vraag hoort niet bij deze sessie." in response.text


def test_a_closed_session_refuses_with_403(client, room):
    session, ask, _pick = room
    lifecycle.set_phase(stored(session), "closed")
    response = send(client, session, {"item": ask.pk, "text": "Hoi"}, **HTMX)
    assert response.status_code == 403
    assert not OpenAnswer.objects.exists()


def test_the_sixth_answer_is_refused_with_429(client, room):
    session, ask, _pick = room
    for n in range(5):
        assert send(client, session, {"item": ask.pk, "text": f"A{n}"}, **HTMX).status_code == 200
    response = send(client, session, {"item": ask.pk, "text": "A5"}, **HTMX)
    assert response.status_code == 429
    assert "Je hebt al 5 antwoorden op deze vraag gestuurd." in response.text
    assert OpenAnswer.objects.count() == 5


def test_a_device_that_did_not_join_is_refused(client, room):
    session, ask, _pick = room
    client.cookies.clear()
    response = send(client, session, {"item": ask.pk, "text": "Hoi"}, **HTMX)
    assert response.status_code == 403
    assert not OpenAnswer.objects.exists()


def test_a_get_is_not_allowed(client, room):
    assert client.get(code_url("phone_open_answer", room[0])).status_code == 405


# The facilitator --------------------------------------------------------------------------------


def answers_of(room) -> list[OpenAnswer]:
    session, ask, _pick = room
    phone = session.participants.get()
    return [open_answers.submit(phone, ask.pk, t) for t in ("Stages", "Meer stages", "Onzin")]


def hide_url(session):
    return reverse("session_answer_hide", args=[session.pk])


def merge_url(session):
    return reverse("session_answer_merge", args=[session.pk])


def test_the_facilitator_hides_and_shows_an_answer(client, alice, room):
    stages, _more, nonsense = answers_of(room)
    session, ask, _pick = room
    client.force_login(alice)
    response = client.post(hide_url(session), {"answer": nonsense.pk, "hidden": "1"}, **HTMX)
    assert response.status_code == 200
    assert OpenAnswer.objects.get(pk=nonsense.pk).hidden
    response = client.post(hide_url(session), {"answer": nonsense.pk, "hidden": "0"})
    assert response.status_code == 302
    assert response.url.endswith(f"#open-answers-{ask.pk}")
    assert not OpenAnswer.objects.get(pk=nonsense.pk).hidden


def test_the_facilitator_merges_and_takes_apart(client, alice, room):
    stages, more, _nonsense = answers_of(room)
    session, ask, _pick = room
    client.force_login(alice)
    response = client.post(merge_url(session), {"answer": more.pk, "into": stages.pk}, **HTMX)
    assert response.status_code == 200
    assert OpenAnswer.objects.get(pk=more.pk).merged_into_id == stages.pk
    response = client.post(merge_url(session), {"answer": more.pk, "into": ""}, **HTMX)
    assert response.status_code == 200
    assert OpenAnswer.objects.get(pk=more.pk).merged_into_id is None


@pytest.mark.parametrize(
    ("url", "data", "status", "message"),
    [
        (hide_url, {"answer": "STAGES", "hidden": "ja"}, 400, "Kies verbergen of tonen."),
        (hide_url, {"answer": "999999", "hidden": "1"}, 404, "hoort niet bij deze sessie"),
        (merge_url, {"answer": "STAGES", "into": "STAGES"}, 400, "met zichzelf"),
        (merge_url, {"answer": "STAGES", "into": "x"}, 400, "kunnen we niet lezen"),
    ],
)
def test_bad_moderation_is_refused_in_dutch(client, alice, room, url, data, status, message):
    stages, _more, _nonsense = answers_of(room)
    client.force_login(alice)
    data = {k: (str(stages.pk) if v == "STAGES" else v) for k, v in data.items()}
    response = client.post(url(room[0]), data, **HTMX)
    assert response.status_code == status
    assert message in response.text
    assert not OpenAnswer.objects.filter(hidden=True).exists()
    assert not OpenAnswer.objects.exclude(merged_into=None).exists()


def test_another_facilitator_and_a_phone_cannot_moderate(client, bob, room):
    stages, more, _nonsense = answers_of(room)
    session = room[0]
    # The phone (its cookie is on this client) is no facilitator: to the login page.
    response = client.post(hide_url(session), {"answer": stages.pk, "hidden": "1"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    client.force_login(bob)
    assert client.post(hide_url(session), {"answer": stages.pk, "hidden": "1"}).status_code == 404
    data = {"answer": more.pk, "into": stages.pk}
    assert client.post(merge_url(session), data).status_code == 404
    assert not OpenAnswer.objects.filter(hidden=True).exists()
    assert not OpenAnswer.objects.exclude(merged_into=None).exists()


def test_moderation_needs_the_csrf_token(alice, room):
    from django.test import Client

    stages, _more, _nonsense = answers_of(room)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(alice)
    response = strict.post(hide_url(room[0]), {"answer": stages.pk, "hidden": "1"})
    assert response.status_code == 403
    assert not OpenAnswer.objects.get(pk=stages.pk).hidden


# The dashboard ----------------------------------------------------------------------------------


def test_the_dashboard_fragment_shows_a_new_answer_after_it_is_sent(client, room):
    session, ask, _pick = room
    _version, before = screens.render_screen(session.pk, "facilitator")
    block = before[f"open-answers-{ask.pk}"]
    assert "Nog geen antwoorden." in block
    assert 'aria-live="polite"' in block
    send(client, session, {"item": ask.pk, "text": "Meer stages"}, **HTMX)
    _version, after = screens.render_screen(session.pk, "facilitator")
    block = after[f"open-answers-{ask.pk}"]
    assert "Meer stages" not in block  # one answer waits for two more
    assert "1 antwoord wacht tot er drie samen zijn" in block
    send(client, session, {"item": ask.pk, "text": "Banen"}, **HTMX)
    send(client, session, {"item": ask.pk, "text": "Zorg"}, **HTMX)
    _version, after = screens.render_screen(session.pk, "facilitator")
    block = after[f"open-answers-{ask.pk}"]
    assert '<span class="answer-text">Meer stages</span>' in block
    assert "wacht" not in block
    assert "Verbergen" in block
    assert "Nog geen antwoorden." not in block


def test_the_dashboard_marks_hidden_and_merged_answers(alice_client, room):
    stages, more, nonsense = answers_of(room)
    session, ask, _pick = room
    open_answers.merge(stored(session), more.pk, stages.pk)
    open_answers.hide(stored(session), nonsense.pk, True)
    html = alice_client.get(reverse("session_dashboard", args=[session.pk])).text
    block = fragment(html, f"open-answers-{ask.pk}")
    assert '<del class="answer-text">Onzin</del> <span class="tag">verborgen</span>' in block
    assert ">Tonen<" in block
    assert "×2" in block
    assert "samengevoegd met “Stages”" in block
    assert ">Losmaken<" in block
    assert f'<option value="{nonsense.pk}">Onzin</option>' in block
    # Live renders say the same as the page.
    _version, live = screens.render_screen(session.pk, "facilitator")
    assert "×2" in live[f"open-answers-{ask.pk}"]


def test_the_projector_template_shows_cards_with_counts():
    from django.template.loader import render_to_string

    class Spot:
        label, text = "Doel", "Wat willen we bereiken?"

    answers = [open_answers.ShownAnswer("Stages", "", 2), open_answers.ShownAnswer("Meer", "", 1)]
    html = render_to_string(
        "sessions/fragments/projector_answers.html", {"spot_item": Spot, "spot_answers": answers}
    )
    assert "Wat willen we bereiken?" in html
    assert html.count('class="answer-card"') == 2
    assert "×2" in html and "×1" not in html
    empty = render_to_string(
        "sessions/fragments/projector_answers.html", {"spot_item": Spot, "spot_answers": []}
    )
    assert "Nog geen antwoorden" in empty


def test_the_projector_shows_twelve_cards_and_counts_the_rest():
    from django.template.loader import render_to_string

    class Spot:
        label, text = "Doel", "Wat?"

    answers = [open_answers.ShownAnswer(f"A{n}", "", 1) for n in range(15)]
    html = render_to_string(
        "sessions/fragments/projector_answers.html", {"spot_item": Spot, "spot_answers": answers}
    )
    assert html.count('class="answer-card"') == 12
    assert "en nog 3 antwoorden" in html


def test_the_dashboard_button_puts_the_answers_on_the_screen(alice_client, room):
    session, ask, _pick = room
    html = alice_client.get(reverse("session_dashboard", args=[session.pk])).text
    block = fragment(html, f"open-answers-{ask.pk}")
    url = reverse("session_spotlight", args=[session.pk])
    assert f'action="{url}"' in block
    assert '<input type="hidden" name="kind" value="answers">' in block
    assert f'<input type="hidden" name="id" value="{ask.pk}">' in block
    response = alice_client.post(url, {"kind": "answers", "id": ask.pk}, **HTMX)
    assert response.status_code == 200
    assert stored(session).spotlight == {"kind": "answers", "id": ask.pk, "upto": 0}
    html = alice_client.get(reverse("session_dashboard", args=[session.pk])).text
    assert "Staat op het scherm" in fragment(html, f"open-answers-{ask.pk}")


def test_the_anders_field_is_its_own_form_after_the_choice_form(client, room):
    session, _ask, pick = room
    html = client.get(code_url("phone", session)).text
    start = html.index(f'id="item-{pick.pk}"')
    end = html.index("</form>", start)
    # Forms do not nest: the text has its own form, right after the choice form.
    assert "namelijk" not in html[start:end]
    assert end < html.index(f'id="open-{pick.pk}-anders"') < html.index("namelijk")

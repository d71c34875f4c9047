"""Phones speak the session's language, and every screen shows the instrument's own texts in the
language it speaks: statements, scale labels, "weet ik niet", options, follow-up fields, partner
types. A participant who chooses a language with the switch keeps it."""

import copy

import pytest
from django.conf import settings
from django.urls import reverse

from instruments import services, validation
from instruments.models import Item
from sessions import agreements, answers, lifecycle, participation, report, screens, tallies
from sessions.results import SESSION_LANGUAGE, session_results
from tests.builders import HTMX, code_url
from tests.instruments.test_translations import SMALL

DUTCH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "nl-NL,nl;q=0.9"}
ENGLISH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9"}


@pytest.fixture
def small(db):
    return services.store(validation.validate(copy.deepcopy(SMALL), "klein.json"))[0]


def session_on(alice, instrument, language="en", **kwargs):
    return lifecycle.create_session(
        alice, instrument, title="Regio", partnership_name="West", language=language, **kwargs
    )


def joined(client, session):
    participant, token, _created = participation.join(session, None)
    client.cookies[participation.cookie_name(session.code)] = token
    return participant


def scoring(session):
    return lifecycle.open_round(session, session.instrument.themes.first().pk)


# The phone ------------------------------------------------------------------------------------


def test_an_english_sessions_phone_shows_english_texts_to_a_dutch_browser(client, alice, small):
    session = scoring(session_on(alice, small))
    joined(client, session)
    page = client.get(code_url("phone", session), **DUTCH_BROWSER)
    html = page.text
    assert '<html lang="en">' in html
    assert page["Content-Language"] == "en"
    for english in (
        "Relationship",
        "We trust each other.",
        "not true at all",
        "completely true",
        "don&#x27;t know",
        "What do we work on?",
        "teacher shortage",
        "What do you bring?",
        "What do we want to achieve?",
    ):
        assert english in html, english
    for dutch in ("We vertrouwen elkaar.", "helemaal niet waar", "weet ik niet", ">lerarentekort<"):
        assert dutch not in html, dutch
    # the app's own words too
    assert "How true is this for your collaboration?" in html


def test_a_dutch_session_stays_dutch_for_an_english_browser(client, alice, small):
    session = scoring(session_on(alice, small, language="nl"))
    joined(client, session)
    html = client.get(code_url("phone", session), **ENGLISH_BROWSER).text
    assert '<html lang="nl">' in html
    assert "We vertrouwen elkaar." in html and "helemaal niet waar" in html
    assert "We trust each other." not in html


def test_the_language_switch_wins_over_the_session(client, alice, small):
    session = scoring(session_on(alice, small))
    joined(client, session)
    url = code_url("phone", session)
    response = client.post(reverse("set_language"), {"language": "nl", "next": url})
    assert response.status_code == 302
    html = client.get(url, **ENGLISH_BROWSER).text
    assert '<html lang="nl">' in html
    assert "We vertrouwen elkaar." in html and "weet ik niet" in html
    assert "We trust each other." not in html


def test_a_language_cookie_we_do_not_speak_is_no_choice(client, alice, small):
    session = scoring(session_on(alice, small))
    joined(client, session)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    html = client.get(code_url("phone", session), **DUTCH_BROWSER).text
    assert "We trust each other." in html


def test_the_stage_fragment_and_a_saved_answer_speak_the_session_language(client, alice, small):
    session = scoring(session_on(alice, small))
    joined(client, session)
    stage = client.get(code_url("phone_state", session), **HTMX, **DUTCH_BROWSER).text
    assert "We trust each other." in stage
    item = Item.objects.get(theme__instrument=small, kind="statement")
    saved = client.post(
        code_url("phone_answer", session), {f"item-{item.pk}": "4"}, **HTMX, **DUTCH_BROWSER
    )
    assert saved.status_code == 200
    assert "saved" in saved.text and "opgeslagen" not in saved.text


def test_a_refusal_on_a_phone_speaks_the_session_language(client, alice, small):
    session = scoring(session_on(alice, small))
    joined(client, session)
    refused = client.post(
        code_url("phone_answer", session), {"nonsense": "1"}, **HTMX, **DUTCH_BROWSER
    )
    assert refused.status_code == 400
    assert "Dit antwoord kunnen we niet lezen." not in refused.text


def test_the_join_page_speaks_the_session_language(client, alice, small):
    session = session_on(alice, small)
    html = client.get(code_url("join", session), **DUTCH_BROWSER).text
    assert '<html lang="en">' in html
    assert "primary school" in html and "childcare" in html
    assert "po-school" not in html.replace('value="po-school"', "")


def test_an_english_phone_lists_the_agreements_with_english_fields(client, alice, small):
    session = session_on(alice, small)
    joined(client, session)
    agreements.create(session, {"action": "Samen lunchen", "owner": "Els"})
    lifecycle.set_phase(session, "followup")
    html = client.get(code_url("phone", session), **DUTCH_BROWSER).text
    assert "What will we do?" in html and "Samen lunchen" in html
    assert "Wat gaan we doen?" not in html
    assert "Wie is eigenaar?" in html  # not translated in the file: the original


# Partner types --------------------------------------------------------------------------------


def test_a_po_session_offers_its_own_partner_types(client, alice, small):
    session = session_on(alice, small, language="nl")
    html = client.get(code_url("join", session)).text
    assert 'value="po-school"' in html and 'value="kinderopvang"' in html
    assert 'value="mbo"' not in html  # the default list is not this instrument's
    response = client.post(code_url("join", session), {"partner_type": "kinderopvang"})
    assert response.status_code == 303
    assert session.participants.get().partner_type == "kinderopvang"


def test_a_partner_type_of_another_list_is_not_stored(client, alice, small):
    session = session_on(alice, small, language="nl")
    response = client.post(code_url("join", session), {"partner_type": "mbo"})
    assert response.status_code == 303  # joined, as "zeg ik liever niet"
    assert session.participants.get().partner_type == ""


def test_the_shipped_po_instrument_has_the_po_partners(client, alice, instruments):
    po = instruments["po-externe-partners"]
    keys = [p["key"] for p in po.partner_types]
    assert "kinderopvang" in keys and "jeugdzorg" in keys
    session = session_on(alice, po, language="nl")
    html = client.get(code_url("join", session)).text
    for key in keys:
        assert f'value="{key}"' in html
    assert 'value="mbo"' not in html


def test_the_lobby_profile_offers_the_instruments_partner_types(client, alice, small):
    session = session_on(alice, small)
    joined(client, session)
    html = client.get(code_url("phone", session), **DUTCH_BROWSER).text
    profile = html[html.index("profile") :]
    assert 'value="kinderopvang"' in profile and "childcare" in profile


def test_the_breakdown_names_groups_in_the_screens_language(alice, small):
    session = session_on(alice, small)
    lifecycle.set_phase(session, "scoring")
    item = Item.objects.get(theme__instrument=small, kind="statement")
    for partner_type in ["kinderopvang"] * 5 + [""] * 5:
        phone = participation.join(session, None, partner_type=partner_type)[0]
        answers.answer(phone, item.pk, "4" if partner_type else "2")
    tallies.publish_all(session.pk)
    lifecycle.set_phase(session, "discussion")
    english = session_results(session.pk, breakdown=True, language="en").themes[0]
    dutch = session_results(session.pk, breakdown=True, language="nl").themes[0]
    assert english.info.title == "Relationship" and dutch.info.title == "Relatie"
    assert english.breakdown == {"childcare": 4.0, "no type given": 2.0}
    assert dutch.breakdown == {"kinderopvang": 4.0, "geen soort opgegeven": 2.0}


# The screens and the reports -------------------------------------------------------------------


def test_the_projector_speaks_the_session_language(alice, small):
    session = scoring(session_on(alice, small))
    results = session_results(session.pk, language=SESSION_LANGUAGE)
    assert results.themes[0].items[0].info.text == "We trust each other."
    _version, fragments = screens.render_screen(session.pk, "projector")
    assert "Relationship" in "".join(fragments.values())


def test_the_dashboard_follows_its_facilitator(alice, alice_client, small):
    session = scoring(session_on(alice, small))
    url = reverse("session_dashboard", args=[session.pk])
    dutch = alice_client.get(url, **DUTCH_BROWSER).text
    assert "We vertrouwen elkaar." in dutch
    english = alice_client.get(url, **ENGLISH_BROWSER).text
    assert "We trust each other." in english
    # the socket's renders follow the language remembered from the last page view
    _version, fragments = screens.render_screen(session.pk, "facilitator")
    assert "We trust each other." in "".join(fragments.values())


def test_the_report_of_an_english_session_is_english(alice, small):
    session = session_on(alice, small)
    agreements.create(session, {"action": "Samen lunchen", "owner": "Els"})
    html = report.render_html(session)
    for english in ("Small instrument", "Relationship", "What will we do?"):
        assert english in html, english
    assert "Klein instrument" not in html and "Wat gaan we doen?" not in html
    csv = report.render_csv(session)
    assert "We trust each other." in csv and "don't know" in csv
    assert "We vertrouwen elkaar." not in csv


def test_the_dutch_report_keeps_the_dutch_texts(alice, small):
    session = session_on(alice, small, language="nl")
    html = report.render_html(session)
    assert "Klein instrument" in html and "Relatie" in html
    assert "Small instrument" not in html


def test_the_new_session_form_names_instruments_in_the_facilitators_language(
    alice_client, instruments
):
    lob = instruments["lob-regio"]
    english = lob.translations["en"]["name"]
    dutch = alice_client.get(reverse("session_new")).text
    assert lob.name in dutch and english not in dutch
    alice_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert english in alice_client.get(reverse("session_new"), HTTP_ACCEPT_LANGUAGE="en").text

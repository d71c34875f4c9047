"""Agreements in a calendar: the .ics files for the facilitator and for phones at the end."""

import re
import socket
from datetime import date

import pytest
from django.urls import reverse
from icalendar import Calendar

from instruments.models import Instrument
from sessions import agreements, lifecycle, participation
from tests.builders import code_url, make_scored_session, stored, valid_agreement

pytestmark = pytest.mark.django_db

NO_DATES = "Er is nog geen afspraak met een datum, dus niets om in je agenda te zetten."
UNDATED = "Deze afspraak heeft geen datum, dus niets om in je agenda te zetten."


@pytest.fixture
def dated(scored_session):
    """Two dated agreements and one without a date in alice's "Voorjaar" (Regio West)."""
    both = agreements.create(
        scored_session,
        valid_agreement(
            answers="theme:visie",
            with_whom="Het Westland College",
            due="2026-09-01",
            review="2026-11-15",
            success="Vijftig bezoekers",
        ),
    )
    due_only = agreements.create(
        scored_session, valid_agreement(action="Stagebank vullen", owner="MBO", due="2027-01-31")
    )
    undated = agreements.create(scored_session, valid_agreement(action="Nadenken", owner="Wij"))
    return both, due_only, undated


def session_file(client, session):
    return client.get(reverse("session_agreements_ics", args=[session.pk]))


def agreement_file(client, session, agreement):
    return client.get(reverse("session_agreement_ics", args=[session.pk, agreement.pk]))


def events(response) -> list:
    assert response.status_code == 200
    return Calendar.from_ical(response.content).walk("VEVENT")


def by_summary(response) -> dict:
    return {str(e["SUMMARY"]): e for e in events(response)}


def joined(client, session):
    """A phone that took part in the session: `client` carries its cookie."""
    participant, token, _created = participation.join(session, None)
    client.cookies[participation.cookie_name(session.code)] = token
    return participant


# The file ---------------------------------------------------------------------------------------


def test_every_date_is_an_all_day_event(alice_client, scored_session, dated):
    response = session_file(alice_client, scored_session)
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert re.fullmatch(
        r'attachment; filename="afspraken-voorjaar-\d{4}-\d{2}-\d{2}\.ics"',
        response["Content-Disposition"],
    )
    found = by_summary(response)
    assert sorted(found) == [
        "Klaar: Organiseren van een open dag",
        "Klaar: Stagebank vullen",
        "Terugkijken: Organiseren van een open dag",
    ]
    due = found["Klaar: Organiseren van een open dag"]
    # All day: a DATE, not a date-time, ending (exclusively) the next day.
    assert type(due.decoded("DTSTART")) is date
    assert due.decoded("DTSTART") == date(2026, 9, 1)
    assert due.decoded("DTEND") == date(2026, 9, 2)
    assert found["Terugkijken: Organiseren van een open dag"].decoded("DTSTART") == date(
        2026, 11, 15
    )
    assert found["Klaar: Stagebank vullen"].decoded("DTSTART") == date(2027, 1, 31)
    assert all("DTSTAMP" in e for e in found.values())


def test_the_calendar_is_named_after_the_session(alice_client, scored_session, dated):
    calendar = Calendar.from_ical(session_file(alice_client, scored_session).content)
    assert str(calendar["X-WR-CALNAME"]) == "Voorjaar"
    assert str(calendar["PRODID"]) and str(calendar["VERSION"]) == "2.0"


def test_the_description_holds_the_other_fields_and_the_session(
    alice_client, scored_session, dated
):
    description = str(
        by_summary(session_file(alice_client, scored_session))[
            "Klaar: Organiseren van een open dag"
        ]["DESCRIPTION"]
    )
    assert "Wie is eigenaar? Gemeente Westland" in description
    assert "Met wie? Het Westland College" in description
    assert "Hoe weten we dat het gewerkt heeft? Vijftig bezoekers" in description
    assert "Op welk thema of welke stelling is dit een antwoord? Visie" in description
    assert "Wanneer kijken we er weer naar? 15 november 2026" in description  # as shown on pages
    assert "Sessie: Voorjaar" in description
    assert "Samenwerkingsverband: Regio West" in description
    # The action is the summary already; the event's own date is the event.
    assert "Wat gaan we doen?" not in description
    assert "Wanneer is het klaar?" not in description


def test_a_long_action_is_cut_in_the_summary_and_whole_in_the_description(
    alice_client, scored_session
):
    action = "Organiseren " + "van een hele lange reeks open dagen " * 10
    agreements.create(scored_session, valid_agreement(action=action, due="2026-09-01"))
    (event,) = events(session_file(alice_client, scored_session))
    assert len(str(event["SUMMARY"])) <= 130 and str(event["SUMMARY"]).endswith("…")
    assert " ".join(action.split()) in str(event["DESCRIPTION"])


def test_uids_are_unique_and_the_same_on_every_download(alice_client, scored_session, dated):
    first = [str(e["UID"]) for e in events(session_file(alice_client, scored_session))]
    second = [str(e["UID"]) for e in events(session_file(alice_client, scored_session))]
    assert len(set(first)) == len(first) == 3
    assert first == second
    assert all(uid.endswith("@afspraken.reflectie.invalid") for uid in first)
    assert not any(socket.gethostname() in uid for uid in first)
    # One agreement's file gives its events the same UIDs as the session's file.
    both = dated[0]
    alone = {str(e["UID"]) for e in events(agreement_file(alice_client, scored_session, both))}
    assert alone < set(first)


def test_one_agreements_file_holds_only_that_agreement(alice_client, scored_session, dated):
    _both, due_only, _undated = dated
    response = agreement_file(alice_client, scored_session, due_only)
    assert list(by_summary(response)) == ["Klaar: Stagebank vullen"]
    assert re.search(r'filename="afspraak-2-voorjaar-[\d-]+\.ics"', response["Content-Disposition"])


def test_another_sheets_date_fields_are_events_too(alice_client, alice, lob):
    fields = [
        *lob.followup_fields,
        {"key": "start", "label": "Wanneer beginnen we?", "kind": "date", "required": False},
    ]
    Instrument.objects.filter(pk=lob.pk).update(followup_fields=fields)
    session = stored(make_scored_session(alice, Instrument.objects.get(pk=lob.pk)))
    agreements.create(session, valid_agreement(start="2026-08-20"))
    (event,) = events(session_file(alice_client, session))
    assert str(event["SUMMARY"]) == "Wanneer beginnen we? Organiseren van een open dag"
    assert event.decoded("DTSTART") == date(2026, 8, 20)


def test_an_english_session_gets_an_english_file(alice_client, alice, lob):
    session = make_scored_session(alice, lob, language="en")
    agreements.create(session, valid_agreement(due="2026-09-01", review="2026-11-15"))
    response = session_file(alice_client, session)
    found = by_summary(response)
    assert sorted(found) == [
        "Due: Organiseren van een open dag",
        "Review: Organiseren van een open dag",
    ]
    description = str(found["Due: Organiseren van een open dag"]["DESCRIPTION"])
    assert "Session: Voorjaar" in description
    assert "Partnership: Regio West" in description
    assert "15 November 2026" in description
    assert 'filename="agreements-voorjaar-' in response["Content-Disposition"]


# Without dates, and for others ------------------------------------------------------------------


def test_without_any_date_the_file_is_refused_with_a_message(alice_client, scored_session):
    agreements.create(scored_session, valid_agreement())
    response = session_file(alice_client, scored_session)
    assert response.status_code == 409
    assert NO_DATES in response.content.decode()
    assert not response["Content-Type"].startswith("text/calendar")


def test_an_undated_agreement_is_refused_with_a_message(alice_client, scored_session, dated):
    response = agreement_file(alice_client, scored_session, dated[2])
    assert response.status_code == 409
    assert UNDATED in response.content.decode()


def test_another_facilitator_gets_404(client, bob, scored_session, dated):
    client.force_login(bob)
    assert session_file(client, scored_session).status_code == 404
    assert agreement_file(client, scored_session, dated[0]).status_code == 404


def test_another_sessions_agreement_is_404(alice_client, alice, lob, scored_session, dated):
    other = make_scored_session(alice, lob, title="Najaar")
    assert agreement_file(alice_client, other, dated[0]).status_code == 404


def test_the_files_are_only_read(alice_client, scored_session, dated):
    address = reverse("session_agreements_ics", args=[scored_session.pk])
    assert alice_client.post(address).status_code == 405


# Phones -----------------------------------------------------------------------------------------


def test_a_phone_gets_the_file_once_the_session_is_closed(client, scored_session, dated):
    joined(client, scored_session)
    before = client.get(code_url("phone_agreements_ics", scored_session))
    assert before.status_code == 403
    assert b"BEGIN:VCALENDAR" not in before.content
    lifecycle.set_phase(scored_session, "closed")
    after = client.get(code_url("phone_agreements_ics", scored_session))
    assert after["Content-Type"] == "text/calendar; charset=utf-8"
    assert len(events(after)) == 3


def test_a_stranger_gets_no_file(client, alice, bob, lob, scored_session, dated):
    lifecycle.set_phase(scored_session, "closed")
    assert client.get(code_url("phone_agreements_ics", scored_session)).status_code == 404
    # A phone of another session, even under this session's cookie name, opens nothing here.
    other = lifecycle.create_session(bob, lob, title="Elders", partnership_name="LOB Oost")
    _participant, token, _created = participation.join(other, None)
    client.cookies[participation.cookie_name(scored_session.code)] = token
    assert client.get(code_url("phone_agreements_ics", scored_session)).status_code == 404


def test_a_phone_gets_a_refusal_when_nothing_is_dated(client, scored_session):
    agreements.create(scored_session, valid_agreement())
    joined(client, scored_session)
    lifecycle.set_phase(scored_session, "closed")
    response = client.get(code_url("phone_agreements_ics", scored_session))
    assert response.status_code == 409
    assert NO_DATES in response.content.decode()


# Links, only where there is a date --------------------------------------------------------------


def test_the_agreements_page_links_dated_agreements_only(alice_client, scored_session, dated):
    both, due_only, undated = dated
    html = alice_client.get(reverse("session_agreements", args=[scored_session.pk])).text
    assert f'href="{reverse("session_agreements_ics", args=[scored_session.pk])}"' in html
    for agreement in (both, due_only):
        assert reverse("session_agreement_ics", args=[scored_session.pk, agreement.pk]) in html
    assert reverse("session_agreement_ics", args=[scored_session.pk, undated.pk]) not in html


def test_without_dates_no_page_links_a_calendar(alice_client, client, scored_session):
    agreements.create(scored_session, valid_agreement())
    ics = reverse("session_agreements_ics", args=[scored_session.pk])
    assert ics not in alice_client.get(reverse("session_agreements", args=[scored_session.pk])).text
    assert ics not in alice_client.get(reverse("session_dashboard", args=[scored_session.pk])).text
    joined(client, scored_session)
    lifecycle.set_phase(scored_session, "closed")
    assert "afspraken.ics" not in client.get(code_url("phone", scored_session)).text


def test_the_dashboard_links_the_file(alice_client, scored_session, dated):
    html = alice_client.get(reverse("session_dashboard", args=[scored_session.pk])).text
    assert 'id="download-ics"' in html
    assert reverse("session_agreements_ics", args=[scored_session.pk]) in html


def test_the_phones_thank_you_links_the_file_next_to_the_report(client, scored_session, dated):
    joined(client, scored_session)
    lifecycle.set_phase(scored_session, "closed")
    html = client.get(code_url("phone", scored_session)).text
    assert f'href="{code_url("phone_report_pdf", scored_session)}"' in html
    assert f'href="{code_url("phone_agreements_ics", scored_session)}"' in html

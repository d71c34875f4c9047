"""The phone in the last part of the hour: agreements live as they are written, then the report."""

import pytest
from django.urls import reverse

from sessions import agreements, lifecycle, participation, timer

COOKIE = participation.COOKIE
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def phone(client, session):
    """A phone that joined: the client carries its device cookie."""
    participant, token, _created = participation.join(session, None)
    client.cookies[COOKIE] = token
    return participant


@pytest.fixture
def followup(session):
    return lifecycle.set_phase(session, "followup")


def url(name, session):
    return reverse(name, args=[session.code])


def agreement(**extra):
    return {"action": "Stagebank voor de regio", "owner": "Gemeente Westland", **extra}


def stage(html: str) -> str:
    """The phone's stage, without the header (which has the language switch's form)."""
    return html[html.index('id="phone-main"') :]


def state(client, session, version):
    return client.get(url("phone_state", session), {"v": version, "k": "followup"}, **HTMX)


# The follow-up stage ----------------------------------------------------------------------------


def test_the_follow_up_stage_lists_the_agreements_read_only(client, session, phone, followup):
    agreements.create(session, agreement(due="2026-09-01"))
    html = client.get(url("phone", session)).text
    assert "We maken afspraken." in html
    assert 'id="agreements"' in html
    assert "Stagebank voor de regio" in html
    assert "Gemeente Westland" in html
    assert "Wat gaan we doen?" in html  # the sheet's labels
    assert "1 september 2026" in html  # dates as people write them
    # Read-only: nothing to fill in or change on the phone.
    assert "<form" not in stage(html)
    assert "<input" not in stage(html).replace('<input type="hidden" name="', "")
    assert url("phone_report_pdf", session) not in html


def test_without_agreements_the_stage_says_so(client, session, phone, followup):
    assert "Nog geen afspraken." in client.get(url("phone", session)).text


def test_hostile_agreement_text_shows_as_text(client, session, phone, followup):
    agreements.create(session, agreement(action="<script>alert(1)</script>", owner="<b>wij</b>"))
    html = client.get(url("phone", session)).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html
    assert "&lt;b&gt;wij&lt;/b&gt;" in html
    response = state(client, session, 0)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    assert "<script>alert(1)" not in response.text


def test_the_state_is_204_until_an_agreement_is_added_then_the_new_list(
    client, session, phone, followup
):
    version = followup.phase_version
    assert state(client, session, version).status_code == 204
    agreements.create(session, agreement())
    session.refresh_from_db()
    assert session.phase_version > version
    response = state(client, session, version)
    assert response.status_code == 200
    assert "HX-Reswap" not in response  # a stage without a form: rendered again
    assert "Stagebank voor de regio" in response.text
    assert "<html" not in response.text
    assert f'name="v" value="{session.phase_version}"' in response.text
    assert state(client, session, session.phase_version).status_code == 204


@pytest.mark.parametrize("change", ["update", "delete", "move"])
def test_every_change_to_the_list_reaches_the_phone(client, session, phone, followup, change):
    first = agreements.create(session, agreement())
    agreements.create(session, agreement(action="Gastlessen in het vo"))
    session.refresh_from_db()
    version = session.phase_version
    if change == "update":
        agreements.update(session, first.pk, agreement(action="Stagebank, nu met het mbo"))
    elif change == "delete":
        agreements.delete(session, first.pk)
    else:
        agreements.move(session, first.pk, "down")
    html = state(client, session, version).text
    if change == "update":
        assert "Stagebank, nu met het mbo" in html
    elif change == "delete":
        assert "Stagebank voor de regio" not in html
    else:
        assert html.index("Gastlessen in het vo") < html.index("Stagebank voor de regio")


def test_the_clock_shows_the_time_left_once_it_runs(client, session, phone, followup):
    assert 'id="phone-clock"' not in client.get(url("phone", session)).text
    timer.start(session)
    html = client.get(url("phone", session)).text
    assert 'id="phone-clock"' in html
    assert 'data-running="1"' in html
    assert "Nog <time" in html
    # A re-render must not interrupt a screen reader: no alerts in the phone's stage.
    assert 'role="alert"' not in html


# The end ----------------------------------------------------------------------------------------


def test_the_closed_stage_has_the_download_and_thanks(client, session, phone, followup):
    agreements.create(session, agreement())
    lifecycle.set_phase(session, "closed")
    html = client.get(url("phone", session)).text
    assert "Bedankt voor het meedoen." in html
    assert f'href="{url("phone_report_pdf", session)}"' in html
    assert 'id="report-download"' in html
    assert "Stagebank voor de regio" in html
    assert "ws-connect" not in html
    assert "<form" not in stage(html)


def test_the_state_after_closing_brings_the_download(client, session, phone, followup):
    version = followup.phase_version
    lifecycle.set_phase(session, "closed")
    response = state(client, session, version)
    assert response.status_code == 200
    assert "Bedankt voor het meedoen." in response.text
    assert f'href="{url("phone_report_pdf", session)}"' in response.text
    assert "/state/" not in response.text  # nothing left to poll


@pytest.mark.parametrize("phase", ["lobby", "scoring", "discussion", "priorities", "followup"])
def test_there_is_no_download_before_closing(client, session, phone, phase):
    lifecycle.set_phase(session, phase)
    assert url("phone_report_pdf", session) not in client.get(url("phone", session)).text


def test_the_phone_downloads_the_pdf_once_closed(client, session, phone, followup):
    agreements.create(session, agreement())
    lifecycle.set_phase(session, "closed")
    response = client.get(url("phone_report_pdf", session))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert response.content.startswith(b"%PDF-")


def test_the_pdf_is_403_before_closing(client, session, phone, followup):
    response = client.get(url("phone_report_pdf", session))
    assert response.status_code == 403
    assert b"%PDF" not in response.content


def test_a_phone_of_another_session_gets_no_pdf(client, alice, bob, lob, session, followup):
    lifecycle.set_phase(session, "closed")
    other = lifecycle.create_session(bob, lob, title="Elders", partnership_name="LOB Oost")
    _participant, token, _created = participation.join(other, None)
    client.cookies[COOKIE] = token
    response = client.get(url("phone_report_pdf", session))
    assert response.status_code in (403, 404)
    assert b"%PDF" not in response.content
    # Closing its own session gives it its own report, still not this one's.
    lifecycle.set_phase(other, "closed")
    assert client.get(url("phone_report_pdf", session)).status_code in (403, 404)
    assert client.get(url("phone_report_pdf", other)).status_code == 200


def test_a_phone_without_a_cookie_gets_no_pdf(client, session, followup):
    lifecycle.set_phase(session, "closed")
    assert client.get(url("phone_report_pdf", session)).status_code == 404

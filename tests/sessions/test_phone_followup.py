"""The phone in the last part of the hour: agreements live as they are written, then the report."""

import pytest

from sessions import agreements, lifecycle, participation, timer
from tests.builders import HTMX, code_url, valid_agreement


@pytest.fixture
def followup_session(lobby_session):
    """The lobby session moved on to the follow-up, where agreements are written."""
    return lifecycle.set_phase(lobby_session, "followup")


def stage(html: str) -> str:
    """The phone's stage, without the header (which has the language switch's form)."""
    return html[html.index('id="phone-main"') :]


def state(client, session, version):
    return client.get(code_url("phone_state", session), {"v": version, "k": "followup"}, **HTMX)


# The follow-up stage ----------------------------------------------------------------------------


def test_the_follow_up_stage_lists_the_agreements_read_only(client, phone, followup_session):
    agreements.create(followup_session, valid_agreement(due="2026-09-01"))
    html = client.get(code_url("phone", followup_session)).text
    assert "We maken afspraken." in html
    assert 'id="agreements"' in html
    assert "Organiseren van een open dag" in html
    assert "Gemeente Westland" in html
    assert "Wat gaan we doen?" in html  # the sheet's labels
    assert "1 september 2026" in html  # dates as people write them
    # Read-only: nothing to fill in or change on the phone.
    assert "<form" not in stage(html)
    assert "<input" not in stage(html).replace('<input type="hidden" name="', "")
    assert code_url("phone_report_pdf", followup_session) not in html


def test_without_agreements_the_stage_says_so(client, phone, followup_session):
    assert "Nog geen afspraken." in client.get(code_url("phone", followup_session)).text


def test_hostile_agreement_text_shows_as_text(client, phone, followup_session):
    agreements.create(
        followup_session, valid_agreement(action="<script>alert(1)</script>", owner="<b>wij</b>")
    )
    html = client.get(code_url("phone", followup_session)).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html
    assert "&lt;b&gt;wij&lt;/b&gt;" in html
    response = state(client, followup_session, 0)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    assert "<script>alert(1)" not in response.text


def test_the_state_is_204_until_an_agreement_is_added_then_the_new_list(
    client, phone, followup_session
):
    version = followup_session.phase_version
    assert state(client, followup_session, version).status_code == 204
    agreements.create(followup_session, valid_agreement())
    followup_session.refresh_from_db()
    assert followup_session.phase_version > version
    response = state(client, followup_session, version)
    assert response.status_code == 200
    assert "HX-Reswap" not in response  # a stage without a form: rendered again
    assert "Organiseren van een open dag" in response.text
    assert "<html" not in response.text
    assert f'name="v" value="{followup_session.phase_version}"' in response.text
    assert state(client, followup_session, followup_session.phase_version).status_code == 204


@pytest.mark.parametrize("change", ["update", "delete", "move"])
def test_every_change_to_the_list_reaches_the_phone(client, phone, followup_session, change):
    first = agreements.create(followup_session, valid_agreement())
    agreements.create(followup_session, valid_agreement(action="Gastlessen in het vo"))
    followup_session.refresh_from_db()
    version = followup_session.phase_version
    if change == "update":
        agreements.update(
            followup_session, first.pk, valid_agreement(action="Stagebank, nu met het mbo")
        )
    elif change == "delete":
        agreements.delete(followup_session, first.pk)
    else:
        agreements.move(followup_session, first.pk, "down")
    html = state(client, followup_session, version).text
    if change == "update":
        assert "Stagebank, nu met het mbo" in html
    elif change == "delete":
        assert "Organiseren van een open dag" not in html
    else:
        assert html.index("Gastlessen in het vo") < html.index("Organiseren van een open dag")


def test_the_clock_shows_the_time_left_once_it_runs(client, phone, followup_session):
    assert 'id="phone-clock"' not in client.get(code_url("phone", followup_session)).text
    timer.start(followup_session)
    html = client.get(code_url("phone", followup_session)).text
    assert 'id="phone-clock"' in html
    assert 'data-running="1"' in html
    assert "Nog <time" in html
    # A re-render must not interrupt a screen reader: no alerts in the phone's stage.
    assert 'role="alert"' not in html


# The end ----------------------------------------------------------------------------------------


def test_the_closed_stage_has_the_download_and_thanks(client, phone, followup_session):
    agreements.create(followup_session, valid_agreement())
    lifecycle.set_phase(followup_session, "closed")
    html = client.get(code_url("phone", followup_session)).text
    assert "Bedankt voor het meedoen." in html
    assert f'href="{code_url("phone_report_pdf", followup_session)}"' in html
    assert 'id="report-download"' in html
    assert "Organiseren van een open dag" in html
    assert "ws-connect" not in html
    assert "<form" not in stage(html)


def test_the_state_after_closing_brings_the_download(client, phone, followup_session):
    version = followup_session.phase_version
    lifecycle.set_phase(followup_session, "closed")
    response = state(client, followup_session, version)
    assert response.status_code == 200
    assert "Bedankt voor het meedoen." in response.text
    assert f'href="{code_url("phone_report_pdf", followup_session)}"' in response.text
    assert "/state/" not in response.text  # nothing left to poll


@pytest.mark.parametrize("phase", ["lobby", "scoring", "discussion", "priorities", "followup"])
def test_there_is_no_download_before_closing(client, lobby_session, phone, phase):
    lifecycle.set_phase(lobby_session, phase)
    assert (
        code_url("phone_report_pdf", lobby_session)
        not in client.get(code_url("phone", lobby_session)).text
    )


def test_the_phone_downloads_the_pdf_once_closed(client, phone, followup_session):
    agreements.create(followup_session, valid_agreement())
    lifecycle.set_phase(followup_session, "closed")
    response = client.get(code_url("phone_report_pdf", followup_session))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert response.content.startswith(b"%PDF-")


def test_the_pdf_is_403_before_closing(client, phone, followup_session):
    response = client.get(code_url("phone_report_pdf", followup_session))
    assert response.status_code == 403
    assert b"%PDF" not in response.content


def test_a_phone_of_another_session_gets_no_pdf(client, alice, bob, lob, followup_session):
    lifecycle.set_phase(followup_session, "closed")
    other = lifecycle.create_session(bob, lob, title="Elders", partnership_name="LOB Oost")
    _participant, token, _created = participation.join(other, None)
    # Even sent under this session's cookie name, another session's token opens nothing here.
    client.cookies[participation.cookie_name(followup_session.code)] = token
    client.cookies[participation.cookie_name(other.code)] = token
    response = client.get(code_url("phone_report_pdf", followup_session))
    assert response.status_code in (403, 404)
    assert b"%PDF" not in response.content
    # Closing its own session gives it its own report, still not this one's.
    lifecycle.set_phase(other, "closed")
    assert client.get(code_url("phone_report_pdf", followup_session)).status_code in (403, 404)
    assert client.get(code_url("phone_report_pdf", other)).status_code == 200


def test_a_phone_without_a_cookie_gets_no_pdf(client, followup_session):
    lifecycle.set_phase(followup_session, "closed")
    assert client.get(code_url("phone_report_pdf", followup_session)).status_code == 404

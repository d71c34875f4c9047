"""Every free-text field of a session keeps to the free-text rule (reflectie/free_text.py):
control characters and bidi overrides are refused with a 400 and nothing is stored; legitimate
text in any script is stored as typed. And every cell of the CSV is defused, headers included.
(The same over HTTP with a large corpus, on SQLite and PostgreSQL: tests/test_hostile_input.py.)
"""

import csv
import io

import pytest
from django.urls import reverse

from sessions import agreements, history, lifecycle, report
from sessions.errors import Invalid
from sessions.models import Agreement, AgreementReview, Session
from tests.builders import HTMX, make_scored_session, valid_agreement

RLO, LRI, PDI = "\u202e", "\u2066", "\u2069"


# Session title and partnership ------------------------------------------------------------------


@pytest.mark.parametrize("field", ["title", "partnership_name"])
@pytest.mark.parametrize("bad", [f"Regio {RLO}tseW", "Regio\x00West", f"{LRI}Regio{PDI}"])
def test_a_session_title_or_partnership_with_a_control_is_refused(alice_client, lob, field, bad):
    data = {
        "instrument": lob.pk,
        "title": "Voorjaar",
        "partnership_name": "West",
        "scoring_mode": "theme",
    }
    data[field] = bad
    response = alice_client.post(reverse("session_new"), data)
    assert response.status_code == 400
    assert "stuurteken" in response.content.decode()
    assert not Session.objects.exists()


def test_the_service_refuses_a_bidi_title_too(alice, lob):
    with pytest.raises(Invalid, match="Titel van de sessie"):
        lifecycle.create_session(alice, lob, title=f"a{RLO}b", partnership_name="West")
    assert not Session.objects.exists()


def test_an_arabic_title_and_a_hebrew_partnership_are_accepted(alice_client, lob):
    data = {
        "instrument": lob.pk,
        "title": "لقاء الربيع",
        "partnership_name": "שותפות צפון",
        "scoring_mode": "theme",
    }
    response = alice_client.post(reverse("session_new"), data)
    assert response.status_code == 302
    session = Session.objects.get()
    assert (session.title, session.partnership.name) == ("لقاء الربيع", "שותפות צפון")


# Agreements and the look back -------------------------------------------------------------------


@pytest.mark.parametrize("field", ["action", "owner", "with_whom", "success"])
@pytest.mark.parametrize("bad", [f"x{RLO}y", f"x{LRI}y{PDI}", "x\x00y", "x\x1by"])
def test_an_agreement_field_with_a_control_or_bidi_override_is_refused(
    alice_client, lobby_session, field, bad
):
    url = reverse("session_agreements", args=[lobby_session.pk])
    response = alice_client.post(url, valid_agreement(**{field: bad}), **HTMX)
    assert response.status_code == 400
    assert "stuurteken" in response.content.decode()
    assert not Agreement.objects.exists()


def test_an_agreement_keeps_the_lines_of_long_text_and_any_script(lobby_session):
    agreement = agreements.create(
        lobby_session,
        valid_agreement(
            action="تنظيم يوم مفتوح",
            with_whom="בית ספר  ירוק\nen de gemeente",
            success="Tien scholen doen mee.\r\nZe melden 👍\n\nen tellen.",
        ),
    )
    assert agreement.fields["action"] == "تنظيم يوم مفتوح"
    assert agreement.fields["with_whom"] == "בית ספר ירוק en de gemeente"  # one line
    assert agreement.fields["success"] == "Tien scholen doen mee.\nZe melden 👍\n\nen tellen."


@pytest.fixture
def looking_back(alice, lob):
    """An agreement of an earlier session, and the later session that looks back at it."""
    earlier = lifecycle.create_session(alice, lob, title="Vorig jaar", partnership_name="Oost")
    agreement = agreements.create(earlier, valid_agreement())
    later = lifecycle.create_session(alice, lob, title="Dit jaar", partnership_name="Oost")
    return later, agreement


@pytest.mark.parametrize("note", ["Geen\x00budget", f"Geen {RLO}tegdub", "a\x9bb"])
def test_a_review_note_with_a_nul_or_override_is_refused(alice_client, looking_back, note):
    later, agreement = looking_back
    url = reverse("session_review", args=[later.pk])
    response = alice_client.post(url, {"agreement": agreement.pk, "status": "loopt", "note": note})
    assert response.status_code == 400
    assert not AgreementReview.objects.exists()


def test_a_review_note_in_hebrew_is_stored(looking_back):
    later, agreement = looking_back
    review = history.review(later, agreement.pk, "loopt", "אין תקציב עדיין")
    assert review.note == "אין תקציב עדיין"


# The CSV: every cell defused --------------------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def test_the_dont_know_header_is_defused(alice, lob):
    lob.dont_know_label = '=HYPERLINK("http://evil.example","weet ik niet")'
    lob.save(update_fields=["dont_know_label"])
    session = make_scored_session(alice, lob)
    header = next(csv.reader(io.StringIO(report.render_csv(session)), delimiter=";"))
    assert header[10] == "'" + lob.dont_know_label


def test_no_cell_of_the_csv_starts_a_formula(alice, lob):
    lob.dont_know_label = "@weet ik niet"
    lob.followup_fields = [
        {**f, "label": "-" + f["label"]} if f["key"] == "owner" else f for f in lob.followup_fields
    ]
    lob.save(update_fields=["dont_know_label", "followup_fields"])
    theme = lob.themes.first()
    theme.title = "+Visie"
    theme.save(update_fields=["title"])
    statement = theme.items.filter(kind="statement").first()
    statement.text = "=1+1"
    statement.save(update_fields=["text"])
    session = make_scored_session(alice, lob)
    agreements.create(session, valid_agreement(action="@SUM(A1)", with_whom="\tTab"))
    cells = [
        cell
        for row in csv.reader(io.StringIO(report.render_csv(session)), delimiter=";")
        for cell in row
    ]
    assert [cell for cell in cells if cell.startswith(FORMULA_STARTS)] == []
    for defused in ("'@weet ik niet", "'-Wie is eigenaar?", "'+Visie", "'=1+1", "'@SUM(A1)"):
        assert defused in cells

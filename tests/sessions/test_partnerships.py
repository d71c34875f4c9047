"""A partnership over time: its page, its members, its next session and its PDF."""

import re
from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from sessions import agreements, history, lifecycle, partnerships, trend_chart
from sessions.errors import Invalid, NotAllowed, NotFound
from sessions.models import AgreementReview, Partnership, PartnershipMember, Session
from tests.builders import fragment, make_scored_session, pdf_text, squeeze, valid_agreement


def three_sessions(alice, lob):
    """Spring, autumn and winter of "Regio West" on the LOB tool, visie going 3,5 → 4,5 → 2,5."""
    first = make_scored_session(alice, lob, title="Voorjaar", scores={"visie": [3, 3, 4, 4]})
    second = make_scored_session(alice, lob, title="Najaar", scores={"visie": [4, 4, 5, 5]})
    third = make_scored_session(alice, lob, title="Winter", scores={"visie": [2, 2, 3, 3]})
    return first, second, third


@pytest.fixture
def carol(db):
    return get_user_model().objects.create_user("carol", password="carol-password-1")


def page(client, partnership) -> str:
    response = client.get(reverse("partnership_page", args=[partnership.pk]))
    assert response.status_code == 200
    return response.content.decode()


# The history ------------------------------------------------------------------------------------


def test_three_sessions_draw_three_points_per_theme(alice, lob, alice_client):
    first, _second, _third = three_sessions(alice, lob)
    overview = partnerships.overview(first.partnership)
    [lob_history] = overview.histories
    assert [row.session.title for row in lob_history.rows] == ["Voorjaar", "Najaar", "Winter"]
    visie = next(s for s in lob_history.series if s.key == "visie")
    assert [p.value for p in visie.chart.points] == [3.5, 4.5, 2.5]
    # Every theme with statements has its chart, each with one point per session.
    assert len(lob_history.series) == 6
    html = page(alice_client, first.partnership)
    for series in lob_history.series:
        chart = fragment(html, f"trend-lob-regio-{series.key}")
        assert chart.count("<circle") == 3, series.key
    visie_html = fragment(html, "trend-lob-regio-visie")
    assert "3,5" in visie_html and "4,5" in visie_html and "2,5" in visie_html
    # The band thresholds are drawn, and named, behind the line.
    assert visie_html.count('stroke-dasharray="6 4"') == 2
    assert "sterk punt" in visie_html and "zorgpunt" in visie_html


def test_a_point_is_higher_for_a_higher_mean_and_missing_means_are_left_out():
    chart = trend_chart.make_trend_chart("Visie", ["a", "b", "c"], [2.0, None, 4.0], (1, 5))
    low, missing, high = chart.points
    assert missing.y is None and high.y < low.y
    svg = trend_chart.svg_document(chart)
    assert svg.count("<circle") == 2
    assert "geen gemiddelde" in chart.description


def test_the_chart_escapes_its_title():
    chart = trend_chart.make_trend_chart("<script>", ["1-1-2026"], [3.0], (1, 5))
    assert "<script>" not in trend_chart.svg_document(chart)


def test_the_page_lists_every_session_with_participants_bands_and_its_pdf(alice, lob, alice_client):
    first, second, third = three_sessions(alice, lob)
    html = page(alice_client, first.partnership)
    for session in (first, second, third):
        assert reverse("session_report_pdf", args=[session.pk]) in html
        assert reverse("session_dashboard", args=[session.pk]) in html
    rows = re.findall(r"<tr>\s*<th scope=\"row\"><a href=\"/sessies/\d+/\">(\w+)</a>", html)
    assert rows == ["Voorjaar", "Najaar", "Winter"]
    assert 'class="band band-sterk">sterk punt' in html  # visie 4,5 in autumn
    assert 'class="band band-zorg">zorgpunt' in html  # visie 2,5 in winter
    assert reverse("partnership_report_pdf", args=[first.partnership.pk]) in html


def test_agreements_whose_review_date_has_passed_are_due(alice, lob, alice_client):
    first, second, _third = three_sessions(alice, lob)
    today = date.today()
    past, future = (today - timedelta(days=3)).isoformat(), (today + timedelta(days=30)).isoformat()
    agreements.create(first, valid_agreement(action="Stagebank opzetten", review=past))
    agreements.create(first, valid_agreement(action="Netwerkdag houden", review=future))
    done = agreements.create(first, valid_agreement(action="Website vernieuwen", review=past))
    late = agreements.create(second, valid_agreement(action="Ouderavond plannen", due=past))
    history.review(second, done.pk, AgreementReview.Status.DONE)

    overview = partnerships.overview(first.partnership)
    assert len(overview.agreements) == 4
    due = {a.action: a for a in overview.due}
    assert set(due) == {"Stagebank opzetten", "Ouderavond plannen"}
    assert due["Stagebank opzetten"].review_due and not due["Stagebank opzetten"].overdue
    assert due["Ouderavond plannen"].overdue
    by_action = {a.action: a for a in overview.agreements}
    assert by_action["Website vernieuwen"].status_label == "gedaan"
    assert not by_action["Netwerkdag houden"].review_due

    html = page(alice_client, first.partnership)
    due_section = html.split('id="due-heading"')[1].split("</section>")[0]
    assert "Stagebank opzetten" in due_section and "Ouderavond plannen" in due_section
    assert "Netwerkdag houden" not in due_section and "Website vernieuwen" not in due_section
    # Each dated agreement goes into a calendar from here too.
    assert reverse("session_agreement_ics", args=[second.pk, late.pk]) in html


def test_the_latest_review_decides_how_an_agreement_stands(alice, lob):
    first, second, third = three_sessions(alice, lob)
    made = agreements.create(first, valid_agreement(action="Stagebank opzetten"))
    history.review(second, made.pk, AgreementReview.Status.ONGOING)
    history.review(third, made.pk, AgreementReview.Status.STOPPED, "Geen budget meer")
    [status] = partnerships.overview(first.partnership).agreements
    assert status.status == AgreementReview.Status.STOPPED
    assert status.note == "Geen budget meer"


def test_instruments_are_kept_apart(alice, lob, instruments, alice_client):
    make_scored_session(alice, lob, title="Lob")
    po = instruments["po-externe-partners"]
    make_scored_session(alice, po, title="Po")
    overview = partnerships.overview(Partnership.objects.get(name="Regio West"))
    assert [h.slug for h in overview.histories] == ["lob-regio", "po-externe-partners"]
    assert all(len(h.rows) == 1 for h in overview.histories)


# Members ----------------------------------------------------------------------------------------


def test_a_member_runs_a_session_of_a_shared_partnership_and_a_non_member_gets_404(
    alice, bob, carol, lob, client
):
    first, _second, _third = three_sessions(alice, lob)
    partnership = first.partnership
    partnerships.add_member(partnership, alice, "bob")

    client.force_login(bob)
    assert client.get(reverse("partnership_page", args=[partnership.pk])).status_code == 200
    assert client.get(reverse("session_dashboard", args=[first.pk])).status_code == 200
    response = client.post(reverse("session_phase", args=[first.pk]), {"phase": "scoring"})
    assert response.status_code == 302
    assert Session.objects.get(pk=first.pk).phase == "scoring"
    # bob's own session of the shared partnership is filed under it, and alice sees it.
    response = client.post(reverse("partnership_next_session", args=[partnership.pk]))
    new = Session.objects.latest("created_at")
    assert response.status_code == 302 and new.facilitator == bob
    assert new.partnership == partnership
    client.force_login(alice)
    assert client.get(reverse("session_dashboard", args=[new.pk])).status_code == 200

    client.force_login(carol)
    for url in (
        reverse("partnership_page", args=[partnership.pk]),
        reverse("session_dashboard", args=[first.pk]),
        reverse("session_report_pdf", args=[first.pk]),
        reverse("partnership_report_pdf", args=[partnership.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(reverse("partnership_next_session", args=[partnership.pk])).status_code == 404
    )
    closing = client.post(reverse("session_phase", args=[first.pk]), {"phase": "closed"})
    assert closing.status_code == 404
    assert Session.objects.get(pk=first.pk).phase == "scoring"


def test_only_the_shared_partnership_is_shared(alice, bob, lob, client):
    shared = make_scored_session(alice, lob, title="Gedeeld", partnership="Regio West")
    private = make_scored_session(alice, lob, title="Privé", partnership="Regio Oost")
    partnerships.add_member(shared.partnership, alice, "bob")
    client.force_login(bob)
    assert client.get(reverse("session_dashboard", args=[private.pk])).status_code == 404
    assert client.get(reverse("partnership_page", args=[private.partnership.pk])).status_code == 404
    listing = client.get(reverse("session_list")).content.decode()
    assert "Gedeeld" in listing and "Privé" not in listing


def test_a_removed_member_loses_the_partnership_but_keeps_their_own_sessions(
    alice, bob, lob, client
):
    first = make_scored_session(alice, lob, title="Van Alice")
    partnerships.add_member(first.partnership, alice, "bob")
    own = partnerships.next_session(first.partnership, bob)
    partnerships.remove_member(first.partnership, alice, bob.pk)
    client.force_login(bob)
    assert client.get(reverse("session_dashboard", args=[first.pk])).status_code == 404
    assert client.get(reverse("session_dashboard", args=[own.pk])).status_code == 200
    # And the history still holds bob's session for alice.
    assert [r.session for r in partnerships.overview(first.partnership).histories[0].rows] == [
        first,
        own,
    ]


def test_the_look_back_reaches_the_members_sessions(alice, bob, lob):
    first = make_scored_session(alice, lob, title="Voorjaar")
    agreements.create(first, valid_agreement(action="Stagebank opzetten"))
    partnerships.add_member(first.partnership, alice, "bob")
    second = partnerships.next_session(first.partnership, bob)
    assert [e.agreement.fields["action"] for e in history.earlier_agreements(second)] == [
        "Stagebank opzetten"
    ]
    assert history.review_summary(second).count == 1
    assert history.previous_session(second) == first


def test_only_the_owner_adds_and_removes_members(alice, bob, carol, lob):
    partnership = make_scored_session(alice, lob).partnership
    partnerships.add_member(partnership, alice, "bob")
    with pytest.raises(NotAllowed):
        partnerships.add_member(partnership, bob, "carol")
    partnerships.add_member(partnership, alice, "carol")
    with pytest.raises(NotAllowed):
        partnerships.remove_member(partnership, bob, carol.pk)
    partnerships.remove_member(partnership, bob, bob.pk)  # leaving is allowed
    assert [m.username for m in partnerships.members(partnership)] == ["carol"]


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("", "Vul een gebruikersnaam in."),
        ("niemand", "Er is geen gespreksleider met de gebruikersnaam niemand."),
        ("alice", "De eigenaar hoort al bij dit samenwerkingsverband."),
        ("bob", "bob is al lid."),
        ("bob\u202e", "Samenwerkingsverband"),  # any hostile text: refused, not stored
    ],
)
def test_adding_a_member_refuses_clearly(alice, bob, lob, alice_client, username, message):
    partnership = make_scored_session(alice, lob).partnership
    if username == "bob":
        partnerships.add_member(partnership, alice, "bob")
    before = PartnershipMember.objects.count()
    response = alice_client.post(
        reverse("partnership_add_member", args=[partnership.pk]), {"username": username}
    )
    assert response.status_code == 400
    assert PartnershipMember.objects.count() == before
    if username != "bob\u202e":
        assert message in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()


def test_the_owner_adds_a_member_on_the_page(alice, bob, lob, alice_client):
    partnership = make_scored_session(alice, lob).partnership
    response = alice_client.post(
        reverse("partnership_add_member", args=[partnership.pk]), {"username": "bob"}, follow=True
    )
    assert "De collega is toegevoegd." in response.content.decode()
    assert PartnershipMember.objects.filter(partnership=partnership, user=bob).exists()


def test_a_member_cannot_manage_members_or_delete_the_partnership(alice, bob, lob, client):
    partnership = make_scored_session(alice, lob).partnership
    partnerships.add_member(partnership, alice, "bob")
    client.force_login(bob)
    html = page(client, partnership)
    assert "partnership_add_member" not in html and 'name="username"' not in html
    response = client.post(
        reverse("partnership_add_member", args=[partnership.pk]), {"username": "alice"}
    )
    assert response.status_code == 403
    assert client.get(reverse("partnership_delete", args=[partnership.pk])).status_code == 404


def test_removing_someone_who_is_not_a_member_is_a_404(alice, lob):
    partnership = make_scored_session(alice, lob).partnership
    with pytest.raises(NotFound):
        partnerships.remove_member(partnership, alice, 999)


def test_a_member_files_a_new_session_under_the_shared_partnership_by_name(alice, bob, lob):
    partnership = make_scored_session(alice, lob).partnership
    partnerships.add_member(partnership, alice, "bob")
    session = lifecycle.create_session(bob, lob, title="Van Bob", partnership_name="Regio West")
    assert session.partnership == partnership
    # Their own of the same name comes first.
    own = Partnership.objects.create(owner=bob, name="Regio West")
    later = lifecycle.create_session(bob, lob, title="Weer", partnership_name="Regio West")
    assert later.partnership == own


# The next session -------------------------------------------------------------------------------


def test_the_next_session_takes_the_last_ones_instrument_language_and_mode(alice, lob):
    from instruments.services import new_version

    first = make_scored_session(alice, lob, title="Voorjaar", language="en")
    lifecycle.set_scoring_mode(first, Session.Mode.ALL)
    lob_v2 = new_version(lob)
    session = partnerships.next_session(first.partnership, alice)
    assert session.instrument == lob_v2  # the newest version of the same instrument
    assert session.language == "en"
    assert session.scoring_mode == Session.Mode.ALL
    assert session.partnership == first.partnership
    assert session.phase == Session.Phase.LOBBY
    assert "Regio West" in session.title


def test_a_partnership_without_sessions_has_no_next_session(alice):
    partnership = Partnership.objects.create(owner=alice, name="Leeg")
    with pytest.raises(Invalid):
        partnerships.next_session(partnership, alice)


def test_seeing_all_is_not_running_others_partnerships(alice, admin_user, lob, client):
    first = make_scored_session(alice, lob)
    client.force_login(admin_user)
    assert client.get(reverse("partnership_page", args=[first.partnership.pk])).status_code == 200
    response = client.post(reverse("partnership_next_session", args=[first.partnership.pk]))
    assert response.status_code == 403
    assert Session.objects.count() == 1


# The PDF ----------------------------------------------------------------------------------------


def test_the_partnership_pdf_holds_every_session_and_agreement(alice, lob, alice_client):
    first, second, third = three_sessions(alice, lob)
    past = (date.today() - timedelta(days=3)).isoformat()
    agreements.create(first, valid_agreement(action="Stagebank opzetten", review=past))
    response = alice_client.get(reverse("partnership_report_pdf", args=[first.partnership.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "samenwerkingsverband-regio-west" in response["Content-Disposition"]
    text = squeeze(pdf_text(response.content))
    for title in ("Voorjaar", "Najaar", "Winter", "Stagebankopzetten", "nuterugkijken"):
        assert title in text, title
    assert "RegioWest" in text


def test_a_members_screens_may_open_the_sessions_socket(alice, bob, carol, lob):
    from sessions.access import user_controls

    session = make_scored_session(alice, lob)
    assert not user_controls(bob.pk, False, session.pk)
    partnerships.add_member(session.partnership, alice, "bob")
    assert user_controls(bob.pk, False, session.pk)
    assert not user_controls(carol.pk, False, session.pk)


def test_a_member_does_not_delete_a_colleagues_session(alice, bob, lob, client):
    first = make_scored_session(alice, lob)
    partnerships.add_member(first.partnership, alice, "bob")
    own = partnerships.next_session(first.partnership, bob)
    client.force_login(bob)
    response = client.post(reverse("session_delete", args=[first.pk]))
    assert response.status_code == 403
    assert "eigenaar van het verband" in response.content.decode()
    assert Session.objects.filter(pk=first.pk).exists()
    listing = client.get(reverse("session_list")).content.decode()
    assert reverse("session_delete", args=[first.pk]) not in listing
    assert reverse("session_delete", args=[own.pk]) in listing
    assert client.post(reverse("session_delete", args=[own.pk])).status_code == 302
    # The owner may delete a member's session of the partnership.
    theirs = partnerships.next_session(first.partnership, bob)
    client.force_login(alice)
    assert client.post(reverse("session_delete", args=[theirs.pk])).status_code == 302
    assert not Session.objects.filter(pk__in=[own.pk, theirs.pk]).exists()

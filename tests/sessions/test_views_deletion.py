"""A facilitator deletes by hand: a session, a partnership with its sessions, one participant.

Each is a confirmation page (GET) and a POST; anyone who does not control it gets a 404."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from sessions import agreements, answers, lifecycle, participation, sharing
from sessions.models import (
    Agreement,
    Participant,
    Partnership,
    PriorityChoice,
    Response,
    Session,
    ShareLink,
    Tally,
)
from tests.builders import fragment, make_scored_session, statements_of, valid_agreement

pytestmark = pytest.mark.django_db


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def rows_of(session_id: int) -> dict:
    return {
        model.__name__: model.objects.filter(session_id=session_id).count()
        for model in (Participant, Response, PriorityChoice, Tally, Agreement, ShareLink)
    }


@pytest.fixture
def full_session(alice, lob):
    """alice's scored session with an agreement and a share link."""
    session = make_scored_session(alice, lob, title="Voorjaar", partnership="Regio West")
    agreements.create(session, valid_agreement())
    sharing.create_link(session)
    return session


# Sessions ---------------------------------------------------------------------------------------


def test_the_confirmation_page_says_what_goes_and_has_a_real_button(alice_client, full_session):
    url = reverse("session_delete", args=[full_session.pk])
    response = alice_client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Sessie „Voorjaar” verwijderen?" in html
    assert "Deelnemers: 4" in html
    assert "Afspraken: 1" in html
    assert "Deellinks: 1" in html
    assert "Dit kan niet ongedaan worden gemaakt." in html
    form = re.search(rf'<form method="post" action="{url}".*?</form>', html, re.S).group(0)
    assert "csrfmiddlewaretoken" in form
    assert '<button type="submit" class="button destructive">' in form
    assert "Sessie definitief verwijderen" in form
    assert Session.objects.filter(pk=full_session.pk).exists()  # a GET deletes nothing


def test_deleting_a_session_deletes_all_of_it_and_goes_to_the_session_list(
    alice_client, full_session, lobby_session
):
    kept = rows_of(lobby_session.pk)
    response = alice_client.post(reverse("session_delete", args=[full_session.pk]), follow=True)
    assert response.redirect_chain == [(reverse("session_list"), 302)]
    assert "De sessie is verwijderd." in messages_of(response)
    assert not Session.objects.filter(pk=full_session.pk).exists()
    assert set(rows_of(full_session.pk).values()) == {0}
    assert rows_of(lobby_session.pk) == kept
    # Its partnership stays: it may have other sessions, and can be deleted on its own.
    assert Partnership.objects.filter(name="Regio West").exists()


def test_deleting_a_session_also_deletes_later_looks_back_at_its_agreements(alice, lob):
    earlier = make_scored_session(alice, lob, title="Vorig jaar", partnership="Oost")
    agreement = agreements.create(earlier, valid_agreement())
    later = lifecycle.create_session(alice, lob, title="Dit jaar", partnership_name="Oost")
    later.reviews.create(agreement=agreement, status="loopt")
    client = Client()
    client.force_login(alice)
    html = client.get(reverse("session_delete", args=[earlier.pk])).content.decode()
    assert "Daarbij is 1 terugblik in een latere sessie op een afspraak van deze sessie." in html
    client.post(reverse("session_delete", args=[earlier.pk]))
    assert Session.objects.filter(pk=later.pk).exists()
    assert not later.reviews.exists()


def test_the_dashboard_and_the_session_list_link_to_deleting(alice_client, lobby_session):
    url = reverse("session_delete", args=[lobby_session.pk])
    dashboard = alice_client.get(reverse("session_dashboard", args=[lobby_session.pk]))
    assert f'href="{url}"' in dashboard.content.decode()
    listing = alice_client.get(reverse("session_list")).content.decode()
    assert f'href="{url}"' in listing


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_facilitator_gets_a_404_and_deletes_nothing(client, bob, full_session, method):
    client.force_login(bob)
    before = rows_of(full_session.pk)
    response = getattr(client, method)(reverse("session_delete", args=[full_session.pk]))
    assert response.status_code == 404
    assert rows_of(full_session.pk) == before


def test_an_anonymous_visitor_is_sent_to_log_in(client, full_session):
    response = client.post(reverse("session_delete", args=[full_session.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert Session.objects.filter(pk=full_session.pk).exists()


def test_a_post_without_the_csrf_token_is_refused(alice, full_session):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = client.post(reverse("session_delete", args=[full_session.pk]))
    assert response.status_code == 403
    assert Session.objects.filter(pk=full_session.pk).exists()


def test_deleting_a_deleted_session_again_is_a_404(alice_client, full_session):
    url = reverse("session_delete", args=[full_session.pk])
    alice_client.post(url)
    assert alice_client.post(url).status_code == 404


def test_other_methods_are_refused(alice_client, full_session):
    response = alice_client.put(reverse("session_delete", args=[full_session.pk]))
    assert response.status_code == 405
    assert Session.objects.filter(pk=full_session.pk).exists()


# Partnerships -----------------------------------------------------------------------------------


@pytest.fixture
def partnership(alice, lob, full_session):
    """alice's partnership Regio West with two sessions (the full one and another)."""
    make_scored_session(alice, lob, title="Najaar", partnership="Regio West")
    return Partnership.objects.get(owner=alice, name="Regio West")


def test_the_session_list_lists_alices_partnerships_with_a_delete_link(
    alice_client, partnership, bob, lob
):
    lifecycle.create_session(bob, lob, title="Bobs sessie", partnership_name="Bobs verband")
    html = alice_client.get(reverse("session_list")).content.decode()
    section = fragment(html, "partnerships")
    assert "Regio West" in section
    assert "<td>2</td>" in section
    assert reverse("partnership_delete", args=[partnership.pk]) in section
    assert "Bobs verband" not in html


def test_the_partnership_page_lists_its_sessions(alice_client, partnership):
    url = reverse("partnership_delete", args=[partnership.pk])
    html = alice_client.get(url).content.decode()
    assert "Samenwerkingsverband „Regio West” verwijderen?" in html
    assert "Voorjaar" in html and "Najaar" in html
    assert "Sessies: 2" in html
    assert "Deelnemers: 8" in html
    assert '<button type="submit" class="button destructive">' in html


def test_deleting_a_partnership_deletes_its_sessions_and_all_of_theirs(
    alice_client, partnership, lobby_session
):
    ids = list(partnership.sessions.values_list("pk", flat=True))
    response = alice_client.post(reverse("partnership_delete", args=[partnership.pk]), follow=True)
    assert response.redirect_chain == [(reverse("session_list"), 302)]
    assert "Het samenwerkingsverband en al zijn sessies zijn verwijderd." in messages_of(response)
    assert not Partnership.objects.filter(pk=partnership.pk).exists()
    assert not Session.objects.filter(pk__in=ids).exists()
    for pk in ids:
        assert set(rows_of(pk).values()) == {0}
    # Another partnership's session stays.
    assert Session.objects.filter(pk=lobby_session.pk).exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_facilitator_cannot_delete_alices_partnership(client, bob, partnership, method):
    client.force_login(bob)
    response = getattr(client, method)(reverse("partnership_delete", args=[partnership.pk]))
    assert response.status_code == 404
    assert partnership.sessions.count() == 2


def test_an_unknown_partnership_is_a_404(alice_client):
    assert alice_client.get(reverse("partnership_delete", args=[999999])).status_code == 404


def test_a_partnership_delete_without_csrf_token_is_refused(alice, partnership):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = client.post(reverse("partnership_delete", args=[partnership.pk]))
    assert response.status_code == 403
    assert Partnership.objects.filter(pk=partnership.pk).exists()


def test_a_failed_partnership_delete_leaves_everything(alice_client, partnership, monkeypatch):
    """Sessions go before their partnership, in one transaction: a failure after the sessions
    leaves them in place."""
    from django.db.models import QuerySet

    original = QuerySet.delete

    def fail_on_partnership(queryset):
        if queryset.model is Partnership:
            raise RuntimeError("database gone")
        return original(queryset)

    monkeypatch.setattr(QuerySet, "delete", fail_on_partnership)
    with pytest.raises(RuntimeError):
        alice_client.post(reverse("partnership_delete", args=[partnership.pk]))
    assert partnership.sessions.count() == 2


# Participants -----------------------------------------------------------------------------------


@pytest.fixture
def room(alice_client, all_at_once_session):
    """Three phones in the session scoring everything: a vo phone that answered two
    statements, a gemeente phone that answered one, and one that answered nothing."""
    items = statements_of(all_at_once_session.instrument)
    phones = []
    for partner_type, values in (("vo", [5, 1]), ("gemeente", [2]), ("", [])):
        participant, _token, _created = participation.join(
            all_at_once_session, None, partner_type=partner_type
        )
        for item, value in zip(items, values, strict=False):
            answers.answer(participant, item.pk, value)
        phones.append(participant)
    return all_at_once_session, phones


def test_the_participants_page_lists_them_in_order_without_scores(alice_client, room):
    session, phones = room
    html = alice_client.get(reverse("session_participants", args=[session.pk])).content.decode()
    rows = re.findall(r"<tr>\s*<th scope=\"row\">(\d+)</th>(.*?)</tr>", html, re.S)
    assert [number for number, _row in rows] == ["1", "2", "3"]
    cells = [re.findall(r"<td>(.*?)</td>", row, re.S) for _number, row in rows]
    assert [c[0] for c in cells][:2] == ["vo", "gemeente"]
    assert "niet opgegeven" in cells[2][0]
    assert [c[2] for c in cells] == ["2", "1", "0"]
    for phone, cell in zip(phones, cells, strict=True):
        url = reverse("session_participant_remove", args=[session.pk, phone.pk])
        assert f'href="{url}"' in cell[3]
    # Four columns of facts, none of them a score.
    assert "Beantwoorde stellingen" in html
    assert len(cells[0]) == 4


def test_the_dashboard_links_to_the_participants(alice_client, lobby_session):
    html = alice_client.get(reverse("session_dashboard", args=[lobby_session.pk])).content.decode()
    assert reverse("session_participants", args=[lobby_session.pk]) in html


def test_the_removal_page_explains_when_their_answers_leave_the_results(alice_client, room):
    session, phones = room
    url = reverse("session_participant_remove", args=[session.pk, phones[1].pk])
    html = alice_client.get(url).content.decode()
    assert "Deelnemer 2 verwijderen?" in html
    assert "samen met de volgende wijzigingen van anderen" in html
    assert '<button type="submit" class="button destructive">' in html
    assert Participant.objects.filter(pk=phones[1].pk).exists()


def test_removing_a_participant_withdraws_them(alice_client, room, monkeypatch):
    from sessions import tallies

    session, phones = room
    withdrawn = []
    real = tallies.withdraw
    monkeypatch.setattr(tallies, "withdraw", lambda p: (withdrawn.append(p.pk), real(p)))
    url = reverse("session_participant_remove", args=[session.pk, phones[0].pk])
    response = alice_client.post(url, follow=True)
    assert response.redirect_chain == [(reverse("session_participants", args=[session.pk]), 302)]
    assert "De deelnemer is verwijderd." in messages_of(response)
    assert withdrawn == [phones[0].pk]
    assert not Participant.objects.filter(pk=phones[0].pk).exists()
    assert not Response.objects.filter(participant_id=phones[0].pk).exists()
    assert session.participants.count() == 2


def test_a_participant_of_another_session_is_a_404_with_a_message(alice_client, room, alice, lob):
    session, _phones = room
    other = make_scored_session(alice, lob, title="Ander", people=1)
    stranger = other.participants.get()
    url = reverse("session_participant_remove", args=[session.pk, stranger.pk])
    for method in ("get", "post"):
        response = getattr(alice_client, method)(url)
        assert response.status_code == 404
        assert "Deze deelnemer bestaat niet (meer) in deze sessie." in response.content.decode()
    assert Participant.objects.filter(pk=stranger.pk).exists()


def test_removing_a_removed_participant_again_is_a_404(alice_client, room):
    session, phones = room
    url = reverse("session_participant_remove", args=[session.pk, phones[0].pk])
    alice_client.post(url)
    assert alice_client.post(url).status_code == 404


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_facilitator_cannot_see_or_remove_participants(client, bob, room, method):
    session, phones = room
    client.force_login(bob)
    url = reverse("session_participant_remove", args=[session.pk, phones[0].pk])
    assert getattr(client, method)(url).status_code == 404
    assert client.get(reverse("session_participants", args=[session.pk])).status_code == 404
    assert session.participants.count() == 3

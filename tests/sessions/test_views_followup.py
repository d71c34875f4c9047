"""Follow-up pages: report downloads, share links, phones, agreements, the clock, the look back."""

import io
import re

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from instruments.models import Item
from sessions import agreements, history, lifecycle, participation, sharing
from sessions.models import Agreement, AgreementReview, Session, ShareLink
from tests.builders import HTMX, make_scored_session, pdf_text, valid_agreement


@pytest.fixture
def agreement(scored_session):
    return agreements.create(scored_session, valid_agreement(answers="theme:visie"))


def url(name, *args):
    return reverse(name, args=args)


def is_pdf(response) -> bool:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response["Content-Type"] == "application/pdf" and body.startswith(b"%PDF")


# The report -------------------------------------------------------------------------------------


def test_the_facilitator_downloads_the_pdf_at_any_time(alice_client, alice, lob):
    # A title with punctuation, to see it become a plain file name.
    session = make_scored_session(
        alice, lob, title="Voorjaar: LOB & doorstroom", scores={"visie": [3, 3, 4, 4]}
    )
    agreements.create(session, valid_agreement(answers="theme:visie"))
    response = alice_client.get(url("session_report_pdf", session.pk))
    assert response.status_code == 200 and is_pdf(response)
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert re.search(
        r'filename="verslag-voorjaar-lob-doorstroom-\d{4}-\d{2}-\d{2}\.pdf"', disposition
    )
    assert "no-store" in response["Cache-Control"]
    assert "Organiseren van een open dag" in pdf_text(response.content)


def test_the_facilitator_downloads_the_csv(alice_client, scored_session):
    response = alice_client.get(url("session_results_csv", scored_session.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "resultaten-voorjaar" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    assert text.startswith("thema;nummer;stelling")


def test_anonymous_visitors_are_sent_to_log_in(client, scored_session):
    response = client.get(url("session_report_pdf", scored_session.pk))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def facilitator_urls(session, agreement, link):
    """Every follow-up URL of a session, with the method it takes."""
    return [
        ("get", url("session_report_pdf", session.pk), {}),
        ("get", url("session_results_csv", session.pk), {}),
        ("get", url("session_agreements", session.pk), {}),
        ("post", url("session_agreements", session.pk), valid_agreement()),
        ("post", url("session_agreement_edit", session.pk, agreement.pk), valid_agreement()),
        ("post", url("session_agreement_delete", session.pk, agreement.pk), {}),
        ("post", url("session_agreement_move", session.pk, agreement.pk), {"direction": "up"}),
        ("post", url("session_agreements_reorder", session.pk), {"order": [agreement.pk]}),
        ("post", url("session_timer", session.pk), {"action": "start"}),
        ("get", url("session_review", session.pk), {}),
        (
            "post",
            url("session_review", session.pk),
            {"agreement": agreement.pk, "status": "gedaan"},
        ),
        ("get", url("session_share_links", session.pk), {}),
        ("post", url("session_share_links", session.pk), {}),
        ("post", url("session_share_revoke", session.pk, link.pk), {}),
    ]


def test_another_facilitator_gets_404_on_every_follow_up_url(
    client, bob, scored_session, agreement
):
    link, token = sharing.create_link(scored_session)
    client.force_login(bob)
    before = Session.objects.get(pk=scored_session.pk).version
    for method, address, data in facilitator_urls(scored_session, agreement, link):
        response = getattr(client, method)(address, data)
        assert response.status_code == 404, (method, address)
    assert Session.objects.get(pk=scored_session.pk).version == before
    assert Agreement.objects.filter(session=scored_session).count() == 1
    assert ShareLink.objects.filter(session=scored_session).count() == 1
    assert sharing.session_for_token(token) == scored_session
    assert Session.objects.get(pk=scored_session.pk).timer_started_at is None


def test_an_unknown_session_is_404_too(alice_client):
    assert alice_client.get(url("session_report_pdf", 999999)).status_code == 404


# Share links ------------------------------------------------------------------------------------


def test_a_share_link_is_shown_once_and_opens_the_pdf_until_revoked(alice_client, scored_session):
    response = alice_client.post(url("session_share_links", scored_session.pk))
    assert response.status_code == 200
    match = re.search(
        r'value="(http://testserver/gedeeld/([A-Za-z0-9_-]{43})/verslag\.pdf)"',
        response.content.decode(),
    )
    assert match, "the new link is in the answer"
    token = match.group(2)
    assert token not in ShareLink.objects.get().token_hash
    # Listing the links again does not show it.
    assert (
        token
        not in alice_client.get(url("session_share_links", scored_session.pk)).content.decode()
    )

    partner = Client()  # no account, no cookie: only the link
    shared = partner.get(url("shared_report_pdf", token))
    assert shared.status_code == 200 and is_pdf(shared)
    assert shared["Content-Disposition"].startswith("attachment;")

    link = ShareLink.objects.get()
    revoked = alice_client.post(url("session_share_revoke", scored_session.pk, link.pk))
    assert revoked.status_code == 302
    assert ShareLink.objects.get().revoked_at is not None
    assert partner.get(url("shared_report_pdf", token)).status_code == 404


@pytest.mark.parametrize("token", ["x" * 43, "wrong", "A" * 100])
def test_a_wrong_share_token_is_404(client, scored_session, token):
    sharing.create_link(scored_session)
    assert client.get(url("shared_report_pdf", token)).status_code == 404


def test_share_links_with_htmx_answer_the_fragment(alice_client, scored_session):
    response = alice_client.post(url("session_share_links", scored_session.pk), **HTMX)
    html = response.content.decode()
    assert 'id="share-links"' in html and "<html" not in html
    assert "/gedeeld/" in html


# Phones -----------------------------------------------------------------------------------------


def test_a_phone_that_took_part_gets_the_pdf_once_the_session_is_closed(client, scored_session):
    _participant, token, _created = participation.join(scored_session, None)
    client.cookies[participation.cookie_name(scored_session.code)] = token
    before = client.get(url("phone_report_pdf", scored_session.code))
    assert before.status_code == 403
    assert "afsluit" in before.content.decode()
    lifecycle.set_phase(scored_session, "closed")
    after = client.get(url("phone_report_pdf", scored_session.code))
    assert after.status_code == 200 and is_pdf(after)


def test_an_unknown_phone_or_code_is_404(client, scored_session):
    lifecycle.set_phase(scored_session, "closed")
    assert client.get(url("phone_report_pdf", scored_session.code)).status_code == 404
    client.cookies[participation.cookie_name(scored_session.code)] = (
        "forged-token-forged-token-forged"
    )
    assert client.get(url("phone_report_pdf", scored_session.code)).status_code == 404
    assert client.get(url("phone_report_pdf", "ZZZZZZ")).status_code == 404


# Agreements -------------------------------------------------------------------------------------


def test_the_agreements_page_shows_the_sheets_fields_and_the_list(
    alice_client, scored_session, agreement
):
    response = alice_client.get(url("session_agreements", scored_session.pk))
    html = response.content.decode()
    assert response.status_code == 200
    for spec in scored_session.instrument.followup_fields:
        assert spec["label"] in html
        assert f'name="{spec["key"]}"' in html
    assert "Organiseren van een open dag" in html
    assert 'id="timer"' in html


def test_adding_an_agreement_redirects_back_to_the_page(alice_client, scored_session):
    response = alice_client.post(
        url("session_agreements", scored_session.pk), valid_agreement(due="2026-06-01")
    )
    assert response.status_code == 302
    assert response.url == url("session_agreements", scored_session.pk)
    assert Agreement.objects.get(session=scored_session).fields["due"] == "2026-06-01"
    page = alice_client.get(response.url).content.decode()
    assert "De afspraak is toegevoegd." in page


def test_adding_with_htmx_answers_the_editor_fragment(alice_client, scored_session):
    response = alice_client.post(
        url("session_agreements", scored_session.pk), valid_agreement(), **HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="agreements-editor"' in html and "<html" not in html
    assert "Organiseren van een open dag" in html


def foreign_item_ref(instruments):
    item = Item.objects.filter(theme__instrument=instruments["po-externe-partners"]).first()
    return f"item:{item.pk}"


@pytest.mark.parametrize(
    "bad",
    [
        {"owner": "Gemeente"},  # the required 'action' is missing
        {**valid_agreement(), "colour": "rood"},  # an unknown field
        {**valid_agreement(), "success": "x" * 5000},  # far too long
        {**valid_agreement(), "answers": "FOREIGN"},  # a statement of another instrument
        {**valid_agreement(), "due": "volgende week"},  # not a date
    ],
)
def test_bad_agreement_input_is_refused_with_400_and_nothing_is_stored(
    alice_client, scored_session, instruments, bad
):
    data = {k: (foreign_item_ref(instruments) if v == "FOREIGN" else v) for k, v in bad.items()}
    before = Session.objects.get(pk=scored_session.pk).version
    response = alice_client.post(url("session_agreements", scored_session.pk), data)
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert not Agreement.objects.exists()
    assert Session.objects.get(pk=scored_session.pk).version == before


def test_a_refused_form_keeps_what_was_typed(alice_client, scored_session):
    response = alice_client.post(
        url("session_agreements", scored_session.pk), {"action": "Iets doen", "owner": ""}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Vul &#x27;Wie is eigenaar?&#x27; in." in html
    assert 'value="Iets doen"' in html


def test_hostile_text_is_escaped_on_the_page(alice_client, scored_session):
    agreements.create(
        scored_session, valid_agreement(action="<script>alert(1)</script><img src=x>")
    )
    html = alice_client.get(url("session_agreements", scored_session.pk)).content.decode()
    assert "<script>alert(1)" not in html and "<img src=x>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_editing_an_agreement(alice_client, scored_session, agreement):
    form = alice_client.get(
        url("session_agreements", scored_session.pk) + f"?bewerk={agreement.pk}"
    )
    assert url("session_agreement_edit", scored_session.pk, agreement.pk) in form.content.decode()
    response = alice_client.post(
        url("session_agreement_edit", scored_session.pk, agreement.pk),
        valid_agreement(owner="School"),
    )
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.fields["owner"] == "School"


def test_a_bad_edit_is_refused_and_changes_nothing(alice_client, scored_session, agreement):
    response = alice_client.post(
        url("session_agreement_edit", scored_session.pk, agreement.pk), {"owner": "School"}
    )
    assert response.status_code == 400
    agreement.refresh_from_db()
    assert agreement.fields["owner"] == "Gemeente Westland"


def test_deleting_and_moving_agreements(alice_client, scored_session, agreement):
    second = agreements.create(scored_session, valid_agreement(action="Tweede"))
    alice_client.post(
        url("session_agreement_move", scored_session.pk, second.pk), {"direction": "up"}
    )
    assert list(Agreement.objects.values_list("pk", flat=True)) == [second.pk, agreement.pk]
    bad = alice_client.post(
        url("session_agreement_move", scored_session.pk, second.pk), {"direction": "x"}
    )
    assert bad.status_code == 400
    alice_client.post(url("session_agreement_delete", scored_session.pk, second.pk))
    assert list(Agreement.objects.values_list("pk", flat=True)) == [agreement.pk]


def test_an_agreement_of_another_session_is_404(alice_client, alice, lob, scored_session):
    other = make_scored_session(alice, lob, title="Ander")
    foreign = agreements.create(other, valid_agreement())
    response = alice_client.post(
        url("session_agreement_edit", scored_session.pk, foreign.pk), valid_agreement()
    )
    assert response.status_code == 404
    assert (
        alice_client.post(
            url("session_agreement_delete", scored_session.pk, foreign.pk)
        ).status_code
        == 404
    )
    assert Agreement.objects.filter(pk=foreign.pk).exists()


def test_a_priority_choice_prefills_the_form(alice_client, scored_session):
    html = alice_client.get(
        url("session_agreements", scored_session.pk) + "?keuze=theme:relatie"
    ).content.decode()
    assert '<option value="theme:relatie" selected>' in html
    bad = alice_client.get(url("session_agreements", scored_session.pk) + "?keuze=theme:onbekend")
    assert bad.status_code == 400


# The clock --------------------------------------------------------------------------------------


def test_the_clock_starts_and_redirects_back(alice_client, scored_session):
    response = alice_client.post(url("session_timer", scored_session.pk), {"action": "start"})
    assert response.status_code == 302
    assert response.url == url("session_agreements", scored_session.pk)
    assert Session.objects.get(pk=scored_session.pk).timer_started_at is not None


def test_the_clock_follows_a_safe_next_only(alice_client, scored_session):
    ok = alice_client.post(
        url("session_timer", scored_session.pk), {"action": "start", "next": "/sessies/"}
    )
    assert ok.url == "/sessies/"
    evil = alice_client.post(
        url("session_timer", scored_session.pk),
        {"action": "pause", "next": "https://evil.example/"},
    )
    assert evil.url == url("session_agreements", scored_session.pk)


def test_the_clock_with_htmx_answers_the_timer_fragment(alice_client, scored_session):
    response = alice_client.post(
        url("session_timer", scored_session.pk), {"action": "start"}, **HTMX
    )
    html = response.content.decode()
    assert 'id="timer"' in html and 'data-state="running"' in html
    assert 'data-remaining="3600"' in html or 'data-remaining="3599"' in html
    assert "60:00" in html or "59:59" in html


@pytest.mark.parametrize(
    "data",
    [{"action": "explode"}, {"action": "extend", "minutes": "abc"}, {"action": "extend"}, {}],
)
def test_bad_clock_input_is_400(alice_client, scored_session, data):
    response = alice_client.post(url("session_timer", scored_session.pk), data)
    assert response.status_code == 400
    stored = Session.objects.get(pk=scored_session.pk)
    assert stored.timer_started_at is None and stored.extra_minutes == 0


def test_the_timer_fragment_shows_the_follow_up_cue(alice_client, scored_session):
    from datetime import timedelta

    from django.utils import timezone

    Session.objects.filter(pk=scored_session.pk).update(
        timer_started_at=timezone.now() - timedelta(minutes=50)
    )
    html = alice_client.get(url("session_agreements", scored_session.pk)).content.decode()
    cue = re.search(r'<p class="timer-cue timer-cue-followup"[^>]*>', html).group(0)
    assert 'role="alert"' in cue and "hidden" not in cue
    assert "Tijd voor afspraken" in html
    assert 'data-state="followup"' in html


# The look back ----------------------------------------------------------------------------------


@pytest.fixture
def second(alice, lob, scored_session, agreement):
    return make_scored_session(alice, lob, title="Najaar", scores={"visie": [4, 4, 5, 5]})


def test_the_second_session_shows_the_earlier_agreements_to_review(alice_client, second, agreement):
    html = alice_client.get(url("session_review", second.pk)).content.decode()
    assert "Organiseren van een open dag" in html
    assert f'id="afspraak-{agreement.pk}"' in html
    for label in ("gedaan", "loopt nog", "gestopt"):
        assert label in html
    response = alice_client.post(
        url("session_review", second.pk),
        {"agreement": agreement.pk, "status": "gestopt", "note": "Geen budget"},
    )
    assert response.status_code == 302
    review = AgreementReview.objects.get()
    assert (review.session_id, review.status, review.note) == (second.pk, "gestopt", "Geen budget")
    assert (
        'value="gestopt" checked'
        in alice_client.get(url("session_review", second.pk)).content.decode()
    )


def test_the_second_sessions_pdf_shows_the_trend_and_the_review(alice_client, second, agreement):
    history.review(second, agreement.pk, "gedaan", "Open dag was in april")
    response = alice_client.get(url("session_report_pdf", second.pk))
    text = pdf_text(response.content)
    assert "↑ +1,0 · aandachtspunt → sterk punt" in text
    assert "Open dag was in april" in text and "gedaan" in text
    assert len(PdfReader(io.BytesIO(response.content)).pages) >= 2


def test_reviewing_an_agreement_of_another_partnership_is_refused(
    alice_client, alice, lob, agreement
):
    elsewhere = make_scored_session(alice, lob, title="Oost", partnership="Regio Oost")
    response = alice_client.post(
        url("session_review", elsewhere.pk), {"agreement": agreement.pk, "status": "gedaan"}
    )
    assert response.status_code == 403
    assert not AgreementReview.objects.exists()


def test_a_bad_review_status_is_400(alice_client, second, agreement):
    response = alice_client.post(
        url("session_review", second.pk), {"agreement": agreement.pk, "status": "klaar"}
    )
    assert response.status_code == 400
    assert not AgreementReview.objects.exists()


def test_a_refused_clock_change_with_htmx_keeps_the_clock_on_screen(alice_client, scored_session):
    response = alice_client.post(
        url("session_timer", scored_session.pk), {"action": "extend", "minutes": "500"}, **HTMX
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="timer-panel"' in html and 'id="timer"' in html
    assert "Verleng met 1 tot en met 60 minuten." in html

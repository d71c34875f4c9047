"""Notes per theme (dashboard and co-writer page), the guide card and the instrument's source."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from sessions import notes
from sessions.errors import Invalid
from sessions.models import PartnershipMember, ThemeNote
from tests.builders import HTMX, code_url, fragment

pytestmark = pytest.mark.django_db


def note_url(session, theme) -> str:
    return reverse("session_note", args=[session.pk, theme.pk])


@pytest.fixture
def theme(lob):
    return lob.themes.first()


@pytest.fixture
def other_theme(instruments):
    """A theme of another instrument: never part of a LOB session."""
    return instruments["praatplaat-regio"].themes.first()


# The service -------------------------------------------------------------------------------------


def test_a_note_is_stored_and_read_back_by_theme(lobby_session, theme, told):
    notes.save(lobby_session, theme.pk, "  Stage-aanbod ontbreekt\r\nNavragen bij gemeente  ")
    assert notes.by_theme(lobby_session.pk) == {
        theme.pk: "Stage-aanbod ontbreekt\nNavragen bij gemeente"
    }
    # The screens are told (the projector shows notes in a conversation); phones are not.
    assert told == [(lobby_session.pk, False)]


def test_saving_again_replaces_the_note_and_the_later_save_wins(lobby_session, theme):
    notes.save(lobby_session, theme.pk, "van het dashboard")
    notes.save(lobby_session, theme.pk, "van de meeschrijver")
    assert ThemeNote.objects.filter(session=lobby_session).count() == 1
    assert notes.by_theme(lobby_session.pk) == {theme.pk: "van de meeschrijver"}


def test_an_emptied_note_is_left_out_of_the_report(lobby_session, theme):
    notes.save(lobby_session, theme.pk, "iets")
    notes.save(lobby_session, theme.pk, "   ")
    assert notes.by_theme(lobby_session.pk) == {}


def test_a_theme_of_another_instrument_is_refused(lobby_session, other_theme):
    with pytest.raises(Invalid, match="hoort niet bij deze sessie"):
        notes.save(lobby_session, other_theme.pk, "tekst")
    assert not ThemeNote.objects.exists()


def test_a_note_longer_than_the_maximum_is_refused_whole(lobby_session, theme):
    notes.save(lobby_session, theme.pk, "kort")
    with pytest.raises(Invalid, match="hooguit 5000 tekens"):
        notes.save(lobby_session, theme.pk, "x" * (notes.MAX_NOTE + 1))
    assert notes.by_theme(lobby_session.pk) == {theme.pk: "kort"}


def test_a_note_with_an_invisible_control_character_is_refused(lobby_session, theme):
    with pytest.raises(Invalid, match="stuurteken"):
        notes.save(lobby_session, theme.pk, "omgekeerd \u202e tekst")
    assert not ThemeNote.objects.exists()


# Saving from a page ------------------------------------------------------------------------------


def test_the_dashboard_saves_a_note_with_htmx_and_says_when(alice_client, lobby_session, theme):
    response = alice_client.post(
        note_url(lobby_session, theme), {"text": "Afspraak met mbo"}, **HTMX
    )
    assert response.status_code == 200
    assert response.text.startswith("Opgeslagen om ")
    assert notes.by_theme(lobby_session.pk) == {theme.pk: "Afspraak met mbo"}


def test_without_javascript_the_save_returns_to_the_page_it_came_from(
    alice_client, lobby_session, theme
):
    url = note_url(lobby_session, theme)
    back = alice_client.post(url, {"text": "a", "back": "notes"})
    assert back.status_code == 302
    assert back.url == reverse("session_notes", args=[lobby_session.pk]) + f"#note-{theme.pk}"
    # Anything else (a URL smuggled in, say) goes back to the dashboard.
    elsewhere = alice_client.post(url, {"text": "b", "back": "https://example.com/"})
    assert elsewhere.url == reverse("session_dashboard", args=[lobby_session.pk]) + (
        f"#note-{theme.pk}"
    )


def test_a_foreign_theme_is_a_400_with_a_dutch_message(alice_client, lobby_session, other_theme):
    response = alice_client.post(note_url(lobby_session, other_theme), {"text": "x"}, **HTMX)
    assert response.status_code == 400
    assert "Dit thema hoort niet bij deze sessie." in response.text
    assert not ThemeNote.objects.exists()


def test_a_too_long_note_is_a_400_and_nothing_is_stored(alice_client, lobby_session, theme):
    text = "x" * (notes.MAX_NOTE + 1)
    response = alice_client.post(note_url(lobby_session, theme), {"text": text}, **HTMX)
    assert response.status_code == 400
    assert "te lang" in response.text
    assert not ThemeNote.objects.exists()


def test_a_post_without_text_is_a_400(alice_client, lobby_session, theme):
    response = alice_client.post(note_url(lobby_session, theme), {}, **HTMX)
    assert response.status_code == 400
    assert "geen aantekeningen" in response.text


def test_a_stranger_can_neither_save_nor_read_the_notes(client, bob, lobby_session, theme):
    client.force_login(bob)
    assert client.post(note_url(lobby_session, theme), {"text": "x"}).status_code == 404
    assert client.get(reverse("session_notes", args=[lobby_session.pk])).status_code == 404
    assert not ThemeNote.objects.exists()


def test_someone_logged_out_is_sent_to_log_in(client, lobby_session, theme):
    assert client.post(note_url(lobby_session, theme), {"text": "x"}).status_code == 302
    assert not ThemeNote.objects.exists()


def test_a_member_of_the_partnership_may_write_notes(client, bob, lobby_session, theme):
    PartnershipMember.objects.create(partnership=lobby_session.partnership, user=bob)
    client.force_login(bob)
    response = client.post(note_url(lobby_session, theme), {"text": "door Bob"}, **HTMX)
    assert response.status_code == 200
    assert notes.by_theme(lobby_session.pk) == {theme.pk: "door Bob"}


def test_the_note_needs_a_post(alice_client, lobby_session, theme):
    assert alice_client.get(note_url(lobby_session, theme)).status_code == 405


def test_the_note_is_csrf_protected(alice, lobby_session, theme):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(alice)
    assert strict.post(note_url(lobby_session, theme), {"text": "x"}).status_code == 403


# The co-writer's page and the dashboard ----------------------------------------------------------


def test_the_cowriter_page_shows_every_theme_with_its_note(alice_client, lobby_session, lob):
    first, second = list(lob.themes.all())[:2]
    notes.save(lobby_session, second.pk, "Ouders <betrekken>")
    page = alice_client.get(reverse("session_notes", args=[lobby_session.pk]))
    assert page.status_code == 200
    text = page.text
    assert "Meeschrijven" in text
    for theme in lob.themes.all():
        assert f'id="theme-{theme.pk}-title">{escape(theme.title)}</h2>' in text
    editor = fragment(text, f"note-{second.pk}")
    assert "Ouders &lt;betrekken&gt;</textarea>" in editor
    assert 'name="back" value="notes"' in editor
    assert "Opgeslagen om" in editor
    assert "Opgeslagen om" not in fragment(text, f"note-{first.pk}")
    # The background to look at while writing, folded.
    with_background = lob.themes.exclude(background="").first()
    section = fragment(text, f"theme-{with_background.pk}")
    assert '<details class="background">' in section


def test_the_dashboard_has_an_editor_under_each_theme_outside_the_live_fragments(
    alice_client, lobby_session, lob, theme
):
    notes.save(lobby_session, theme.pk, "Eerste indruk")
    text = alice_client.get(reverse("session_dashboard", args=[lobby_session.pk])).text
    next_theme = lob.themes.exclude(pk=theme.pk).first()
    block = text[text.index(f'id="theme-{theme.pk}"') : text.index(f'id="theme-{next_theme.pk}"')]
    editor = fragment(block, f"note-{theme.pk}")
    assert f'<label for="note-{theme.pk}-text">Aantekeningen bij dit thema</label>' in editor
    assert "Eerste indruk</textarea>" in editor
    assert 'hx-trigger="input changed delay:1s, change"' in editor
    assert ">Opslaan</button>" in editor
    assert 'aria-live="polite"' in editor
    # Not inside the theme's summary, which the socket replaces.
    assert "<textarea" not in fragment(block, f"theme-{theme.pk}-summary")
    assert reverse("session_notes", args=[lobby_session.pk]) in text
    assert "Meeschrijven op een tweede apparaat" in text


def test_the_dashboard_shows_the_guide_folded_and_the_source(alice_client, lobby_session):
    text = alice_client.get(reverse("session_dashboard", args=[lobby_session.pk])).text
    card = fragment(text, "guide-card")
    assert card.startswith('<details id="guide-card" class="panel guide-card">')  # closed
    assert "<summary>Korte handleiding" in card
    # "- " lines become one list; the plain paragraphs stay paragraphs.
    assert card.count('<ul class="guide-list">') == 1
    assert card.count("<li>") == 3
    assert "<li>Ga uit van een gesprek van ongeveer een uur" in card
    assert "<p>De reflectietool kan worden ingezet" in card
    assert (
        'Bron: <a href="https://www.expertisepuntlob.nl" target="_blank" rel="noopener">'
        "Expertisepunt LOB"
    ) in text


def test_an_instrument_without_a_guide_shows_no_card(alice_client, lobby_session, lob):
    lob.guide = ""
    lob.save()
    text = alice_client.get(reverse("session_dashboard", args=[lobby_session.pk])).text
    assert 'id="guide-card"' not in text


def test_the_preview_renders_the_guide_the_same_way(alice_client, lob):
    text = alice_client.get(reverse("instrument_preview", args=[lob.pk])).text
    assert '<ul class="guide-list">' in text
    assert "<li>Het is handig om de reflectietool kort toe te lichten" in text


def test_the_phone_shows_the_source_as_a_quiet_line(client, phone, lobby_session):
    text = client.get(code_url("phone", lobby_session)).text
    line = fragment(text, "phone-attribution")
    assert "Bron: " in line
    assert "Expertisepunt LOB" in line
    assert "<a " not in line  # a phone stays on its page

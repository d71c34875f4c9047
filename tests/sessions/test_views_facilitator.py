"""The facilitator's pages: creating a session, the dashboard, the projector and the controls."""

import re

import pytest
from django.urls import reverse

from sessions import answers, lifecycle, participation, screens
from sessions.models import Partnership, Session
from tests.builders import fragment, statements_of

pytestmark = pytest.mark.django_db

SITE = "https://reflectie.example.nl"


@pytest.fixture
def site(settings):
    settings.SITE_URL = SITE
    return SITE


def score(session, item, values):
    """Each value from a new phone; the session must be scoring the item's theme."""
    for value in values:
        participant, _token, _created = participation.join(session, None)
        answers.answer(participant, item.pk, value)


# Creating a session ------------------------------------------------------------------------------


def test_the_session_list_shows_only_alices_own_sessions(alice_client, lobby_session, bob, lob):
    lifecycle.create_session(bob, lob, title="Bobs sessie", partnership_name="Oost")
    response = alice_client.get(reverse("session_list"))
    assert response.status_code == 200
    assert "Regio West" in response.content.decode()
    assert "Bobs sessie" not in response.content.decode()
    assert reverse("session_new") in response.content.decode()


def test_a_superuser_sees_every_session_in_the_list(client, admin_user, lobby_session):
    client.force_login(admin_user)
    assert "Regio West" in client.get(reverse("session_list")).content.decode()


def test_the_new_session_form_offers_the_latest_instruments_and_alices_partnerships(
    alice_client, alice, lob
):
    Partnership.objects.create(owner=alice, name="Regio Noord")
    html = alice_client.get(reverse("session_new")).content.decode()
    assert f'value="{lob.pk}"' in html
    assert '<datalist id="partnerships">' in html
    assert 'value="Regio Noord"' in html


def test_alice_creates_a_session_and_lands_on_its_dashboard(alice_client, alice, lob):
    response = alice_client.post(
        reverse("session_new"),
        {
            "instrument": lob.pk,
            "title": "Regio West najaar",
            "partnership_name": "Regio West",
            "scoring_mode": "all",
        },
    )
    session = Session.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("session_dashboard", args=[session.pk])
    assert session.facilitator == alice
    assert session.instrument == lob
    assert session.partnership.name == "Regio West"
    assert session.scoring_mode == "all"
    assert re.fullmatch(r"[A-Z2-9]{6}", session.code)


def test_the_new_session_form_offers_dutch_and_english_with_dutch_first(alice_client):
    html = alice_client.get(reverse("session_new")).content.decode()
    select = re.search(r'<select name="language".*?</select>', html, re.S).group(0)
    assert re.search(r'<option value="nl" selected>Nederlands</option>', select)
    assert '<option value="en">English</option>' in select
    assert "verslag (PDF)" in html


def test_alice_creates_an_english_session_and_its_report_is_english(alice_client, lob):
    response = alice_client.post(
        reverse("session_new"),
        {
            "instrument": lob.pk,
            "title": "Region West",
            "partnership_name": "West",
            "scoring_mode": "theme",
            "language": "en",
        },
    )
    assert response.status_code == 302
    session = Session.objects.get()
    assert session.language == "en"
    from sessions import report

    assert '<html lang="en"' in report.render_html(session)


def test_a_session_without_a_language_choice_is_dutch(alice_client, lob):
    alice_client.post(
        reverse("session_new"),
        {"instrument": lob.pk, "title": "Regio", "partnership_name": "W", "scoring_mode": "all"},
    )
    assert Session.objects.get().language == "nl"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"title": ""}, "Geef de sessie een titel."),
        ({"title": "   "}, "Geef de sessie een titel."),
        ({"partnership_name": ""}, "Vul het samenwerkingsverband in."),
        ({"instrument": "999999"}, "Kies een instrument uit de lijst."),
        ({"instrument": "lob"}, "Kies een instrument uit de lijst."),
        ({"scoring_mode": "random"}, "Kies hoe er gescoord wordt."),
        ({"language": "de"}, "Kies Nederlands of Engels."),
    ],
)
def test_a_bad_form_is_refused_in_dutch_and_stores_nothing(alice_client, lob, change, message):
    data = {"instrument": lob.pk, "title": "Regio", "partnership_name": "West"}
    data.update(change)
    response = alice_client.post(reverse("session_new"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Session.objects.exists()
    assert not Partnership.objects.exists()


def test_an_older_instrument_version_cannot_be_chosen(alice_client, lob):
    older_pk = lob.pk
    lob.pk = None
    lob.version += 1
    lob.save()
    response = alice_client.post(
        reverse("session_new"), {"instrument": older_pk, "title": "R", "partnership_name": "W"}
    )
    assert response.status_code == 400
    assert not Session.objects.exists()


# Who may look -------------------------------------------------------------------------------------

PAGES = ["session_dashboard", "session_projector", "session_qr"]
CONTROLS = [
    ("session_phase", {"phase": "closed"}),
    ("session_round", {"theme": "THEME"}),
    ("session_mode", {"mode": "all"}),
    ("session_lock", {"locked": "1"}),
    ("session_reveal", {"theme": "THEME", "shown": "1"}),
]


def _data(session, data):
    theme = session.instrument.themes.first().pk
    return {k: (str(theme) if v == "THEME" else v) for k, v in data.items()}


@pytest.mark.parametrize("name", PAGES)
def test_another_facilitator_gets_a_404_on_alices_pages(client, bob, lobby_session, name):
    client.force_login(bob)
    assert client.get(reverse(name, args=[lobby_session.pk])).status_code == 404


@pytest.mark.parametrize(("name", "data"), CONTROLS)
def test_another_facilitator_cannot_control_alices_session(client, bob, lobby_session, name, data):
    client.force_login(bob)
    before = Session.objects.values().get(pk=lobby_session.pk)
    response = client.post(reverse(name, args=[lobby_session.pk]), _data(lobby_session, data))
    assert response.status_code == 404
    assert Session.objects.values().get(pk=lobby_session.pk) == before


@pytest.mark.parametrize("name", PAGES + [name for name, _data in CONTROLS] + ["session_list"])
def test_an_anonymous_visitor_is_sent_to_the_login_page(client, lobby_session, name):
    args = [] if name == "session_list" else [lobby_session.pk]
    response = client.get(reverse(name, args=args))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_anonymous_post_changes_nothing(client, lobby_session):
    response = client.post(reverse("session_phase", args=[lobby_session.pk]), {"phase": "closed"})
    assert response.status_code == 302
    lobby_session.refresh_from_db()
    assert lobby_session.phase == "lobby"


def test_an_unknown_session_is_a_404(alice_client):
    assert alice_client.get(reverse("session_dashboard", args=[999999])).status_code == 404


def test_a_superuser_may_open_any_dashboard(client, admin_user, lobby_session):
    client.force_login(admin_user)
    assert client.get(reverse("session_dashboard", args=[lobby_session.pk])).status_code == 200


# Controls ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "_data"), CONTROLS)
def test_controls_refuse_a_get(alice_client, lobby_session, name, _data):
    assert alice_client.get(reverse(name, args=[lobby_session.pk])).status_code == 405


def _post(client, name, session, data, **headers):
    return client.post(reverse(name, args=[session.pk]), data, **headers)


def test_a_phase_button_moves_the_session_and_bumps_its_version(alice_client, lobby_session):
    version = lobby_session.version
    response = _post(alice_client, "session_phase", lobby_session, {"phase": "scoring"})
    assert response.status_code == 302
    assert response["Location"] == reverse("session_dashboard", args=[lobby_session.pk])
    lobby_session.refresh_from_db()
    assert lobby_session.phase == "scoring"
    assert lobby_session.version > version


def test_an_unknown_phase_is_refused_with_a_message(alice_client, lobby_session):
    response = _post(alice_client, "session_phase", lobby_session, {"phase": "party"})
    assert response.status_code == 400
    assert "Onbekende fase." in response.content.decode()
    lobby_session.refresh_from_db()
    assert lobby_session.phase == "lobby"


def test_a_closed_session_cannot_be_reopened(alice_client, lobby_session):
    lifecycle.set_phase(lobby_session, "closed")
    response = _post(alice_client, "session_phase", lobby_session, {"phase": "lobby"})
    assert response.status_code == 409
    lobby_session.refresh_from_db()
    assert lobby_session.phase == "closed"


def test_opening_a_round_goes_to_scoring_that_theme(alice_client, lobby_session):
    theme = lobby_session.instrument.themes.all()[2]
    version = lobby_session.version
    response = _post(alice_client, "session_round", lobby_session, {"theme": theme.pk})
    assert response.status_code == 302
    lobby_session.refresh_from_db()
    assert (lobby_session.phase, lobby_session.current_theme_id, lobby_session.scoring_mode) == (
        "scoring",
        theme.pk,
        "theme",
    )
    assert lobby_session.version > version


@pytest.mark.parametrize("theme", ["", "abc", "999999"])
def test_a_round_for_a_theme_of_another_instrument_is_refused(alice_client, lobby_session, theme):
    response = _post(alice_client, "session_round", lobby_session, {"theme": theme})
    assert response.status_code == 400
    lobby_session.refresh_from_db()
    assert lobby_session.phase == "lobby"


def test_the_scoring_mode_can_be_switched(alice_client, lobby_session):
    version = lobby_session.version
    assert _post(alice_client, "session_mode", lobby_session, {"mode": "all"}).status_code == 302
    lobby_session.refresh_from_db()
    assert lobby_session.scoring_mode == "all"
    assert lobby_session.version > version
    assert _post(alice_client, "session_mode", lobby_session, {"mode": "both"}).status_code == 400


def test_the_lock_closes_and_reopens_the_room(alice_client, lobby_session):
    version = lobby_session.version
    assert _post(alice_client, "session_lock", lobby_session, {"locked": "1"}).status_code == 302
    lobby_session.refresh_from_db()
    assert lobby_session.locked is True
    assert lobby_session.version > version
    assert _post(alice_client, "session_lock", lobby_session, {"locked": "0"}).status_code == 302
    lobby_session.refresh_from_db()
    assert lobby_session.locked is False
    assert _post(alice_client, "session_lock", lobby_session, {"locked": "yes"}).status_code == 400


def test_a_theme_is_shown_on_the_projector_and_hidden_again(alice_client, lobby_session):
    theme = lobby_session.instrument.themes.first()
    version = lobby_session.version
    data = {"theme": theme.pk, "shown": "1"}
    assert _post(alice_client, "session_reveal", lobby_session, data).status_code == 302
    lobby_session.refresh_from_db()
    assert lobby_session.revealed_theme_ids == [theme.pk]
    assert lobby_session.version > version
    data["shown"] = "0"
    assert _post(alice_client, "session_reveal", lobby_session, data).status_code == 302
    lobby_session.refresh_from_db()
    assert lobby_session.revealed_theme_ids == []


def test_reveal_needs_a_clear_yes_or_no(alice_client, lobby_session):
    theme = lobby_session.instrument.themes.first()
    data = {"theme": theme.pk, "shown": "maybe"}
    assert _post(alice_client, "session_reveal", lobby_session, data).status_code == 400
    lobby_session.refresh_from_db()
    assert lobby_session.revealed_theme_ids == []


def test_an_htmx_control_gets_an_empty_answer_and_the_socket_does_the_rest(
    alice_client, lobby_session
):
    response = _post(
        alice_client, "session_phase", lobby_session, {"phase": "review"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert response.content == b""
    lobby_session.refresh_from_db()
    assert lobby_session.phase == "review"


def test_an_htmx_control_that_is_refused_gets_a_small_fragment(alice_client, lobby_session):
    response = _post(
        alice_client, "session_phase", lobby_session, {"phase": "x"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "<html" not in html


# The dashboard ---------------------------------------------------------------------------------


def test_the_dashboard_shows_the_code_and_the_join_address_not_localhost(
    alice_client, lobby_session, site
):
    html = alice_client.get(reverse("session_dashboard", args=[lobby_session.pk])).content.decode()
    assert f"{lobby_session.code[:3]} {lobby_session.code[3:]}" in html
    assert f"{SITE}/j/{lobby_session.code}/" in html
    assert "localhost" not in html
    assert reverse("session_qr", args=[lobby_session.pk]) in html
    assert f'ws-connect="/ws/sessies/{lobby_session.pk}/facilitator/"' in html
    assert reverse("session_projector", args=[lobby_session.pk]) in html


def test_the_dashboard_marks_the_current_phase(alice_client, lobby_session):
    lifecycle.set_phase(lobby_session, "discussion")
    html = alice_client.get(reverse("session_dashboard", args=[lobby_session.pk])).content.decode()
    assert re.search(r'value="discussion" id="phase-discussion"[^>]*aria-pressed="true"', html)
    assert re.search(r'value="lobby" id="phase-lobby"[^>]*aria-pressed="false"', html)


def test_the_dashboard_counts_participants_live(alice_client, lobby_session):
    for _ in range(3):
        participation.join(lobby_session, None)
    html = alice_client.get(reverse("session_dashboard", args=[lobby_session.pk])).content.decode()
    assert re.search(r'aria-live="polite"><span id="participant-count"', html)
    assert "<strong>3</strong> deelnemers" in html


def test_the_dashboard_shows_counts_mean_and_flags_once_three_answered(alice_client, lobby_session):
    lifecycle.set_phase(lobby_session, "scoring")
    item = statements_of(lobby_session.instrument)[0]
    score(lobby_session, item, ["1", "4", "5"])
    alice_client.get(reverse("session_dashboard", args=[lobby_session.pk]))  # the screen looks
    score(lobby_session, item, ["5"])
    html = alice_client.get(reverse("session_dashboard", args=[lobby_session.pk])).content.decode()
    card = fragment(html, f"item-{item.pk}")
    # How many answered is live; the figures are those of the first three (the fourth waits
    # for two more, so nobody can see what the fourth phone chose).
    assert "4 van 4 beantwoord" in card
    assert "Getoond: 3 antwoorden." in card
    assert '<dd class="mean">3,3</dd>' in card
    assert "0,23" in card  # consensus, two decimals
    assert "grote verdeeldheid" in card
    assert 'role="img"' in card
    assert "1: 1 keer; 2: 0 keer; 3: 0 keer; 4: 1 keer; 5: 1 keer" in card
    summary = fragment(html, f"theme-{item.theme_id}-summary")
    assert "3,3" in summary
    assert "aandachtspunt" in summary
    assert f'href="#item-{item.pk}"' in fragment(html, "attention")


def test_with_two_answers_nothing_but_the_count_is_shown(alice_client, lobby_session):
    lifecycle.set_phase(lobby_session, "scoring")
    item = statements_of(lobby_session.instrument)[0]
    score(lobby_session, item, ["1", "5"])
    participation.join(lobby_session, None)
    html = alice_client.get(reverse("session_dashboard", args=[lobby_session.pk])).content.decode()
    card = fragment(html, f"item-{item.pk}")
    assert "2 van 3 beantwoord — nog te weinig antwoorden om te tonen" in card
    assert "<svg" not in card
    assert "gemiddelde" not in card
    assert "keer" not in card
    assert "verschil van inzicht" not in card
    assert "grote verdeeldheid" not in card
    assert "nog geen gemiddelde" in fragment(html, f"theme-{item.theme_id}-summary")


def test_the_background_of_a_theme_is_there_to_probe_with(alice_client, lobby_session):
    theme = lobby_session.instrument.themes.exclude(background="").first()
    html = alice_client.get(reverse("session_dashboard", args=[lobby_session.pk])).content.decode()
    assert '<details class="background">' in html
    assert theme.background.splitlines()[0][:40] in html


def test_the_page_is_made_of_the_same_fragments_the_socket_sends(alice_client, lobby_session, site):
    lifecycle.set_phase(lobby_session, "scoring")
    score(lobby_session, statements_of(lobby_session.instrument)[0], ["2", "3", "4"])
    html = alice_client.get(reverse("session_dashboard", args=[lobby_session.pk])).content.decode()
    without_tokens = re.sub(r'<input type="hidden" name="csrfmiddlewaretoken"[^>]*>', "", html)
    _version, fragments = screens.render_screen(lobby_session.pk, "facilitator")
    for fragment_id, part in fragments.items():
        assert part in without_tokens, fragment_id


# The projector ----------------------------------------------------------------------------------


def test_the_projector_shows_the_code_qr_and_address_in_the_lobby(
    alice_client, lobby_session, site
):
    html = alice_client.get(reverse("session_projector", args=[lobby_session.pk])).content.decode()
    stage = fragment(html, "projector-content")  # the join panel is the lobby's page
    assert f"{lobby_session.code[:3]} {lobby_session.code[3:]}" in stage
    assert f"{SITE}/j/{lobby_session.code}/" in stage
    assert reverse("session_qr", args=[lobby_session.pk]) in stage
    assert f'ws-connect="/ws/sessies/{lobby_session.pk}/projector/"' in html


def test_the_projector_never_shows_controls_or_background_notes(alice_client, lobby_session):
    lifecycle.set_phase(lobby_session, "scoring")
    html = alice_client.get(reverse("session_projector", args=[lobby_session.pk])).content.decode()
    assert "<form" not in html.split('class="projector"', 1)[1]
    assert "<details" not in html
    assert "site-header" not in html


def test_the_projector_shows_only_how_many_answered_until_the_theme_is_revealed(
    alice_client, lobby_session
):
    lifecycle.set_phase(lobby_session, "scoring")
    item = statements_of(lobby_session.instrument)[0]
    score(lobby_session, item, ["1", "4", "5"])
    url = reverse("session_projector", args=[lobby_session.pk])

    card = fragment(alice_client.get(url).content.decode(), f"p-item-{item.pk}")
    assert "<strong>3</strong> van 3 beantwoord" in card
    assert "<svg" not in card
    assert "gemiddelde" not in card

    lifecycle.set_revealed(lobby_session, item.theme_id, True)
    card = fragment(alice_client.get(url).content.decode(), f"p-item-{item.pk}")
    assert "<svg" in card
    assert "1: 1 keer" in card
    assert "3,3" in card


def test_the_projector_hides_themes_that_are_neither_open_nor_revealed(alice_client, lobby_session):
    lifecycle.set_phase(lobby_session, "scoring")
    other = statements_of(lobby_session.instrument)[-1]
    html = alice_client.get(reverse("session_projector", args=[lobby_session.pk])).content.decode()
    assert f'id="p-item-{other.pk}"' not in html


def test_the_projector_speaks_the_sessions_language(alice_client, lobby_session):
    alice_client.cookies["django_language"] = "en"
    html = alice_client.get(reverse("session_projector", args=[lobby_session.pk])).content.decode()
    assert "Doe mee met je telefoon" in html


# The QR code -------------------------------------------------------------------------------------


def test_the_qr_code_is_an_svg_for_the_join_address(alice_client, lobby_session, site):
    response = alice_client.get(reverse("session_qr", args=[lobby_session.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    body = response.content.decode()
    assert body.startswith("<svg")
    assert f"{SITE}/j/{lobby_session.code}/" in body


def test_a_breakdown_by_partner_type_appears_once_the_round_closes_and_every_group_has_five(
    alice_client, lobby_session
):
    lifecycle.set_phase(lobby_session, "scoring")
    item = statements_of(lobby_session.instrument)[0]
    for partner_type, value in [("vo", "2")] * 6 + [("mbo", "4")] * 6:
        participant, _token, _created = participation.join(
            lobby_session, None, partner_type=partner_type
        )
        answers.answer(participant, item.pk, value)
    url = reverse("session_dashboard", args=[lobby_session.pk])
    summary = fragment(alice_client.get(url).content.decode(), f"theme-{item.theme_id}-summary")
    assert "Gemiddelde per soort partner" not in summary  # phones can still change it
    lifecycle.set_phase(lobby_session, "discussion")
    summary = fragment(alice_client.get(url).content.decode(), f"theme-{item.theme_id}-summary")
    assert "Gemiddelde per soort partner" in summary
    assert '<th scope="row">mbo</th><td>4,0</td>' in summary


def test_priority_questions_and_the_groups_vote_show_counts_from_three_people(
    alice_client, alice, instruments
):
    praatplaat = instruments["praatplaat-regio"]
    session = lifecycle.create_session(alice, praatplaat, title="Praat", partnership_name="Zuid")
    priority = praatplaat.themes.get(key="onderwerpen").items.get(kind="priority")
    lifecycle.open_round(session, priority.theme_id)
    crowd = [participation.join(session, None)[0] for _ in range(3)]
    url = reverse("session_dashboard", args=[session.pk])

    answers.choose(crowd[0], priority.pk, ["lerarentekort", "kansengelijkheid"])
    card = fragment(alice_client.get(url).content.decode(), f"item-{priority.pk}")
    assert "Nog te weinig keuzes om te tonen." in card
    assert "Lerarentekort" not in card

    for participant in crowd[1:]:
        answers.choose(participant, priority.pk, ["lerarentekort"])
    card = fragment(alice_client.get(url).content.decode(), f"item-{priority.pk}")
    assert "Lerarentekort" in card
    assert "<strong>3</strong>" in card

    lifecycle.set_phase(session, "priorities")
    for participant in crowd:
        answers.choose(participant, None, ["theme:inhoud"])
    votes = fragment(alice_client.get(url).content.decode(), "votes")
    assert "Inhoud" in votes
    assert "<strong>3</strong>" in votes
    html = alice_client.get(url).content.decode()
    assert "Gespreksvragen" in html  # the prompts of the reminders theme, for the facilitator


def test_weet_ik_niet_is_not_counted_as_a_score_when_too_few_are_shown(alice_client, lobby_session):
    """Five answered, three of them "weet ik niet": two scores are under the floor of three."""
    lifecycle.set_phase(lobby_session, "scoring")
    item = statements_of(lobby_session.instrument)[0]
    score(lobby_session, item, ["1", "5", "dk", "dk", "dk"])
    html = alice_client.get(reverse("session_dashboard", args=[lobby_session.pk])).content.decode()
    card = fragment(html, f"item-{item.pk}")
    assert "5 van 5 beantwoord, van wie 3 weet ik niet — nog te weinig scores om te tonen" in card
    assert "<svg" not in card

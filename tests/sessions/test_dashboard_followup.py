"""The follow-up on the live screens: the hour, priorities, agreements, the look back, downloads."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from sessions import agreements, answers, history, lifecycle, participation, results, screens
from sessions.models import Agreement, AgreementReview, Session
from tests.builders import HTMX, fragment, make_scored_session, statements_of, valid_agreement

pytestmark = pytest.mark.django_db


def dashboard(client, session) -> str:
    return client.get(reverse("session_dashboard", args=[session.pk])).content.decode()


def projector(client, session) -> str:
    html = client.get(reverse("session_projector", args=[session.pk])).content.decode()
    return html.split('class="projector"', 1)[1]


def theme(session, key):
    return session.instrument.themes.get(key=key)


def vote(session, picks):
    """One new phone per list of picks, in the priorities phase."""
    if session.phase != "priorities":
        lifecycle.set_phase(session, "priorities")
    for options in picks:
        participant, _token, _created = participation.join(session, None)
        answers.choose(participant, None, options)


def hrefs(html: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'href="([^"]+)"', html)]


# The hour ---------------------------------------------------------------------------------------


def test_the_dashboard_shows_the_clock_its_buttons_and_the_sound_switch(
    alice_client, scored_session
):
    html = dashboard(alice_client, scored_session)
    panel = fragment(html, "timer-panel")
    assert 'id="timer"' in panel and 'data-state="idle"' in panel
    assert 'data-remaining="3600"' in panel and "60:00" in panel
    assert f'action="{reverse("session_timer", args=[scored_session.pk])}"' in panel
    assert 'value="start"' in panel and "Klok starten" in panel
    assert 'name="minutes" value="5"' in panel and 'name="minutes" value="10"' in panel
    # A plain form comes back here, not to the agreements page.
    assert f'name="next" value="{reverse("session_dashboard", args=[scored_session.pk])}"' in panel
    assert 'id="timer-mute"' in html  # the sound switch, outside the live fragment
    assert 'id="timer-mute"' not in panel
    assert "js/timer.js" in html


def test_starting_the_clock_without_javascript_returns_to_the_dashboard(
    alice_client, scored_session
):
    response = alice_client.post(
        reverse("session_timer", args=[scored_session.pk]),
        {"action": "start", "next": reverse("session_dashboard", args=[scored_session.pk])},
    )
    assert response.status_code == 302
    assert response.url == reverse("session_dashboard", args=[scored_session.pk])
    panel = fragment(dashboard(alice_client, scored_session), "timer-panel")
    assert 'data-state="running"' in panel
    assert "Pauze" in panel and 'value="pause"' in panel


@pytest.mark.parametrize("minutes", [5, 10])
def test_the_extend_buttons_add_five_or_ten_minutes(alice_client, scored_session, minutes):
    response = alice_client.post(
        reverse("session_timer", args=[scored_session.pk]),
        {"action": "extend", "minutes": str(minutes)},
        **HTMX,
    )
    assert response.status_code == 200
    assert Session.objects.get(pk=scored_session.pk).extra_minutes == minutes
    assert f'data-total="{(60 + minutes) * 60}"' in response.content.decode()


def test_a_clock_in_its_last_quarter_shows_the_follow_up_cue_as_an_alert(
    alice_client, scored_session
):
    Session.objects.filter(pk=scored_session.pk).update(
        timer_started_at=timezone.now() - timedelta(minutes=50)
    )
    panel = fragment(dashboard(alice_client, scored_session), "timer-panel")
    cue = re.search(r'<p class="timer-cue timer-cue-followup"[^>]*>', panel).group(0)
    assert 'role="alert"' in cue and "hidden" not in cue
    assert re.search(r'<p class="timer-cue timer-cue-time-up"[^>]*role="alert" hidden>', panel)


def test_the_agreements_page_counts_down_with_timer_js_not_an_inline_script(
    alice_client, scored_session
):
    html = alice_client.get(
        reverse("session_agreements", args=[scored_session.pk])
    ).content.decode()
    assert "js/timer.js" in html
    assert "setInterval" not in html
    assert 'id="timer"' in html and 'id="timer-mute"' in html


def test_the_projector_shows_the_time_left_once_the_clock_runs(alice_client, scored_session):
    assert '<div id="timer" class="timer" data-state="idle" hidden></div>' in projector(
        alice_client, scored_session
    )
    Session.objects.filter(pk=scored_session.pk).update(
        timer_started_at=timezone.now() - timedelta(minutes=58)
    )
    clock = fragment(projector(alice_client, scored_session), "timer")
    assert "timer-big" in clock
    assert re.search(r">0[12]:\d\d</time>", clock)
    assert "Tijd voor afspraken" in clock


# Priorities ------------------------------------------------------------------------------------


def test_the_groups_vote_is_ranked_with_one_click_to_an_agreement(alice_client, scored_session):
    vote(scored_session, [["theme:relatie", "theme:visie"], ["theme:relatie"], ["theme:relatie"]])
    votes = fragment(dashboard(alice_client, scored_session), "votes")
    relatie, visie = theme(scored_session, "relatie").title, theme(scored_session, "visie").title
    assert votes.index(relatie) < votes.index(visie)  # most chosen first
    links = [h for h in hrefs(votes) if "keuze=" in h]
    agreements_url = reverse("session_agreements", args=[scored_session.pk])
    assert f"{agreements_url}?keuze=theme:relatie" in links
    assert votes.count("Maak hier een afspraak van") == len(links)


def test_the_one_click_link_prefills_the_agreement_form(alice_client, scored_session):
    vote(scored_session, [["theme:relatie"]] * 3)
    link = next(
        h
        for h in hrefs(fragment(dashboard(alice_client, scored_session), "votes"))
        if "relatie" in h
    )
    form = alice_client.get(link).content.decode()
    assert '<option value="theme:relatie" selected>' in form


def test_the_lowest_and_most_divided_statements_link_to_an_agreement_about_them(
    alice_client, scored_session
):
    html = dashboard(alice_client, scored_session)
    attention = fragment(html, "attention")
    lowest = [h for h in hrefs(attention) if "keuze=item:" in h]
    assert len(lowest) == 2 * screens.ATTENTION_SIZE
    item_id = re.search(r"keuze=item:(\d+)", lowest[0]).group(1)
    form = alice_client.get(lowest[0]).content.decode()
    assert f'<option value="item:{item_id}" selected>' in form


def test_priority_questions_are_ranked_beside_the_lists_with_their_own_one_click(
    alice_client, alice, instruments
):
    praat = instruments["praatplaat-regio"]
    session = lifecycle.create_session(alice, praat, title="Praat", partnership_name="Zuid")
    priority = praat.themes.get(key="onderwerpen").items.get(kind="priority")
    lifecycle.open_round(session, priority.theme_id)
    for options in (
        ["lerarentekort", "kansengelijkheid"],
        ["kansengelijkheid"],
        ["kansengelijkheid"],
    ):
        participant, _token, _created = participation.join(session, None)
        answers.choose(participant, priority.pk, options)
    votes = fragment(dashboard(alice_client, session), "votes")
    assert votes.index("Kansengelijkheid") < votes.index("Lerarentekort")
    link = next(h for h in hrefs(votes) if "kansengelijkheid" in h)
    assert link.endswith(f"?keuze=item:{priority.pk}:kansengelijkheid")
    form = alice_client.get(link).content.decode()
    assert f'<option value="item:{priority.pk}" selected>' in form


def test_too_few_votes_show_no_ranking_and_no_links(alice_client, scored_session):
    vote(scored_session, [["theme:relatie"], ["theme:relatie"]])
    votes = fragment(dashboard(alice_client, scored_session), "votes")
    assert "Nog te weinig keuzes om te tonen." in votes
    assert "keuze=" not in votes


# Agreements ------------------------------------------------------------------------------------


def test_the_dashboard_lists_the_agreements_live_with_a_link_to_the_editor(
    alice_client, scored_session
):
    agreements.create(scored_session, valid_agreement(answers="theme:visie"))
    html = dashboard(alice_client, scored_session)
    assert re.search(r'aria-live="polite">\s*<section id="agreements"', html)
    listed = fragment(html, "agreements")
    assert "Organiseren van een open dag" in listed and "Gemeente Westland" in listed
    assert theme(scored_session, "visie").title in listed  # the reference, readable
    editor = reverse("session_agreements", args=[scored_session.pk])
    assert f'href="{editor}"' in html


def test_the_projector_shows_the_agreements_big_in_the_follow_up_phase_only(
    alice_client, scored_session
):
    agreements.create(scored_session, valid_agreement(due="2026-06-01"))
    lifecycle.set_phase(scored_session, "discussion")
    assert "Organiseren van een open dag" not in projector(alice_client, scored_session)
    lifecycle.set_phase(scored_session, "followup")
    # The group's votes come first; the agreements are the next page.
    lifecycle.change(scored_session, phones=False, projector_page=1)
    shown = fragment(projector(alice_client, scored_session), "projector-content")
    assert '<p class="p-agreement-action p-clamp">Organiseren van een open dag</p>' in shown
    assert "Gemeente Westland" in shown and "1 juni 2026" in shown


# A partnership over time ----------------------------------------------------------------------


@pytest.fixture
def second(alice, lob, scored_session):
    """The partnership's next session: visie went up a band, relatie down, the rest the same."""
    done = agreements.create(scored_session, valid_agreement(action="Open dag organiseren"))
    agreements.create(scored_session, valid_agreement(action="Stagebank opzetten"))
    agreements.create(scored_session, valid_agreement(action="Netwerkavond"))
    later = make_scored_session(
        alice, lob, title="Najaar", scores={"visie": [4, 4, 5, 5], "relatie": [2, 3, 3, 4]}
    )
    history.review(later, done.pk, "gedaan", "In april")
    return later


def test_a_second_session_shows_the_trend_of_each_theme(alice_client, second):
    html = dashboard(alice_client, second)
    visie = fragment(html, f"trend-{theme(second, 'visie').pk}")
    assert "trend-up" in visie and "↑" in visie
    assert re.search(r'gestegen met </span><span aria-hidden="true">\+</span>1,0', visie)
    assert "vorige keer 3,5" in visie
    assert "van aandachtspunt naar sterk punt" in visie
    relatie = fragment(html, f"trend-{theme(second, 'relatie').pk}")
    assert "↓" in relatie and "gedaald met" in relatie and "−</span>1,0" in relatie
    same = fragment(html, f"trend-{theme(second, 'partners').pk}")
    assert "→" in same and "stabiel" in same and "van " not in same
    # The trend is part of the theme's live fragment.
    summary = fragment(html, f"theme-{theme(second, 'visie').pk}-summary")
    assert visie in summary


def test_a_first_session_shows_no_trend_and_no_look_back(alice_client, scored_session):
    html = dashboard(alice_client, scored_session)
    assert 'id="trend-' not in html
    assert '<div id="review-panel" hidden></div>' in html
    assert 'id="phase-review-link"' not in html


def test_a_second_session_shows_the_look_back_and_the_phase_list_links_there(alice_client, second):
    html = dashboard(alice_client, second)
    panel = fragment(html, "review-panel")
    review_url = reverse("session_review", args=[second.pk])
    assert "<strong>3</strong> afspraken van eerder" in panel
    assert "<strong>1</strong> van 3 besproken" in panel
    assert "Vorige sessie: Voorjaar" in panel
    assert f'href="{review_url}"' in panel
    phases = fragment(html, "phase-panel")
    assert re.search(
        rf'id="phase-review".*?</button>\s*<a class="phase-link" id="phase-review-link" '
        rf'href="{review_url}"',
        phases,
        re.S,
    )


def test_the_projector_shows_the_earlier_agreements_and_their_status_in_the_review_phase(
    alice_client, second
):
    assert "Stagebank opzetten" not in projector(alice_client, second)
    lifecycle.set_phase(second, "review")
    shown = fragment(projector(alice_client, second), "projector-content")
    assert "Open dag organiseren" in shown and "Stagebank opzetten" in shown
    assert (
        '<p class="p-status status-gedaan">gedaan · <span class="p-status-note">In april' in shown
    )
    assert shown.count("nog te bespreken") == 2


def test_the_look_back_counts_match_the_review_page(second, alice, lob):
    first = history.previous_session(second)
    open_one = Agreement.objects.get(fields__action="Stagebank opzetten")
    closed = Agreement.objects.get(fields__action="Netwerkavond")
    history.review(second, open_one.pk, "loopt", "")
    third = make_scored_session(alice, lob, title="Voorjaar 2027")
    history.review(third, closed.pk, "", "alleen een notitie")
    for s in (first, second, third):
        earlier = history.earlier_agreements(s)
        summary = history.review_summary(s)
        assert summary == history.review_summary(s, history.earlier_sessions(s))
        assert summary.count == len(earlier)
        assert summary.reviewed == sum(1 for e in earlier if e.status)
    # "gedaan" in the second session: the third does not bring it back.
    assert history.review_summary(third).count == 2
    assert AgreementReview.objects.filter(session=third).count() == 1


# Downloads and sharing ----------------------------------------------------------------------------


def test_the_dashboard_links_to_the_report_the_csv_and_the_share_links(
    alice_client, scored_session
):
    html = dashboard(alice_client, scored_session)
    for name in ("session_report_pdf", "session_results_csv", "session_share_links"):
        assert f'href="{reverse(name, args=[scored_session.pk])}"' in html
    assert "in het Nederlands" in html
    assert 'value="closed" id="phase-closed"' in html  # "Sessie afsluiten" stays


def test_every_address_on_alices_dashboard_is_a_404_for_bob(client, alice_client, bob, second):
    agreements.create(second, valid_agreement())
    vote(second, [["theme:relatie"]] * 3)
    lifecycle.set_phase(second, "followup")
    html = dashboard(alice_client, second)
    own = f"/sessies/{second.pk}/"
    links = {h for h in hrefs(html) if h.startswith(own)}
    actions = {unescape(a) for a in re.findall(r'action="([^"]+)"', html) if a.startswith(own)}
    assert len(links) >= 8 and len(actions) >= 5
    before = Session.objects.values().get(pk=second.pk)
    client.force_login(bob)
    for address in sorted(links):
        assert client.get(address).status_code == 404, address
    for address in sorted(actions):
        response = client.post(address, {"action": "start", "phase": "closed", "minutes": "5"})
        assert response.status_code == 404, address
    assert Session.objects.values().get(pk=second.pk) == before


# Never the facilitator's controls on the projector -------------------------------------------


@pytest.mark.parametrize("phase", [p for p in Session.Phase.values])
def test_the_projector_never_shows_the_facilitators_controls(alice_client, second, phase):
    agreements.create(second, valid_agreement())
    Session.objects.filter(pk=second.pk).update(timer_started_at=timezone.now())
    lifecycle.set_phase(second, phase)
    html = projector(alice_client, second)
    _version, fragments = screens.render_screen(second.pk, "projector")
    for part in [html, *fragments.values()]:
        assert "<form" not in part and "<button" not in part
        assert "Maak hier een afspraak van" not in part
        assert "Klok starten" not in part and "Verlengen" not in part
        assert "Terugblik openen" not in part
        assert "keuze=" not in part


# Statements and votes the services share ---------------------------------------------------------


def test_the_vote_options_from_the_cached_structure_match_the_services(scored_session):
    structure = results.instrument_structure(scored_session.instrument)
    assert results.vote_options(structure) == answers.session_vote_options(scored_session)


def test_references_are_labelled_as_before(scored_session):
    choices = dict(agreements.reference_choices(scored_session))
    item = statements_of(scored_session.instrument)[0]
    assert choices[f"theme:{item.theme.key}"] == item.theme.title
    assert choices[f"item:{item.pk}"].startswith(f"— {item.label}: ")

"""render_screen: the fragments the ScreenConsumer sends, by stable id."""

import re

import pytest
from django.urls import reverse

from sessions import agreements, answers, charts, history, lifecycle, screens, tallies
from sessions.models import Session
from tests.builders import (
    join_phones,
    make_scored_session,
    projector_item,
    statements_of,
    valid_agreement,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("view", screens.VIEWS)
def test_every_fragment_is_one_element_carrying_its_own_id(all_at_once_session, view):
    _version, fragments = screens.render_screen(all_at_once_session.pk, view)
    assert "participant-count" in fragments
    for fragment_id, html in fragments.items():
        assert re.match(rf'<\w+ id="{fragment_id}"', html), fragment_id
        assert html.count(f'id="{fragment_id}"') == 1


@pytest.mark.parametrize(
    ("view", "url_name"),
    [("facilitator", "session_dashboard"), ("projector", "session_projector")],
)
@pytest.mark.parametrize("phase", ["scoring", "followup"])
def test_every_fragment_the_socket_sends_is_on_the_page_it_swaps_into(
    all_at_once_session, alice_client, view, url_name, phase
):
    # A fragment in fragment_specs but not on the page would never show; this catches it.
    lifecycle.set_phase(all_at_once_session, phase)
    page = alice_client.get(reverse(url_name, args=[all_at_once_session.pk])).content.decode()
    _version, fragments = screens.render_screen(all_at_once_session.pk, view)
    missing = [fragment_id for fragment_id in fragments if f'id="{fragment_id}"' not in page]
    assert missing == []


def test_the_facilitator_screen_has_the_panels_and_one_fragment_per_theme_and_statement(
    all_at_once_session,
):
    _version, fragments = screens.render_screen(all_at_once_session.pk, "facilitator")
    assert {"participant-count", "phase-panel", "attention", "votes"} <= set(fragments)
    for theme in all_at_once_session.instrument.themes.all():
        assert f"theme-{theme.pk}-summary" in fragments
    for item in statements_of(all_at_once_session.instrument):
        assert f"item-{item.pk}" in fragments


def test_ids_stay_the_same_from_one_render_to_the_next(all_at_once_session):
    _v1, before = screens.render_screen(all_at_once_session.pk, "facilitator")
    join_phones(all_at_once_session, 2)
    _v2, after = screens.render_screen(all_at_once_session.pk, "facilitator")
    assert list(before) == list(after)


def test_the_version_is_the_sessions_stored_version(all_at_once_session):
    version, _fragments = screens.render_screen(all_at_once_session.pk, "projector")
    all_at_once_session.refresh_from_db()
    assert version == all_at_once_session.version


def test_a_new_answer_changes_only_the_affected_statement_and_its_sums(all_at_once_session):
    first, second, *rest = statements_of(all_at_once_session.instrument)
    crowd = join_phones(all_at_once_session, 4)
    for phone, value in zip(crowd[:3], ["2", "4", "5"], strict=True):
        answers.answer(phone, first.pk, value)
    version, before = screens.render_screen(all_at_once_session.pk, "facilitator")

    answers.answer(crowd[3], first.pk, "1")
    new_version, after = screens.render_screen(all_at_once_session.pk, "facilitator")

    assert new_version > version
    changed = {key for key in before if before[key] != after[key]}
    assert f"item-{first.pk}" in changed
    assert changed <= {f"item-{first.pk}", f"theme-{first.theme_id}-summary", "attention"}
    assert f"item-{second.pk}" not in changed


def test_a_new_participant_changes_the_count(all_at_once_session):
    _v, before = screens.render_screen(all_at_once_session.pk, "facilitator")
    join_phones(all_at_once_session, 1)
    _v, after = screens.render_screen(all_at_once_session.pk, "facilitator")
    assert before["participant-count"] != after["participant-count"]
    assert "<strong>1</strong> deelnemer" in after["participant-count"]


def test_the_facilitator_sees_the_respondents_of_each_statement(all_at_once_session):
    item = statements_of(all_at_once_session.instrument)[0]
    for phone in join_phones(all_at_once_session, 3):
        answers.answer(phone, item.pk, "3")
    _v, fragments = screens.render_screen(all_at_once_session.pk, "facilitator")
    assert re.match(
        rf'<article id="item-{item.pk}"[^>]*data-respondents="3"', fragments[f"item-{item.pk}"]
    )


def test_the_projector_shows_no_distribution_until_revealed(all_at_once_session):
    item = statements_of(all_at_once_session.instrument)[0]
    for phone, value in zip(join_phones(all_at_once_session, 3), ["1", "3", "5"], strict=True):
        answers.answer(phone, item.pk, value)
    _v, fragments = screens.render_screen(all_at_once_session.pk, "projector")
    assert "<svg" not in fragments["projector-content"]

    lifecycle.set_revealed(all_at_once_session, item.theme_id, True)
    card = projector_item(all_at_once_session, item)
    assert "<svg" in card
    assert "grote verdeeldheid" in card


def test_the_projector_has_no_controls(all_at_once_session):
    _v, fragments = screens.render_screen(all_at_once_session.pk, "projector")
    assert not any("<form" in html for html in fragments.values())


def test_socket_renders_use_the_address_remembered_from_the_page(all_at_once_session, settings):
    settings.SITE_URL = ""
    lifecycle.set_phase(all_at_once_session, "lobby")
    screens.remember_page(all_at_once_session.pk, join_base="http://192.168.1.20:8000")
    _v, fragments = screens.render_screen(all_at_once_session.pk, "projector")
    lobby_page = fragments["projector-content"]
    assert f"http://192.168.1.20:8000/j/{all_at_once_session.code}/" in lobby_page


def test_the_dashboard_socket_speaks_the_facilitators_language_the_projector_the_sessions(
    all_at_once_session,
):
    screens.remember_page(all_at_once_session.pk, join_base="", language="en")
    assert screens.screen_language(all_at_once_session, "facilitator", "en") == "en"
    assert (
        screens.screen_language(all_at_once_session, "projector", "en")
        == all_at_once_session.language
        == "nl"
    )
    assert screens.screen_language(all_at_once_session, "facilitator", None) == "nl"


def test_rendering_takes_a_handful_of_queries(all_at_once_session, django_assert_max_num_queries):
    crowd = join_phones(all_at_once_session, 5)
    for phone in crowd:
        for item in statements_of(all_at_once_session.instrument)[:4]:
            answers.answer(phone, item.pk, "4")
    screens.render_screen(
        all_at_once_session.pk, "facilitator"
    )  # warms the instrument's structure cache
    # Results (5), the session row, its agreements and the partnership's earlier sessions.
    with django_assert_max_num_queries(8):
        screens.render_screen(all_at_once_session.pk, "facilitator")
    with django_assert_max_num_queries(6):
        screens.render_screen(all_at_once_session.pk, "projector")


def test_an_unknown_view_is_refused(all_at_once_session):
    with pytest.raises(ValueError):
        screens.render_screen(all_at_once_session.pk, "secret")


def test_the_chart_scales_bars_to_the_tallest_and_describes_itself():
    chart = charts.make_chart((0, 1, 2, 4, 0), scale_min=1)
    heights = [bar.height for bar in chart.bars]
    assert heights == [0, 20, 40, 80, 0]
    assert [bar.value for bar in chart.bars] == [1, 2, 3, 4, 5]
    assert "4: 4 keer" in chart.description


@pytest.mark.parametrize(
    ("counts", "max_choices", "shown"),
    [
        ([1, 1, 0], 3, False),  # could be one person picking two
        ([3, 0, 0], 3, True),  # three people picked the first
        ([2, 2, 2], 2, True),  # six picks, two each at most: at least three people
        ([1, 1, 1], 1, True),
        ([2, 1, 0], 3, False),
    ],
)
def test_option_counts_are_shown_only_when_at_least_three_people_chose(counts, max_choices, shown):
    from sessions.results import OptionCount

    options = [OptionCount(str(i), str(i), c) for i, c in enumerate(counts)]
    _views, is_shown = screens.option_views(options, max_choices)
    assert is_shown is shown


# The follow-up on the live screens ------------------------------------------------------------


def changed(before: dict, after: dict) -> set[str]:
    return {key for key in before if before[key] != after.get(key)}


def test_the_screens_carry_the_clock_agreements_votes_and_look_back_fragments(all_at_once_session):
    _v, facilitator = screens.render_screen(all_at_once_session.pk, "facilitator")
    assert {"timer-panel", "agreements", "votes", "review-panel"} <= set(facilitator)
    assert 'id="timer"' in facilitator["timer-panel"]
    _v, projector = screens.render_screen(all_at_once_session.pk, "projector")
    assert {"timer", "projector-stage", "projector-content"} <= set(projector)


def test_starting_the_clock_changes_the_clock_fragment_on_both_screens(all_at_once_session):
    from sessions import timer

    _v, dash_before = screens.render_screen(all_at_once_session.pk, "facilitator")
    _v, proj_before = screens.render_screen(all_at_once_session.pk, "projector")
    timer.start(all_at_once_session)
    _v, dash_after = screens.render_screen(all_at_once_session.pk, "facilitator")
    _v, proj_after = screens.render_screen(all_at_once_session.pk, "projector")
    assert changed(dash_before, dash_after) == {"timer-panel"}
    assert 'data-state="running"' in dash_after["timer-panel"]
    assert "Pauze" in dash_after["timer-panel"]
    assert changed(proj_before, proj_after) == {"timer"}
    assert "hidden" not in proj_after["timer"].split(">", 1)[0]


def test_a_socket_render_has_no_csrf_field_but_the_clock_still_posts(all_at_once_session):
    _v, fragments = screens.render_screen(all_at_once_session.pk, "facilitator")
    assert "csrfmiddlewaretoken" not in fragments["timer-panel"]
    assert 'hx-post="/sessies/' in fragments["timer-panel"]


def test_adding_an_agreement_changes_only_the_agreements_fragment(all_at_once_session):
    lifecycle.set_phase(all_at_once_session, "followup")
    _v, dash_before = screens.render_screen(all_at_once_session.pk, "facilitator")
    _v, proj_before = screens.render_screen(all_at_once_session.pk, "projector")
    agreements.create(all_at_once_session, valid_agreement())
    _v, dash_after = screens.render_screen(all_at_once_session.pk, "facilitator")
    _v, proj_after = screens.render_screen(all_at_once_session.pk, "projector")
    assert changed(dash_before, dash_after) == {"agreements"}
    assert "Organiseren van een open dag" in dash_after["agreements"]
    assert changed(proj_before, proj_after) == {"projector-content"}
    assert "Organiseren van een open dag" in proj_after["projector-content"]


def test_a_vote_changes_the_votes_fragment(all_at_once_session):
    lifecycle.set_phase(all_at_once_session, "priorities")
    crowd = join_phones(all_at_once_session, 3)
    for phone in crowd[:2]:
        answers.choose(phone, None, ["theme:relatie"])
    _v, before = screens.render_screen(all_at_once_session.pk, "facilitator")
    answers.choose(crowd[2], None, ["theme:relatie"])
    _v, after = screens.render_screen(all_at_once_session.pk, "facilitator")
    assert changed(before, after) == {"votes"}
    assert "<strong>3</strong>" in after["votes"]
    assert "keuze=theme:relatie" in after["votes"]


def test_a_running_clock_is_read_from_the_stored_start(all_at_once_session):
    from datetime import timedelta

    from django.utils import timezone

    Session.objects.filter(pk=all_at_once_session.pk).update(
        timer_started_at=timezone.now() - timedelta(minutes=50)
    )
    _v, fragments = screens.render_screen(all_at_once_session.pk, "facilitator")
    panel = fragments["timer-panel"]
    assert 'data-state="followup"' in panel and "is-followup" in panel
    assert re.search(r'data-cue="followup" role="alert">', panel)  # shown, not hidden


@pytest.fixture
def partnership(alice, lob):
    """Two earlier sessions with agreements, then the one that runs now."""
    first = make_scored_session(alice, lob, title="Een", scores={"visie": [3, 3, 4, 4]})
    for n in range(3):
        agreements.create(first, valid_agreement(action=f"Afspraak {n}"))
    second = make_scored_session(alice, lob, title="Twee")
    agreements.create(second, valid_agreement(action="Nog een"))
    now = make_scored_session(alice, lob, title="Drie", scores={"visie": [4, 4, 5, 5]})
    history.review(now, second.agreements.get().pk, "gedaan", "")
    return now


def test_the_dashboard_of_a_later_session_shows_trends_and_the_look_back(partnership):
    _v, fragments = screens.render_screen(partnership.pk, "facilitator")
    visie = partnership.instrument.themes.get(key="visie")
    summary = fragments[f"theme-{visie.pk}-summary"]
    assert f'id="trend-{visie.pk}"' in summary
    assert "↑" in summary  # against "Twee" (default scores 4,0), the previous session
    assert "<strong>4</strong> afspraken van eerder" in fragments["review-panel"]
    assert "<strong>1</strong> van 4 besproken" in fragments["review-panel"]


def test_a_later_session_renders_in_a_bounded_number_of_queries(
    partnership, django_assert_max_num_queries
):
    screens.render_screen(partnership.pk, "facilitator")  # warms the structure and previous means
    # + the earlier agreements and their reviews (one query); the previous session's results
    # come from the cache while that session does not change.
    with django_assert_max_num_queries(9):
        screens.render_screen(partnership.pk, "facilitator")
    for n in range(5):
        agreements.create(partnership, valid_agreement(action=f"Nieuw {n}"))
    with django_assert_max_num_queries(9):
        screens.render_screen(partnership.pk, "facilitator")
    lifecycle.set_phase(partnership, "review")
    with django_assert_max_num_queries(8):
        screens.render_screen(partnership.pk, "projector")
    lifecycle.set_phase(partnership, "followup")
    with django_assert_max_num_queries(6):
        screens.render_screen(partnership.pk, "projector")


def test_the_trend_follows_a_change_in_the_previous_session(partnership, alice, lob):
    previous = history.previous_session(partnership)
    visie = partnership.instrument.themes.get(key="visie")
    _v, before = screens.render_screen(partnership.pk, "facilitator")
    assert "vorige keer 4,0" in before[f"theme-{visie.pk}-summary"]
    # A late answer in the previous session: its version goes up, so the cached means go.
    item = visie.items.filter(kind="statement").first()
    previous.responses.filter(item=item).update(value=1)
    tallies.publish_all(previous.pk)
    lifecycle.change(previous)
    _v, after = screens.render_screen(partnership.pk, "facilitator")
    assert "vorige keer 3,3" in after[f"theme-{visie.pk}-summary"]


# Statements' fragments kept per worker --------------------------------------------------------


@pytest.mark.parametrize("view", screens.VIEWS)
def test_kept_fragments_are_what_a_fresh_render_gives(all_at_once_session, lob, view, monkeypatch):
    phones = join_phones(all_at_once_session, 4)
    items = statements_of(lob)[:2]
    screens.render_screen(all_at_once_session.pk, view)  # fills the kept fragments
    for phone, value in zip(phones, "1245", strict=True):
        answers.answer(phone, items[0].pk, value)
    lifecycle.set_revealed(all_at_once_session, items[0].theme_id, True)
    _v, kept = screens.render_screen(all_at_once_session.pk, view)
    monkeypatch.setattr(screens, "_kept", screens.OrderedDict())
    _v, fresh = screens.render_screen(all_at_once_session.pk, view)
    assert kept == fresh
    shown = kept[f"item-{items[0].pk}" if view == "facilitator" else "projector-content"]
    assert "3,0" in shown  # the mean of 1, 2, 4 and 5


def test_a_tap_renders_only_the_statement_it_changed(all_at_once_session, lob, monkeypatch):
    phones = join_phones(all_at_once_session, 3)
    item = statements_of(lob)[0]
    screens.render_screen(all_at_once_session.pk, "facilitator")
    rendered = []
    original = screens.render_to_string

    def counting(template, context):
        rendered.append(template)
        return original(template, context)

    monkeypatch.setattr(screens, "render_to_string", counting)
    answers.answer(phones[0], item.pk, "4")
    screens.render_screen(all_at_once_session.pk, "facilitator")
    assert rendered.count(screens.FRAGMENTS + "item.html") == 1


def test_kept_fragments_are_per_language(all_at_once_session, lob):
    item = statements_of(lob)[0]
    # The projector renders its page whole; the dashboard keeps statements, in its language.
    screens.remember_page(all_at_once_session.pk, join_base="", language="en")
    _v, english = screens.render_screen(all_at_once_session.pk, "facilitator")
    screens.remember_page(all_at_once_session.pk, join_base="", language="nl")
    _v, dutch = screens.render_screen(all_at_once_session.pk, "facilitator")
    assert english[f"item-{item.pk}"] != dutch[f"item-{item.pk}"]

"""What the screens show moves in steps that never reveal one person's answer (tallies.py)."""

import random

import pytest

from sessions import answers, lifecycle, participation, report, tallies
from sessions.models import Participant, Response, Session, Tally
from sessions.results import session_results
from tests.builders import join_phones, statements_of, theme_statements

pytestmark = pytest.mark.django_db


def shown_state(session) -> dict:
    """Per statement what a screen shows of the answers: (counts or None, scored, weet ik niet)."""
    results = session_results(session.pk)
    return {
        r.info.id: (r.stats.counts, r.stats.scored, r.stats.dont_know) for r in results.statements
    }


def one_answer_apart(before, after) -> bool:
    """Whether two shown states differ by exactly one answer: one added, gone or moved.

    Below the floor a screen shows only how many scored and how many said "weet ik niet".
    """
    if before[0] is None or after[0] is None:
        old, new = before[1:], after[1:]
    else:
        old, new = (*before[0], before[2]), (*after[0], after[2])
    deltas = [b - a for a, b in zip(old, new, strict=True)]
    added = sum(d for d in deltas if d > 0)
    removed = -sum(d for d in deltas if d < 0)
    return max(added, removed) == 1


@pytest.mark.parametrize("seed", range(3))
def test_a_replay_of_single_taps_never_shows_a_step_of_one_answer(all_at_once_session, lob, seed):
    session = all_at_once_session
    items = statements_of(lob)[:4]
    phones = join_phones(session, 12)
    rng = random.Random(seed)
    values = ["1", "2", "3", "4", "5", "dk"]
    previous = shown_state(session)
    steps = 0
    for _tap in range(400):
        phone, item = rng.choice(phones), rng.choice(items)
        answers.answer(phone, item.pk, rng.choice(values))
        state = shown_state(session)
        for item_id, now in state.items():
            assert not one_answer_apart(previous[item_id], now), (item_id, previous, now)
            steps += now != previous[item_id]
        previous = state
    # The screens did move: the rule holds answers back, it does not freeze the results.
    assert steps >= 20
    for item in items:
        _counts, scored, dont_know = previous[item.pk]
        assert scored + dont_know >= Response.objects.filter(item=item).count() - 2


def test_the_first_two_answers_show_nothing_but_how_many_answered(scoring_session, lob):
    item = theme_statements(lob.themes.first())[0]
    first, second, third = join_phones(scoring_session, 3)
    answers.answer(first, item.pk, "dk")
    answers.answer(second, item.pk, "4")
    result = session_results(scoring_session.pk).statements[0]
    assert result.answered == 2
    assert (result.stats.scored, result.stats.dont_know) == (0, 0)
    answers.answer(third, item.pk, "2")
    result = session_results(scoring_session.pk).statements[0]
    # Three answered, but two scores are still too few to show.
    assert result.stats.hidden
    assert (result.stats.scored, result.stats.dont_know, result.answered) == (2, 1, 3)


def test_a_changed_answer_waits_for_two_more_changes(scoring_session, lob):
    item = theme_statements(lob.themes.first())[0]
    phones = join_phones(scoring_session, 4)
    for phone in phones[:3]:
        answers.answer(phone, item.pk, "3")
    assert shown_state(scoring_session)[item.pk][0] == (0, 0, 3, 0, 0)
    answers.answer(phones[0], item.pk, "5")
    answers.answer(phones[3], item.pk, "1")
    assert shown_state(scoring_session)[item.pk][0] == (0, 0, 3, 0, 0)
    answers.answer(phones[1], item.pk, "4")
    assert shown_state(scoring_session)[item.pk][0] == (1, 0, 1, 1, 1)


def test_changes_that_cancel_out_to_one_answer_are_held_back(scoring_session, lob):
    item = theme_statements(lob.themes.first())[0]
    a, b, c, d, e = join_phones(scoring_session, 5)
    for phone, value in ((a, "3"), (b, "4"), (c, "4")):
        answers.answer(phone, item.pk, value)
    assert shown_state(scoring_session)[item.pk][0] == (0, 0, 1, 2, 0)  # a screen looked
    answers.answer(a, item.pk, "4")  # a: 3 → 4
    answers.answer(b, item.pk, "3")  # b: 4 → 3, cancelling a's move
    answers.answer(d, item.pk, "5")  # three changed, but the step is d's 5 alone
    assert shown_state(scoring_session)[item.pk][0] == (0, 0, 1, 2, 0)
    answers.answer(e, item.pk, "1")
    assert shown_state(scoring_session)[item.pk][0] == (1, 0, 1, 2, 1)


def test_below_the_floor_a_lone_weet_ik_niet_is_held_back(scoring_session, lob):
    item = theme_statements(lob.themes.first())[0]
    a, b, c, d = join_phones(scoring_session, 4)
    answers.answer(a, item.pk, "3")
    answers.answer(b, item.pk, "4")
    answers.answer(c, item.pk, "dk")
    assert shown_state(scoring_session)[item.pk] == (None, 2, 1)
    # Below the floor the scores are not shown, so a and b moving is invisible: the step would
    # show d's weet ik niet alone.
    answers.answer(a, item.pk, "5")
    answers.answer(b, item.pk, "2")
    answers.answer(d, item.pk, "dk")
    assert shown_state(scoring_session)[item.pk] == (None, 2, 1)


def test_the_session_vote_moves_in_steps_of_three_voters(lobby_session):
    lifecycle.set_phase(lobby_session, "priorities")
    phones = join_phones(lobby_session, 4)
    options = [key for key, _label in answers.session_vote_options(lobby_session)]
    answers.choose(phones[0], None, options[:2])
    answers.choose(phones[1], None, options[:1])
    assert all(v.count == 0 for v in session_results(lobby_session.pk).votes)
    answers.choose(phones[2], None, options[1:2])
    counts = {v.key: v.count for v in session_results(lobby_session.pk).votes}
    assert (counts[options[0]], counts[options[1]]) == (2, 2)
    answers.choose(phones[3], None, options[:1])
    counts = {v.key: v.count for v in session_results(lobby_session.pk).votes}
    assert counts[options[0]] == 2


def test_a_withdrawn_participant_leaves_the_results_with_the_next_step(scoring_session, lob):
    item = theme_statements(lob.themes.first())[0]
    phones = join_phones(scoring_session, 6)
    for phone in phones[:3]:
        answers.answer(phone, item.pk, "2")
    assert shown_state(scoring_session)[item.pk][0] == (0, 3, 0, 0, 0)  # a screen looked
    tallies.withdraw(phones[0])
    assert not Participant.objects.filter(pk=phones[0].pk).exists()
    assert not Response.objects.filter(participant_id=phones[0].pk).exists()
    # Their answer is gone from the stored rows at once, from the screens with the next step.
    assert shown_state(scoring_session)[item.pk][0] == (0, 3, 0, 0, 0)
    answers.answer(phones[3], item.pk, "5")
    answers.answer(phones[4], item.pk, "5")
    assert shown_state(scoring_session)[item.pk][0] == (0, 2, 0, 0, 2)
    assert session_results(scoring_session.pk).participants == 5


def test_tallies_hold_counts_and_participant_ids_only(scoring_session, lob):
    item = theme_statements(lob.themes.first())[0]
    phones = join_phones(scoring_session, 4)
    for phone in phones[:3]:
        answers.answer(phone, item.pk, "4")
    shown_state(scoring_session)  # a screen looked
    answers.answer(phones[3], item.pk, "4")
    left = phones[0].pk
    tallies.withdraw(phones[0])
    shown_state(scoring_session)
    tally = Tally.objects.get(session=scoring_session, item=item)
    assert tally.shown == {"": {"4": 3}}
    # Who left is listed until a step counts them; who answered is known from the stamps.
    assert tally.pending == [left]
    assert tally.seq < Response.objects.get(participant=phones[3], item=item).seq


def test_a_tap_does_no_tally_work_and_the_next_read_counts_it(scoring_session, lob):
    item = theme_statements(lob.themes.first())[0]
    phones = join_phones(scoring_session, 3)
    for phone in phones:
        answers.answer(phone, item.pk, "2")
    assert not Tally.objects.filter(session=scoring_session).exists()
    assert shown_state(scoring_session)[item.pk][0] == (0, 3, 0, 0, 0)
    tally = Tally.objects.get(session=scoring_session, item=item)
    assert tally.seq == Session.objects.get(pk=scoring_session.pk).tallied
    assert tally.seq == max(Response.objects.filter(item=item).values_list("seq", flat=True))


def test_answers_stamped_before_the_last_step_are_not_pending_again(scoring_session, lob):
    # Three answers make a step; three more must change it again, not one more plus the three
    # that were counted already.
    item = theme_statements(lob.themes.first())[0]
    phones = join_phones(scoring_session, 5)
    for phone in phones[:3]:
        answers.answer(phone, item.pk, "2")
    assert shown_state(scoring_session)[item.pk][0] == (0, 3, 0, 0, 0)
    answers.answer(phones[3], item.pk, "5")
    answers.answer(phones[4], item.pk, "5")
    assert shown_state(scoring_session)[item.pk][0] == (0, 3, 0, 0, 0)


# The breakdown by partner type: nothing can be subtracted --------------------------------------


def typed_session(alice, lob, groups: dict[str, list[int]], *, close_round=True):
    """A session where every group scored every statement of the first theme with its values."""
    session = lifecycle.create_session(alice, lob, title="Najaar", partnership_name="Regio Oost")
    theme = lob.themes.first()
    lifecycle.open_round(session, theme.pk)
    rows = []
    for partner_type, values in groups.items():
        for value in values:
            participant, _token, _created = participation.join(
                session, None, partner_type=partner_type
            )
            rows += [
                Response(session=session, participant=participant, item=item, value=value)
                for item in theme_statements(theme)
            ]
    Response.objects.bulk_create(rows)
    tallies.publish_all(session.pk)
    if close_round:
        lifecycle.set_phase(session, "discussion")
    return session


def first_theme(session):
    return session_results(session.pk, breakdown=True).themes[0]


def test_a_lone_untyped_participant_cannot_be_subtracted(alice, lob):
    # The case found from outside: mean 3.7 next to "mbo 3.0 · vo 5.0" pinned the untyped at 1.
    session = typed_session(alice, lob, {"vo": [5] * 5, "mbo": [3] * 5, "": [1]})
    assert first_theme(session).breakdown is None


def test_small_groups_are_merged_into_one_group_that_is_large_enough(alice, lob):
    session = typed_session(
        alice, lob, {"vo": [5] * 5, "mbo": [3] * 5, "": [1, 2], "gemeente": [4, 4, 4]}
    )
    breakdown = first_theme(session).breakdown
    assert breakdown == {"mbo": 3.0, "vo": 5.0, "overige": pytest.approx(3.0)}


def test_the_untyped_are_a_group_of_their_own_when_large_enough(alice, lob):
    session = typed_session(alice, lob, {"vo": [4] * 5, "": [2] * 5})
    assert first_theme(session).breakdown == {"geen soort opgegeven": 2.0, "vo": 4.0}


def test_no_breakdown_while_the_theme_is_open_for_scoring(alice, lob):
    session = typed_session(alice, lob, {"vo": [4] * 5, "mbo": [2] * 5}, close_round=False)
    assert first_theme(session).breakdown is None


@pytest.mark.parametrize("seed", range(6))
def test_every_score_is_in_some_shown_group(alice, lob, seed):
    rng = random.Random(seed)
    types = ["vo", "mbo", "ho", "gemeente", ""]
    groups = {t: [rng.randint(1, 5) for _ in range(rng.randint(0, 8))] for t in types}
    session = typed_session(alice, lob, groups)
    theme = first_theme(session)
    if theme.breakdown is None:
        return
    # The groups shown add up to everyone: no group is left for the total to give away.
    everyone = [v for values in groups.values() for v in values]
    shown_sizes = {label: None for label in theme.breakdown}
    assert len(shown_sizes) >= 2
    labels = {"": "geen soort opgegeven", "ho": "hbo/wo"}
    weighted = 0.0
    rest = [v for t, vs in groups.items() for v in vs if labels.get(t, t) not in theme.breakdown]
    for label, mean in theme.breakdown.items():
        if label == "overige":
            weighted += mean * len(rest)
            assert len(rest) >= 5
        else:
            key = next(t for t in types if labels.get(t, t) == label)
            assert len(groups[key]) >= 5
            weighted += mean * len(groups[key])
    assert weighted / len(everyone) == pytest.approx(sum(everyone) / len(everyone))


def test_the_report_says_how_many_answers_wait_for_a_step(scoring_session, lob):
    item = theme_statements(lob.themes.first())[0]
    phones = join_phones(scoring_session, 4)
    for phone in phones[:3]:
        answers.answer(phone, item.pk, "4")
    shown_state(scoring_session)  # a screen looked
    answers.answer(phones[3], item.pk, "4")
    context = report.report_context(scoring_session)
    assert context["held_back"] == 1
    assert "1 antwoord staat niet in de cijfers" in report.render_html(scoring_session)

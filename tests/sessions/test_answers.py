"""Storing scores and picks (sessions.answers): upserts, all or nothing, phase rules."""

import pytest

from instruments.models import Item
from sessions import answers, lifecycle
from sessions.errors import Invalid, NotAllowed
from sessions.models import PriorityChoice, Response, Session
from tests.builders import stored, theme_statements


def test_an_answer_is_stored_as_one_row(scoring_session, phone):
    item = theme_statements(scoring_session.current_theme)[0]
    assert answers.answer(phone, item.pk, "4") is True
    assert Response.objects.get(participant=phone, item=item).value == 4


def test_changing_an_answer_updates_the_same_row(scoring_session, phone):
    item = theme_statements(scoring_session.current_theme)[0]
    answers.answer(phone, item.pk, "4")
    assert answers.answer(phone, item.pk, "2") is True
    assert Response.objects.filter(participant=phone, item=item).count() == 1
    assert Response.objects.get(participant=phone, item=item).value == 2


def test_the_same_answer_twice_changes_nothing_and_keeps_the_version(scoring_session, phone):
    item = theme_statements(scoring_session.current_theme)[0]
    answers.answer(phone, item.pk, "3")
    before = stored(scoring_session).version
    assert answers.answer(phone, item.pk, "3") is False
    assert stored(scoring_session).version == before
    assert Response.objects.count() == 1


def test_an_answer_bumps_the_version_but_not_the_phase_version(scoring_session, phone):
    item = theme_statements(scoring_session.current_theme)[0]
    before = Session.objects.get(pk=scoring_session.pk)
    answers.answer(phone, item.pk, "5")
    after = Session.objects.get(pk=scoring_session.pk)
    assert after.version == before.version + 1
    assert after.phase_version == before.phase_version


def test_dont_know_is_stored_as_no_value(scoring_session, phone):
    item = theme_statements(scoring_session.current_theme)[0]
    answers.answer(phone, item.pk, "dk")
    assert answers.answers_of(phone) == {item.pk: None}


@pytest.mark.parametrize("value", ["0", "6", "9", "abc", "", "-1", "3.5", "DK"])
def test_a_value_off_the_scale_is_refused(scoring_session, phone, value):
    item = theme_statements(scoring_session.current_theme)[0]
    with pytest.raises(Invalid):
        answers.answer(phone, item.pk, value)
    assert Response.objects.count() == 0


def test_answer_many_stores_all_items_at_once(scoring_session, phone):
    items = theme_statements(scoring_session.current_theme)
    changed = answers.answer_many(phone, {item.pk: "4" for item in items})
    assert changed == len(items)
    assert Response.objects.filter(participant=phone).count() == len(items)


def test_answer_many_stores_nothing_when_one_value_is_bad(scoring_session, phone):
    first, second = theme_statements(scoring_session.current_theme)[:2]
    with pytest.raises(Invalid):
        answers.answer_many(phone, {first.pk: "4", second.pk: "7"})
    assert Response.objects.count() == 0


def test_answer_many_stores_nothing_when_one_item_is_of_another_instrument(
    scoring_session, phone, instruments
):
    first = theme_statements(scoring_session.current_theme)[0]
    foreign = Item.objects.filter(
        theme__instrument=instruments["po-externe-partners"], kind="statement"
    ).first()
    with pytest.raises(Invalid):
        answers.answer_many(phone, {first.pk: "4", foreign.pk: "4"})
    assert Response.objects.count() == 0


def test_answer_many_stores_nothing_when_one_item_is_of_a_closed_round(scoring_session, phone, lob):
    first = theme_statements(scoring_session.current_theme)[0]
    later = theme_statements(lob.themes.all()[1])[0]
    with pytest.raises(NotAllowed) as refused:
        answers.answer_many(phone, {first.pk: "4", later.pk: "4"})
    assert "Deze ronde is gesloten" in str(refused.value.message)
    assert Response.objects.count() == 0


@pytest.mark.usefixtures("scoring_session")
def test_an_empty_answer_is_refused(phone):
    with pytest.raises(Invalid):
        answers.answer_many(phone, {})


def test_answers_are_refused_once_the_round_is_over(scoring_session, phone):
    item = theme_statements(scoring_session.current_theme)[0]
    lifecycle.set_phase(scoring_session, "discussion")
    with pytest.raises(NotAllowed):
        answers.answer(phone, item.pk, "4")
    assert Response.objects.count() == 0


def test_all_at_once_mode_opens_every_theme(scoring_session, phone, lob):
    lifecycle.set_scoring_mode(scoring_session, "all")
    later = theme_statements(lob.themes.all()[1])[0]
    assert answers.answer(phone, later.pk, "2") is True


# Priority votes ---------------------------------------------------------------------------------


def test_priority_picks_are_stored_up_to_the_maximum(priority_round):
    _session, item, phone = priority_round
    keys = [o["key"] for o in item.options][: item.max_choices]
    assert answers.choose(phone, item.pk, keys) is True
    assert answers.choices_of(phone) == {item.pk: set(keys)}


def test_more_picks_than_the_maximum_are_refused(priority_round):
    _session, item, phone = priority_round
    keys = [o["key"] for o in item.options][: item.max_choices + 1]
    assert len(keys) > item.max_choices
    with pytest.raises(Invalid):
        answers.choose(phone, item.pk, keys)
    assert PriorityChoice.objects.count() == 0


def test_an_unknown_option_is_refused(priority_round):
    _session, item, phone = priority_round
    with pytest.raises(Invalid):
        answers.choose(phone, item.pk, ["bestaat-niet"])
    assert PriorityChoice.objects.count() == 0


def test_new_picks_replace_the_old_ones(priority_round):
    _session, item, phone = priority_round
    first, second, third = [o["key"] for o in item.options][:3]
    answers.choose(phone, item.pk, [first, second])
    answers.choose(phone, item.pk, [third])
    assert answers.choices_of(phone) == {item.pk: {third}}
    assert answers.choose(phone, item.pk, [third]) is False


def test_picks_of_a_closed_round_are_refused(priority_round):
    session, item, phone = priority_round
    lifecycle.set_phase(session, "discussion")
    with pytest.raises(NotAllowed):
        answers.choose(phone, item.pk, [item.options[0]["key"]])


def test_the_session_vote_is_only_open_in_the_priorities_phase(scoring_session, phone):
    key = answers.session_vote_options(scoring_session)[0][0]
    with pytest.raises(NotAllowed):
        answers.choose(phone, None, [key])
    lifecycle.set_phase(scoring_session, "priorities")
    assert answers.choose(phone, None, [key]) is True
    assert answers.choices_of(phone) == {None: {key}}


def test_the_session_vote_allows_three_themes_at_most(scoring_session, phone):
    lifecycle.set_phase(scoring_session, "priorities")
    keys = [key for key, _label in answers.session_vote_options(scoring_session)]
    with pytest.raises(Invalid):
        answers.choose(phone, None, keys[:4])
    assert answers.choose(phone, None, keys[:3]) is True

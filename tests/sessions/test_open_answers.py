"""Typed answers (sessions/open_answers.py): what a phone may send, the cap per phone, and how
the facilitator's hide and merge decide what is shown."""

import pytest

from instruments.models import Item
from sessions import lifecycle, open_answers, participation
from sessions.errors import Invalid, NotAllowed, NotFound
from sessions.models import OpenAnswer
from tests.builders import stored

pytestmark = pytest.mark.django_db

OPTIONS = [{"key": "werk", "label": "Werk"}, {"key": "anders", "label": "Anders", "text": True}]


@pytest.fixture
def room(alice, lob):
    """A LOB session with the first theme's round open, holding an open question and a priority
    question with "Anders" (text); a later theme holds another open question. Returns a dict."""
    first, second = list(lob.themes.all()[:2])
    ask = Item.objects.create(
        theme=first, kind="open", position=90, title="Doel", text="Wat willen we bereiken?"
    )
    pick = Item.objects.create(
        theme=first, kind="priority", position=91, text="Welke?", max_choices=1, options=OPTIONS
    )
    later = Item.objects.create(theme=second, kind="open", position=90, text="En later?")
    session = lifecycle.create_session(alice, lob, title="Regio", partnership_name="LOB Oost")
    lifecycle.open_round(session, first.pk)
    phone = participation.join(session, None)[0]
    return {"session": session, "ask": ask, "pick": pick, "later": later, "phone": phone}


def texts(session, item) -> list[tuple[str, int]]:
    return [(a.text, a.count) for a in open_answers.shown_by_item(session.pk).get(item.pk, [])]


# Sending ----------------------------------------------------------------------------------------


def test_an_answer_is_stored_tidied_and_without_its_participant(room, told):
    answer = open_answers.submit(room["phone"], room["ask"].pk, "  Meer   stages \n samen  ")
    assert answer.text == "Meer stages samen"
    assert (answer.item_id, answer.option, answer.hidden) == (room["ask"].pk, "", False)
    field_names = {f.name for f in OpenAnswer._meta.get_fields()}
    assert not field_names & {"participant", "participant_id", "token_hash"}
    # The screens are told; the phones are not.
    assert told == [(room["session"].pk, False)]


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_an_empty_answer_is_refused(room, text):
    with pytest.raises(Invalid, match="Typ eerst je antwoord"):
        open_answers.submit(room["phone"], room["ask"].pk, text)
    assert not OpenAnswer.objects.exists()


def test_300_characters_are_fine_and_301_are_too_long(room):
    open_answers.submit(room["phone"], room["ask"].pk, "a" * 300)
    with pytest.raises(Invalid, match="hoogstens 300 tekens"):
        open_answers.submit(room["phone"], room["ask"].pk, "b" * 301)
    assert list(OpenAnswer.objects.values_list("text", flat=True)) == ["a" * 300]


def test_a_control_character_is_refused_not_stripped(room):
    with pytest.raises(Invalid, match="stuurteken"):
        open_answers.submit(room["phone"], room["ask"].pk, "ab\u202ecd")
    assert not OpenAnswer.objects.exists()


def test_an_item_of_another_instrument_or_a_statement_is_refused(room, instruments):
    praat = instruments["praatplaat-regio"]
    foreign = Item.objects.create(
        theme=praat.themes.first(), kind="open", position=99, text="Elders?"
    )
    statement = Item.objects.filter(theme=room["ask"].theme, kind="statement").first()
    for item_id in (foreign.pk, statement.pk, 10**9):
        with pytest.raises(Invalid, match="hoort niet bij deze sessie"):
            open_answers.submit(room["phone"], item_id, "Iets")
    assert not OpenAnswer.objects.exists()


def test_an_option_text_needs_an_option_that_asks_for_text(room):
    pick = room["pick"]
    answer = open_answers.submit(room["phone"], pick.pk, "Cultuur", option="anders")
    assert answer.option == "anders"
    for option in ("werk", "bestaat-niet", ""):
        with pytest.raises(Invalid, match="geen tekst typen"):
            open_answers.submit(room["phone"], pick.pk, "Iets", option=option)
    with pytest.raises(Invalid, match="geen tekst typen"):
        open_answers.submit(room["phone"], room["ask"].pk, "Iets", option="anders")
    assert OpenAnswer.objects.count() == 1


def test_a_question_outside_the_open_round_is_refused_until_it_is_spotlighted(room):
    session, later = room["session"], room["later"]
    with pytest.raises(NotAllowed, match="staat nu niet open"):
        open_answers.submit(room["phone"], later.pk, "Nu al?")
    for kind in ("answers", "item"):
        lifecycle.change(stored(session), spotlight={"kind": kind, "id": later.pk})
        room["phone"].session = stored(session)
        open_answers.submit(room["phone"], later.pk, f"Via {kind}")
    # A spotlight on something else does not open it.
    lifecycle.change(stored(session), spotlight={"kind": "background", "id": later.pk})
    room["phone"].session = stored(session)
    with pytest.raises(NotAllowed):
        open_answers.submit(room["phone"], later.pk, "Achtergrond")
    stored_texts = OpenAnswer.objects.filter(item=later).values_list("text", flat=True)
    assert sorted(stored_texts) == ["Via answers", "Via item"]


def test_the_discussion_phase_takes_no_answers_but_a_spotlighted_question(room):
    session, ask = room["session"], room["ask"]
    lifecycle.set_phase(stored(session), "discussion")
    room["phone"].session = stored(session)
    with pytest.raises(NotAllowed):
        open_answers.submit(room["phone"], ask.pk, "Te laat")
    lifecycle.change(stored(session), spotlight={"kind": "answers", "id": ask.pk})
    room["phone"].session = stored(session)
    open_answers.submit(room["phone"], ask.pk, "Op verzoek")
    assert list(OpenAnswer.objects.values_list("text", flat=True)) == ["Op verzoek"]


def test_a_closed_session_takes_no_answers_even_when_spotlighted(room):
    session, ask = room["session"], room["ask"]
    lifecycle.change(stored(session), spotlight={"kind": "answers", "id": ask.pk})
    lifecycle.set_phase(stored(session), "closed")
    room["phone"].session = stored(session)
    with pytest.raises(NotAllowed, match="afgesloten"):
        open_answers.submit(room["phone"], ask.pk, "Na afloop")
    assert not OpenAnswer.objects.exists()


def test_a_phone_may_send_five_answers_per_question_and_not_a_sixth(room):
    phone, ask = room["phone"], room["ask"]
    for n in range(open_answers.MAX_PER_ITEM):
        open_answers.submit(phone, ask.pk, f"Antwoord {n}")
    with pytest.raises(open_answers.TooMany, match="al 5 antwoorden") as refused:
        open_answers.submit(phone, ask.pk, "Nog een")
    assert refused.value.status == 429
    # Counted per phone and per question: another phone, or the other question, still may.
    other = participation.join(room["session"], None)[0]
    open_answers.submit(other, ask.pk, "Van een ander")
    open_answers.submit(phone, room["pick"].pk, "Anders", option="anders")
    assert OpenAnswer.objects.filter(item=ask).count() == 6


def test_a_refused_answer_does_not_count_toward_the_cap(room):
    phone, ask = room["phone"], room["ask"]
    for _n in range(3):
        with pytest.raises(Invalid):
            open_answers.submit(phone, ask.pk, "")
    for n in range(open_answers.MAX_PER_ITEM):
        open_answers.submit(phone, ask.pk, f"Antwoord {n}")
    assert OpenAnswer.objects.count() == 5


# Hiding and merging -----------------------------------------------------------------------------


def three(room) -> list[OpenAnswer]:
    return [
        open_answers.submit(room["phone"], room["ask"].pk, text)
        for text in ("Stages", "Meer stages", "Onzin")
    ]


def test_answers_reach_the_screens_in_threes_ordered_by_their_text(room):
    """One person's answer never changes a screen on its own (someone watching sees who typed)."""
    session, ask = room["session"], room["ask"]
    open_answers.submit(room["phone"], ask.pk, "Zorg")
    open_answers.submit(room["phone"], ask.pk, "Banen")
    assert texts(session, ask) == []
    assert open_answers.for_dashboard(session.pk) == ({}, {ask.pk: 2})
    open_answers.submit(room["phone"], ask.pk, "Stages")
    assert texts(session, ask) == [("Banen", 1), ("Stages", 1), ("Zorg", 1)]
    open_answers.submit(room["phone"], ask.pk, "Aardig")  # waits for two more
    assert texts(session, ask) == [("Banen", 1), ("Stages", 1), ("Zorg", 1)]
    blocks = open_answers.dashboard_blocks(stored(session))[ask.theme_id]
    assert [(b.item.id, b.waiting, len(b.answers)) for b in blocks][0] == (ask.pk, 1, 3)
    # Each option's "namelijk" counts on its own.
    open_answers.submit(room["phone"], room["pick"].pk, "Cultuur", option="anders")
    assert room["pick"].pk not in open_answers.shown_by_item(session.pk)


def test_a_hidden_answer_is_not_shown_until_shown_again(room, told):
    stages, more, nonsense = three(room)
    session = stored(room["session"])
    told.clear()
    open_answers.hide(session, nonsense.pk, True)
    assert told == [(session.pk, False)]
    assert texts(session, room["ask"]) == [("Meer stages", 1), ("Stages", 1)]
    open_answers.hide(session, str(nonsense.pk), False)
    assert texts(session, room["ask"]) == [("Meer stages", 1), ("Onzin", 1), ("Stages", 1)]


def test_a_merged_answer_counts_toward_its_target(room):
    stages, more, nonsense = three(room)
    session = stored(room["session"])
    open_answers.merge(session, more.pk, stages.pk)
    assert texts(session, room["ask"]) == [("Onzin", 1), ("Stages", 2)]
    # Hidden answers are not counted in a group.
    open_answers.hide(session, more.pk, True)
    assert texts(session, room["ask"]) == [("Onzin", 1), ("Stages", 1)]
    open_answers.hide(session, more.pk, False)
    open_answers.unmerge(session, more.pk)
    assert texts(session, room["ask"]) == [("Meer stages", 1), ("Onzin", 1), ("Stages", 1)]


def test_merging_a_group_moves_its_members_along(room):
    stages, more, nonsense = three(room)
    session = stored(room["session"])
    open_answers.merge(session, more.pk, stages.pk)
    open_answers.merge(session, stages.pk, nonsense.pk)
    assert texts(session, room["ask"]) == [("Onzin", 3)]
    assert set(OpenAnswer.objects.values_list("merged_into_id", flat=True)) == {None, nonsense.pk}


def test_merging_into_a_member_goes_to_its_group_and_a_root_into_its_member_swaps(room):
    stages, more, nonsense = three(room)
    session = stored(room["session"])
    open_answers.merge(session, more.pk, stages.pk)
    open_answers.merge(session, nonsense.pk, more.pk)  # into a member: into its root
    assert texts(session, room["ask"]) == [("Stages", 3)]
    open_answers.merge(session, stages.pk, more.pk)  # the root into its own member
    assert texts(session, room["ask"]) == [("Meer stages", 3)]
    roots = OpenAnswer.objects.filter(merged_into=None).values_list("pk", flat=True)
    assert list(roots) == [more.pk]


def test_merging_into_itself_across_questions_or_sessions_is_refused(room, alice, lob):
    stages, more, _nonsense = three(room)
    session = stored(room["session"])
    anders = open_answers.submit(room["phone"], room["pick"].pk, "Cultuur", option="anders")
    with pytest.raises(Invalid, match="met zichzelf"):
        open_answers.merge(session, stages.pk, stages.pk)
    with pytest.raises(Invalid, match="dezelfde vraag"):
        open_answers.merge(session, anders.pk, stages.pk)
    other = lifecycle.create_session(alice, lob, title="Ander", partnership_name="LOB Oost")
    with pytest.raises(NotFound):
        open_answers.merge(other, stages.pk, more.pk)
    with pytest.raises(NotFound):
        open_answers.hide(other, stages.pk, True)
    with pytest.raises(NotFound):
        open_answers.merge(session, stages.pk, 10**9)
    assert not OpenAnswer.objects.exclude(merged_into=None).exists()
    assert not OpenAnswer.objects.filter(hidden=True).exists()


def test_a_closed_session_is_not_moderated_any_more(room):
    stages, more, _nonsense = three(room)
    session = lifecycle.set_phase(stored(room["session"]), "closed")
    with pytest.raises(NotAllowed):
        open_answers.hide(session, stages.pk, True)
    with pytest.raises(NotAllowed):
        open_answers.merge(session, more.pk, stages.pk)


def test_the_dashboard_lists_every_answer_with_its_state_in_one_query(
    room, django_assert_num_queries
):
    stages, more, nonsense = three(room)
    session = stored(room["session"])
    open_answers.merge(session, more.pk, stages.pk)
    open_answers.hide(session, nonsense.pk, True)
    with django_assert_num_queries(1):
        listed, waiting = open_answers.for_dashboard(session.pk)
    rows = [(a.text, a.hidden, a.merged_into, a.merged, a.count) for a in listed[room["ask"].pk]]
    assert rows == [
        ("Meer stages", False, stages.pk, 0, 1),
        ("Onzin", True, None, 0, 1),
        ("Stages", False, None, 1, 2),
    ]
    assert waiting == {}


def test_dashboard_blocks_offer_merging_into_other_roots_of_the_same_option(room):
    stages, more, nonsense = three(room)
    session = stored(room["session"])
    open_answers.merge(session, more.pk, stages.pk)
    blocks = open_answers.dashboard_blocks(session)
    theme_blocks = blocks[room["ask"].theme_id]
    assert [b.item.id for b in theme_blocks] == [room["ask"].pk, room["pick"].pk]
    assert blocks[room["later"].theme_id][0].item.id == room["later"].pk
    answers = {a.text: a for a in theme_blocks[0].answers}
    assert answers["Stages"].targets == [(nonsense.pk, "Onzin")]
    assert answers["Meer stages"].targets == [(nonsense.pk, "Onzin"), (stages.pk, "Stages")]
    assert theme_blocks[1].item.text_options == (("anders", "Anders"),)


def test_phone_fields_are_one_per_open_question_and_per_text_option(room):
    assert [f.key for f in open_answers.phone_fields(room["ask"])] == [f"open-{room['ask'].pk}"]
    fields = open_answers.phone_fields(room["pick"])
    assert [(f.key, f.option_label) for f in fields] == [
        (f"open-{room['pick'].pk}-anders", "Anders")
    ]
    statement = Item.objects.filter(kind="statement").first()
    assert open_answers.phone_fields(statement) == []

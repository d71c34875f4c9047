"""Halen en brengen: the balance item's file format, answering it on a phone, and its tally."""

import copy
import json

import pytest

from instruments.models import Item
from instruments.services import export, store
from instruments.validation import InstrumentFileError, validate
from sessions import answers, lifecycle, participation, stats, tallies
from sessions.errors import Invalid, NotAllowed
from sessions.models import BalanceAnswer, Tally
from sessions.results import session_results
from tests.builders import HTMX, code_url, join_phones

pytestmark = pytest.mark.django_db

QUESTION = "Hoe is het halen en brengen voor jouw eigen organisatie?"


def minimal(**item) -> dict:
    """A small valid instrument whose one theme holds a balance item (and a statement)."""
    return {
        "format": 1,
        "slug": "balans-test",
        "name": "Balans",
        "themes": [
            {
                "key": "balans",
                "title": "Halen en brengen",
                "items": [{"kind": "balance", "text": QUESTION, **item}, {"text": "Klopt het?"}],
            }
        ],
    }


@pytest.fixture
def balance_round(alice, instruments):
    """A praatplaat session whose round on "Halen en brengen" is open. Returns (session, item)."""
    praat = instruments["praatplaat-regio"]
    item = Item.objects.get(theme__instrument=praat, kind=Item.Kind.BALANCE)
    session = lifecycle.create_session(alice, praat, title="Praat", partnership_name="Zuid")
    lifecycle.open_round(session, item.theme_id)
    return session, item


def shown_pairs(session, item) -> dict:
    result = next(r for t in session_results(session.pk).themes for r in t.balances)
    assert result.info.id == item.pk
    return result.balance


# The file format --------------------------------------------------------------------------------


def test_a_balance_item_needs_text_and_gets_empty_labels_by_default():
    item = validate(minimal(), "t.json")["themes"][0]["items"][0]
    assert item == {
        "kind": "balance",
        "title": "",
        "text": QUESTION,
        "brings_label": "",
        "gets_label": "",
    }
    with pytest.raises(InstrumentFileError, match=r"themes\[0\]\.items\[0\]\.text"):
        validate(minimal(text=""), "t.json")


def test_the_labels_of_the_two_questions_are_checked_like_any_text():
    item = validate(minimal(brings_label="Wat geef je?", gets_label="Wat krijg je?"), "t.json")
    assert item["themes"][0]["items"][0]["brings_label"] == "Wat geef je?"
    with pytest.raises(InstrumentFileError, match=r"items\[0\]\.gets_label"):
        validate(minimal(gets_label=3), "t.json")
    with pytest.raises(InstrumentFileError, match=r"items\[0\]\.brings_label"):
        validate(minimal(brings_label="x" * 201), "t.json")


def test_a_balance_item_is_stored_and_exported_as_it_came_in(db):
    data = validate(minimal(title="Balans", brings_label="Geven", gets_label=""), "t.json")
    instrument, outcome = store(copy.deepcopy(data))
    assert outcome == "nieuw"
    item = Item.objects.get(theme__instrument=instrument, kind=Item.Kind.BALANCE)
    assert item.is_balance and item.number is None and item.label == "Balans"
    assert dict(item.choices) == {"brings": "Geven", "gets": ""}
    assert json.dumps(export(instrument), sort_keys=True) == json.dumps(data, sort_keys=True)


def test_the_praatplaat_asks_halen_en_brengen_first_in_its_balans_theme(instruments):
    theme = instruments["praatplaat-regio"].themes.get(key="balans")
    first = theme.items.first()
    assert first.is_balance and first.text == QUESTION
    assert theme.items.filter(kind=Item.Kind.STATEMENT).count() == 4


# Answering --------------------------------------------------------------------------------------


def test_a_pair_is_stored_once_and_changed_in_place(balance_round):
    session, item = balance_round
    (phone,) = join_phones(session, 1)
    assert answers.answer_balance(phone, item.pk, "4", "2") is True
    assert answers.answer_balance(phone, item.pk, "4", "2") is False  # a retried POST
    assert answers.answer_balance(phone, item.pk, 3, 3) is True
    assert answers.balances_of(phone) == {item.pk: (3, 3)}
    assert BalanceAnswer.objects.filter(participant=phone).count() == 1
    # The change is listed for the next step, and the session's version moved on.
    assert Tally.objects.get(session=session, item=item).pending == [phone.pk]


@pytest.mark.parametrize(
    ("brings", "gets"),
    [("", "3"), ("3", None), ("0", "3"), ("3", "6"), ("dk", "3"), ("٣", "3"), ("3.0", "3")],
)
def test_a_pair_with_a_side_missing_or_off_the_scale_is_refused_and_stores_nothing(
    balance_round, brings, gets
):
    session, item = balance_round
    (phone,) = join_phones(session, 1)
    session.refresh_from_db()
    version = session.version
    with pytest.raises(Invalid) as refused:
        answers.answer_balance(phone, item.pk, brings, gets)
    assert refused.value.status == 400
    assert "brengen" in str(refused.value.message) or "brengt" in str(refused.value.message)
    assert not BalanceAnswer.objects.exists()
    assert not Tally.objects.filter(session=session, item=item).exists()
    session.refresh_from_db()
    assert session.version == version


def test_a_closed_round_refuses_a_pair(balance_round, instruments):
    session, item = balance_round
    (phone,) = join_phones(session, 1)
    other = instruments["praatplaat-regio"].themes.get(key="inhoud")
    lifecycle.open_round(session, other.pk)
    with pytest.raises(NotAllowed, match="ronde is gesloten"):
        answers.answer_balance(phone, item.pk, "3", "3")
    assert not BalanceAnswer.objects.exists()


def test_an_item_that_is_not_a_balance_item_of_this_session_is_refused(
    balance_round, alice, instruments, lob
):
    session, item = balance_round
    (phone,) = join_phones(session, 1)
    statement = Item.objects.filter(theme=item.theme, kind=Item.Kind.STATEMENT).first()
    foreign = lifecycle.create_session(
        alice, instruments["praatplaat-regio"], title="Ander", partnership_name="Noord"
    )
    (stranger,) = join_phones(foreign, 1)  # the round of the foreign session is not open
    for who, item_id in [(phone, statement.pk), (phone, 10**9), (stranger, item.pk)]:
        with pytest.raises((Invalid, NotAllowed)):
            answers.answer_balance(who, item_id, "3", "3")
    lob_session = lifecycle.create_session(alice, lob, title="LOB", partnership_name="West")
    (lob_phone,) = join_phones(lob_session, 1)
    with pytest.raises(Invalid, match="hoort niet bij deze sessie"):
        answers.answer_balance(lob_phone, item.pk, "3", "3")
    assert not BalanceAnswer.objects.exists()


# The tally: steps of three, never one pair's worth ----------------------------------------------


def test_two_pairs_show_nothing_and_the_third_shows_all_three(balance_round):
    session, item = balance_round
    first, second, third = join_phones(session, 3)
    answers.answer_balance(first, item.pk, "5", "1")
    answers.answer_balance(second, item.pk, "4", "4")
    balance = shown_pairs(session, item)
    assert balance.hidden and balance.pairs == () and balance.out_of_balance is None
    answers.answer_balance(third, item.pk, "2", "5")
    balance = shown_pairs(session, item)
    assert not balance.hidden
    assert balance.pairs == ((2, 5, 1), (4, 4, 1), (5, 1, 1))
    assert (balance.out_of_balance, balance.total) == (2, 3)
    assert Tally.objects.get(session=session, item=item).shown == {"5-1": 1, "4-4": 1, "2-5": 1}


def test_one_pair_changing_alone_never_shows(balance_round):
    session, item = balance_round
    phones = join_phones(session, 4)
    for phone in phones[:3]:
        answers.answer_balance(phone, item.pk, "3", "3")
    before = shown_pairs(session, item)
    assert before.total == 3
    for brings, gets in [("5", "1"), ("1", "5"), ("4", "2"), ("2", "2")]:
        answers.answer_balance(phones[0], item.pk, brings, gets)
        assert shown_pairs(session, item) == before
    # A fourth pair and one more change: still only two people changed.
    answers.answer_balance(phones[3], item.pk, "5", "5")
    assert shown_pairs(session, item) == before
    answers.answer_balance(phones[1], item.pk, "1", "1")
    after = shown_pairs(session, item)
    assert after.total == 4 and after != before


def test_a_step_that_nets_out_to_one_pair_waits(balance_round):
    session, item = balance_round
    phones = join_phones(session, 3)
    for phone in phones:
        answers.answer_balance(phone, item.pk, "3", "3")
    assert shown_pairs(session, item).total == 3
    before = Tally.objects.get(session=session, item=item).shown
    # Three changes, two of which go back: the net step would be one pair moved.
    answers.answer_balance(phones[0], item.pk, "5", "1")
    answers.answer_balance(phones[1], item.pk, "4", "4")
    answers.answer_balance(phones[1], item.pk, "3", "3")
    answers.answer_balance(phones[2], item.pk, "2", "2")
    answers.answer_balance(phones[2], item.pk, "3", "3")
    shown_pairs(session, item)
    assert Tally.objects.get(session=session, item=item).shown == before


@pytest.mark.parametrize(
    ("shown", "current", "allowed"),
    [
        ({}, {"3-3": 3}, True),
        ({"3-3": 3}, {"3-3": 4}, False),  # one added
        ({"3-3": 3}, {"3-3": 2}, False),  # one gone
        ({"3-3": 3}, {"3-3": 2, "5-1": 1}, False),  # one moved
        ({"3-3": 3}, {"3-3": 1, "5-1": 2}, True),
        ({"3-3": 3}, {"3-3": 3, "5-1": 2}, True),
    ],
)
def test_the_step_rule_for_pairs(shown, current, allowed):
    assert tallies.step_allowed(shown, current, kind=Item.Kind.BALANCE) is allowed


def test_a_withdrawn_participant_leaves_the_pairs_with_a_step(balance_round):
    session, item = balance_round
    phones = join_phones(session, 5)
    for phone in phones:
        answers.answer_balance(phone, item.pk, "4", "2")
    assert shown_pairs(session, item).total == 5
    tallies.withdraw(phones[0])
    assert not BalanceAnswer.objects.filter(participant_id=phones[0].pk).exists()
    # Gone from the stored rows at once, from the screens only with two more changes.
    assert shown_pairs(session, item).total == 5
    assert session_results(session.pk).themes  # still readable
    answers.answer_balance(phones[1], item.pk, "3", "3")
    answers.answer_balance(phones[2], item.pk, "3", "3")
    balance = shown_pairs(session, item)
    assert balance.total == 4
    assert balance.cells == {(4, 2): 2, (3, 3): 2}


def test_publish_all_shows_bulk_loaded_pairs(balance_round):
    session, item = balance_round
    phones = join_phones(session, 3)
    BalanceAnswer.objects.bulk_create(
        BalanceAnswer(session=session, participant=p, item=item, brings=b, gets=g)
        for p, (b, g) in zip(phones, [(5, 1), (4, 4), (2, 5)], strict=True)
    )
    tallies.publish_all(session.pk)
    assert shown_pairs(session, item).total == 3


def test_a_new_partner_type_does_not_move_the_pairs(balance_round):
    session, item = balance_round
    phones = join_phones(session, 3)
    for phone in phones:
        answers.answer_balance(phone, item.pk, "4", "2")
    before = shown_pairs(session, item)
    participation.update_profile(phones[0], partner_type="mbo")
    assert shown_pairs(session, item) == before


# The share out of balance -----------------------------------------------------------------------


def test_the_share_out_of_balance_counts_pairs_two_or_more_apart():
    balance = stats.balance_stats({(5, 1): 1, (4, 4): 1, (2, 5): 1})
    assert (balance.out_of_balance, balance.total, balance.hidden) == (2, 3, False)
    balance = stats.balance_stats({(3, 2): 2, (2, 4): 1, (1, 1): 1})
    assert (balance.out_of_balance, balance.total) == (1, 4)


def test_below_the_floor_nothing_of_the_pairs_is_given():
    balance = stats.balance_stats({(5, 1): 2})
    assert balance.hidden and balance.pairs == () and balance.out_of_balance is None


# The phone --------------------------------------------------------------------------------------


@pytest.fixture
def balance_phone(client, balance_round):
    """A phone that joined the balance round (`client` carries its cookie)."""
    session, item = balance_round
    participant, token, _created = participation.join(session, None)
    client.cookies[participation.cookie_name(session.code)] = token
    return session, item, participant


def test_the_phone_shows_two_groups_of_radios_with_legends(client, balance_phone):
    session, item, _participant = balance_phone
    html = client.get(code_url("phone", session)).text
    form = html[html.index(f'<form method="post" action="{code_url("phone_balance", session)}"') :]
    form = form[: form.index("</form>")]
    assert f'name="item" value="{item.pk}"' in form
    assert QUESTION in form
    assert form.count("<fieldset") == 2 and form.count("<legend>") == 2
    assert "Wat brengt jouw organisatie in?" in form
    assert "Wat haalt jouw organisatie eruit?" in form
    for side in ("brings", "gets"):
        for value in range(1, 6):
            assert f'type="radio" name="{side}" value="{value}"' in form
    assert "helemaal waar" in form
    assert 'type="submit"' in form
    assert f'hx-post="{code_url("phone_balance", session)}"' in form


def test_without_javascript_the_form_posts_and_the_pair_comes_back_checked(client, balance_phone):
    session, item, participant = balance_phone
    response = client.post(
        code_url("phone_balance", session), {"item": item.pk, "brings": "5", "gets": "2"}
    )
    assert response.status_code == 303
    assert response.url.endswith(f"#item-{item.pk}")
    assert answers.balances_of(participant) == {item.pk: (5, 2)}
    page = client.get(response.url).text
    assert 'name="brings" value="5" required checked' in page
    assert 'name="gets" value="2" required checked' in page


def test_with_htmx_the_pair_is_saved_and_a_small_status_comes_back(client, balance_phone):
    session, item, participant = balance_phone
    response = client.post(
        code_url("phone_balance", session), {"item": item.pk, "brings": "3", "gets": "4"}, **HTMX
    )
    assert response.status_code == 200
    assert "opgeslagen" in response.text and "<form" not in response.text
    assert answers.balances_of(participant) == {item.pk: (3, 4)}


@pytest.mark.parametrize(
    "data",
    [
        {"brings": "3", "gets": "4"},
        {"item": "x", "brings": "3", "gets": "4"},
        {"item": "1", "brings": ["3", "4"], "gets": "4"},
        {"item": "1", "brings": "3", "gets": "4", "value": "1"},
    ],
)
def test_a_post_we_cannot_read_is_400(client, balance_phone, data):
    session, _item, _participant = balance_phone
    response = client.post(code_url("phone_balance", session), data, **HTMX)
    assert response.status_code == 400
    assert not BalanceAnswer.objects.exists()


def test_a_post_with_one_side_says_both_are_needed(client, balance_phone):
    session, item, _participant = balance_phone
    response = client.post(code_url("phone_balance", session), {"item": item.pk, "brings": "3"})
    assert response.status_code == 400
    assert "bij wat ze haalt" in response.text
    assert not BalanceAnswer.objects.exists()


def test_a_phone_of_another_session_cannot_give_a_pair_here(client, balance_phone, alice, lob):
    session, item, _participant = balance_phone
    other = lifecycle.create_session(alice, lob, title="LOB", partnership_name="West")
    client.cookies.clear()
    _p, token, _created = participation.join(other, None)
    client.cookies[participation.cookie_name(other.code)] = token
    response = client.post(
        code_url("phone_balance", session), {"item": item.pk, "brings": "3", "gets": "3"}
    )
    assert response.status_code == 403
    response = client.post(
        code_url("phone_balance", other), {"item": item.pk, "brings": "3", "gets": "3"}
    )
    assert response.status_code == 400
    assert not BalanceAnswer.objects.exists()

"""Follow-up agreements: the sheet's fields, strict validation, order, and live notices."""

import pytest
from django.template.loader import render_to_string

from instruments.models import Item
from sessions import agreements, lifecycle
from sessions.errors import Invalid, NotFound
from sessions.models import Agreement, Session
from tests.builders import valid_agreement

HOSTILE = '<script>alert(1)</script> <img src="file:///etc/passwd">'


@pytest.fixture
def other_session(bob, instruments):
    return lifecycle.create_session(
        bob, instruments["po-externe-partners"], title="Po", partnership_name="Po Oost"
    )


def test_it_stores_an_agreement_with_the_sheet_fields(lobby_session):
    agreement = agreements.create(
        lobby_session,
        valid_agreement(
            answers="theme:visie", with_whom="  mbo  ", due="2026-06-01", success="", review=""
        ),
    )
    assert agreement.fields == {
        "action": "Organiseren van een open dag",
        "owner": "Gemeente Westland",
        "answers": "theme:visie",
        "with_whom": "mbo",
        "due": "2026-06-01",
    }


def test_the_fields_come_from_the_instrument(lobby_session, lob):
    keys = [f["key"] for f in agreements.fields_of(lobby_session)]
    assert keys == [f["key"] for f in lob.followup_fields]
    assert "action" in keys and "owner" in keys


@pytest.mark.parametrize(
    "data",
    [
        {"owner": "Gemeente"},  # no action
        {"action": "   ", "owner": "Gemeente"},  # only spaces
        {"action": "Doen"},  # no owner
    ],
)
def test_a_missing_required_field_is_refused_and_nothing_is_stored(lobby_session, data):
    with pytest.raises(Invalid):
        agreements.create(lobby_session, data)
    assert not Agreement.objects.exists()


def test_an_unknown_field_is_refused(lobby_session):
    with pytest.raises(Invalid, match="colour"):
        agreements.create(lobby_session, valid_agreement(colour="rood"))
    assert not Agreement.objects.exists()


def test_text_over_the_limit_is_refused(lobby_session):
    with pytest.raises(Invalid):
        agreements.create(lobby_session, valid_agreement(success="x" * 5000))
    agreements.create(lobby_session, valid_agreement(success="x" * agreements.MAX_TEXT))
    assert Agreement.objects.count() == 1


def test_control_characters_are_refused(lobby_session):
    with pytest.raises(Invalid):
        agreements.create(lobby_session, valid_agreement(with_whom="a\x00b"))


def test_a_list_instead_of_text_is_refused(lobby_session):
    with pytest.raises(Invalid):
        agreements.create(lobby_session, valid_agreement(owner=["a", "b"]))


@pytest.mark.parametrize("due", ["1 juni", "2026-13-01", "2026-02-30", "26-06-01", "2026/06/01"])
def test_a_date_must_be_an_iso_date(lobby_session, due):
    with pytest.raises(Invalid):
        agreements.create(lobby_session, valid_agreement(due=due))


def test_the_theme_field_takes_a_theme_or_statement_of_this_instrument(lobby_session, lob):
    statement = Item.objects.filter(theme__instrument=lob, kind="statement").first()
    agreements.create(lobby_session, valid_agreement(answers="theme:relatie"))
    agreements.create(lobby_session, valid_agreement(answers=f"item:{statement.pk}"))
    assert Agreement.objects.count() == 2


def test_the_theme_field_refuses_a_theme_or_item_of_another_instrument(
    lobby_session, other_session
):
    foreign = Item.objects.filter(theme__instrument=other_session.instrument).first()
    foreign_theme = other_session.instrument.themes.exclude(
        key__in=lobby_session.instrument.themes.values("key")
    ).first()
    for value in (f"item:{foreign.pk}", f"theme:{foreign_theme.key}", "theme:bestaat-niet", "x"):
        with pytest.raises(Invalid):
            agreements.create(lobby_session, valid_agreement(answers=value))
    assert not Agreement.objects.exists()


def test_every_change_bumps_both_versions_and_tells_screens_and_phones(lobby_session, told):
    before = Session.objects.get(pk=lobby_session.pk)
    agreement = agreements.create(lobby_session, valid_agreement())
    agreements.update(lobby_session, agreement.pk, valid_agreement(owner="School"))
    agreements.delete(lobby_session, agreement.pk)
    after = Session.objects.get(pk=lobby_session.pk)
    assert after.version == before.version + 3
    assert after.phase_version == before.phase_version + 3
    assert told == [(lobby_session.pk, True)] * 3


def test_a_refused_change_does_not_bump_the_version(lobby_session, told):
    before = Session.objects.get(pk=lobby_session.pk).version
    with pytest.raises(Invalid):
        agreements.create(lobby_session, {"owner": "x"})
    assert Session.objects.get(pk=lobby_session.pk).version == before
    assert told == []


def test_update_replaces_all_fields(lobby_session):
    agreement = agreements.create(lobby_session, valid_agreement(with_whom="mbo"))
    agreements.update(lobby_session, agreement.pk, valid_agreement(owner="School"))
    agreement.refresh_from_db()
    assert agreement.fields == {"action": "Organiseren van een open dag", "owner": "School"}


def test_an_agreement_of_another_session_cannot_be_changed(lobby_session, other_session):
    foreign = Agreement.objects.create(session=other_session, fields={"action": "x"})
    with pytest.raises(NotFound):
        agreements.update(lobby_session, foreign.pk, valid_agreement())
    with pytest.raises(NotFound):
        agreements.delete(lobby_session, foreign.pk)
    assert Agreement.objects.filter(pk=foreign.pk).exists()


def test_new_agreements_go_last_and_can_be_reordered(lobby_session):
    a, b, c = (
        agreements.create(lobby_session, valid_agreement(action=f"Actie {n}")) for n in "abc"
    )
    assert [x.pk for x in Agreement.objects.filter(session=lobby_session)] == [a.pk, b.pk, c.pk]
    agreements.reorder(lobby_session, [c.pk, a.pk, b.pk])
    assert [x.pk for x in Agreement.objects.filter(session=lobby_session)] == [c.pk, a.pk, b.pk]
    agreements.move(lobby_session, b.pk, "up")
    assert [x.pk for x in Agreement.objects.filter(session=lobby_session)] == [c.pk, b.pk, a.pk]
    agreements.move(lobby_session, c.pk, "up")  # already first: stays
    assert [x.pk for x in Agreement.objects.filter(session=lobby_session)][0] == c.pk


def test_reorder_must_name_every_agreement_once(lobby_session):
    a, b = (agreements.create(lobby_session, valid_agreement(action=f"Actie {n}")) for n in "ab")
    for order in ([a.pk], [a.pk, a.pk], [a.pk, b.pk, 999999], ["x", a.pk]):
        with pytest.raises(Invalid):
            agreements.reorder(lobby_session, order)
    assert [x.pk for x in Agreement.objects.filter(session=lobby_session)] == [a.pk, b.pk]


def test_a_priority_choice_prefills_what_the_agreement_answers(lobby_session, lob):
    assert agreements.agreement_from_priority(lobby_session, "theme:visie") == {
        "answers": "theme:visie"
    }
    item = Item.objects.filter(theme__instrument=lob, kind="statement").first()
    assert agreements.agreement_from_priority(lobby_session, f"item:{item.pk}") == {
        "answers": f"item:{item.pk}"
    }
    with pytest.raises(Invalid):
        agreements.agreement_from_priority(lobby_session, "theme:onbekend")


def test_an_option_of_a_priority_item_points_at_the_item(alice, instruments):
    praat = instruments["praatplaat-regio"]
    session = lifecycle.create_session(alice, praat, title="Praat", partnership_name="Regio")
    item = Item.objects.filter(theme__instrument=praat, kind="priority").first()
    option = item.options[0]["key"]
    assert agreements.agreement_from_priority(session, f"item:{item.pk}:{option}") == {
        "answers": f"item:{item.pk}"
    }


def test_text_is_stored_as_typed_and_shown_escaped(lobby_session):
    agreements.create(lobby_session, valid_agreement(action=HOSTILE))
    assert Agreement.objects.get().fields["action"] == HOSTILE
    html = render_to_string(
        "sessions/followup/_agreements_list.html", agreements.list_context(lobby_session)
    )
    assert 'id="agreements"' in html
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_list_shows_labels_and_readable_references(lobby_session):
    agreements.create(lobby_session, valid_agreement(answers="theme:relatie", due="2026-06-01"))
    [view] = agreements.views(lobby_session)
    assert view.get("answers") == lobby_session.instrument.themes.get(key="relatie").title
    assert view.get("due") == "1 juni 2026"
    html = render_to_string(
        "sessions/followup/_agreements_list.html", agreements.list_context(lobby_session)
    )
    assert "Wie is eigenaar?" in html and "Gemeente Westland" in html

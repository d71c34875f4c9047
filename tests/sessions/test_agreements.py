"""Follow-up agreements: the sheet's fields, strict validation, order, and live notices."""

import pytest
from django.template.loader import render_to_string

from instruments.models import Item
from sessions import agreements, lifecycle, notify
from sessions.errors import Invalid, NotFound
from sessions.models import Agreement, Session

HOSTILE = '<script>alert(1)</script> <img src="file:///etc/passwd">'


@pytest.fixture
def session(alice, lob):
    return lifecycle.create_session(alice, lob, title="Voorjaar", partnership_name="Regio West")


@pytest.fixture
def other_session(bob, instruments):
    return lifecycle.create_session(
        bob, instruments["po-externe-partners"], title="Po", partnership_name="Po Oost"
    )


@pytest.fixture
def told(monkeypatch):
    calls = []
    monkeypatch.setattr(notify, "session_changed", lambda pk, phones=False: calls.append(phones))
    return calls


def valid(**extra):
    return {"action": "Organiseren van een open dag", "owner": "Gemeente", **extra}


def test_it_stores_an_agreement_with_the_sheet_fields(session):
    agreement = agreements.create(
        session,
        valid(answers="theme:visie", with_whom="  mbo  ", due="2026-06-01", success="", review=""),
    )
    assert agreement.fields == {
        "action": "Organiseren van een open dag",
        "owner": "Gemeente",
        "answers": "theme:visie",
        "with_whom": "mbo",
        "due": "2026-06-01",
    }


def test_the_fields_come_from_the_instrument(session, lob):
    keys = [f["key"] for f in agreements.fields_of(session)]
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
def test_a_missing_required_field_is_refused_and_nothing_is_stored(session, data):
    with pytest.raises(Invalid):
        agreements.create(session, data)
    assert not Agreement.objects.exists()


def test_an_unknown_field_is_refused(session):
    with pytest.raises(Invalid, match="colour"):
        agreements.create(session, valid(colour="rood"))
    assert not Agreement.objects.exists()


def test_text_over_the_limit_is_refused(session):
    with pytest.raises(Invalid):
        agreements.create(session, valid(success="x" * 5000))
    agreements.create(session, valid(success="x" * agreements.MAX_TEXT))
    assert Agreement.objects.count() == 1


def test_control_characters_are_refused(session):
    with pytest.raises(Invalid):
        agreements.create(session, valid(with_whom="a\x00b"))


def test_a_list_instead_of_text_is_refused(session):
    with pytest.raises(Invalid):
        agreements.create(session, valid(owner=["a", "b"]))


@pytest.mark.parametrize("due", ["1 juni", "2026-13-01", "2026-02-30", "26-06-01", "2026/06/01"])
def test_a_date_must_be_an_iso_date(session, due):
    with pytest.raises(Invalid):
        agreements.create(session, valid(due=due))


def test_the_theme_field_takes_a_theme_or_statement_of_this_instrument(session, lob):
    statement = Item.objects.filter(theme__instrument=lob, kind="statement").first()
    agreements.create(session, valid(answers="theme:relatie"))
    agreements.create(session, valid(answers=f"item:{statement.pk}"))
    assert Agreement.objects.count() == 2


def test_the_theme_field_refuses_a_theme_or_item_of_another_instrument(session, other_session):
    foreign = Item.objects.filter(theme__instrument=other_session.instrument).first()
    foreign_theme = other_session.instrument.themes.exclude(
        key__in=session.instrument.themes.values("key")
    ).first()
    for value in (f"item:{foreign.pk}", f"theme:{foreign_theme.key}", "theme:bestaat-niet", "x"):
        with pytest.raises(Invalid):
            agreements.create(session, valid(answers=value))
    assert not Agreement.objects.exists()


def test_every_change_bumps_both_versions_and_tells_screens_and_phones(session, told):
    before = Session.objects.get(pk=session.pk)
    agreement = agreements.create(session, valid())
    agreements.update(session, agreement.pk, valid(owner="School"))
    agreements.delete(session, agreement.pk)
    after = Session.objects.get(pk=session.pk)
    assert after.version == before.version + 3
    assert after.phase_version == before.phase_version + 3
    assert told == [True, True, True]


def test_a_refused_change_does_not_bump_the_version(session, told):
    before = Session.objects.get(pk=session.pk).version
    with pytest.raises(Invalid):
        agreements.create(session, {"owner": "x"})
    assert Session.objects.get(pk=session.pk).version == before
    assert told == []


def test_update_replaces_all_fields(session):
    agreement = agreements.create(session, valid(with_whom="mbo"))
    agreements.update(session, agreement.pk, valid(owner="School"))
    agreement.refresh_from_db()
    assert agreement.fields == {"action": "Organiseren van een open dag", "owner": "School"}


def test_an_agreement_of_another_session_cannot_be_changed(session, other_session):
    foreign = Agreement.objects.create(session=other_session, fields={"action": "x"})
    with pytest.raises(NotFound):
        agreements.update(session, foreign.pk, valid())
    with pytest.raises(NotFound):
        agreements.delete(session, foreign.pk)
    assert Agreement.objects.filter(pk=foreign.pk).exists()


def test_new_agreements_go_last_and_can_be_reordered(session):
    a, b, c = (agreements.create(session, valid(action=f"Actie {n}")) for n in "abc")
    assert [x.pk for x in Agreement.objects.filter(session=session)] == [a.pk, b.pk, c.pk]
    agreements.reorder(session, [c.pk, a.pk, b.pk])
    assert [x.pk for x in Agreement.objects.filter(session=session)] == [c.pk, a.pk, b.pk]
    agreements.move(session, b.pk, "up")
    assert [x.pk for x in Agreement.objects.filter(session=session)] == [c.pk, b.pk, a.pk]
    agreements.move(session, c.pk, "up")  # already first: stays
    assert [x.pk for x in Agreement.objects.filter(session=session)][0] == c.pk


def test_reorder_must_name_every_agreement_once(session):
    a, b = (agreements.create(session, valid(action=f"Actie {n}")) for n in "ab")
    for order in ([a.pk], [a.pk, a.pk], [a.pk, b.pk, 999999], ["x", a.pk]):
        with pytest.raises(Invalid):
            agreements.reorder(session, order)
    assert [x.pk for x in Agreement.objects.filter(session=session)] == [a.pk, b.pk]


def test_a_priority_choice_prefills_what_the_agreement_answers(session, lob):
    assert agreements.agreement_from_priority(session, "theme:visie") == {"answers": "theme:visie"}
    item = Item.objects.filter(theme__instrument=lob, kind="statement").first()
    assert agreements.agreement_from_priority(session, f"item:{item.pk}") == {
        "answers": f"item:{item.pk}"
    }
    with pytest.raises(Invalid):
        agreements.agreement_from_priority(session, "theme:onbekend")


def test_an_option_of_a_priority_item_points_at_the_item(alice, instruments):
    praat = instruments["praatplaat-regio"]
    session = lifecycle.create_session(alice, praat, title="Praat", partnership_name="Regio")
    item = Item.objects.filter(theme__instrument=praat, kind="priority").first()
    option = item.options[0]["key"]
    assert agreements.agreement_from_priority(session, f"item:{item.pk}:{option}") == {
        "answers": f"item:{item.pk}"
    }


def test_text_is_stored_as_typed_and_shown_escaped(session):
    agreements.create(session, valid(action=HOSTILE))
    assert Agreement.objects.get().fields["action"] == HOSTILE
    html = render_to_string(
        "sessions/followup/_agreements_list.html", agreements.list_context(session)
    )
    assert 'id="agreements"' in html
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_list_shows_labels_and_readable_references(session):
    agreements.create(session, valid(answers="theme:relatie", due="2026-06-01"))
    [view] = agreements.views(session)
    assert view.get("answers") == session.instrument.themes.get(key="relatie").title
    assert view.get("due") == "1 juni 2026"
    html = render_to_string(
        "sessions/followup/_agreements_list.html", agreements.list_context(session)
    )
    assert "Wie is eigenaar?" in html and "Gemeente" in html

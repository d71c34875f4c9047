"""Versions: a used version is frozen, editing means copying it into the next version."""

import pytest
from django.db.models import ProtectedError

from instruments.models import Instrument, Item
from instruments.services import export, load_default_instruments, new_version
from sessions import lifecycle


def content(instrument: Instrument) -> list:
    """Themes and items of a version, without ids."""
    return [
        (
            t.key,
            t.title,
            t.background,
            [(i.kind, i.number, i.title, i.text, i.max_choices, i.options) for i in t.items.all()],
        )
        for t in instrument.themes.all()
    ]


def test_an_instrument_is_in_use_once_a_session_runs_on_it(lob, alice):
    assert not lob.is_used()
    lifecycle.create_session(alice, lob, title="Voorjaar", partnership_name="Regio West")
    assert lob.is_used()


def test_new_version_copies_themes_and_items_into_the_next_version(lob, lobby_session):
    copy = new_version(lob)
    assert (copy.slug, copy.version) == ("lob-regio", 2)
    assert copy.pk != lob.pk
    assert content(copy) == content(lob)
    assert export(copy) == export(lob)
    assert not copy.is_used()
    # A copy was not loaded from a file: a later file never updates it in place.
    assert copy.source_hash == ""


def test_the_copy_is_independent_of_the_version_it_came_from(lob, lobby_session):
    copy = new_version(lob)
    item = Item.objects.filter(theme__instrument=copy).first()
    item.text = "Nieuwe tekst"
    item.save()
    copy.themes.first().items.last().delete()

    assert Item.objects.filter(theme__instrument=lob).count() == 22
    assert "Nieuwe tekst" not in [i.text for i in Item.objects.filter(theme__instrument=lob)]
    lobby_session.refresh_from_db()
    assert lobby_session.instrument_id == lob.pk


def test_a_new_version_of_an_older_version_gets_the_next_free_number(lob):
    v2 = new_version(lob)
    v3 = new_version(lob)
    assert (v2.version, v3.version) == (2, 3)
    assert content(v3) == content(lob)


def test_latest_versions_lists_only_the_newest_version_of_each_instrument(instruments):
    lob = instruments["lob-regio"]
    v2 = new_version(lob)
    v3 = new_version(v2)
    latest = list(Instrument.objects.latest_versions())
    assert len(latest) == 3
    assert v3 in latest
    assert lob not in latest and v2 not in latest
    assert {i.slug for i in latest} == set(instruments)


def test_latest_versions_can_be_narrowed_further(instruments):
    new_version(instruments["lob-regio"])
    latest = Instrument.objects.filter(slug="lob-regio").latest_versions()
    assert [(i.slug, i.version) for i in latest] == [("lob-regio", 2)]


def test_a_used_version_cannot_be_deleted(lob, lobby_session):
    with pytest.raises(ProtectedError):
        lob.delete()


def test_loading_the_files_after_making_a_new_version_keeps_the_new_version_newest(lob):
    v2 = new_version(lob)
    load_default_instruments()
    assert Instrument.objects.filter(slug="lob-regio").count() == 2
    assert Instrument.objects.latest_versions().get(slug="lob-regio") == v2

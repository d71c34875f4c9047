"""Loading instrument files: all or nothing, idempotent, and never rewriting a used version."""

import copy
import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from instruments.models import Instrument, Item, Theme
from instruments.services import DATA_DIR, load_default_instruments, load_files
from instruments.validation import InstrumentFileError

LOB_FILE = DATA_DIR / "lob-regio.json"


def lob_data() -> dict:
    return json.loads(LOB_FILE.read_text(encoding="utf-8"))


def write(folder: Path, name: str, data: dict) -> Path:
    path = folder / name
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def counts() -> tuple[int, int, int]:
    return Instrument.objects.count(), Theme.objects.count(), Item.objects.count()


def first_statement(instrument: Instrument) -> Item:
    return Item.objects.filter(theme__instrument=instrument).order_by(
        "theme__position", "position"
    )[0]


def a_new_instrument() -> dict:
    return {
        "format": 1,
        "slug": "nieuw-instrument",
        "name": "Nieuw instrument",
        "themes": [{"key": "een", "title": "Een", "items": [{"text": "Gaat het goed?"}]}],
    }


def _bad_json(folder):
    path = folder / "kapot.json"
    path.write_text('{"format": 1, "slug": "kapot",\n "name": }', encoding="utf-8")
    return path, "regel 2, kolom 10"


def _missing_name(folder):
    data = a_new_instrument() | {"slug": "kapot"}
    del data["name"]
    return write(folder, "kapot.json", data), "name"


def _unknown_item_kind(folder):
    data = a_new_instrument() | {"slug": "kapot"}
    data["themes"][0]["items"][0]["kind"] = "quiz"
    return write(folder, "kapot.json", data), "themes[0].items[0].kind"


def _duplicate_theme_key(folder):
    data = a_new_instrument() | {"slug": "kapot"}
    data["themes"].append(copy.deepcopy(data["themes"][0]))
    return write(folder, "kapot.json", data), "themes[1].key"


def _priority_asks_too_much(folder):
    data = a_new_instrument() | {"slug": "kapot"}
    data["themes"][0]["items"].append(
        {
            "kind": "priority",
            "text": "Kies",
            "max_choices": 2,
            "options": [{"key": "a", "label": "A"}],
        }
    )
    return write(folder, "kapot.json", data), "themes[0].items[1].max_choices"


def _label_outside_scale(folder):
    data = a_new_instrument() | {
        "slug": "kapot",
        "scale": {"min": 1, "max": 4, "labels": {"5": "x"}},
    }
    return write(folder, "kapot.json", data), "scale.labels.5"


def _wrong_type(folder):
    data = a_new_instrument() | {"slug": "kapot", "followup_minutes": 15.5}
    return write(folder, "kapot.json", data), "followup_minutes"


BAD_FILES = [
    pytest.param(_bad_json, id="bad-json"),
    pytest.param(_missing_name, id="missing-name"),
    pytest.param(_unknown_item_kind, id="unknown-kind"),
    pytest.param(_duplicate_theme_key, id="duplicate-theme"),
    pytest.param(_priority_asks_too_much, id="max-choices"),
    pytest.param(_label_outside_scale, id="label-off-scale"),
    pytest.param(_wrong_type, id="wrong-type"),
]


# --- all or nothing ---------------------------------------------------------------------------


@pytest.mark.parametrize("bad_file", BAD_FILES)
def test_load_files_stores_nothing_when_one_of_the_files_is_malformed(
    instruments, tmp_path, bad_file
):
    before = counts()
    good = write(tmp_path, "nieuw.json", a_new_instrument())
    bad, where = bad_file(tmp_path)
    with pytest.raises(InstrumentFileError) as caught:
        load_files([good, bad])
    assert str(caught.value).startswith(f"kapot.json: {where}: ")
    assert counts() == before
    assert not Instrument.objects.filter(slug="nieuw-instrument").exists()


@pytest.mark.parametrize("bad_file", BAD_FILES)
def test_the_load_command_refuses_all_files_when_one_is_malformed(instruments, tmp_path, bad_file):
    before = counts()
    good = write(tmp_path, "nieuw.json", a_new_instrument())
    bad, where = bad_file(tmp_path)
    with pytest.raises(CommandError) as caught:
        call_command("load_instruments", str(good), str(bad), stdout=io.StringIO())
    message = str(caught.value)
    assert f"kapot.json: {where}: " in message
    assert "Niets geladen" in message
    assert counts() == before


def test_a_malformed_file_does_not_stop_at_a_change_already_made_by_a_good_one(lob, tmp_path):
    # The good file comes first and would update the unused LOB tool in place.
    changed = lob_data()
    changed["name"] = "Andere naam"
    good = write(tmp_path, "lob-regio.json", changed)
    bad, _ = _missing_name(tmp_path)
    with pytest.raises(InstrumentFileError):
        load_files([good, bad])
    lob.refresh_from_db()
    assert lob.name == "Samen werken aan LOB en doorstroom in de regio"


def test_the_load_command_names_a_file_that_does_not_exist(db, tmp_path):
    with pytest.raises(CommandError, match="weg.json: bestand niet gevonden"):
        call_command("load_instruments", str(tmp_path / "weg.json"))
    assert Instrument.objects.count() == 0


def test_the_load_command_loads_the_shipped_files_by_default(db):
    out = io.StringIO()
    call_command("load_instruments", stdout=out)
    assert out.getvalue().splitlines() == [
        "lob-regio v1: nieuw",
        "po-externe-partners v1: nieuw",
        "praatplaat-regio v1: nieuw",
    ]
    assert Instrument.objects.count() == 3


# --- idempotent -------------------------------------------------------------------------------


def test_loading_the_same_files_twice_changes_nothing(instruments):
    before = counts()
    item_pks = list(Item.objects.order_by("pk").values_list("pk", flat=True))
    results = load_default_instruments()
    assert {(i.slug, i.pk, i.version, outcome) for i, outcome in results} == {
        (slug, instrument.pk, 1, "ongewijzigd") for slug, instrument in instruments.items()
    }
    assert counts() == before
    assert list(Item.objects.order_by("pk").values_list("pk", flat=True)) == item_pks


def test_the_load_command_reports_unchanged_files(instruments):
    out = io.StringIO()
    call_command("load_instruments", str(LOB_FILE), stdout=out)
    assert out.getvalue().strip() == "lob-regio v1: ongewijzigd"


def test_a_file_that_differs_only_in_layout_is_unchanged(lob, tmp_path):
    # Same content, other indentation and key order: the hash is of the normalised data.
    data = lob_data()
    reordered = dict(reversed(list(data.items())))
    path = tmp_path / "lob-regio.json"
    path.write_text(json.dumps(reordered, ensure_ascii=False), encoding="utf-8")
    [(instrument, outcome)] = load_files([path])
    assert (instrument.pk, outcome) == (lob.pk, "ongewijzigd")


# --- changed files ----------------------------------------------------------------------------


def test_a_changed_file_updates_an_unused_instrument_in_place(lob, tmp_path):
    before = counts()
    data = lob_data()
    data["themes"][0]["items"][0]["text"] = "Hebben we een gedeelde visie?"
    [(instrument, outcome)] = load_files([write(tmp_path, "lob-regio.json", data)])
    assert outcome == "bijgewerkt"
    assert (instrument.pk, instrument.version) == (lob.pk, 1)
    assert Instrument.objects.filter(slug="lob-regio").count() == 1
    assert first_statement(lob).text == "Hebben we een gedeelde visie?"
    assert counts() == before


def test_an_update_in_place_can_add_and_remove_themes(lob, tmp_path):
    data = lob_data()
    data["themes"] = data["themes"][:2]
    load_files([write(tmp_path, "lob-regio.json", data)])
    assert [t.title for t in lob.themes.all()] == ["Visie en ambitie", "Relatie"]
    assert Item.objects.filter(theme__instrument=lob).count() == 8


def test_a_changed_file_for_a_used_instrument_becomes_version_2(lob, lobby_session, tmp_path):
    old_text = first_statement(lob).text
    data = lob_data()
    data["themes"][0]["items"][0]["text"] = "Hebben we een gedeelde visie?"
    [(instrument, outcome)] = load_files([write(tmp_path, "lob-regio.json", data)])
    assert outcome == "nieuw"
    assert instrument.pk != lob.pk
    assert (instrument.slug, instrument.version) == ("lob-regio", 2)
    assert first_statement(instrument).text == "Hebben we een gedeelde visie?"

    lobby_session.refresh_from_db()
    assert lobby_session.instrument_id == lob.pk
    assert lobby_session.instrument.version == 1
    assert first_statement(lobby_session.instrument).text == old_text
    assert Item.objects.filter(theme__instrument=lob).count() == 22


def test_loading_the_changed_file_again_leaves_version_2_alone(lob, lobby_session, tmp_path):
    data = lob_data()
    data["name"] = "LOB en doorstroom"
    path = write(tmp_path, "lob-regio.json", data)
    [(v2, _)] = load_files([path])
    [(again, outcome)] = load_files([path])
    assert (again.pk, again.version, outcome) == (v2.pk, 2, "ongewijzigd")
    assert Instrument.objects.filter(slug="lob-regio").count() == 2


def test_a_changed_file_does_not_overwrite_an_edit_made_since_loading(lob, tmp_path):
    # What an edit in the admin does to the stored rows (test_admin drives the admin itself).
    item = first_statement(lob)
    item.text = "Aangepast door de beheerder."
    item.save()
    data = lob_data()
    data["name"] = "LOB en doorstroom"
    [(instrument, outcome)] = load_files([write(tmp_path, "lob-regio.json", data)])
    assert (outcome, instrument.version) == ("nieuw", 2)
    assert first_statement(lob).text == "Aangepast door de beheerder."
    lob.refresh_from_db()
    assert lob.name == "Samen werken aan LOB en doorstroom in de regio"


def test_reloading_the_unchanged_file_keeps_an_edit_made_since_loading(lob):
    item = first_statement(lob)
    item.text = "Aangepast door de beheerder."
    item.save()
    [(instrument, outcome)] = load_files([LOB_FILE])
    assert (instrument.pk, outcome) == (lob.pk, "ongewijzigd")
    assert first_statement(lob).text == "Aangepast door de beheerder."


def test_a_new_file_is_stored_as_version_1(db, tmp_path):
    [(instrument, outcome)] = load_files([write(tmp_path, "x.json", a_new_instrument())])
    assert (instrument.slug, instrument.version, outcome) == ("nieuw-instrument", 1, "nieuw")
    assert instrument.themes.get().items.get().number == 1

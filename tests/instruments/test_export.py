"""export_instrument writes a stored version back in the file format."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from instruments.models import Instrument, Item
from instruments.services import DATA_DIR, export, load_files, new_version
from instruments.validation import parse_file, parse_text


def exported(*args) -> str:
    out = io.StringIO()
    call_command("export_instrument", *args, stdout=out)
    return out.getvalue()


def snapshot(instrument: Instrument) -> list:
    return [
        (
            t.position,
            t.key,
            t.title,
            t.background_title,
            t.background,
            [
                (i.position, i.kind, i.number, i.title, i.text, i.max_choices, i.options)
                for i in t.items.all()
            ],
        )
        for t in instrument.themes.all()
    ]


@pytest.mark.parametrize("slug", ["lob-regio", "praatplaat-regio", "po-externe-partners"])
def test_the_export_equals_the_normalised_data_file(instruments, slug):
    text = exported(slug)
    data = json.loads(text)
    assert parse_text(text, f"{slug}.json") == data
    assert data == parse_file(DATA_DIR / f"{slug}.json")


def test_the_export_is_readable_utf8_json_ending_in_a_newline(lob):
    text = exported("lob-regio")
    assert text.endswith("}\n")
    assert "állen" in text  # not escaped as \\u00e1
    assert text.startswith('{\n  "format": 1,')


def test_an_exported_instrument_loads_into_an_empty_database_with_identical_content(
    instruments, tmp_path
):
    files = {}
    for slug, instrument in instruments.items():
        path = tmp_path / f"{slug}.json"
        call_command("export_instrument", slug, "--output", str(path))
        files[slug] = (path, snapshot(instrument), export(instrument))

    Instrument.objects.all().delete()
    assert Item.objects.count() == 0

    results = load_files([path for path, _, _ in files.values()])
    assert {outcome for _, outcome in results} == {"nieuw"}
    for reloaded, _ in results:
        _, before, data = files[reloaded.slug]
        assert snapshot(reloaded) == before
        assert export(reloaded) == data
        assert reloaded.version == 1


def test_export_picks_the_newest_version_unless_told_otherwise(lob):
    v2 = new_version(lob)
    v2.name = "LOB, tweede versie"
    v2.save()
    assert json.loads(exported("lob-regio"))["name"] == "LOB, tweede versie"
    first = json.loads(exported("lob-regio", "--instrument-version", "1"))
    assert first["name"] == "Samen werken aan LOB en doorstroom in de regio"
    assert first == export(lob)


def test_export_of_an_unknown_slug_is_a_command_error(instruments):
    with pytest.raises(CommandError, match="onbekend"):
        call_command("export_instrument", "onbekend", stdout=io.StringIO())


def test_export_of_an_unknown_version_is_a_command_error(lob):
    with pytest.raises(CommandError, match="lob-regio"):
        call_command("export_instrument", "lob-regio", "--instrument-version", "7")


def test_an_edited_version_exports_its_edits(lob):
    item = Item.objects.filter(theme__instrument=lob).first()
    item.text = "Hebben we een gedeelde visie?"
    item.save()
    data = json.loads(exported("lob-regio"))
    assert data["themes"][0]["items"][0]["text"] == "Hebben we een gedeelde visie?"
    assert data != parse_file(DATA_DIR / "lob-regio.json")

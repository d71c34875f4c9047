"""The file validator: every problem names the file, the field path and (for syntax) the place."""

import copy
import json

import pytest

from instruments.validation import InstrumentFileError, parse_file, validate


def good() -> dict:
    return {
        "format": 1,
        "slug": "eigen-plaat",
        "name": "Eigen plaat",
        "scale": {"min": 1, "max": 5, "labels": {"1": "oneens", "5": "eens"}},
        "followup_fields": [{"key": "action", "label": "Wat gaan we doen?", "kind": "text"}],
        "themes": [
            {
                "key": "samen",
                "title": "Samen",
                "items": [
                    {"text": "We weten wat we samen willen."},
                    {"kind": "prompt", "title": "Start bij jezelf", "text": "Wat wil jij?"},
                    {
                        "kind": "priority",
                        "text": "Wat verdient aandacht?",
                        "max_choices": 2,
                        "options": [
                            {"key": "a", "label": "A"},
                            {"key": "b", "label": "B"},
                        ],
                    },
                ],
            },
            {"key": "verder", "title": "Verder", "items": [{"text": "We kijken vooruit."}]},
        ],
    }


def _missing_name(d):
    del d["name"]


def _unknown_item_kind(d):
    d["themes"][0]["items"][1]["kind"] = "vraag"


def _duplicate_theme_key(d):
    d["themes"][1]["key"] = "samen"


def _too_many_choices(d):
    d["themes"][0]["items"][2]["max_choices"] = 3


def _label_outside_scale(d):
    d["scale"]["labels"]["7"] = "heel erg eens"


def _name_is_a_number(d):
    d["name"] = 12


def _duration_is_text(d):
    d["duration_minutes"] = "60"


def _theme_without_items(d):
    d["themes"][1]["items"] = []


def _no_themes(d):
    d["themes"] = []


def _wrong_format(d):
    d["format"] = 2


def _slug_with_spaces(d):
    d["slug"] = "Eigen Plaat"


def _statement_without_text(d):
    d["themes"][1]["items"][0]["text"] = "  "


def _duplicate_option_key(d):
    d["themes"][0]["items"][2]["options"][1]["key"] = "a"


def _priority_without_options(d):
    d["themes"][0]["items"][2]["options"] = []


def _unknown_followup_kind(d):
    d["followup_fields"][0]["kind"] = "getal"


def _scale_upside_down(d):
    d["scale"]["min"] = 5


def _items_not_a_list(d):
    d["themes"][0]["items"] = {"text": "Eén"}


def _followup_longer_than_session(d):
    d["followup_minutes"] = 90


MALFORMATIONS = [
    # (how the file is broken, the field path named, a word of the message)
    pytest.param(_missing_name, "name", "ontbreekt", id="missing-name"),
    pytest.param(_unknown_item_kind, "themes[0].items[1].kind", "statement", id="unknown-kind"),
    pytest.param(_duplicate_theme_key, "themes[1].key", "twee keer", id="duplicate-theme"),
    pytest.param(
        _too_many_choices, "themes[0].items[2].max_choices", "tussen 1 en 2", id="max-choices"
    ),
    pytest.param(_label_outside_scale, "scale.labels.7", "schaal", id="label-off-scale"),
    pytest.param(_name_is_a_number, "name", "tekst", id="name-not-text"),
    pytest.param(_duration_is_text, "duration_minutes", "geheel getal", id="number-as-text"),
    pytest.param(_theme_without_items, "themes[1].items", "leeg", id="empty-theme"),
    pytest.param(_no_themes, "themes", "leeg", id="no-themes"),
    pytest.param(_wrong_format, "format", "1", id="format"),
    pytest.param(_slug_with_spaces, "slug", "a-z", id="slug"),
    pytest.param(_statement_without_text, "themes[1].items[0].text", "leeg", id="blank-text"),
    pytest.param(
        _duplicate_option_key, "themes[0].items[2].options[1].key", "twee keer", id="option-key"
    ),
    pytest.param(_priority_without_options, "themes[0].items[2].options", "leeg", id="no-options"),
    pytest.param(_unknown_followup_kind, "followup_fields[0].kind", "date", id="followup-kind"),
    pytest.param(_scale_upside_down, "scale.max", "groter", id="scale-order"),
    pytest.param(_items_not_a_list, "themes[0].items", "lijst", id="items-not-list"),
    pytest.param(
        _followup_longer_than_session, "followup_minutes", "korter", id="followup-too-long"
    ),
]


def write(tmp_path, name: str, data: dict):
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def test_it_accepts_the_good_example(tmp_path):
    data = parse_file(write(tmp_path, "eigen.json", good()))
    assert [t["key"] for t in data["themes"]] == ["samen", "verder"]


@pytest.mark.parametrize(("breaks", "field_path", "word"), MALFORMATIONS)
def test_it_rejects_a_malformed_file_naming_the_file_and_the_field(
    tmp_path, breaks, field_path, word
):
    data = copy.deepcopy(good())
    breaks(data)
    with pytest.raises(InstrumentFileError) as caught:
        parse_file(write(tmp_path, "kapot.json", data))
    exc = caught.value
    assert exc.source == "kapot.json"
    assert exc.path == field_path
    assert word in exc.message
    assert str(exc) == f"kapot.json: {field_path}: {exc.message}"


def test_it_rejects_a_file_that_is_not_json_naming_the_line_and_column(tmp_path):
    path = tmp_path / "syntax.json"
    path.write_text('{\n  "format": 1,\n  "slug": "x",,\n  "name": "X"\n}\n', encoding="utf-8")
    with pytest.raises(InstrumentFileError) as caught:
        parse_file(path)
    assert caught.value.source == "syntax.json"
    assert caught.value.path == "regel 3, kolom 15"
    assert str(caught.value).startswith("syntax.json: regel 3, kolom 15: geen geldige JSON")


def test_it_rejects_a_file_with_a_trailing_comment_like_the_docs_example(tmp_path):
    path = tmp_path / "comment.json"
    path.write_text('{\n  "format": 1 // comments are for the reader only\n}\n', encoding="utf-8")
    with pytest.raises(InstrumentFileError, match=r"comment\.json: regel 2, kolom"):
        parse_file(path)


def test_it_rejects_a_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "latin1.json"
    data = good()
    data["name"] = "Eigen pläat"
    path.write_bytes(json.dumps(data, ensure_ascii=False).encode("latin-1"))
    with pytest.raises(InstrumentFileError, match=r"latin1\.json: is geen UTF-8"):
        parse_file(path)


def test_it_rejects_a_file_whose_top_level_is_not_an_object(tmp_path):
    path = tmp_path / "list.json"
    path.write_text("[]", encoding="utf-8")
    with pytest.raises(InstrumentFileError, match="object"):
        parse_file(path)


def test_it_numbers_statements_by_their_place_among_the_statements_of_a_theme():
    data = good()
    data["themes"][0]["items"].append({"text": "Tweede stelling."})
    normal = validate(data, "x.json")
    numbers = [i.get("number") for i in normal["themes"][0]["items"]]
    assert numbers == [1, None, None, 2]


def test_it_fills_in_the_defaults_of_the_format():
    normal = validate(good(), "x.json")
    assert normal["language"] == "nl"
    assert normal["scale"]["dont_know"] == "weet ik niet"
    assert (normal["duration_minutes"], normal["followup_minutes"]) == (60, 15)
    assert normal["followup_fields"][0] == {
        "key": "action",
        "label": "Wat gaan we doen?",
        "help": "",
        "kind": "text",
        "required": False,
    }


def test_validating_its_own_output_changes_nothing():
    once = validate(good(), "x.json")
    assert validate(copy.deepcopy(once), "x.json") == once

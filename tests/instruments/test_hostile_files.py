"""Hostile instrument files and admin boxes: the free-text rule on every text field, a nesting
limit, web links only; every problem a message naming file and field, never a traceback."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from instruments.models import Instrument
from instruments.validation import MAX_DEPTH, InstrumentFileError, parse_file, validate
from tests.instruments.test_admin import change_url, form_data
from tests.instruments.test_validation import good

ROOT = Path(__file__).resolve().parents[2]


def write_raw(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def with_text(path: tuple, text: str) -> dict:
    """good() with the string at this path (keys and indexes) replaced."""
    data = good()
    target = data
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = text
    return data


TEXT_FIELDS = [
    (("name",), "name"),
    (("description",), "description"),
    (("scale", "labels", "1"), "scale.labels.1"),
    (("followup_fields", 0, "label"), "followup_fields[0].label"),
    (("themes", 0, "title"), "themes[0].title"),
    (("themes", 0, "items", 0, "text"), "themes[0].items[0].text"),
    (("themes", 0, "items", 1, "title"), "themes[0].items[1].title"),
    (("themes", 0, "items", 2, "options", 1, "label"), "themes[0].items[2].options[1].label"),
]


@pytest.mark.parametrize(("path", "field_path"), TEXT_FIELDS, ids=[p for _s, p in TEXT_FIELDS])
@pytest.mark.parametrize("bad", ["a\x00b", "a\u202eb", "a\u2066b\u2069", "a\x1bb", "\ud800"])
def test_a_control_or_bidi_override_in_any_text_field_names_file_and_field(
    tmp_path, path, field_path, bad
):
    # Written as JSON escapes, as a hostile file would carry them: "\u0000", "\ud800".
    raw = json.dumps(with_text(path, bad), ensure_ascii=True)
    with pytest.raises(InstrumentFileError) as caught:
        parse_file(write_raw(tmp_path, "lob.json", raw))
    assert str(caught.value).startswith(f"lob.json: {field_path}: ")
    assert "stuurteken" in caught.value.message


def test_a_nul_in_a_file_stops_the_load_command_with_file_and_field(db, tmp_path):
    data = with_text(("themes", 1, "items", 0, "text"), "We kijken\u0000 vooruit.")
    path = write_raw(tmp_path, "lob.json", json.dumps(data))
    with pytest.raises(CommandError) as caught:
        call_command("load_instruments", str(path), stdout=io.StringIO())
    assert str(caught.value).startswith("lob.json: themes[1].items[0].text: ")
    assert "U+0000" in str(caught.value) and "Niets geladen" in str(caught.value)
    assert not Instrument.objects.exists()


def test_arabic_hebrew_emoji_and_newlines_are_fine_in_a_file():
    data = with_text(("themes", 0, "items", 0, "text"), "مرحبا — שלום 👩\u200d💻\nTweede regel")
    assert validate(data, "x.json")["themes"][0]["items"][0]["text"].endswith("Tweede regel")


def test_a_file_nested_three_thousand_deep_gets_a_message_not_a_recursion_error(tmp_path):
    opening = '{"format": 1, "slug": "diep", "name": "Diep", "guide": '
    raw = opening + "[" * 3000 + "]" * 3000 + "}"
    with pytest.raises(InstrumentFileError) as caught:
        parse_file(write_raw(tmp_path, "diep.json", raw))
    # The object is level 1, so the bracket that goes one level too deep is number MAX_DEPTH.
    column = len(opening) + MAX_DEPTH
    assert str(caught.value) == (
        f"diep.json: regel 1, kolom {column}: te diep genest: hooguit {MAX_DEPTH} niveaus"
    )


def test_brackets_inside_strings_do_not_count_as_nesting(tmp_path):
    data = with_text(("description",), "[" * 100 + '{"quoted": "\\"[["}')
    parse_file(write_raw(tmp_path, "ok.json", json.dumps(data)))


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:text/html,x", "ftp://x.nl/", "x"]
)
def test_an_attribution_link_must_be_a_web_address(url):
    data = good() | {"attribution": {"text": "Bron", "url": url}}
    with pytest.raises(InstrumentFileError) as caught:
        validate(data, "bron.json")
    assert caught.value.path == "attribution.url"


@pytest.mark.parametrize("url", ["", "https://www.vo-raad.nl", "http://example.nl/pad?a=1"])
def test_web_addresses_and_no_address_are_fine(url):
    data = good() | {"attribution": {"text": "Bron", "url": url}}
    assert validate(data, "bron.json")["attribution"]["url"] == url


@pytest.mark.parametrize(
    ("path", "length", "field_path"),
    [
        (("name",), 201, "name"),
        (("themes", 0, "title"), 201, "themes[0].title"),
        (("scale", "dont_know"), 101, "scale.dont_know"),
        (("language",), 11, "language"),
    ],
)
def test_text_longer_than_its_column_is_refused_in_the_file(path, length, field_path):
    data = good() | {"scale": {"min": 1, "max": 5}}
    target = data
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = "x" * length
    with pytest.raises(InstrumentFileError) as caught:
        validate(data, "lang.json")
    assert caught.value.path == field_path


def test_a_label_key_that_only_looks_like_a_digit_is_a_message():
    data = good()
    data["scale"]["labels"] = {"²": "twee"}
    with pytest.raises(InstrumentFileError, match="ligt niet op de schaal"):
        validate(data, "x.json")


def test_the_command_exits_non_zero_with_file_and_field_and_no_traceback(tmp_path):
    raw = json.dumps(with_text(("themes", 0, "title"), "Samen\u202e"))
    path = write_raw(tmp_path, "lob.json", raw)
    deep = write_raw(tmp_path, "diep.json", "[" * 3000 + "]" * 3000)
    env = {**os.environ, "VAR_DIR": str(tmp_path), "DEBUG": "1"}
    env["DJANGO_SETTINGS_MODULE"] = "reflectie.settings_test"
    for bad, where in ((path, "lob.json: themes[0].title: "), (deep, "diep.json: regel 1, kolom")):
        done = subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "load_instruments", str(bad)],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode != 0
        assert where in done.stderr
        assert "Traceback" not in done.stderr


# The admin's JSON boxes ---------------------------------------------------------------------


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_a_deeply_nested_json_box_in_the_admin_is_a_form_error_not_a_500(admin_client, lob):
    data = form_data(admin_client.get(change_url(lob)))
    data["scale_labels"] = "[" * 3000 + "]" * 3000
    data["followup_fields"] = '{"a": ' * 3000 + "1" + "}" * 3000
    response = admin_client.post(change_url(lob), data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "te diep genest" in errors["scale_labels"][0]
    assert "te diep genest" in errors["followup_fields"][0]


@pytest.mark.parametrize(
    ("box", "value"),
    [
        ("scale_labels", {"1": "nooit\u0000"}),
        ("followup_fields", [{"key": "a", "label": "A", "extra\u0000": "x"}]),
        ("followup_fields", [{"key": "a", "label": "A\u202e"}]),
    ],
)
def test_a_refused_character_anywhere_in_a_json_box_is_a_form_error(admin_client, lob, box, value):
    data = form_data(admin_client.get(change_url(lob)))
    data[box] = json.dumps(value)
    response = admin_client.post(change_url(lob), data)
    assert response.status_code == 200
    assert "stuurteken" in response.context["adminform"].form.errors[box][0]
    lob.refresh_from_db()
    assert "\u0000" not in json.dumps(lob.scale_labels, ensure_ascii=False)
    assert all("extra\u0000" not in f for f in lob.followup_fields)


def test_the_admin_refuses_a_bidi_override_in_a_theme_title(admin_client, lob):
    theme = lob.themes.first()
    url = reverse("admin:instruments_theme_change", args=[theme.pk])
    data = form_data(admin_client.get(url))
    data["title"] = "Visie\u202e"
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "stuurteken" in str(response.context["adminform"].form.errors["title"])
    theme.refresh_from_db()
    assert theme.title == "Visie en ambitie"


def test_the_admin_refuses_a_javascript_link_as_the_file_does(admin_client, lob):
    data = form_data(admin_client.get(change_url(lob)))
    data["attribution_url"] = "javascript:alert(1)"
    response = admin_client.post(change_url(lob), data)
    assert response.status_code == 200
    assert "attribution_url" in response.context["adminform"].form.errors

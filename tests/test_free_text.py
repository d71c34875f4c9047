"""The one rule for free text (reflectie/free_text.py): what it refuses, what it tidies, and the
form field that carries it."""

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.utils import translation

from reflectie.free_text import (
    FreeTextField,
    clean_text,
    code_point,
    refused_character,
)
from sessions.errors import Invalid
from tests.hostile import CORPUS

REFUSED = [
    *(chr(c) for c in range(0x00, 0x09)),
    "\x0b",
    "\x0c",
    *(chr(c) for c in range(0x0E, 0x20)),
    "\x7f",
    *(chr(c) for c in range(0x80, 0xA0)),
    *"\u202a\u202b\u202c\u202d\u202e",
    *"\u2066\u2067\u2068\u2069",
    "\ud800",
    "\udfff",
]

ACCEPTED = [
    "Coöperatie ’s-Hertogenbosch, één, Ĳsselmeer",
    "مرحبا بالعالم",
    "שלום עולם",
    "עברית\u200f (RLM)",
    "\u200eLRM \u061cALM",
    "👩\u200d👩\u200d👧\u200d👦 🏳️\u200d🌈 👍🏽",
    "e\u0301\u0302",
    "<script>alert(1)</script>",
    '=HYPERLINK("http://x")',
]


@pytest.mark.parametrize("char", REFUSED, ids=code_point)
def test_controls_bidi_overrides_and_surrogates_are_refused(char):
    assert refused_character(f"a{char}b") == char
    with pytest.raises(ValidationError):
        clean_text(f"a{char}b")
    with pytest.raises(ValidationError):
        clean_text(f"a{char}b", multiline=True)


@pytest.mark.parametrize("text", ACCEPTED)
def test_letters_of_every_script_emoji_marks_and_markup_are_accepted_as_they_are(text):
    assert refused_character(text) is None
    assert clean_text(text) == text
    assert clean_text(text, multiline=True) == text


def test_the_corpus_labels_agree_with_the_rule():
    assert [h.label for h in CORPUS if (refused_character(h.text) is not None) != h.refused] == []


def test_single_line_text_becomes_one_line():
    assert clean_text("  regel 1\r\nregel 2\tmet\u00a0tab  ") == "regel 1 regel 2 met tab"


def test_multi_line_text_keeps_its_lines_with_lf_only():
    text = "\n regel 1\r\nregel 2\rregel 3\n\n\tingesprongen \n"
    assert clean_text(text, multiline=True) == "regel 1\nregel 2\nregel 3\n\n\tingesprongen"


def test_the_message_names_the_character_by_its_number_and_the_field_when_known():
    with pytest.raises(ValidationError) as caught:
        clean_text("Jan\u202e")
    assert "U+202E" in caught.value.messages[0]
    assert "leesrichting" in caught.value.messages[0]
    with pytest.raises(Invalid) as invalid:
        clean_text("a\x00", label="Wie is eigenaar?", error=Invalid)
    assert str(invalid.value.message).startswith("'Wie is eigenaar?' bevat")
    assert invalid.value.status == 400


def test_the_message_is_in_english_for_english_readers():
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        clean_text("a\x00")
    assert "U+0000" in caught.value.messages[0]


class _Form(forms.Form):
    title = FreeTextField(max_length=10)
    notes = FreeTextField(multiline=True, required=False)


def test_the_form_field_refuses_and_tidies():
    form = _Form({"title": " Regio\n West ", "notes": "a\r\nb"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"title": "Regio West", "notes": "a\nb"}
    assert isinstance(_Form.base_fields["notes"].widget, forms.Textarea)

    refused = _Form({"title": "Regio\u202e", "notes": "ok"})
    assert not refused.is_valid()
    assert "U+202E" in refused.errors["title"][0]

    too_long = _Form({"title": "x" * 11})
    assert not too_long.is_valid()
    assert "title" in too_long.errors

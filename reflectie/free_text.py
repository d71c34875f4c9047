"""The one rule for text that people type or files bring: what is refused, what is tidied.

Refused, never silently stripped (the writer must see that their text is not stored as sent):

- control characters: C0 (U+0000–U+001F) except TAB, LF and CR, DEL (U+007F) and C1
  (U+0080–U+009F). NUL cannot be stored in PostgreSQL at all; the others are invisible.
- bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069): they reverse text on
  the projector and in the PDF.
- lone surrogates (U+D800–U+DFFF): not text, and PostgreSQL's UTF-8 cannot hold them.

Accepted: letters of every script, emoji with their joiners and variation selectors, combining
marks, and the bidi marks LRM, RLM and ALM (U+200E, U+200F, U+061C). Hebrew and Arabic writers
need those marks to place punctuation; a mark only steers neutral characters next to it and
cannot reverse strong text the way an override does.

Tidied: single-line text becomes one line (every run of white space, TAB and newlines included,
is one space); multi-line text keeps its lines with LF as the only newline. Both are stripped.
"""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# TAB, LF and CR are left out here: single-line text turns them into spaces.
_REFUSED = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def refused_character(text: str) -> str | None:
    """The first character the rule refuses, or None when the text is fine."""
    match = _REFUSED.search(text)
    return match.group() if match else None


def code_point(char: str) -> str:
    """How a refused character is named in a message: it is invisible, so by its number."""
    return f"U+{ord(char):04X}"


def refusal_message(char: str, label=None) -> str:
    """The message for text with this refused character, naming the field when it is known."""
    if label:
        return _(
            "'%(label)s' bevat een onzichtbaar stuurteken (%(code)s), zoals een teken dat de "
            "leesrichting omdraait. Haal het weg en probeer het opnieuw."
        ) % {"label": label, "code": code_point(char)}
    return _(
        "Deze tekst bevat een onzichtbaar stuurteken (%(code)s), zoals een teken dat de "
        "leesrichting omdraait. Haal het weg en probeer het opnieuw."
    ) % {"code": code_point(char)}


def clean_text(value: str, *, multiline: bool = False, label=None, error=ValidationError) -> str:
    """The text as it is stored; refused text raises ``error`` with the message.

    Forms get a ValidationError; a service passes its own exception (``error=Invalid``), so a
    refusal reaches the person as a 400 with this message and nothing is stored.
    """
    char = refused_character(value)
    if char is not None:
        raise error(refusal_message(char, label))
    if not multiline:
        return " ".join(value.split())
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


class FreeTextField(forms.CharField):
    """A form field for free text: refuses what the rule refuses, stores it tidied.

    ``multiline`` fields get a textarea and keep their lines; others are one line.
    """

    def __init__(self, *, multiline: bool = False, **kwargs):
        self.multiline = multiline
        if multiline:
            kwargs.setdefault("widget", forms.Textarea)
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        return clean_text(value, multiline=self.multiline)

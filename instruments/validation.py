"""Validate an instrument file before anything is stored.

Every problem names the file, the field path (``themes[2].items[0].text``) and, for a JSON syntax
error, the line and column, so the person editing the file can find it.
"""

import json
import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

from reflectie.free_text import refusal_message, refused_character

FORMAT = 1
ITEM_KINDS = ("statement", "prompt", "priority", "balance", "open")
#: A balance item's two questions; empty in a file means the standard wording (see the docs).
BALANCE_LABELS = ("brings_label", "gets_label")
FIELD_KINDS = ("text", "longtext", "date", "theme")
SLUG_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789-_")
#: Deepest nesting of [ and { a file may have. A real instrument needs 7; the limit keeps a
#: hostile file from reaching Python's recursion limit in the JSON parser.
MAX_DEPTH = 20
# The lengths of the columns these fields are stored in (instruments/models.py).
SHORT, KEY_LENGTH, LANGUAGE_LENGTH, DONT_KNOW_LENGTH = 200, 80, 10, 100
# Participant.partner_type is 40 long; a label is one line on a phone.
PARTNER_KEY_LENGTH, PARTNER_LABEL_LENGTH, MAX_PARTNER_TYPES = 40, 100, 30
# Links in a file are shown as links: only the web's own schemes, as in the admin.
_URL = URLValidator(schemes=["http", "https"])
# A JSON string (with its escapes), or a bracket outside strings. An unclosed string runs to the
# end in one match, so the scan stays linear on any input.
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[\]{}]')


class InstrumentFileError(ValueError):
    def __init__(self, source: str, path: str, message: str):
        self.source, self.path, self.message = source, path, message
        super().__init__(f"{source}: {self.in_file}")

    @property
    def in_file(self) -> str:
        """The message with its field path, without the file name: for a version already
        stored, whose "file" is the database."""
        return f"{self.path}: {self.message}" if self.path else self.message


@dataclass
class _Checker:
    source: str

    def fail(self, path: str, message: str):
        raise InstrumentFileError(self.source, path, message)

    def obj(self, value, path: str) -> dict:
        if not isinstance(value, dict):
            self.fail(path, _("moet een object {…} zijn"))
        return value

    def text(
        self, data: dict, key: str, path: str, *, required=False, default="", max_length=None
    ) -> str:
        value = data.get(key, default)
        if value is None:
            value = default
        self.check_text(value, f"{path}{key}")
        if required and not value.strip():
            self.fail(f"{path}{key}", _("ontbreekt of is leeg"))
        value = value.strip()
        if max_length is not None and len(value) > max_length:
            self.fail(f"{path}{key}", _("is te lang: hooguit %(max)s tekens") % {"max": max_length})
        return value

    def check_text(self, value, path: str) -> None:
        """Text, and nothing in it that the free-text rule refuses (reflectie/free_text.py)."""
        if not isinstance(value, str):
            self.fail(path, _("moet tekst zijn"))
        char = refused_character(value)
        if char is not None:
            self.fail(path, str(refusal_message(char)))

    def url(self, data: dict, key: str, path: str) -> str:
        value = self.text(data, key, path, max_length=SHORT)
        if value:
            try:
                _URL(value)
            except ValidationError:
                self.fail(
                    f"{path}{key}", _("moet een webadres zijn dat begint met http:// of https://")
                )
        return value

    def integer(self, data: dict, key: str, path: str, default: int, low: int, high: int) -> int:
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(f"{path}{key}", _("moet een geheel getal zijn"))
        if not low <= value <= high:
            self.fail(f"{path}{key}", _("moet tussen %(low)s en %(high)s liggen") % locals())
        return value

    def slug(self, data: dict, key: str, path: str, max_length: int = KEY_LENGTH) -> str:
        value = self.text(data, key, path, required=True, max_length=max_length)
        if not set(value) <= SLUG_CHARS:
            self.fail(f"{path}{key}", _("mag alleen a-z, 0-9, - en _ bevatten"))
        return value

    def array(self, data: dict, key: str, path: str, *, required=False) -> list:
        value = data.get(key, [])
        if not isinstance(value, list):
            self.fail(f"{path}{key}", _("moet een lijst [...] zijn"))
        if required and not value:
            self.fail(f"{path}{key}", _("mag niet leeg zijn"))
        return value


def parse_file(path: Path) -> dict:
    try:
        raw = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InstrumentFileError(path.name, "", _("is geen UTF-8-tekst")) from None
    except OSError as exc:
        raise InstrumentFileError(path.name, "", exc.strerror or str(exc)) from None
    return parse_text(raw, path.name)


def nesting_too_deep(raw: str, limit: int = MAX_DEPTH) -> int | None:
    """The offset of the first [ or { deeper than ``limit``, or None.

    Counted before parsing: json.loads recurses per level and a deep enough file ends in a
    RecursionError instead of a message.
    """
    depth = 0
    for token in _JSON_TOKEN.finditer(raw):
        char = token.group()
        if char in "[{":
            depth += 1
            if depth > limit:
                return token.start()
        elif char in "]}":
            depth -= 1
    return None


def _place(raw: str, offset: int) -> str:
    line = raw.count("\n", 0, offset) + 1
    col = offset - raw.rfind("\n", 0, offset)
    return _("regel %(line)s, kolom %(col)s") % {"line": line, "col": col}


def parse_text(raw: str, source: str) -> dict:
    deep = nesting_too_deep(raw)
    if deep is not None:
        raise InstrumentFileError(
            source, _place(raw, deep), _("te diep genest: hooguit %s niveaus") % MAX_DEPTH
        )
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        where = _("regel %(line)s, kolom %(col)s") % {"line": exc.lineno, "col": exc.colno}
        raise InstrumentFileError(source, where, _("geen geldige JSON (%s)") % exc.msg) from None
    return validate(data, source)


def validate(data, source: str) -> dict:
    """Return the instrument in normal form (defaults filled in), or raise InstrumentFileError."""
    c = _Checker(source)
    c.obj(data, "")
    if data.get("format") != FORMAT:
        c.fail("format", _("moet %s zijn") % FORMAT)
    scale = c.obj(data.get("scale", {}), "scale")
    low = c.integer(scale, "min", "scale.", 1, 0, 10)
    high = c.integer(scale, "max", "scale.", 5, 1, 11)
    if low >= high:
        c.fail("scale.max", _("moet groter zijn dan scale.min"))
    labels = c.obj(scale.get("labels", {}), "scale.labels")
    for point, label in labels.items():
        # ASCII digits only: "²" is a digit to isdigit() but not to int().
        if not (point.isascii() and point.isdigit()) or not low <= int(point) <= high:
            shown = point if point.isascii() and point.isprintable() else json.dumps(point)
            c.fail(f"scale.labels.{shown}", _("ligt niet op de schaal"))
        c.check_text(label, f"scale.labels.{point}")
    attribution = c.obj(data.get("attribution", {}), "attribution")

    normal = {
        "format": FORMAT,
        "slug": c.slug(data, "slug", ""),
        "name": c.text(data, "name", "", required=True, max_length=SHORT),
        "language": c.text(data, "language", "", default="nl", max_length=LANGUAGE_LENGTH),
        "description": c.text(data, "description", ""),
        "attribution": {
            "text": c.text(attribution, "text", "attribution.", max_length=SHORT),
            "url": c.url(attribution, "url", "attribution."),
        },
        "source_note": c.text(data, "source_note", ""),
        "guide": c.text(data, "guide", ""),
        "duration_minutes": c.integer(data, "duration_minutes", "", 60, 5, 600),
        "followup_minutes": c.integer(data, "followup_minutes", "", 15, 0, 600),
        "scale": {
            "min": low,
            "max": high,
            "labels": {str(k): v for k, v in sorted(labels.items(), key=lambda kv: int(kv[0]))},
            "dont_know": c.text(
                scale, "dont_know", "scale.", default="weet ik niet", max_length=DONT_KNOW_LENGTH
            ),
        },
        "followup_fields": _followup_fields(c, data),
    }
    # Only when present: a file without them keeps the content hash it had before they existed.
    partners = _partner_types(c, data)
    if partners:
        normal["partner_types"] = partners
    normal["themes"] = _themes(c, data, normal["language"])
    if normal["followup_minutes"] >= normal["duration_minutes"]:
        c.fail("followup_minutes", _("moet korter zijn dan duration_minutes"))
    _translated(c, data, "", normal["language"], _instrument_texts(normal), normal)
    return normal


def _partner_types(c: _Checker, data: dict) -> list[dict]:
    """The kinds of partner a participant may choose from; none means the default list."""
    raw = c.array(data, "partner_types", "")
    if len(raw) > MAX_PARTNER_TYPES:
        c.fail("partner_types", _("hooguit %s soorten partners") % MAX_PARTNER_TYPES)
    types, seen = [], set()
    for i, entry in enumerate(raw):
        path = f"partner_types[{i}]."
        c.obj(entry, path.rstrip("."))
        key = c.slug(entry, "key", path, max_length=PARTNER_KEY_LENGTH)
        if key in seen:
            c.fail(f"{path}key", _("komt twee keer voor: %s") % key)
        seen.add(key)
        label = c.text(entry, "label", path, required=True, max_length=PARTNER_LABEL_LENGTH)
        types.append({"key": key, "label": label})
    return types


# Translations -------------------------------------------------------------------------------
#
# ``"translations": {"en": {field: text}}`` on the instrument, a theme or an item: the same texts
# in another language. Each field is checked as its original is; a field this object does not
# have, or a key (a scale point, an option) that the original does not have, is refused.


def _plain(max_length: int | None = None):
    def check(c: _Checker, holder: dict, key: str, path: str):
        return c.text(holder, key, path, max_length=max_length)

    return check


def _keyed(keys, max_length: int | None = None, what=None):
    """A {key: text} translation (scale labels, options, partner types): only known keys."""

    def check(c: _Checker, holder: dict, key: str, path: str):
        given = c.obj(holder[key], f"{path}{key}")
        result = {}
        for name in given:
            if name not in keys:
                c.fail(f"{path}{key}.{_shown(name)}", what or _("bestaat niet in het origineel"))
            value = c.text(given, name, f"{path}{key}.", max_length=max_length)
            if value:
                result[name] = value
        return result

    return check


def _followup_texts(fields: list[dict]):
    """{field key: {"label", "help"}} for the follow-up fields the instrument has."""
    keys = {f["key"] for f in fields}

    def check(c: _Checker, holder: dict, key: str, path: str):
        given = c.obj(holder[key], f"{path}{key}")
        result = {}
        for name, texts in given.items():
            fpath = f"{path}{key}.{_shown(name)}"
            if name not in keys:
                c.fail(fpath, _("bestaat niet in het origineel"))
            c.obj(texts, fpath)
            _only(c, texts, ("label", "help"), fpath)
            entry = {k: c.text(texts, k, f"{fpath}.") for k in ("label", "help")}
            entry = {k: v for k, v in entry.items() if v}
            if entry:
                result[name] = entry
        return result

    return check


def _shown(name) -> str:
    return (
        name
        if isinstance(name, str) and name.isascii() and name.isprintable()
        else (json.dumps(name))
    )


def _only(c: _Checker, given: dict, allowed, path: str) -> None:
    for name in given:
        if name not in allowed:
            c.fail(
                f"{path}.{_shown(name)}",
                _("onbekende sleutel; mogelijk: %s") % ", ".join(allowed),
            )


def _instrument_texts(normal: dict) -> dict:
    scale = normal["scale"]
    points = [str(p) for p in range(scale["min"], scale["max"] + 1)]
    partners = [p["key"] for p in normal.get("partner_types", [])]
    return {
        "name": _plain(SHORT),
        "description": _plain(),
        "guide": _plain(),
        "attribution_text": _plain(SHORT),
        "source_note": _plain(),
        "scale_labels": _keyed(points, what=_("ligt niet op de schaal")),
        "dont_know_label": _plain(DONT_KNOW_LENGTH),
        "followup_fields": _followup_texts(normal["followup_fields"]),
        # Only an instrument with its own list: the default list is translated in the catalogue.
        **({"partner_types": _keyed(partners, PARTNER_LABEL_LENGTH)} if partners else {}),
    }


THEME_TEXTS = {
    "title": _plain(SHORT),
    "background_title": _plain(SHORT),
    "background": _plain(),
}


def _item_texts(item: dict) -> dict:
    texts = {"text": _plain()}
    if item["kind"] != "statement":
        texts["title"] = _plain(SHORT)
    if item["kind"] == "priority":
        texts["options"] = _keyed([o["key"] for o in item["options"]])
    if item["kind"] == "balance":
        texts.update({key: _plain(SHORT) for key in BALANCE_LABELS})
    return texts


def _translated(
    c: _Checker, raw: dict, path: str, language: str, fields: dict, normal: dict
) -> None:
    """Check ``raw["translations"]`` against ``fields`` and put the result in ``normal``."""
    given = raw.get("translations", {})
    if given is None or given == {}:
        return
    tpath = f"{path}translations"
    c.obj(given, tpath)
    others = [code for code, _name in settings.LANGUAGES if code != language]
    result = {}
    for code, texts in given.items():
        lpath = f"{tpath}.{_shown(code)}"
        if code not in others:
            c.fail(lpath, _("onbekende taal; mogelijk: %s") % ", ".join(others))
        c.obj(texts, lpath)
        _only(c, texts, list(fields), lpath)
        done = {}
        for name in texts:
            value = fields[name](c, texts, name, f"{lpath}.")
            if value:
                done[name] = value
        if done:
            result[code] = done
    if result:
        normal["translations"] = result


def _followup_fields(c: _Checker, data: dict) -> list[dict]:
    fields, seen = [], set()
    for i, raw in enumerate(c.array(data, "followup_fields", "")):
        path = f"followup_fields[{i}]."
        c.obj(raw, path.rstrip("."))
        key = c.slug(raw, "key", path)
        if key in seen:
            c.fail(f"{path}key", _("komt twee keer voor: %s") % key)
        seen.add(key)
        kind = c.text(raw, "kind", path, default="text")
        if kind not in FIELD_KINDS:
            c.fail(f"{path}kind", _("moet een van %s zijn") % ", ".join(FIELD_KINDS))
        required = raw.get("required", False)
        if not isinstance(required, bool):
            c.fail(f"{path}required", _("moet true of false zijn"))
        fields.append(
            {
                "key": key,
                "label": c.text(raw, "label", path, required=True),
                "help": c.text(raw, "help", path),
                "kind": kind,
                "required": required,
            }
        )
    return fields


def _themes(c: _Checker, data: dict, language: str) -> list[dict]:
    themes, seen = [], set()
    for t, raw in enumerate(c.array(data, "themes", "", required=True)):
        path = f"themes[{t}]."
        c.obj(raw, path.rstrip("."))
        key = c.slug(raw, "key", path)
        if key in seen:
            c.fail(f"{path}key", _("komt twee keer voor: %s") % key)
        seen.add(key)
        theme = {
            "key": key,
            "title": c.text(raw, "title", path, required=True, max_length=SHORT),
            "background_title": c.text(raw, "background_title", path, max_length=SHORT),
            "background": c.text(raw, "background", path),
            "items": _items(c, raw, path, language),
        }
        _translated(c, raw, path, language, THEME_TEXTS, theme)
        themes.append(theme)
    return themes


def _items(c: _Checker, theme: dict, theme_path: str, language: str) -> list[dict]:
    items, statements, numbers = [], 0, set()
    for i, raw in enumerate(c.array(theme, "items", theme_path, required=True)):
        path = f"{theme_path}items[{i}]."
        c.obj(raw, path.rstrip("."))
        kind = c.text(raw, "kind", path, default="statement")
        if kind not in ITEM_KINDS:
            c.fail(f"{path}kind", _("moet een van %s zijn") % ", ".join(ITEM_KINDS))
        item: dict = {"kind": kind}
        if kind == "statement":
            statements += 1
            item["number"] = c.integer(raw, "number", path, statements, 1, 999)
            if item["number"] in numbers:
                c.fail(f"{path}number", _("komt twee keer voor in dit thema: %s") % item["number"])
            numbers.add(item["number"])
        else:
            item["title"] = c.text(raw, "title", path, max_length=SHORT)
        item["text"] = c.text(raw, "text", path, required=True)
        if kind == "priority":
            options = c.array(raw, "options", path, required=True)
            item["options"], keys = [], set()
            for o, opt in enumerate(options):
                opath = f"{path}options[{o}]."
                c.obj(opt, opath.rstrip("."))
                key = c.slug(opt, "key", opath)
                if key in keys:
                    c.fail(f"{opath}key", _("komt twee keer voor: %s") % key)
                keys.add(key)
                option = {"key": key, "label": c.text(opt, "label", opath, required=True)}
                # "Anders": the participant may type what they mean (sessions.open_answers).
                with_text = opt.get("text", False)
                if not isinstance(with_text, bool):
                    c.fail(f"{opath}text", _("moet true of false zijn"))
                if with_text:
                    option["text"] = True
                item["options"].append(option)
            item["max_choices"] = c.integer(raw, "max_choices", path, 3, 1, len(options))
        if kind == "balance":
            for key in BALANCE_LABELS:
                item[key] = c.text(raw, key, path, max_length=SHORT)
        _translated(c, raw, path, language, _item_texts(item), item)
        items.append(item)
    return items

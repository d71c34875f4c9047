"""The three instruments Reflectie ships speak English too, and carry issue 11's data changes:
the po instrument's own partner types, one attention question in the Praatplaat, open answers."""

import copy

import pytest
from django.utils import translation

from instruments import partner_types
from instruments.models import Item
from instruments.services import DATA_DIR
from instruments.validation import parse_file

SLUGS = ["lob-regio", "po-externe-partners", "praatplaat-regio"]


def shipped(slug: str) -> dict:
    """The file as the loader reads it (validated, in normal form)."""
    return parse_file(DATA_DIR / f"{slug}.json")


def _en(obj: dict) -> dict:
    return (obj.get("translations") or {}).get("en", {})


def texts(data: dict):
    """Every Dutch text in an instrument with its English counterpart (None when missing), as
    (path, dutch, english). Empty Dutch texts need no translation and are left out."""
    en = _en(data)
    pairs = [
        ("name", data["name"], en.get("name")),
        ("description", data["description"], en.get("description")),
        ("guide", data["guide"], en.get("guide")),
        ("source_note", data["source_note"], en.get("source_note")),
        ("attribution.text", data["attribution"]["text"], en.get("attribution_text")),
        ("scale.dont_know", data["scale"]["dont_know"], en.get("dont_know_label")),
    ]
    for point, label in data["scale"]["labels"].items():
        pairs.append((f"scale.labels.{point}", label, en.get("scale_labels", {}).get(point)))
    for field in data["followup_fields"]:
        field_en = en.get("followup_fields", {}).get(field["key"], {})
        for name in ("label", "help"):
            pairs.append((f"{field['key']}.{name}", field[name], field_en.get(name)))
    for partner in data.get("partner_types", []):
        label_en = en.get("partner_types", {}).get(partner["key"])
        pairs.append((f"partner_types.{partner['key']}", partner["label"], label_en))
    for theme in data["themes"]:
        theme_en = _en(theme)
        for name in ("title", "background_title", "background"):
            pairs.append((f"{theme['key']}.{name}", theme[name], theme_en.get(name)))
        for i, item in enumerate(theme["items"]):
            item_en, path = _en(item), f"{theme['key']}.items[{i}]"
            for name in ("title", "text", "brings_label", "gets_label"):
                pairs.append((f"{path}.{name}", item.get(name, ""), item_en.get(name)))
            for option in item.get("options", []):
                label_en = item_en.get("options", {}).get(option["key"])
                pairs.append((f"{path}.options.{option['key']}", option["label"], label_en))
    return [(path, nl, en) for path, nl, en in pairs if nl.strip()]


def untranslated(data: dict) -> list[str]:
    return [path for path, _nl, en in texts(data) if not (en or "").strip()]


@pytest.mark.parametrize("slug", SLUGS)
def test_every_dutch_text_has_an_english_translation(slug):
    assert untranslated(shipped(slug)) == []


@pytest.mark.parametrize("slug", SLUGS)
def test_the_english_is_written_not_copied(slug):
    # Names of organisations stay as they are; any text of four words or more is translated.
    copied = [path for path, nl, en in texts(shipped(slug)) if len(nl.split()) >= 4 and en == nl]
    assert copied == []


def test_the_walk_finds_every_text_of_a_file_without_translations():
    # So the test above could fail: strip the English and every Dutch text is reported.
    data = copy.deepcopy(shipped("praatplaat-regio"))
    data.pop("translations")
    for theme in data["themes"]:
        theme.pop("translations")
        for item in theme["items"]:
            item.pop("translations")
    missing = untranslated(data)
    assert len(missing) == len(texts(data)) > 80
    expected = {
        "name",
        "action.help",
        "balans.items[0].text",
        "onderwerpen.items[0].options.anders",
    }
    assert expected <= set(missing)


@pytest.mark.parametrize("slug", SLUGS)
def test_the_english_says_it_is_our_own_translation(slug):
    note = _en(shipped(slug))["source_note"]
    assert "our own translation (Reflectie)" in note
    assert "the original is Dutch" in note


def test_the_lob_english_keeps_the_expertisepunt_lob_as_the_source():
    lob = shipped("lob-regio")
    assert _en(lob)["attribution_text"] == "Expertisepunt LOB"
    assert "not the Expertisepunt LOB's" in _en(lob)["source_note"]
    assert "career orientation and guidance (LOB)" in _en(lob)["name"]


def test_only_the_po_instrument_lists_its_own_partner_types():
    keys = [p["key"] for p in shipped("po-externe-partners")["partner_types"]]
    assert {"po-school", "kinderopvang", "jeugdzorg", "bibliotheek", "gemeente", "anders"} <= set(
        keys
    )
    assert "partner_types" not in shipped("lob-regio")
    assert "partner_types" not in shipped("praatplaat-regio")


def test_a_po_session_offers_the_po_partners_in_dutch_and_english(instruments):
    po = instruments["po-externe-partners"]
    with translation.override("nl"):
        dutch = dict(partner_types.choices(po))
    with translation.override("en"):
        english = dict(partner_types.choices(po))
    assert (dutch["kinderopvang"], dutch["jeugdzorg"]) == ("kinderopvang", "(jeugd)zorg")
    assert (english["kinderopvang"], english["jeugdzorg"]) == ("childcare", "(youth) care")
    # The LOB tool keeps the default list.
    assert partner_types.valid(instruments["lob-regio"], "mbo")
    assert not partner_types.valid(instruments["lob-regio"], "kinderopvang")


def test_the_praatplaat_asks_its_attention_question_once():
    praatplaat = shipped("praatplaat-regio")
    assert "aandacht" not in [t["key"] for t in praatplaat["themes"]]
    # Its guidance moved into the guide's "Prioriteren" step, which the priorities phase runs.
    prioritise = next(
        line for line in praatplaat["guide"].splitlines() if line.startswith("- Prioriteren")
    )
    assert "ook een thema waarover de meningen ver uiteenlopen" in prioritise
    assert "can also take priority" in _en(praatplaat)["guide"]


def test_the_praatplaat_asks_what_we_want_to_achieve_as_an_open_question(instruments):
    praatplaat = instruments["praatplaat-regio"]
    open_items = Item.objects.filter(theme__instrument=praatplaat, kind=Item.Kind.OPEN)
    assert [(i.theme.key, i.title) for i in open_items] == [
        ("onderwerpen", "Wat willen we bereiken?")
    ]
    assert open_items[0].translations["en"]["title"] == "What do we want to achieve?"


def test_the_praatplaat_lets_anders_say_which_theme(instruments):
    praatplaat = instruments["praatplaat-regio"]
    priority = praatplaat.themes.get(key="onderwerpen").items.get(kind=Item.Kind.PRIORITY)
    with_text = [o["key"] for o in priority.options if o.get("text")]
    assert with_text == ["anders"]
    assert priority.translations["en"]["options"]["anders"] == "Other"


def test_an_english_statement_is_stored_with_its_item(instruments):
    theme = instruments["lob-regio"].themes.get(key="visie")
    first = theme.items.get(number=1)
    assert first.translations["en"]["text"].startswith("Has a clear vision and ambition")
    assert theme.translations["en"]["title"] == "Vision and ambition"

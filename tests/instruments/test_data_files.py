"""The instruments Reflectie ships, as loaded from instruments/data/ (see shared/instruments.md)."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from instruments.models import Instrument, Item
from instruments.services import DATA_DIR
from instruments.validation import parse_file

SEED = Path(settings.BASE_DIR).parent / "shared" / "seeds" / "004_0040f160dc8dd42b.txt"

LOB_THEMES = [
    "Visie en ambitie",
    "Relatie",
    "Betrokken partners",
    "Daadkracht",
    "Inspiratie",
    "Monitoring",
]

# Theme ↔ paragraph under "Achtergrondinformatie" (werkzame principes) in the seed.
LOB_BACKGROUNDS = {
    "Visie en ambitie": "GEZAMENLIJKE AMBITIE",
    "Relatie": "RELATIE",
    "Betrokken partners": "BETROKKEN PARTNERS",
    "Daadkracht": "DAADKRACHT",
    "Inspiratie": "INSPIRATIE",
    "Monitoring": "DOORSTROOM MONITORING",
}

REMINDERS = [
    "Start bij jezelf",
    "Blijf balanceren",
    "Dubbele loyaliteit is realiteit",
    "Ga verder dan jubeltaal",
    "Iedereen kan iets brengen",
    "Organiseer het vierkant",
    "Een goed proces biedt houvast",
    "Bouw de juiste gesprekstafel",
    "Blijf onbevangen",
    "Wees druk met rust",
]


def _seed_lines() -> list[str]:
    if not SEED.is_file():
        pytest.skip(f"seed {SEED.name} not found: this clone has no ../shared/seeds/")
    return [line.strip() for line in SEED.read_text(encoding="utf-8").splitlines()]


def seed_statements() -> dict[str, list[tuple[int, str]]]:
    """The "- N text" lines of the seed's reflectietool, per theme heading, in order."""
    lines = _seed_lines()
    start, end = lines.index("REFLECTIETOOL"), lines.index("KORTE HANDLEIDING")
    themes: dict[str, list[tuple[int, str]]] = {}
    heading = None
    for line in lines[start + 1 : end]:
        if not line:
            continue
        match = re.fullmatch(r"- (\d+) (.+)", line)
        if match:
            themes[heading].append((int(match[1]), match[2]))
        else:
            heading = line
            themes[heading] = []
    return themes


def seed_background(heading: str) -> str:
    """The first sentence of a paragraph under "ACHTERGRONDINFORMATIE"."""
    lines = _seed_lines()
    after = lines.index("ACHTERGRONDINFORMATIE")
    at = lines.index(heading, after)
    paragraph = next(line for line in lines[at + 1 :] if line)
    return paragraph.split(". ")[0] + "."


def statements(instrument: Instrument) -> dict[str, list[tuple[int, str]]]:
    return {
        theme.title: [(item.number, item.text) for item in theme.items.all() if item.is_statement]
        for theme in instrument.themes.all()
    }


def test_every_shipped_file_is_valid_and_named_after_its_slug():
    files = sorted(DATA_DIR.glob("*.json"))
    assert [f.stem for f in files] == ["lob-regio", "po-externe-partners", "praatplaat-regio"]
    for path in files:
        assert parse_file(path)["slug"] == path.stem


def test_loading_the_defaults_stores_each_instrument_once_as_version_1(instruments):
    assert sorted(instruments) == ["lob-regio", "po-externe-partners", "praatplaat-regio"]
    assert all(i.version == 1 for i in instruments.values())
    assert Instrument.objects.count() == 3


def test_the_lob_tool_has_its_six_themes_in_order(lob):
    assert [t.title for t in lob.themes.all()] == LOB_THEMES


def test_the_lob_tool_has_22_statements_four_four_four_three_four_three(lob):
    counts = [len(s) for s in statements(lob).values()]
    assert counts == [4, 4, 4, 3, 4, 3]
    assert Item.objects.filter(theme__instrument=lob, kind=Item.Kind.STATEMENT).count() == 22


def test_the_lob_tool_has_only_statements(lob):
    assert set(Item.objects.filter(theme__instrument=lob).values_list("kind", flat=True)) == {
        Item.Kind.STATEMENT
    }


def test_the_lob_statements_are_word_for_word_those_of_the_seed(lob):
    seed = seed_statements()
    assert [heading.lower() for heading in seed] == [title.lower() for title in LOB_THEMES]
    stored = statements(lob)
    for (heading, expected), (title, actual) in zip(seed.items(), stored.items(), strict=True):
        assert heading.lower() == title.lower()
        assert actual == expected, title


def test_every_lob_theme_has_the_background_paragraph_of_its_principle(lob):
    for theme in lob.themes.all():
        heading = LOB_BACKGROUNDS[theme.title]
        assert theme.background.strip(), theme.title
        assert theme.background_title.upper() == heading
        assert theme.background.startswith(seed_background(heading)), theme.title


def test_the_lob_tool_credits_expertisepunt_lob(lob):
    assert lob.attribution_text == "Expertisepunt LOB"
    assert "expertisepuntlob.nl" in lob.attribution_url


def test_the_lob_tool_scores_from_helemaal_niet_waar_to_helemaal_waar_with_weet_ik_niet(lob):
    assert lob.scale_points == [1, 2, 3, 4, 5]
    assert lob.scale_label(1) == "helemaal niet waar"
    assert lob.scale_label(5) == "helemaal waar"
    assert lob.dont_know_label == "weet ik niet"
    assert (lob.duration_minutes, lob.followup_minutes) == (60, 15)
    assert lob.guide.strip()


def test_the_praatplaat_has_the_ten_reminders_as_prompts_in_order(instruments):
    praatplaat = instruments["praatplaat-regio"]
    prompts = Item.objects.filter(theme__instrument=praatplaat, theme__key="reminders")
    assert [p.kind for p in prompts] == [Item.Kind.PROMPT] * 10
    assert [p.title for p in prompts] == REMINDERS
    assert all(p.text.strip() for p in prompts)


def test_the_praatplaat_leaves_the_attention_question_to_the_session_vote(instruments):
    # The priorities phase asks which themes need (extra) attention; no item asks it again.
    praatplaat = instruments["praatplaat-regio"]
    theme_keys = set(praatplaat.themes.values_list("key", flat=True))
    priorities = Item.objects.filter(theme__instrument=praatplaat, kind=Item.Kind.PRIORITY)
    assert priorities.exists()
    assert all(not {o["key"] for o in p.options} & theme_keys for p in priorities)


def test_the_praatplaat_says_it_is_based_on_the_vo_raad_description(instruments):
    praatplaat = instruments["praatplaat-regio"]
    assert "VO-raad" in praatplaat.source_note
    assert "gebaseerd op de beschrijving" in praatplaat.source_note.lower()


def test_the_praatplaat_lets_a_group_name_the_regional_themes_it_works_on(instruments):
    praatplaat = instruments["praatplaat-regio"]
    first = praatplaat.themes.first().items.first()
    assert first.is_priority
    assert {o["key"] for o in first.options} >= {
        "leerlingendaling",
        "lerarentekort",
        "passend-onderwijs",
        "sterk-beroepsonderwijs",
        "kansengelijkheid",
        "anders",
    }


def test_the_po_instrument_has_four_statements(instruments):
    po = instruments["po-externe-partners"]
    items = Item.objects.filter(theme__instrument=po)
    assert [(i.kind, i.number) for i in items] == [(Item.Kind.STATEMENT, n) for n in (1, 2, 3, 4)]


def test_every_instrument_asks_each_agreement_what_who_and_when(instruments):
    for instrument in instruments.values():
        keys = [f["key"] for f in instrument.followup_fields]
        assert {"action", "owner"} <= set(keys), instrument.slug
        assert len(keys) == len(set(keys))

"""Translations and partner types in the instrument data: validated, stored, exported, shown.

The instruments here are built from small dicts, so each test says exactly what the file holds.
"""

import copy
import json

import pytest
from django.urls import reverse
from django.utils import translation as django_translation

from instruments import partner_types, services, translation, validation
from instruments.models import Instrument, Item
from instruments.validation import InstrumentFileError
from sessions import results

SMALL = {
    "format": 1,
    "slug": "klein",
    "name": "Klein instrument",
    "language": "nl",
    "guide": "Lees eerst.",
    "scale": {"labels": {"1": "helemaal niet waar", "5": "helemaal waar"}},
    "followup_fields": [
        {"key": "action", "label": "Wat gaan we doen?", "help": "Begin met een werkwoord."},
        {"key": "owner", "label": "Wie is eigenaar?"},
    ],
    "partner_types": [
        {"key": "po-school", "label": "po-school"},
        {"key": "kinderopvang", "label": "kinderopvang"},
    ],
    "translations": {
        "en": {
            "name": "Small instrument",
            "guide": "Read first.",
            "scale_labels": {"1": "not true at all", "5": "completely true"},
            "dont_know_label": "don't know",
            "followup_fields": {
                "action": {"label": "What will we do?", "help": "Start with a verb."},
            },
            "partner_types": {"po-school": "primary school", "kinderopvang": "childcare"},
        }
    },
    "themes": [
        {
            "key": "relatie",
            "title": "Relatie",
            "background": "Over vertrouwen.",
            "translations": {"en": {"title": "Relationship", "background": "About trust."}},
            "items": [
                {
                    "text": "We vertrouwen elkaar.",
                    "translations": {"en": {"text": "We trust each other."}},
                },
                {
                    "kind": "priority",
                    "title": "Onderwerpen",
                    "text": "Waar werken we aan?",
                    "max_choices": 2,
                    "options": [
                        {"key": "lerarentekort", "label": "lerarentekort"},
                        {"key": "anders", "label": "Anders", "text": True},
                    ],
                    "translations": {
                        "en": {
                            "text": "What do we work on?",
                            "options": {"lerarentekort": "teacher shortage", "anders": "Other"},
                        }
                    },
                },
                {
                    "kind": "open",
                    "title": "Bereiken",
                    "text": "Wat willen we bereiken?",
                    "translations": {"en": {"text": "What do we want to achieve?"}},
                },
                {
                    "kind": "balance",
                    "text": "Halen en brengen",
                    "brings_label": "Wat brengt u?",
                    "translations": {"en": {"brings_label": "What do you bring?"}},
                },
            ],
        }
    ],
}


def small(**changes) -> dict:
    data = copy.deepcopy(SMALL)
    data.update(changes)
    return data


def stored(data=None) -> Instrument:
    return services.store(validation.validate(data or small(), "klein.json"))[0]


def refused(data) -> InstrumentFileError:
    with pytest.raises(InstrumentFileError) as caught:
        validation.validate(data, "klein.json")
    return caught.value


# Validation ---------------------------------------------------------------------------------


def test_a_valid_file_keeps_its_translations_partner_types_open_items_and_text_options():
    normal = validation.validate(small(), "klein.json")
    assert normal["translations"]["en"]["partner_types"]["po-school"] == "primary school"
    assert normal["partner_types"][0] == {"key": "po-school", "label": "po-school"}
    theme = normal["themes"][0]
    assert theme["translations"] == {"en": {"title": "Relationship", "background": "About trust."}}
    assert theme["items"][2]["kind"] == "open"
    assert theme["items"][1]["options"][1] == {"key": "anders", "label": "Anders", "text": True}
    assert "text" not in theme["items"][1]["options"][0]


def test_a_file_without_them_keeps_its_normal_form_and_hash():
    plain = small()
    for key in ("translations", "partner_types"):
        del plain[key]
    for item in plain["themes"][0]["items"]:
        item.pop("translations", None)
    del plain["themes"][0]["translations"]
    normal = validation.validate(plain, "klein.json")
    assert "translations" not in normal and "partner_types" not in normal
    assert "translations" not in normal["themes"][0]


@pytest.mark.parametrize(
    ("where", "path"),
    [
        (lambda d: d["translations"]["en"].update(naam="x"), "translations.en.naam"),
        (lambda d: d["themes"][0]["translations"]["en"].update(text="x"),
         "themes[0].translations.en.text"),
        (lambda d: d["themes"][0]["items"][0]["translations"]["en"].update(title="x"),
         "themes[0].items[0].translations.en.title"),
        (lambda d: d["themes"][0]["items"][1]["translations"]["en"]["options"].update(zz="x"),
         "themes[0].items[1].translations.en.options.zz"),
        (lambda d: d["translations"]["en"]["scale_labels"].update({"7": "x"}),
         "translations.en.scale_labels.7"),
        (lambda d: d["translations"]["en"]["followup_fields"].update(wie={"label": "x"}),
         "translations.en.followup_fields.wie"),
        (lambda d: d["translations"]["en"]["followup_fields"]["action"].update(hint="x"),
         "translations.en.followup_fields.action.hint"),
        (lambda d: d["translations"]["en"]["partner_types"].update(vo="x"),
         "translations.en.partner_types.vo"),
        (lambda d: d["translations"].update(nl={"name": "x"}), "translations.nl"),
        (lambda d: d["translations"].update(de={"name": "x"}), "translations.de"),
        (lambda d: d["translations"]["en"].update(name="x" * 201), "translations.en.name"),
        (lambda d: d["translations"]["en"].update(guide=["x"]), "translations.en.guide"),
        (lambda d: d["translations"]["en"].update(guide="a\x00b"), "translations.en.guide"),
    ],
)  # fmt: skip
def test_a_bad_translation_is_refused_with_its_path(where, path):
    data = small()
    where(data)
    error = refused(data)
    assert error.path == path
    assert error.message
    assert str(error).startswith(f"klein.json: {path}: ")


def test_an_unknown_translation_key_names_what_is_allowed():
    data = small()
    data["themes"][0]["translations"]["en"]["titel"] = "Relationship"
    error = refused(data)
    assert error.path == "themes[0].translations.en.titel"
    assert "onbekende sleutel" in error.message
    assert "title, background_title, background" in error.message


@pytest.mark.parametrize(
    ("partners", "path"),
    [
        ("po-school", "partner_types"),
        ([{"key": "po school", "label": "x"}], "partner_types[0].key"),
        ([{"key": "x" * 41, "label": "x"}], "partner_types[0].key"),
        ([{"key": "po", "label": ""}], "partner_types[0].label"),
        ([{"key": "po", "label": "x" * 101}], "partner_types[0].label"),
        ([{"key": "po", "label": "a"}, {"key": "po", "label": "b"}], "partner_types[1].key"),
        (["po"], "partner_types[0]"),
        ([{"key": f"p{i}", "label": "x"} for i in range(31)], "partner_types"),
    ],
)
def test_a_bad_partner_type_is_refused_with_its_path(partners, path):
    data = small(partner_types=partners)
    del data["translations"]["en"]["partner_types"]
    error = refused(data)
    assert error.path == path


def test_a_translated_partner_type_needs_the_instruments_own_list():
    data = small(partner_types=[])
    error = refused(data)
    assert error.path == "translations.en.partner_types"


def test_text_on_an_option_must_be_true_or_false():
    data = small()
    data["themes"][0]["items"][1]["options"][1]["text"] = "ja"
    assert refused(data).path == "themes[0].items[1].options[1].text"


# Storing, exporting, versions ----------------------------------------------------------------


@pytest.mark.django_db
def test_the_export_round_trips_translations_and_partner_types():
    instrument = stored()
    exported = services.export(instrument)
    assert exported == validation.validate(small(), "klein.json")
    assert exported["translations"]["en"]["name"] == "Small instrument"
    assert exported["themes"][0]["items"][1]["options"][1]["text"] is True
    # and the exported file loads as the same content: nothing new
    again, outcome = services.store(validation.parse_text(services.export_json(instrument), "x"))
    assert (again.pk, outcome) == (instrument.pk, "ongewijzigd")


@pytest.mark.django_db
def test_a_changed_translation_in_a_used_version_makes_a_new_version(alice):
    from sessions import lifecycle

    instrument = stored()
    lifecycle.create_session(alice, instrument, title="Sessie", partnership_name="West")
    data = small()
    data["themes"][0]["items"][0]["translations"]["en"]["text"] = "We really trust each other."
    newer, outcome = services.store(validation.validate(data, "klein.json"))
    assert outcome == "nieuw" and newer.version == 2
    item = Item.objects.get(theme__instrument=newer, kind="statement")
    assert item.translations["en"]["text"] == "We really trust each other."


@pytest.mark.django_db
def test_an_unused_version_is_updated_in_place_with_new_partner_types():
    instrument = stored()
    data = small()
    data["partner_types"].append({"key": "bibliotheek", "label": "bibliotheek"})
    updated, outcome = services.store(validation.validate(data, "klein.json"))
    assert (updated.pk, outcome) == (instrument.pk, "bijgewerkt")
    assert [key for key, _label in partner_types.choices(updated)][-1] == "bibliotheek"


# Reading in a language -----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_helpers_fall_back_to_the_original_text():
    instrument = stored()
    assert translation.scale_labels(instrument, "en") == {
        "1": "not true at all",
        "5": "completely true",
    }
    assert translation.dont_know_label(instrument, "en") == "don't know"
    assert translation.dont_know_label(instrument, "nl") == "weet ik niet"
    fields = translation.followup_fields(instrument, "en")
    assert fields[0]["label"] == "What will we do?" and fields[0]["help"] == "Start with a verb."
    assert fields[1]["label"] == "Wie is eigenaar?"  # not translated: the original
    priority = Item.objects.get(theme__instrument=instrument, kind="priority")
    assert translation.item_choices(priority, "en") == [
        ("lerarentekort", "teacher shortage"),
        ("anders", "Other"),
    ]
    assert translation.item_options(priority, "en")[1]["text"] is True
    balance = Item.objects.get(theme__instrument=instrument, kind="balance")
    assert translation.item_choices(balance, "en") == [
        ("brings", "What do you bring?"),
        ("gets", ""),
    ]


@pytest.mark.django_db
def test_a_localized_copy_leaves_the_original_as_it_was():
    instrument = stored()
    item = Item.objects.select_related("theme").get(theme__instrument=instrument, kind="statement")
    shown = translation.localized(item, "en")
    assert (shown.text, shown.label) == ("We trust each other.", "Relationship 1")
    assert (item.text, item.label) == ("We vertrouwen elkaar.", "Relatie 1")
    english = translation.localized(instrument, "en")
    assert english.scale_label(1) == "not true at all"
    assert instrument.scale_label(1) == "helemaal niet waar"


@pytest.mark.django_db
def test_partner_types_follow_the_active_language():
    instrument = stored()
    with django_translation.override("en"):
        assert partner_types.choices(instrument)[0] == ("po-school", "primary school")
    with django_translation.override("nl"):
        assert partner_types.choices(instrument)[0] == ("po-school", "po-school")
    assert partner_types.valid(instrument, "kinderopvang")
    assert not partner_types.valid(instrument, "vo")  # the default list is not this one's


@pytest.mark.django_db
def test_the_structure_is_kept_per_language():
    instrument = stored()
    english = results.instrument_structure(instrument, "en")
    dutch = results.instrument_structure(instrument, "nl")
    assert (english[0].title, english[0].background) == ("Relationship", "About trust.")
    assert english[0].items[0].text == "We trust each other."
    assert english[0].items[1].options == (
        ("lerarentekort", "teacher shortage"),
        ("anders", "Other"),
    )
    assert (dutch[0].title, dutch[0].items[0].text) == ("Relatie", "We vertrouwen elkaar.")
    with django_translation.override("en-gb"):
        assert results.instrument_structure(instrument) is english


# The preview and the admin -------------------------------------------------------------------


@pytest.mark.django_db
def test_the_preview_reads_in_english_on_request(alice_client):
    instrument = stored()
    url = reverse("instrument_preview", args=[instrument.pk])
    dutch = alice_client.get(url).text
    assert "Klein instrument" in dutch and "po-school" in dutch
    assert 'href="?taal=en"' in dutch
    english = alice_client.get(url, {"taal": "en"}).text
    for shown in (
        "Small instrument",
        "Read first.",
        "not true at all",
        "„don&#x27;t know”",
        "Relationship",
        "We trust each other.",
        "teacher shortage",
        "What will we do?",
        "primary school",
        "What do we want to achieve?",
    ):
        assert shown in english, shown
    assert "We vertrouwen elkaar." not in english
    assert 'href="?taal=nl"' in english
    # an unknown language is the page's own
    assert "We vertrouwen elkaar." in alice_client.get(url, {"taal": "xx"}).text


@pytest.mark.django_db
def test_the_admin_shows_translations_and_edits_partner_types(client, admin_user):
    instrument = stored()
    client.force_login(admin_user)
    url = reverse("admin:instruments_instrument_change", args=[instrument.pk])
    page = client.get(url).text
    assert "Small instrument" in page  # the translations, read-only
    assert "kinderopvang" in page  # the partner types, as JSON
    theme = instrument.themes.get()
    page = client.get(reverse("admin:instruments_theme_change", args=[theme.pk])).text
    assert "Relationship" in page and "We trust each other." in page


@pytest.mark.django_db
def test_the_admin_refuses_removing_a_partner_type_that_is_translated(client, admin_user):
    instrument = stored()
    client.force_login(admin_user)
    url = reverse("admin:instruments_instrument_change", args=[instrument.pk])
    form = client.get(url).context["adminform"].form
    data = {
        name: form.initial.get(name, "") for name in form.fields if not form.fields[name].disabled
    }
    for name in ("scale_labels", "followup_fields", "partner_types"):
        data[name] = json.dumps(form.initial[name])
    data["partner_types"] = json.dumps([{"key": "po-school", "label": "po-school"}])
    data.update(
        {
            "themes-TOTAL_FORMS": "0",
            "themes-INITIAL_FORMS": "0",
            "themes-MIN_NUM_FORMS": "0",
            "themes-MAX_NUM_FORMS": "1000",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 200  # the form again, with the message
    assert "translations.en.partner_types.kinderopvang" in response.text
    instrument.refresh_from_db()
    assert len(instrument.partner_types) == 2

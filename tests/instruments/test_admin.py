"""Instruments in the admin: themes and items inline, a used version frozen, new versions."""

import json

import pytest
from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse

from instruments.models import Instrument, Item, Theme
from instruments.services import DATA_DIR, export, load_files


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def used_lob(lob, lobby_session):
    """The LOB tool with one session on it (tests/conftest.py): version 1 is frozen."""
    lob.session = lobby_session
    return lob


@pytest.fixture
def viewer(db):
    """Staff who may look at instruments but not change them."""
    user = get_user_model().objects.create_user("viewer", password="viewer-password-1")
    user.is_staff = True
    user.save()
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_instrument", "view_theme", "view_item"])
    )
    return user


def change_url(instrument: Instrument) -> str:
    return reverse("admin:instruments_instrument_change", args=[instrument.pk])


def theme_url(theme: Theme) -> str:
    return reverse("admin:instruments_theme_change", args=[theme.pk])


def new_version_url(instrument: Instrument) -> str:
    return reverse("admin:instruments_instrument_new_version", args=[instrument.pk])


def form_data(response) -> dict:
    """The POST data of a rendered admin change form, as a browser would send it unchanged."""
    data = {}

    def add(form):
        for field in form:
            if field.field.disabled:
                continue
            value = field.value()
            if isinstance(field.field, forms.BooleanField):
                if value:
                    data[field.html_name] = "on"
                continue
            data[field.html_name] = "" if value is None else value

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        add(inline.formset.management_form)
        for form in inline.formset.forms:
            add(form)
    return data


def first_item(instrument: Instrument) -> Item:
    return Item.objects.filter(theme__instrument=instrument).order_by(
        "theme__position", "position"
    )[0]


# --- list and change pages --------------------------------------------------------------------


def test_the_list_shows_versions_sessions_and_whether_in_use(admin_client, used_lob):
    response = admin_client.get(reverse("admin:instruments_instrument_changelist"))
    assert response.status_code == 200
    rows = {i.slug: i for i in response.context["cl"].result_list}
    assert rows["lob-regio"]._session_count == 1
    assert rows["po-externe-partners"]._session_count == 0
    html = response.content.decode()
    assert "In gebruik" in html
    assert html.count('alt="True"') == 1  # only the LOB tool is in use
    assert html.count('alt="False"') == 2
    assert "Samenwerken met externe partners (po)" in html


def test_the_list_can_be_filtered_by_slug_and_searched(admin_client, instruments):
    url = reverse("admin:instruments_instrument_changelist")
    filtered = admin_client.get(url, {"slug": "po-externe-partners"})
    assert [i.slug for i in filtered.context["cl"].result_list] == ["po-externe-partners"]
    searched = admin_client.get(url, {"q": "Praatplaat"})
    assert [i.slug for i in searched.context["cl"].result_list] == ["praatplaat-regio"]


def test_an_unused_instrument_is_editable_with_its_themes_in_order(admin_client, lob):
    response = admin_client.get(change_url(lob))
    assert response.status_code == 200
    assert response.context["has_change_permission"] is True
    html = response.content.decode()
    assert 'id="frozen-message"' not in html
    assert 'name="_save"' in html
    [themes] = response.context["inline_admin_formsets"]
    titles = [form.instance.title for form in themes.formset.forms if form.instance.pk]
    assert titles == [t.title for t in lob.themes.order_by("position")]
    # Each theme links to the page where its items are edited.
    for theme in lob.themes.all():
        assert f'href="{theme_url(theme)}"' in html
    assert "4 onderdelen bewerken" in html


def test_a_theme_page_shows_its_items_in_order_for_editing(admin_client, lob):
    theme = lob.themes.get(key="daadkracht")
    response = admin_client.get(theme_url(theme))
    assert response.status_code == 200
    [items] = response.context["inline_admin_formsets"]
    assert [f.instance.number for f in items.formset.forms] == [1, 2, 3]
    assert set(items.formset.forms[0].fields) >= {
        "kind",
        "number",
        "title",
        "text",
        "max_choices",
        "options",
        "position",
    }


def test_the_admin_saves_an_edit_of_an_unused_instrument(admin_client, lob):
    page = admin_client.get(change_url(lob))
    data = form_data(page)
    data["name"] = "LOB en doorstroom"
    data["themes-0-title"] = "Visie"
    response = admin_client.post(change_url(lob), data)
    assert response.status_code == 302, response.context and response.context["errors"]
    lob.refresh_from_db()
    assert lob.name == "LOB en doorstroom"
    assert lob.themes.first().title == "Visie"
    assert lob.version == 1


def test_the_admin_saves_an_edit_of_an_item(admin_client, lob):
    theme = lob.themes.first()
    data = form_data(admin_client.get(theme_url(theme)))
    data["items-0-text"] = "Hebben we een gedeelde visie?"
    response = admin_client.post(theme_url(theme), data)
    assert response.status_code == 302
    assert first_item(lob).text == "Hebben we een gedeelde visie?"


# --- a used version is frozen -----------------------------------------------------------------


def test_a_used_instrument_is_shown_read_only_with_an_explanation(admin_client, used_lob):
    response = admin_client.get(change_url(used_lob))
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    html = response.content.decode()
    assert 'id="frozen-message"' in html
    assert "Deze versie is gebruikt in 1 sessie en ligt daarom vast" in html
    assert "Nieuwe versie maken om te bewerken" in html
    assert f'action="{new_version_url(used_lob)}"' in html
    assert 'name="_save"' not in html
    [themes] = response.context["inline_admin_formsets"]
    assert not themes.has_add_permission
    assert not themes.has_delete_permission
    assert not themes.has_change_permission
    assert "onderdelen bekijken" in html


def test_a_post_to_a_used_instrument_changes_nothing(admin_client, used_lob):
    data = form_data(
        admin_client.get(change_url(Instrument.objects.get(slug="po-externe-partners")))
    )
    data["name"] = "Overschreven"
    response = admin_client.post(change_url(used_lob), data)
    assert response.status_code == 403
    used_lob.refresh_from_db()
    assert used_lob.name == "Samen werken aan LOB en doorstroom in de regio"
    assert Instrument.objects.filter(slug="lob-regio").count() == 1


def test_a_theme_of_a_used_instrument_is_read_only_and_refuses_a_post(admin_client, used_lob):
    theme = used_lob.themes.first()
    page = admin_client.get(theme_url(theme))
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert 'id="frozen-message"' in page.content.decode()
    [items] = page.context["inline_admin_formsets"]
    assert not items.has_add_permission and not items.has_delete_permission

    response = admin_client.post(
        theme_url(theme),
        {
            "position": 0,
            "key": "visie",
            "title": "Overschreven",
            "items-TOTAL_FORMS": 0,
            "items-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 403
    theme.refresh_from_db()
    assert theme.title == "Visie en ambitie"


def test_a_used_instrument_and_its_themes_cannot_be_deleted(admin_client, used_lob):
    url = reverse("admin:instruments_instrument_delete", args=[used_lob.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 403
    theme = used_lob.themes.first()
    url = reverse("admin:instruments_theme_delete", args=[theme.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 403
    assert Theme.objects.filter(pk=theme.pk).exists()


def test_a_new_theme_can_only_be_added_to_an_unused_version(admin_client, used_lob):
    response = admin_client.get(reverse("admin:instruments_theme_add"))
    choices = response.context["adminform"].form.fields["instrument"].queryset
    assert used_lob not in choices
    assert choices.filter(slug="po-externe-partners").exists()


# --- making a new version ---------------------------------------------------------------------


def test_the_new_version_button_copies_a_used_version_and_opens_the_copy(admin_client, used_lob):
    response = admin_client.post(new_version_url(used_lob), follow=True)
    v2 = Instrument.objects.get(slug="lob-regio", version=2)
    assert response.redirect_chain == [(change_url(v2), 302)]
    assert export(v2) == export(used_lob)
    assert [t.title for t in v2.themes.all()] == [t.title for t in used_lob.themes.all()]
    assert Item.objects.filter(theme__instrument=v2).count() == 22
    messages = [str(m) for m in response.context["messages"]]
    assert any("Versie 2" in m for m in messages)
    assert response.context["has_change_permission"] is True
    assert 'id="frozen-message"' not in response.content.decode()


def test_the_admin_can_edit_the_new_version_while_the_session_keeps_the_old_one(
    admin_client, used_lob
):
    admin_client.post(new_version_url(used_lob))
    v2 = Instrument.objects.get(slug="lob-regio", version=2)
    theme = v2.themes.first()
    data = form_data(admin_client.get(theme_url(theme)))
    data["items-0-text"] = "Hebben we een gedeelde visie?"
    assert admin_client.post(theme_url(theme), data).status_code == 302

    assert first_item(v2).text == "Hebben we een gedeelde visie?"
    assert first_item(used_lob).text.startswith("Is er een heldere visie en ambitie")
    used_lob.session.refresh_from_db()
    assert used_lob.session.instrument_id == used_lob.pk
    assert Instrument.objects.latest_versions().get(slug="lob-regio") == v2


def test_the_new_version_of_an_old_version_gets_the_next_free_number(admin_client, used_lob):
    admin_client.post(new_version_url(used_lob))
    admin_client.post(new_version_url(used_lob))
    versions = Instrument.objects.filter(slug="lob-regio").values_list("version", flat=True)
    assert sorted(versions) == [1, 2, 3]


def test_an_older_version_points_to_the_newest(admin_client, used_lob):
    admin_client.post(new_version_url(used_lob))
    v2 = Instrument.objects.get(slug="lob-regio", version=2)
    html = admin_client.get(change_url(used_lob)).content.decode()
    assert "Er bestaat al een nieuwere versie (v2)" in html
    assert f'href="{change_url(v2)}"' in html


def test_the_new_version_url_only_accepts_post(admin_client, used_lob):
    assert admin_client.get(new_version_url(used_lob)).status_code == 405
    assert Instrument.objects.filter(slug="lob-regio").count() == 1


def test_the_new_version_url_needs_a_staff_login(alice_client, used_lob):
    response = alice_client.post(new_version_url(used_lob))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]
    assert Instrument.objects.filter(slug="lob-regio").count() == 1


def test_the_new_version_url_needs_the_change_permission(client, viewer, used_lob):
    client.force_login(viewer)
    assert client.get(change_url(used_lob)).status_code == 200
    assert client.post(new_version_url(used_lob)).status_code == 403
    assert Instrument.objects.filter(slug="lob-regio").count() == 1


def test_the_new_version_url_of_an_unknown_instrument_redirects_with_a_message(admin_client, db):
    response = admin_client.post(
        reverse("admin:instruments_instrument_new_version", args=[9999]), follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("admin:index")
    assert Instrument.objects.count() == 0


def test_the_action_makes_one_new_version_per_selected_instrument(admin_client, used_lob):
    po = Instrument.objects.get(slug="po-externe-partners")
    response = admin_client.post(
        reverse("admin:instruments_instrument_changelist"),
        {"action": "make_new_versions", "_selected_action": [used_lob.pk, po.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert Instrument.objects.filter(slug="lob-regio", version=2).exists()
    assert Instrument.objects.filter(slug="po-externe-partners", version=2).exists()
    assert Instrument.objects.count() == 5


def test_the_action_copies_the_newest_selected_version_once(admin_client, used_lob):
    admin_client.post(new_version_url(used_lob))
    v2 = Instrument.objects.get(slug="lob-regio", version=2)
    v2.name = "LOB, tweede versie"
    v2.save()
    admin_client.post(
        reverse("admin:instruments_instrument_changelist"),
        {"action": "make_new_versions", "_selected_action": [used_lob.pk, v2.pk]},
    )
    assert list(Instrument.objects.filter(slug="lob-regio").values_list("version", "name")) == [
        (3, "LOB, tweede versie"),
        (2, "LOB, tweede versie"),
        (1, "Samen werken aan LOB en doorstroom in de regio"),
    ]


# --- the admin stores only what the loader accepts --------------------------------------------


def test_the_admin_refuses_a_priority_asking_more_choices_than_it_has(admin_client, instruments):
    praatplaat = instruments["praatplaat-regio"]
    theme = praatplaat.themes.get(key="onderwerpen")
    data = form_data(admin_client.get(theme_url(theme)))
    data["items-0-max_choices"] = "9"
    response = admin_client.post(theme_url(theme), data)
    assert response.status_code == 200
    errors = response.context["inline_admin_formsets"][0].formset.errors[0]
    assert "max_choices" in errors
    assert Item.objects.get(theme=theme, kind="priority").max_choices == 6


def test_the_admin_refuses_a_statement_without_a_number(admin_client, lob):
    theme = lob.themes.first()
    data = form_data(admin_client.get(theme_url(theme)))
    data["items-1-number"] = ""
    response = admin_client.post(theme_url(theme), data)
    assert response.status_code == 200
    assert "number" in response.context["inline_admin_formsets"][0].formset.errors[1]


def test_the_admin_refuses_a_scale_label_outside_the_scale(admin_client, lob):
    data = form_data(admin_client.get(change_url(lob)))
    data["scale_labels"] = json.dumps({"1": "helemaal niet waar", "7": "helemaal waar"})
    response = admin_client.post(change_url(lob), data)
    assert response.status_code == 200
    assert "7: ligt niet op de schaal" in response.context["adminform"].form.errors["scale_labels"]
    lob.refresh_from_db()
    assert "7" not in lob.scale_labels


def test_the_admin_refuses_two_themes_with_the_same_key(admin_client, lob):
    data = form_data(admin_client.get(change_url(lob)))
    data["themes-1-key"] = "visie"
    response = admin_client.post(change_url(lob), data)
    assert response.status_code == 200
    assert lob.themes.filter(key="visie").count() == 1


def test_the_admin_stores_emptied_json_boxes_as_empty(admin_client, lob):
    data = form_data(admin_client.get(change_url(lob)))
    data["scale_labels"] = ""
    response = admin_client.post(change_url(lob), data)
    assert response.status_code == 302
    lob.refresh_from_db()
    assert lob.scale_labels == {}
    assert export(lob)["scale"]["labels"] == {}


def test_a_new_instrument_made_in_the_admin_exports_as_a_valid_file(admin_client, db):
    response = admin_client.post(
        reverse("admin:instruments_instrument_add"),
        {
            "name": "Eigen plaat",
            "slug": "eigen-plaat",
            "language": "nl",
            "duration_minutes": 60,
            "followup_minutes": 15,
            "scale_min": 1,
            "scale_max": 5,
            "scale_labels": "{}",
            "dont_know_label": "weet ik niet",
            "followup_fields": "[]",
            "themes-TOTAL_FORMS": 1,
            "themes-INITIAL_FORMS": 0,
            "themes-0-position": 0,
            "themes-0-key": "samen",
            "themes-0-title": "Samen",
        },
    )
    assert response.status_code == 302, response.context["errors"]
    instrument = Instrument.objects.get(slug="eigen-plaat")
    theme = instrument.themes.get()
    page = admin_client.get(change_url(instrument)).content.decode()
    assert 'id="incomplete-message"' in page  # a theme without items is not usable yet

    response = admin_client.post(
        theme_url(theme),
        {
            "position": 0,
            "key": "samen",
            "title": "Samen",
            "items-TOTAL_FORMS": 1,
            "items-INITIAL_FORMS": 0,
            "items-0-position": 0,
            "items-0-kind": "statement",
            "items-0-number": 1,
            "items-0-text": "We weten wat we samen willen.",
            "items-0-options": "[]",
        },
    )
    assert response.status_code == 302
    assert export(instrument)["themes"][0]["items"] == [
        {"kind": "statement", "number": 1, "text": "We weten wat we samen willen."}
    ]
    assert (
        'id="incomplete-message"' not in admin_client.get(change_url(instrument)).content.decode()
    )


def test_a_new_instrument_cannot_take_the_slug_of_an_existing_one(admin_client, lob):
    response = admin_client.post(
        reverse("admin:instruments_instrument_add"),
        {"name": "Dubbel", "slug": "lob-regio", "themes-TOTAL_FORMS": 0, "themes-INITIAL_FORMS": 0},
    )
    assert response.status_code == 200
    assert "slug" in response.context["adminform"].form.errors
    assert Instrument.objects.filter(slug="lob-regio").count() == 1


def test_a_file_does_not_overwrite_an_edit_made_in_the_admin(admin_client, lob, tmp_path):
    theme = lob.themes.first()
    data = form_data(admin_client.get(theme_url(theme)))
    data["items-0-text"] = "Aangepast in de admin."
    assert admin_client.post(theme_url(theme), data).status_code == 302

    changed = json.loads((DATA_DIR / "lob-regio.json").read_text(encoding="utf-8"))
    changed["name"] = "LOB en doorstroom"
    path = tmp_path / "lob-regio.json"
    path.write_text(json.dumps(changed, ensure_ascii=False), encoding="utf-8")
    [(instrument, outcome)] = load_files([path])

    assert (outcome, instrument.version) == ("nieuw", 2)
    assert first_item(lob).text == "Aangepast in de admin."
    lob.refresh_from_db()
    assert lob.name == "Samen werken aan LOB en doorstroom in de regio"

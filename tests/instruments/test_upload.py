"""Instrument files through the admin: uploaded as load_instruments loads them, downloaded as
export_instrument writes them."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from instruments.models import Instrument, Item, Theme
from instruments.services import DATA_DIR, export, export_json, new_version
from instruments.uploads import MAX_UPLOAD_BYTES, shown_name
from instruments.validation import InstrumentFileError, parse_file

UPLOAD_URL = "admin:instruments_instrument_upload"
LOB_FILE = DATA_DIR / "lob-regio.json"


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def staff(name: str, *codenames: str):
    user = get_user_model().objects.create_user(name, password=f"{name}-password-1")
    user.is_staff = True
    user.save()
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


@pytest.fixture
def viewer(db):
    """Staff who may look at instruments but not add or change them."""
    return staff("viewer", "view_instrument")


def counts() -> tuple[int, int, int]:
    return Instrument.objects.count(), Theme.objects.count(), Item.objects.count()


def a_new_instrument() -> dict:
    return {
        "format": 1,
        "slug": "nieuw-instrument",
        "name": "Nieuw instrument",
        "themes": [
            {"key": "een", "title": "Een", "items": [{"text": "Gaat het goed?"}]},
            {"key": "twee", "title": "Twee", "items": [{"text": "En nu?"}]},
        ],
    }


def as_file(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2).encode()


def upload(client, content: bytes, name: str = "instrument.json"):
    file = SimpleUploadedFile(name, content, content_type="application/json")
    return client.post(reverse(UPLOAD_URL), {"file": file})


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def change_url(instrument: Instrument) -> str:
    return reverse("admin:instruments_instrument_change", args=[instrument.pk])


def download_url(instrument: Instrument) -> str:
    return reverse("admin:instruments_instrument_download", args=[instrument.pk])


# --- the page ---------------------------------------------------------------------------------


def test_the_changelist_links_to_the_upload_page(admin_client, instruments):
    page = admin_client.get(reverse("admin:instruments_instrument_changelist"))
    assert f'href="{reverse(UPLOAD_URL)}"' in page.text
    assert "Instrument uploaden" in page.text


def test_the_upload_page_has_a_labelled_file_field(admin_client):
    page = admin_client.get(reverse(UPLOAD_URL))
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.text
    assert '<label for="id_file"' in page.text
    assert 'type="file"' in page.text


# --- storing ----------------------------------------------------------------------------------


def test_a_new_file_is_stored_as_version_1(admin_client, instruments):
    data = a_new_instrument()
    answer = upload(admin_client, as_file(data), "nieuw.json")
    stored = Instrument.objects.get(slug="nieuw-instrument")
    assert answer.status_code == 302
    assert answer.url == change_url(stored)
    assert stored.version == 1
    assert [t.title for t in stored.themes.all()] == ["Een", "Twee"]
    assert messages_of(answer) == ["Instrument ‘Nieuw instrument’ versie 1 opgeslagen."]


def test_the_same_file_again_changes_nothing(admin_client, lob):
    before = counts()
    answer = upload(admin_client, LOB_FILE.read_bytes(), "lob-regio.json")
    assert answer.status_code == 302
    assert answer.url == change_url(lob)
    assert counts() == before
    assert "ongewijzigd" in messages_of(answer)[0]
    assert "versie 1" in messages_of(answer)[0]


def test_a_changed_file_of_a_used_version_becomes_a_new_version(admin_client, lob, lobby_session):
    data = json.loads(LOB_FILE.read_text(encoding="utf-8"))
    data["themes"][0]["items"][0]["text"] = "Een andere stelling?"
    answer = upload(admin_client, as_file(data), "lob-regio.json")
    newest = Instrument.objects.get(slug="lob-regio", version=2)
    assert answer.url == change_url(newest)
    assert messages_of(answer) == [f"Instrument ‘{newest.name}’ versie 2 opgeslagen."]
    assert export(newest)["themes"][0]["items"][0]["text"] == "Een andere stelling?"
    # The version the session ran on keeps its statements.
    lob.refresh_from_db()
    assert export(lob) == parse_file(LOB_FILE)


def test_a_changed_file_of_an_unused_loaded_version_updates_it_as_the_loader_does(
    admin_client, lob
):
    data = json.loads(LOB_FILE.read_text(encoding="utf-8"))
    data["name"] = "LOB, bijgewerkt"
    answer = upload(admin_client, as_file(data), "lob-regio.json")
    assert Instrument.objects.filter(slug="lob-regio").count() == 1
    lob.refresh_from_db()
    assert lob.name == "LOB, bijgewerkt"
    assert messages_of(answer) == ["Instrument ‘LOB, bijgewerkt’ versie 1 bijgewerkt."]


# --- refusing ---------------------------------------------------------------------------------


def _statement_without_text() -> tuple[bytes, str]:
    data = a_new_instrument()
    del data["themes"][0]["items"][0]["text"]
    return as_file(data), "themes[0].items[0].text"


def _error_in_the_last_theme() -> tuple[bytes, str]:
    # Everything before the error is valid: nothing of it may be stored.
    data = a_new_instrument()
    data["themes"][1]["items"][0]["kind"] = "quiz"
    return as_file(data), "themes[1].items[0].kind"


def _invalid_json() -> tuple[bytes, str]:
    return b'{"format": 1, "slug": "kapot",\n "name": }', "regel 2, kolom 10"


def _invalid_json_with_windows_line_ends() -> tuple[bytes, str]:
    # Read as the loader reads a file: CR LF is one line end, so the place is the same.
    return b'{"format": 1, "slug": "kapot",\r\n "name": }', "regel 2, kolom 10"


def _not_utf8() -> tuple[bytes, str]:
    return as_file(a_new_instrument()).replace(b"Nieuw", "Nieuw é".encode("latin-1")), ""


def _too_deep() -> tuple[bytes, str]:
    return b"[" * 1000, "te diep genest"


def _a_control_character_in_a_text() -> tuple[bytes, str]:
    data = a_new_instrument()
    data["themes"][1]["title"] = "Twee\u0000"
    return as_file(data), "themes[1].title"


BAD_FILES = [
    pytest.param(_statement_without_text, id="statement-without-text"),
    pytest.param(_error_in_the_last_theme, id="error-in-last-theme"),
    pytest.param(_invalid_json, id="invalid-json"),
    pytest.param(_invalid_json_with_windows_line_ends, id="crlf"),
    pytest.param(_not_utf8, id="not-utf8"),
    pytest.param(_too_deep, id="too-deep"),
    pytest.param(_a_control_character_in_a_text, id="control-character"),
]


@pytest.mark.parametrize("bad_file", BAD_FILES)
def test_a_bad_file_is_refused_with_the_loaders_message_and_nothing_is_stored(
    admin_client, instruments, tmp_path, bad_file
):
    content, where = bad_file()
    # What load_instruments says about the same file on disk.
    path = tmp_path / "kapot.json"
    path.write_bytes(content)
    with pytest.raises(InstrumentFileError) as caught:
        parse_file(path)
    assert where in str(caught.value)
    before = counts()

    answer = upload(admin_client, content, "kapot.json")

    assert answer.status_code == 400
    assert escape(str(caught.value)) in answer.text
    assert "Er is niets opgeslagen" in answer.text
    assert counts() == before
    assert not Instrument.objects.filter(slug="nieuw-instrument").exists()


def test_a_statement_without_text_names_the_file_and_the_field_path(admin_client, instruments):
    content, _where = _statement_without_text()
    answer = upload(admin_client, content, "kapot.json")
    assert "kapot.json: themes[0].items[0].text: ontbreekt of is leeg" in answer.text


def test_invalid_json_names_line_and_column(admin_client, instruments):
    answer = upload(admin_client, _invalid_json()[0], "kapot.json")
    assert "kapot.json: regel 2, kolom 10: geen geldige JSON" in answer.text


def test_a_file_that_is_not_utf8_is_refused(admin_client, instruments):
    answer = upload(admin_client, _not_utf8()[0], "latin.json")
    assert answer.status_code == 400
    assert "latin.json: is geen UTF-8-tekst" in answer.text


def test_a_file_that_is_too_large_is_refused_before_it_is_read(admin_client, instruments):
    before = counts()
    content = as_file(a_new_instrument()) + b" " * MAX_UPLOAD_BYTES
    answer = upload(admin_client, content, "groot.json")
    assert answer.status_code == 400
    assert "groot.json: is te groot: hooguit 1024 kB." in answer.text
    assert counts() == before


def test_an_empty_file_is_refused(admin_client, instruments):
    answer = upload(admin_client, b"", "leeg.json")
    assert answer.status_code == 400
    assert "Het bestand is leeg." in answer.text


def test_a_post_without_a_file_is_refused(admin_client, instruments):
    before = counts()
    answer = admin_client.post(reverse(UPLOAD_URL), {})
    assert answer.status_code == 400
    assert "Kies een bestand om te uploaden." in answer.text
    assert counts() == before


def test_a_file_name_with_a_bidi_override_is_not_shown_as_sent(admin_client, instruments):
    answer = upload(admin_client, _invalid_json()[0], "kapot\u202enosj.json")
    assert "\u202e" not in answer.text
    assert "nosj.json: regel 2, kolom 10" in answer.text
    # Whatever the form parser leaves in a name, messages show no refused character.
    assert shown_name("kapot\u202enosj.json") == "kapot\ufffdnosj.json"


# --- who may upload ---------------------------------------------------------------------------


def test_someone_without_staff_access_is_sent_to_the_login_and_nothing_is_stored(
    client, alice, instruments
):
    client.force_login(alice)
    before = counts()
    answer = upload(client, as_file(a_new_instrument()))
    assert answer.status_code == 302
    assert answer.url.startswith(reverse("admin:login"))
    assert counts() == before


def test_anonymous_is_sent_to_the_login(client, instruments):
    answer = client.get(reverse(UPLOAD_URL))
    assert answer.status_code == 302
    assert answer.url.startswith(reverse("admin:login"))


def test_staff_without_the_add_permission_are_refused_and_nothing_is_stored(
    client, viewer, instruments
):
    client.force_login(viewer)
    before = counts()
    assert client.get(reverse(UPLOAD_URL)).status_code == 403
    assert upload(client, as_file(a_new_instrument())).status_code == 403
    assert counts() == before
    page = client.get(reverse("admin:instruments_instrument_changelist"))
    assert reverse(UPLOAD_URL) not in page.text


def test_staff_with_the_add_and_change_permissions_may_upload(client, instruments):
    client.force_login(staff("editor", "add_instrument", "change_instrument", "view_instrument"))
    answer = upload(client, as_file(a_new_instrument()))
    assert answer.status_code == 302
    assert Instrument.objects.filter(slug="nieuw-instrument").exists()


def test_adding_without_changing_may_not_upload(client, instruments):
    """An upload may update an unused newest version in place, as the loader does: that is a
    change, so the add permission alone is not enough."""
    client.force_login(staff("adder", "add_instrument", "view_instrument"))
    before = counts()
    assert upload(client, as_file(a_new_instrument())).status_code == 403
    assert counts() == before
    page = client.get(reverse("admin:instruments_instrument_changelist"))
    assert reverse(UPLOAD_URL) not in page.text


# --- downloading ------------------------------------------------------------------------------


def test_a_download_is_the_export_named_slug_and_version(admin_client, lob):
    answer = admin_client.get(download_url(lob))
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/json; charset=utf-8"
    assert answer["Content-Disposition"] == 'attachment; filename="lob-regio-v1.json"'
    text = answer.content.decode("utf-8")
    assert text == export_json(lob)
    assert json.loads(text) == export(lob)


def test_any_version_can_be_downloaded(admin_client, lob, lobby_session):
    data = json.loads(LOB_FILE.read_text(encoding="utf-8"))
    data["name"] = "LOB, tweede versie"
    upload(admin_client, as_file(data), "lob-regio.json")
    second = Instrument.objects.get(slug="lob-regio", version=2)
    old = admin_client.get(download_url(lob))
    new = admin_client.get(download_url(second))
    assert 'filename="lob-regio-v1.json"' in old["Content-Disposition"]
    assert 'filename="lob-regio-v2.json"' in new["Content-Disposition"]
    assert json.loads(old.content)["name"] == lob.name
    assert json.loads(new.content)["name"] == "LOB, tweede versie"


def test_download_then_upload_changes_nothing(admin_client, instruments):
    for instrument in instruments.values():
        before = counts()
        content = admin_client.get(download_url(instrument)).content
        answer = upload(admin_client, content, f"{instrument.slug}-v1.json")
        assert answer.url == change_url(instrument)
        assert "ongewijzigd" in messages_of(answer)[0]
        assert counts() == before


def test_an_incomplete_version_is_not_downloaded_but_explained(admin_client, lob):
    copy = new_version(lob)
    Item.objects.filter(theme__instrument=copy, theme__position=0).delete()
    answer = admin_client.get(download_url(copy))
    assert answer.status_code == 302
    assert answer.url == change_url(copy)
    assert messages_of(answer) == [
        "Deze versie kan (nog) niet worden gedownload: themes[0].items: mag niet leeg zijn"
    ]


def test_the_change_page_and_the_changelist_link_to_the_download(admin_client, lob):
    url = download_url(lob)
    assert f'href="{url}"' in admin_client.get(change_url(lob)).text
    assert (
        f'href="{url}"' in admin_client.get(reverse("admin:instruments_instrument_changelist")).text
    )


def test_staff_with_the_view_permission_may_download(client, viewer, lob):
    client.force_login(viewer)
    answer = client.get(download_url(lob))
    assert answer.status_code == 200
    assert json.loads(answer.content) == export(lob)


def test_staff_without_the_view_permission_may_not_download(client, lob):
    client.force_login(staff("nobody"))
    assert client.get(download_url(lob)).status_code == 403


def test_someone_without_staff_access_may_not_download(client, alice, lob):
    client.force_login(alice)
    answer = client.get(download_url(lob))
    assert answer.status_code == 302
    assert answer.url.startswith(reverse("admin:login"))

"""The English translation: a complete catalogue, a compiled file that matches it, and pages that
follow the browser, the language cookie or the language switch.

Dutch is the source language, so Dutch needs no catalogue; English lives in
locale/en/LC_MESSAGES. The .mo is kept in the repository (the app must speak English on a machine
without gettext), so these tests check that it says exactly what the .po says.
"""

import gettext as gettext_module
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from sessions import lifecycle

MESSAGES = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
PO_FILE = MESSAGES / "django.po"
MO_FILE = MESSAGES / "django.mo"

# %(name)s, %(count)d, %s, %d ... but not a literal %%.
PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[#0 +-]*\d*(?:\.\d+)?[sdifrxXeEgGc]")
TAG = re.compile(r"</?[a-zA-Z][^>]*>")
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


# A minimal .po reader ----------------------------------------------------------------------------


@dataclass
class Entry:
    line: int
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def where(self) -> str:
        return f"django.po:{self.line} {self.msgid!r}"


def _unquote(text: str) -> str:
    text = text.strip()
    assert text.startswith('"') and text.endswith('"'), f"not a quoted string: {text}"
    return re.sub(r"\\(.)", lambda m: ESCAPES[m.group(1)], text[1:-1])


def read_po(path: Path) -> list[Entry]:
    """Entries in file order, the header (msgid "") included; continued strings are joined."""
    entries: list[Entry] = []
    entry: Entry | None = None
    key: str | None = None
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines() + [""], start=1):
        line = raw.strip()
        if not line:
            if entry is not None:
                entries.append(entry)
            entry, key = None, None
            continue
        if entry is None:
            entry = Entry(line=number)
        if line.startswith("#~"):
            entry.obsolete = True
            continue
        if line.startswith("#,"):
            entry.flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            continue
        if line.startswith("#"):
            continue
        match = re.fullmatch(r"(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(\".*\")", line)
        if match:
            key, index, value = match.group(1), match.group(2), _unquote(match.group(3))
            if key.startswith("msgstr"):
                key = int(index or 0)
                entry.msgstr[key] = value
            else:
                setattr(entry, key, value)
        elif line.startswith('"') and key is not None:
            if isinstance(key, int):
                entry.msgstr[key] += _unquote(line)
            else:
                setattr(entry, key, getattr(entry, key) + _unquote(line))
        else:
            raise AssertionError(f"django.po:{number}: cannot read {raw!r}")
    return entries


def messages() -> list[Entry]:
    """The translatable entries: no header, nothing obsolete."""
    return [e for e in read_po(PO_FILE) if e.msgid and not e.obsolete]


def placeholders(text: str) -> list[str]:
    return sorted(m.group(0) for m in PLACEHOLDER.finditer(text.replace("%%", "")))


def source_forms(entry: Entry) -> dict[int, str]:
    """What each msgstr translates: msgstr[0] the singular, msgstr[1] and up the plural."""
    if entry.msgid_plural is None:
        return {0: entry.msgid}
    return {i: entry.msgid if i == 0 else entry.msgid_plural for i in entry.msgstr}


@pytest.fixture(scope="module")
def catalogue() -> list[Entry]:
    return messages()


# The catalogue ----------------------------------------------------------------------------------


def test_the_english_catalogue_exists_and_holds_messages(catalogue):
    assert PO_FILE.is_file()
    assert len(catalogue) > 100


def test_the_catalogue_header_is_for_english_and_not_fuzzy():
    header = next(e for e in read_po(PO_FILE) if e.msgid == "" and not e.obsolete)
    assert "fuzzy" not in header.flags
    assert "Language: en\n" in header.msgstr[0]
    assert "Content-Type: text/plain; charset=UTF-8\n" in header.msgstr[0]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);\n" in header.msgstr[0]


def test_every_message_is_translated(catalogue):
    untranslated = [e.where for e in catalogue if not e.msgstr or not all(e.msgstr.values())]
    assert untranslated == []


def test_no_message_is_fuzzy(catalogue):
    assert [e.where for e in catalogue if "fuzzy" in e.flags] == []


def test_plural_messages_have_both_english_forms(catalogue):
    plurals = [e for e in catalogue if e.msgid_plural is not None]
    assert plurals
    assert [e.where for e in plurals if sorted(e.msgstr) != [0, 1]] == []


def test_translations_keep_the_placeholders_of_the_dutch(catalogue):
    wrong = [
        f"{e.where} [{i}]: {placeholders(source)} != {placeholders(e.msgstr[i])}"
        for e in catalogue
        for i, source in source_forms(e).items()
        if placeholders(source) != placeholders(e.msgstr[i])
    ]
    assert wrong == []


def test_translations_keep_the_html_tags_of_the_dutch(catalogue):
    wrong = [
        f"{e.where} [{i}]"
        for e in catalogue
        for i, source in source_forms(e).items()
        if sorted(TAG.findall(source)) != sorted(TAG.findall(e.msgstr[i]))
    ]
    assert wrong == []


def test_no_message_is_left_with_a_previous_msgid_or_obsolete_entry():
    text = PO_FILE.read_text(encoding="utf-8")
    assert "\n#| " not in text
    assert "\n#~ " not in text


# The compiled file ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compiled() -> gettext_module.GNUTranslations:
    with MO_FILE.open("rb") as fp:
        return gettext_module.GNUTranslations(fp)


def test_the_compiled_file_gives_every_translation_in_the_catalogue(catalogue, compiled):
    stale = []
    for e in catalogue:
        if e.msgctxt is not None:
            if compiled.pgettext(e.msgctxt, e.msgid) != e.msgstr[0]:
                stale.append(e.where)
        elif e.msgid_plural is None:
            if compiled.gettext(e.msgid) != e.msgstr[0]:
                stale.append(e.where)
        else:
            for n, index in ((1, 0), (2, 1)):
                if compiled.ngettext(e.msgid, e.msgid_plural, n) != e.msgstr[index]:
                    stale.append(f"{e.where} (n={n})")
    assert stale == [], "run: manage.py compilemessages --ignore .venv"


def test_the_compiled_file_holds_no_message_the_catalogue_dropped(catalogue, compiled):
    # A message with a context is stored as "context\x04msgid".
    in_po = {e.msgid if e.msgctxt is None else f"{e.msgctxt}\x04{e.msgid}" for e in catalogue}
    in_mo = {
        key[0] if isinstance(key, tuple) else key
        for key in compiled._catalog  # no public way to list the keys
        if key not in ("", ("", 0))
    }
    assert in_mo - in_po == set(), "run: manage.py compilemessages --ignore .venv"
    assert in_po - in_mo == set(), "run: manage.py compilemessages --ignore .venv"


def test_the_compiled_file_is_english(compiled):
    assert compiled.info().get("language") == "en"


def test_translations_add_no_straight_double_quotes(catalogue):
    # {% translate %} output is not escaped, and many sit inside attribute="...": a " would end it.
    wrong = [
        f"{e.where} [{i}]"
        for e in catalogue
        for i, source in source_forms(e).items()
        if e.msgstr[i].count('"') != source.count('"')
    ]
    assert wrong == []


# Pages ------------------------------------------------------------------------------------------


def shows(response, text: str) -> bool:
    """The text is on the page, as a template literal (not escaped) or a variable (escaped)."""
    return text in response.text or escape(text) in response.text


def test_the_home_page_is_dutch_by_default(client, db):
    response = client.get(reverse("home"))
    assert '<html lang="nl">' in response.text
    assert "Doe mee met een reflectiesessie" in response.text


def test_an_english_request_leaves_no_english_behind_for_the_next_test(client, db):
    client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en")
    assert translation.get_language() == "en"  # what _clean_state undoes


def test_the_next_test_starts_in_dutch(db):
    assert translation.get_language() == settings.LANGUAGE_CODE


def test_the_home_page_is_english_for_a_browser_that_asks_for_english(client, db):
    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    assert '<html lang="en">' in response.text
    assert "Join a reflection session" in response.text
    assert "Doe mee met een reflectiesessie" not in response.text


def test_a_browser_that_asks_for_a_language_we_do_not_have_gets_dutch(client, db):
    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")
    assert '<html lang="nl">' in response.text
    assert "Doe mee met een reflectiesessie" in response.text


def test_the_language_cookie_chooses_english(client, db):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("home"))
    assert '<html lang="en">' in response.text
    assert "Join a reflection session" in response.text


def test_the_language_switch_chooses_english_and_it_sticks(client, db):
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("home")})
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    response = client.get(reverse("home"))
    assert '<html lang="en">' in response.text
    assert "Join a reflection session" in response.text


def test_the_language_switch_back_to_dutch_wins_over_an_english_browser(client, db):
    client.post(reverse("set_language"), {"language": "nl", "next": reverse("home")})
    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="nl">' in response.text
    assert "Doe mee met een reflectiesessie" in response.text


def test_the_language_switch_offers_the_other_language(client, db):
    assert 'value="en"' in client.get(reverse("home")).text
    english = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").text
    assert 'value="nl"' in english
    assert 'value="en"' not in english


def test_the_login_page_is_english_for_an_english_browser(client, db):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="en">' in response.text
    assert "Log in as facilitator" in response.text
    assert "Username" in response.text
    assert "Password" in response.text
    assert "Gebruikersnaam" not in response.text


def test_the_facilitators_session_list_is_english(alice_client):
    response = alice_client.get(reverse("session_list"), HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="en">' in response.text
    assert "My sessions" in response.text
    assert "New session" in response.text


def test_an_unknown_code_is_refused_in_english(client, db):
    response = client.post(reverse("join_code"), {"code": "ZZZZZZ"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert '<html lang="en">' in response.text
    assert shows(response, "We don't recognise this code. Check the code and try again.")


def test_an_unknown_code_is_refused_in_dutch_by_default(client, db):
    response = client.post(reverse("join_code"), {"code": "ZZZZZZ"})
    assert response.status_code == 404
    assert "Deze code kennen we niet. Kijk de code na en probeer het opnieuw." in response.text


def test_a_refusal_from_a_service_is_in_the_language_of_the_request(client, alice, lob):
    # participation.join refuses a locked session with a lazy message of its own.
    session = lifecycle.create_session(alice, lob, title="Regio", partnership_name="LOB")
    lifecycle.set_locked(session, True)
    # A phone speaks the session's language unless its participant chose one with the switch.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(reverse("join", args=[session.code]), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert '<html lang="en">' in response.text
    assert "The facilitator has closed the session to new participants." in response.text
    assert shows(response, "That didn't work")
    assert "Type the code again" in response.text


def test_downloads_are_named_in_the_sessions_language(alice, lob):
    from sessions import lifecycle, report

    dutch = lifecycle.create_session(alice, lob, title="Regio West", partnership_name="West")
    english = lifecycle.create_session(
        alice, lob, title="Regio West", partnership_name="West", language="en"
    )
    assert report.filename(dutch, "pdf").startswith("verslag-regio-west-")
    assert report.filename(english, "pdf").startswith("report-regio-west-")
    assert report.filename(english, "csv").startswith("results-regio-west-")

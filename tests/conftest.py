"""Shared fixtures: personas (alice facilitates, bob facilitates elsewhere, a phone has no
account) and sessions named for the state they are in. Builders that take arguments, to make a
second session or read a page, are in tests/builders.py."""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.utils import translation

from instruments.models import Instrument, Item
from instruments.services import load_default_instruments
from sessions import lifecycle, notify, participation
from tests.builders import make_scored_session


@pytest.fixture
def instruments(db):
    load_default_instruments()
    return {i.slug: i for i in Instrument.objects.all()}


@pytest.fixture
def lob(instruments) -> Instrument:
    return instruments["lob-regio"]


@pytest.fixture
def alice(db):
    return get_user_model().objects.create_user("alice", password="alice-password-1")


@pytest.fixture
def bob(db):
    return get_user_model().objects.create_user("bob", password="bob-password-1")


@pytest.fixture
def admin_user(db):
    return get_user_model().objects.create_superuser("admin", password="admin-password-1")


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


# Sessions, named for the state they are in ------------------------------------------------------


@pytest.fixture
def lobby_session(alice, lob):
    """alice's session "Regio West" on the LOB tool, in the lobby: nobody has joined yet."""
    return lifecycle.create_session(alice, lob, title="Regio West", partnership_name="LOB West")


@pytest.fixture
def scoring_session(lobby_session, lob):
    """The lobby session with the first theme's round open: phones score that theme only."""
    return lifecycle.open_round(lobby_session, lob.themes.first().pk)


@pytest.fixture
def all_at_once_session(lobby_session):
    """The lobby session scoring every theme at once (scoring mode "all")."""
    lifecycle.set_scoring_mode(lobby_session, "all")
    return lifecycle.set_phase(lobby_session, "scoring")


@pytest.fixture
def scored_session(alice, lob):
    """alice's "Voorjaar" (Regio West), still in the lobby, where four phones scored every
    statement: visie 3, 3, 4, 4 (mean 3,5, an aandachtspunt), every other theme 3, 4, 4, 5."""
    return make_scored_session(alice, lob, scores={"visie": [3, 3, 4, 4]})


@pytest.fixture
def priority_round(client, alice, instruments):
    """A praatplaat session whose round on a priority question is open, the question allowing
    fewer picks than it has options, and a phone that joined it (`client` has its cookie).

    Returns (session, item, participant).
    """
    instrument = instruments["praatplaat-regio"]
    # The shipped question allows every option; limit it so that too many picks can be tried.
    item = Item.objects.get(theme__instrument=instrument, theme__key="onderwerpen", kind="priority")
    item.max_choices = 3
    item.save(update_fields=["max_choices"])
    session = lifecycle.create_session(
        alice, instrument, title="Praatplaat", partnership_name="Regio Zuid"
    )
    lifecycle.open_round(session, item.theme_id)
    participant, token, _created = participation.join(session, None)
    client.cookies[participation.cookie_name(session.code)] = token
    return session, item, participant


# Phones and notices -----------------------------------------------------------------------------


@pytest.fixture
def phone(client, lobby_session):
    """A participant who joined the lobby session; `client` carries its device cookie.

    scoring_session and all_at_once_session are that same session moved on, so this phone can
    answer in them too."""
    participant, token, _created = participation.join(lobby_session, None)
    client.cookies[participation.cookie_name(lobby_session.code)] = token
    return participant


@pytest.fixture
def told(monkeypatch):
    """Every change notice as (session id, phones told?), recorded instead of sent."""
    calls = []
    monkeypatch.setattr(
        notify, "session_changed", lambda pk, phones=False: calls.append((pk, phones))
    )
    return calls


@pytest.fixture(autouse=True)
def _fresh_state():
    """Each test starts clean: the cache (failed-code counters, screens' remembered language and
    earlier results) outlives a test's database, whose ids are reused; and LocaleMiddleware
    leaves a request's language active in the thread."""
    cache.clear()
    yield
    cache.clear()
    translation.activate(settings.LANGUAGE_CODE)

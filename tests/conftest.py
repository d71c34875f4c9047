"""Shared personas: alice facilitates, bob facilitates elsewhere, a phone has no account."""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.utils import translation

from instruments.models import Instrument
from instruments.services import load_default_instruments
from sessions import lifecycle


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


@pytest.fixture
def session(alice, lob):
    """alice's session on the LOB tool, in the lobby."""
    return lifecycle.create_session(alice, lob, title="Regio West", partnership_name="LOB West")


@pytest.fixture(autouse=True)
def _fresh_state():
    """Each test starts clean: the cache (failed-code counters, screens' remembered language and
    earlier results) outlives a test's database, whose ids are reused; and LocaleMiddleware
    leaves a request's language active in the thread."""
    cache.clear()
    yield
    cache.clear()
    translation.activate(settings.LANGUAGE_CODE)

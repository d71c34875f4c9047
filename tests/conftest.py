"""Shared personas: alice facilitates, bob facilitates elsewhere, a phone has no account."""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import translation

from instruments.models import Instrument
from instruments.services import load_default_instruments


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


@pytest.fixture(autouse=True)
def _dutch_again_after_each_test():
    """LocaleMiddleware leaves a request's language active in the thread; reset it."""
    yield
    translation.activate(settings.LANGUAGE_CODE)

"""Logging in: a guesser on the Wi-Fi is stopped; the facilitator is not locked out by them."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from reflectie import login

GUESSER = "192.168.1.66"
LAPTOP = "127.0.0.1"


@pytest.fixture(autouse=True)
def empty_counts():
    cache.clear()
    yield
    cache.clear()


def attempt(client, password: str, address: str = GUESSER, username: str = "alice"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


@pytest.mark.django_db
def test_a_guesser_is_stopped_and_even_the_right_password_is_refused_then(client, alice):
    for n in range(login.MAX_FOR_USERNAME):
        response = attempt(client, f"wrong-{n}")
        assert response.status_code == 200
        assert "klopt niet" in response.text
    response = attempt(client, "alice-password-1")
    assert response.status_code == 429
    assert "Te veel mislukte pogingen" in response.text
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_the_facilitator_on_another_device_still_logs_in(client, alice):
    for n in range(login.MAX_FOR_USERNAME + 3):
        attempt(client, f"wrong-{n}")
    response = attempt(client, "alice-password-1", address=LAPTOP)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(alice.pk)


@pytest.mark.django_db
def test_trying_many_usernames_from_one_address_is_stopped_too(client, alice):
    for n in range(login.MAX_FOR_ADDRESS):
        attempt(client, "x", username=f"user{n}")
    assert attempt(client, "alice-password-1").status_code == 429


@pytest.mark.django_db
def test_the_lock_ends_with_its_window(client, alice, monkeypatch):
    for n in range(login.MAX_FOR_USERNAME):
        attempt(client, f"wrong-{n}")
    assert attempt(client, "alice-password-1").status_code == 429
    cache.clear()  # what the cache does when the window's quarter of an hour is over
    assert attempt(client, "alice-password-1").status_code == 302


@pytest.mark.django_db
def test_a_few_typos_then_success_start_the_count_again(client, alice):
    for n in range(login.MAX_FOR_USERNAME - 1):
        attempt(client, f"typo-{n}")
    assert attempt(client, "alice-password-1").status_code == 302
    client.logout()
    for n in range(login.MAX_FOR_USERNAME - 1):
        attempt(client, f"typo-again-{n}")
    assert attempt(client, "alice-password-1").status_code == 302

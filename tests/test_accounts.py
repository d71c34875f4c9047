"""add_facilitator: a new facilitator sees their own sessions only; the rest is asked for."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from sessions import access

pytestmark = pytest.mark.django_db

User = get_user_model()


def run(*args) -> str:
    out = StringIO()
    call_command("add_facilitator", *args, stdout=out)
    return out.getvalue()


def password_in(output: str) -> str:
    line = next(line for line in output.splitlines() if "wachtwoord:" in line)
    return line.split(":", 1)[1].strip()


def test_a_new_facilitator_runs_own_sessions_only():
    output = run("anna")
    user = User.objects.get(username="anna")
    assert user.check_password(password_in(output))
    assert not user.is_staff and not user.is_superuser
    assert not access.sees_all(user)
    assert "alleen de eigen sessies" in output


def test_instruments_give_the_admin_for_instruments_only():
    run("anna", "--instruments")
    user = User.objects.get(username="anna")
    assert user.is_staff and not user.is_superuser
    assert user.has_perm("instruments.change_instrument")
    assert not user.has_perm("auth.change_user")
    assert not access.sees_all(user)


def test_view_all_is_given_and_taken_away():
    output = run("anna", "--view-all")
    assert access.sees_all(User.objects.get(username="anna"))
    assert "alle gespreksleiders" in output
    password = password_in(output)
    output = run("anna", "--no-view-all")
    user = User.objects.get(username="anna")
    assert not access.sees_all(user)
    assert user.check_password(password)  # an existing account keeps its password
    assert "wachtwoord:" not in output


def test_an_existing_account_is_not_changed_without_a_flag():
    run("anna")
    with pytest.raises(CommandError, match="bestaat al"):
        run("anna")


def test_an_invalid_username_is_refused():
    with pytest.raises(CommandError, match="Ongeldige gebruikersnaam"):
        run("anna smit")
    assert not User.objects.exists()

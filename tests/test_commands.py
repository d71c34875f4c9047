"""ensure_facilitator: someone can always log in, and make run says how."""

import stat
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from reflectie import netinfo
from sessions.management.commands import ensure_facilitator

User = get_user_model()


@pytest.fixture(autouse=True)
def isolated(settings, tmp_path, monkeypatch):
    settings.VAR_DIR = tmp_path
    settings.SITE_URL = ""
    monkeypatch.delenv("FACILITATOR_PASSWORD", raising=False)
    monkeypatch.setattr(ensure_facilitator, "lan_address", lambda: "192.168.1.23")
    monkeypatch.setattr(netinfo, "lan_address", lambda: "192.168.1.23")


def run(*args) -> str:
    out = StringIO()
    call_command("ensure_facilitator", *args, stdout=out)
    return out.getvalue()


def password_file(settings):
    return settings.VAR_DIR / "facilitator-password.txt"


@pytest.mark.django_db
def test_it_creates_one_facilitator_and_says_how_to_log_in(settings):
    output = run("--port", "8765")
    user = User.objects.get()
    password = password_file(settings).read_text().strip()
    assert user.username == "facilitator"
    assert user.is_superuser and user.is_staff and user.is_active
    assert user.check_password(password)
    assert "facilitator" in output
    assert password in output
    assert "http://192.168.1.23:8765/accounts/login/" in output


@pytest.mark.django_db
def test_a_second_run_creates_nothing_and_still_shows_the_password(settings):
    run()
    output = run()
    assert User.objects.count() == 1
    assert "aangemaakt" not in output
    assert password_file(settings).read_text().strip() in output


@pytest.mark.django_db
def test_the_password_file_is_only_readable_by_its_owner(settings):
    run()
    mode = stat.S_IMODE(password_file(settings).stat().st_mode)
    assert mode == 0o600


@pytest.mark.django_db
def test_a_changed_password_is_not_shown(settings):
    run()
    user = User.objects.get()
    user.set_password("mijn-eigen-wachtwoord-42")
    user.save()
    output = run()
    assert "facilitator" in output
    assert password_file(settings).read_text().strip() not in output
    assert "het wachtwoord dat je zelf hebt ingesteld" in output


@pytest.mark.django_db
def test_it_creates_nothing_when_someone_can_already_log_in(settings):
    User.objects.create_superuser("carol", password="carol-password-1")
    output = run()
    assert list(User.objects.values_list("username", flat=True)) == ["carol"]
    assert "carol" in output
    assert "het wachtwoord dat je zelf hebt ingesteld" in output
    assert not password_file(settings).exists()


@pytest.mark.django_db
def test_a_user_without_a_usable_password_does_not_count(settings):
    User.objects.create_user("dave")  # unusable password: cannot log in
    run()
    assert User.objects.filter(username="facilitator").exists()


@pytest.mark.django_db
def test_it_takes_the_password_from_the_environment(settings, monkeypatch):
    monkeypatch.setenv("FACILITATOR_PASSWORD", "gekozen-wachtwoord-7")
    output = run()
    assert User.objects.get().check_password("gekozen-wachtwoord-7")
    assert "gekozen-wachtwoord-7" not in output
    assert "FACILITATOR_PASSWORD" in output
    assert not password_file(settings).exists()


@pytest.mark.django_db
def test_it_uses_site_url_for_the_login_address(settings):
    settings.SITE_URL = "https://reflectie.example"
    output = run()
    assert "https://reflectie.example/accounts/login/" in output


def test_serve_prints_the_lan_address_for_phones(monkeypatch):
    from sessions.management.commands.serve import Command

    monkeypatch.setattr("sessions.management.commands.serve.lan_address", lambda: "192.168.1.23")
    banner = Command().banner("0.0.0.0", 8000)  # noqa: S104
    assert "http://localhost:8000/" in banner
    assert "http://192.168.1.23:8000/" in banner


def test_serve_execs_daphne_with_the_chosen_address(monkeypatch, capsys):
    from sessions.management.commands import serve

    calls = []
    monkeypatch.setattr(serve, "lan_address", lambda: "192.168.1.23")
    monkeypatch.setattr(serve.os, "execv", lambda path, argv: calls.append(argv))
    monkeypatch.delenv("PROXY_HEADERS", raising=False)
    call_command("serve", "--port", "8765")
    [argv] = calls
    assert argv[0].endswith("daphne")
    assert argv[1:] == ["-b", "0.0.0.0", "-p", "8765", "reflectie.asgi:application"]  # noqa: S104
    assert "Reflectie draait" in capsys.readouterr().out

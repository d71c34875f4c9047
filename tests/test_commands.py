"""ensure_facilitator: someone can always log in, and make run says how."""

import stat
import sys
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from reflectie import netinfo
from sessions import access

User = get_user_model()


@pytest.fixture(autouse=True)
def isolated(settings, tmp_path, monkeypatch):
    settings.VAR_DIR = tmp_path
    settings.SITE_URL = ""
    monkeypatch.delenv("FACILITATOR_PASSWORD", raising=False)
    monkeypatch.delenv("FACILITATOR_SUPERUSER", raising=False)
    monkeypatch.setattr("reflectie.netinfo.lan_address", lambda: "192.168.1.23")
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
    assert user.is_active
    assert not user.is_superuser  # unless asked: see below
    assert user.check_password(password)
    assert "facilitator" in output
    assert password in output
    assert "http://192.168.1.23:8765/accounts/login/" in output


@pytest.mark.django_db
def test_the_account_sees_only_its_own_sessions_and_may_edit_instruments(settings):
    run()
    user = User.objects.get()
    assert not access.sees_all(user)
    assert user.is_staff  # the admin, for instruments only
    assert user.has_perm("instruments.change_instrument")
    assert user.has_perm("instruments.add_item")
    assert not user.has_perm("auth.view_user")
    assert not user.has_perm("auth.change_user")


@pytest.mark.django_db
def test_the_account_is_a_superuser_only_when_asked(settings, monkeypatch):
    output = run("--superuser")
    user = User.objects.get()
    assert user.is_superuser and access.sees_all(user)
    assert "alle gespreksleiders" in output
    User.objects.all().delete()
    monkeypatch.setenv("FACILITATOR_SUPERUSER", "1")
    run()
    assert User.objects.get().is_superuser


@pytest.mark.django_db
def test_an_existing_superuser_is_left_alone_but_told_about(settings):
    User.objects.create_superuser("facilitator", password="oud-wachtwoord-42")
    output = run()
    assert User.objects.get().is_superuser
    assert "alle gespreksleiders" in output


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

    monkeypatch.setattr("reflectie.netinfo.lan_address", lambda: "192.168.1.23")
    banner = Command().banner("0.0.0.0", 8000)  # noqa: S104
    assert "http://localhost:8000/" in banner
    assert "http://192.168.1.23:8000/" in banner


def test_serve_on_loopback_shows_no_address_where_nothing_listens(monkeypatch):
    from sessions.management.commands.serve import Command

    monkeypatch.setattr("reflectie.netinfo.lan_address", lambda: "192.168.1.23")
    banner = Command().banner("127.0.0.1", 8000)
    assert "http://localhost:8000/" in banner
    assert "192.168.1.23" not in banner
    assert "alleen bereikbaar op deze laptop" in banner


@pytest.mark.django_db
def test_the_login_line_on_loopback_shows_only_localhost(monkeypatch):
    monkeypatch.setattr("reflectie.netinfo.lan_address", lambda: "192.168.1.23")
    output = run("--host", "127.0.0.1")
    assert "http://localhost:8000/accounts/login/" in output
    assert "192.168.1.23" not in output


def test_serve_execs_daphne_with_the_chosen_address(monkeypatch, capsys, settings, tmp_path):
    from sessions.management.commands import serve

    settings.STATIC_ROOT = tmp_path
    (tmp_path / "staticfiles.json").write_text("{}")
    calls = []
    monkeypatch.setattr("reflectie.netinfo.lan_address", lambda: "192.168.1.23")
    monkeypatch.setattr(serve, "check_services", lambda: None)
    monkeypatch.setattr(serve.os, "execv", lambda path, argv: calls.append(argv))
    monkeypatch.delenv("PROXY_HEADERS", raising=False)
    monkeypatch.delenv("ACCESS_LOG", raising=False)
    monkeypatch.setenv("REFLECTIE_BIND_HOST", "")  # serve sets it for daphne; restored after
    call_command("serve", "--port", "8765")
    [argv] = calls
    # daphne's command line through reflectie/server.py, without an access log (-v 0).
    assert argv[0] == sys.executable
    assert argv[1:] == [
        "-m",
        "reflectie.server",
        "-b",
        "0.0.0.0",  # noqa: S104
        "-p",
        "8765",
        "-v",
        "0",
        "reflectie.asgi:application",
    ]
    assert "Reflectie draait" in capsys.readouterr().out


def test_serve_collects_the_static_files_when_production_mode_lacks_them(
    monkeypatch, settings, tmp_path
):
    from sessions.management.commands import serve

    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path / "nothing-yet"
    collected = []
    monkeypatch.setattr(serve, "call_command", lambda *args, **kw: collected.append(args))
    monkeypatch.setattr(serve, "check_services", lambda: None)
    monkeypatch.setattr(serve.os, "execv", lambda path, argv: None)
    monkeypatch.setenv("REFLECTIE_BIND_HOST", "")
    call_command("serve", "--host", "127.0.0.1", "--port", "8765", stdout=StringIO())
    assert collected == [("collectstatic",)]


def test_serve_refuses_to_start_when_redis_is_out_of_reach(monkeypatch, settings):
    from sessions.management.commands import serve

    settings.REDIS_URL = "redis://:geheim@127.0.0.1:1/0"
    started = []
    monkeypatch.setattr(serve.os, "execv", lambda path, argv: started.append(argv))
    monkeypatch.setattr("reflectie.services_check._database", lambda timeout: None)
    with pytest.raises(CommandError) as refused:
        call_command("serve", "--port", "8765", stdout=StringIO())
    assert "Redis op redis://" in str(refused.value)
    assert "niet bereikbaar" in str(refused.value)
    assert "geheim" not in str(refused.value)
    assert started == []

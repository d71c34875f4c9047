"""Make sure someone can log in as facilitator, and say how.

`make run` calls this on every start, so a first-time user never has to read further to log in.
A generated password is kept in VAR_DIR (mode 0600) and shown for as long as it is still the
account's password; once it has been changed, only the username is shown.

The account it creates runs its own sessions and may edit instruments in the admin (staff with
the instruments' permissions only). It is no superuser, so it does not see other facilitators'
sessions, unless asked: `--superuser`, or FACILITATOR_SUPERUSER=1 (`make run` passes the
environment on). Other facilitators are added with `manage.py add_facilitator`.
"""

import os
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.management.base import BaseCommand
from django.db import transaction
from django.urls import reverse

from reflectie.netinfo import served_urls
from sessions.access import sees_all
from sessions.accounts import allow_instrument_admin

USERNAME = "facilitator"
ENV_VAR = "FACILITATOR_PASSWORD"
SUPERUSER_ENV_VAR = "FACILITATOR_SUPERUSER"


def password_file() -> Path:
    return Path(settings.VAR_DIR) / "facilitator-password.txt"


def write_password_file(password: str) -> None:
    path = password_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    # Created 0600 from the start, so the password is never readable by others, not even briefly.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(password + "\n")
    path.chmod(0o600)


def stored_password() -> str | None:
    try:
        return password_file().read_text().strip() or None
    except OSError:
        return None


class Command(BaseCommand):
    help = "Create a facilitator account when nobody can log in yet, and print how to log in."

    def add_arguments(self, parser):
        parser.add_argument(
            "--port",
            type=int,
            default=int(os.environ.get("PORT") or 8000),
            help="Port the server listens on, for the login address (default 8000).",
        )
        parser.add_argument(
            "--host",
            default=os.environ.get("HOST") or "0.0.0.0",  # noqa: S104
            help="Address the server binds; a loopback address hides the LAN address.",
        )
        parser.add_argument(
            "--superuser",
            action="store_true",
            default=os.environ.get(SUPERUSER_ENV_VAR, "") in ("1", "true", "yes"),
            help=(
                "Make the account it creates a superuser (every permission, also seeing every "
                f"facilitator's sessions). Default: no; {SUPERUSER_ENV_VAR}=1 does the same."
            ),
        )

    def handle(self, *args, port: int, host: str, superuser: bool, **options):
        User = get_user_model()
        with transaction.atomic():
            can_log_in = User.objects.filter(is_active=True).exclude(
                password__startswith=UNUSABLE_PASSWORD_PREFIX
            )
            if not can_log_in.exists():
                self.create_facilitator(User, superuser=superuser)
            user = (
                can_log_in.filter(username=USERNAME).first()
                or can_log_in.filter(is_superuser=True).order_by("pk").first()
                or can_log_in.order_by("pk").first()
            )
        self.print_login(user, host, port)

    def create_facilitator(self, User, *, superuser: bool = False) -> None:
        password = os.environ.get(ENV_VAR) or secrets.token_urlsafe(12)
        # A "facilitator" that was deactivated or lost its password is brought back, not duplicated.
        user, _ = User.objects.get_or_create(username=USERNAME)
        user.is_active = True
        user.is_superuser = superuser
        user.set_password(password)
        user.save()
        # The admin for instruments only; staff does not show other facilitators' sessions.
        allow_instrument_admin(user)
        if not os.environ.get(ENV_VAR):
            write_password_file(password)
        self.stdout.write(self.style.SUCCESS(f"Account '{USERNAME}' aangemaakt."))

    def print_login(self, user: AbstractBaseUser, host: str, port: int) -> None:
        username = user.get_username()
        stored = stored_password()
        from_env = os.environ.get(ENV_VAR)
        if stored and user.check_password(stored):
            shown = stored
        elif from_env and user.check_password(from_env):
            shown = f"de waarde van {ENV_VAR}"
        else:
            shown = "het wachtwoord dat je zelf hebt ingesteld"
        local, others = served_urls(host, port, reverse("login"))
        urls = [local, others] if others else [local]
        self.stdout.write(
            "\n".join(
                [
                    "Inloggen als gespreksleider:",
                    f"  adres:          {' of '.join(urls)}",
                    f"  gebruikersnaam: {username}",
                    f"  wachtwoord:     {shown}",
                ]
            )
        )
        if shown == stored:
            self.stdout.write(
                f"  (bewaard in {password_file()}; "
                "wijzig het na het inloggen via Beheer of `manage.py changepassword`)"
            )
        if sees_all(user):
            self.stdout.write(
                "  Let op: dit account ziet en bedient de sessies van alle gespreksleiders."
            )

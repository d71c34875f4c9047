"""Add a facilitator, or change what an existing one may do.

    manage.py add_facilitator anna                  # a new account: her own sessions only
    manage.py add_facilitator anna --instruments    # ... and may edit instruments in the admin
    manage.py add_facilitator anna --view-all       # ... and sees everyone's sessions
    manage.py add_facilitator anna --no-view-all    # an existing account: take that away again

A new account gets a generated password, printed once and stored nowhere: pass it on, and change
it with `manage.py changepassword anna` (or in the admin, for staff).
"""

import argparse
import secrets

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from sessions.access import sees_all
from sessions.accounts import allow_instrument_admin, set_view_all


class Command(BaseCommand):
    help = "Add a facilitator account (own sessions only), or change what an existing one may do."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--instruments",
            action="store_true",
            help="May edit instruments in the admin (staff, with instrument permissions only).",
        )
        parser.add_argument(
            "--view-all",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="Give (--view-all) or take (--no-view-all) the permission to see and control "
            "every facilitator's sessions and partnerships (live.view_all_sessions).",
        )

    def handle(self, *args, username: str, instruments: bool, view_all: bool | None, **options):
        User = get_user_model()
        password = None
        with transaction.atomic():
            user = User.objects.filter(username=username).first()
            if user is None:
                password = secrets.token_urlsafe(12)
                user = User(username=username)
                # Checked as the admin and createsuperuser check it (characters, length).
                try:
                    user.full_clean(exclude=["password"])
                except ValidationError as exc:
                    problems = " ".join(m for ms in exc.message_dict.values() for m in ms)
                    raise CommandError(f"Ongeldige gebruikersnaam: {problems}") from None
                user.set_password(password)
                user.save()
            elif not instruments and view_all is None:
                raise CommandError(
                    f"Account '{username}' bestaat al. Geef --instruments, --view-all of "
                    "--no-view-all om te veranderen wat het mag; een nieuw wachtwoord: "
                    f"manage.py changepassword {username}."
                )
            if instruments:
                allow_instrument_admin(user)
            if view_all is not None:
                set_view_all(user, view_all)
        if password is not None:
            self.stdout.write(self.style.SUCCESS(f"Account '{username}' aangemaakt."))
            self.stdout.write(f"  gebruikersnaam: {username}")
            self.stdout.write(f"  wachtwoord:     {password}")
            self.stdout.write(
                "  (nergens bewaard: geef het door, en wijzig het met "
                f"`manage.py changepassword {username}`)"
            )
        # Read again: has_perm caches what it found on the object.
        self.stdout.write(f"'{username}' {self.describe(User.objects.get(pk=user.pk))}")

    def describe(self, user) -> str:
        seen = (
            "ziet en bedient de sessies van alle gespreksleiders"
            if sees_all(user)
            else "ziet en bedient alleen de eigen sessies"
        )
        may_edit = user.is_staff and user.has_perm("instruments.change_instrument")
        edits = "; mag instrumenten bewerken in Beheer" if may_edit else ""
        return f"{seen}{edits}."

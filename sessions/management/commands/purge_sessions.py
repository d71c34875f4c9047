"""Delete what the retention period lets go (sessions/retention.py); a dry run unless --yes.

`make run` runs it with --yes before serving, so a laptop that is used keeps no more than the
retention period allows. The output names sessions by id and date only: no titles, no
participants, nothing anyone typed.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from sessions import retention

# What each kind is called in the output, in the order shown.
LABELS = {
    "sessions": "sessies",
    "participants": "deelnemers",
    "responses": "antwoorden",
    "balance_answers": "antwoorden op halen en brengen",
    "priority_choices": "prioriteitskeuzes",
    "tallies": "tellingen",
    "open_answers": "getypte antwoorden",
    "notes": "aantekeningen",
    "agreements": "afspraken",
    "reviews": "terugblikken (ook in latere sessies)",
    "share_links": "deellinks van deze sessies",
    "partnerships": "samenwerkingsverbanden zonder sessies",
    "revoked_share_links": "ingetrokken deellinks van andere sessies",
    "django_sessions": "verlopen inlogsessies",
}


def day(moment) -> str:
    return timezone.localtime(moment).date().isoformat()


class Command(BaseCommand):
    help = (
        "Show (or with --yes delete) sessions older than the retention period, with all their "
        "data, empty old partnerships, expired login sessions and revoked share links."
    )

    def add_arguments(self, parser):
        parser.add_argument("--yes", action="store_true", help="Really delete (default: dry run).")
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="Retention period in days (default: REFLECTIE_RETENTION_DAYS, "
            f"now {settings.RETENTION_DAYS}).",
        )

    def handle(self, *args, yes: bool, days: int | None, **options):
        days = settings.RETENTION_DAYS if days is None else days
        if days < 1:
            raise CommandError(
                f"De bewaartermijn moet minstens 1 dag zijn, niet {days} "
                "(--days of REFLECTIE_RETENTION_DAYS)."
            )
        try:
            plan = retention.purge(days, apply=yes)
        except OverflowError:
            raise CommandError(f"Een bewaartermijn van {days} dagen is te lang.") from None
        period = f"Bewaartermijn {days} dagen (alles van vóór {day(plan.cutoff)})"
        if plan.empty:
            self.stdout.write(f"{period}: niets te verwijderen.")
            return
        if yes:
            counts = ", ".join(f"{LABELS[kind]}: {n}" for kind, n in plan.counts.items() if n)
            self.stdout.write(f"{period}: verwijderd — {counts}.")
            return
        lines = [f"{period}. Proefdraai: er is niets verwijderd. Met --yes gaat weg:"]
        lines += [f"  {LABELS[kind]}: {n}" for kind, n in plan.counts.items() if n]
        if plan.counts["django_sessions"] is None:
            lines.append("  verlopen inlogsessies: niet te tellen (ze verlopen vanzelf)")
        if plan.sessions:
            lines.append("Sessies:")
            lines += [
                f"  #{s.id}: aangemaakt {day(s.created_at)}, "
                + (f"afgesloten {day(s.closed_at)}" if s.closed_at else "nooit afgesloten")
                for s in plan.sessions
            ]
        self.stdout.write("\n".join(lines))

"""Make a filled-in session to look at: python manage.py demo_session --participants 12."""

import random

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from instruments import partner_types
from instruments.models import Instrument
from sessions import answers, lifecycle, participation


class Command(BaseCommand):
    help = "Create a demo session with simulated participants and their scores."

    def add_arguments(self, parser):
        parser.add_argument("--participants", type=int, default=12)
        parser.add_argument("--instrument", default="lob-regio")
        parser.add_argument("--facilitator", default="facilitator")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, participants, instrument, facilitator, seed, **options):
        if not 1 <= participants <= 500:
            raise CommandError("--participants moet tussen 1 en 500 liggen")
        version = Instrument.objects.newest(instrument)
        if version is None:
            raise CommandError(f"Instrument {instrument!r} niet gevonden: draai load_instruments")
        user, _ = get_user_model().objects.get_or_create(username=facilitator)
        rng = random.Random(seed)
        with transaction.atomic():
            session = lifecycle.create_session(
                user, version, title="Demosessie", partnership_name="Demo regio"
            )
            lifecycle.set_scoring_mode(session, "all")
            lifecycle.set_phase(session, "scoring")
            types = [key for key, _label in partner_types.choices(version)]
            statements = [
                (theme.pk, item.pk)
                for theme in version.themes.all()
                for item in theme.items.filter(kind="statement")
            ]
            # Each theme leans one way, each person a bit, so the results look like a real group.
            lean = {theme_id: rng.uniform(-1.2, 1.2) for theme_id, _ in statements}
            for _n in range(participants):
                participant, _token, _created = participation.join(
                    session, None, partner_type=rng.choice(types)
                )
                mood = rng.uniform(-0.8, 0.8)
                picks = {}
                for theme_id, item_id in statements:
                    if rng.random() < 0.06:
                        picks[item_id] = answers.DONT_KNOW
                    else:
                        score = round(3.2 + lean[theme_id] + mood + rng.gauss(0, 0.9))
                        picks[item_id] = str(min(5, max(1, score)))
                answers.answer_many(participant, picks)
            lifecycle.set_phase(session, "discussion")
        self.stdout.write(
            f"Demosessie {session.code} (id {session.pk}) van {user.username}: "
            f"{participants} deelnemers. Dashboard: /sessies/{session.pk}/"
        )

from django.core.management.base import BaseCommand, CommandError

from instruments.models import Instrument
from instruments.services import export_json
from instruments.validation import InstrumentFileError


class Command(BaseCommand):
    help = (
        "Write an instrument version in the file format "
        "(the newest version unless --instrument-version)."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--instrument-version", type=int, dest="instrument_version")
        parser.add_argument("--output", "-o", help="file to write (default: standard output)")

    def handle(self, *args, slug, instrument_version, output, **options):
        versions = Instrument.objects.filter(slug=slug).order_by("-version")
        if instrument_version:
            versions = versions.filter(version=instrument_version)
        instrument = versions.first()
        if instrument is None:
            which = f"{slug!r} versie {instrument_version}" if instrument_version else repr(slug)
            raise CommandError(f"Geen instrument {which} gevonden")
        try:
            text = export_json(instrument)
        except InstrumentFileError as exc:
            raise CommandError(f"Deze versie is (nog) niet compleet: {exc}") from None
        if output:
            with open(output, "w", encoding="utf-8") as fh:
                fh.write(text)
        else:
            self.stdout.write(text, ending="")

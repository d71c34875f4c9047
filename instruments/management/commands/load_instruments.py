from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from instruments.services import DATA_DIR, load_files
from instruments.validation import InstrumentFileError


class Command(BaseCommand):
    help = "Load instrument files (default: all of instruments/data/*.json). All or nothing."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", type=Path, help="JSON files to load")

    def handle(self, *args, files, **options):
        paths = files or sorted(DATA_DIR.glob("*.json"))
        for path in paths:
            if not path.is_file():
                raise CommandError(f"{path}: bestand niet gevonden")
        try:
            results = load_files(paths)
        except InstrumentFileError as exc:
            raise CommandError(f"{exc}\nNiets geladen.") from None
        for instrument, outcome in results:
            self.stdout.write(f"{instrument.slug} v{instrument.version}: {outcome}")

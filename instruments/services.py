"""Store, export and version instruments.

Loading is idempotent: a file whose content is already stored for its slug changes nothing. A
changed file updates the newest version in place only while no session has used it and nobody
edited it in the admin since it was loaded; otherwise it becomes a new version.
"""

import hashlib
import json
from pathlib import Path

from django.conf import settings
from django.db import transaction

from .models import Instrument, Item, Theme
from .validation import InstrumentFileError, parse_file, validate

DATA_DIR = Path(settings.BASE_DIR) / "instruments" / "data"


def content_hash(data: dict) -> str:
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def load_files(paths: list[Path]) -> list[tuple[Instrument, str]]:
    """Validate every file first, then store them all in one transaction (all or nothing).

    Returns (instrument, outcome) pairs with outcome "ongewijzigd", "bijgewerkt" or "nieuw".
    """
    parsed = [parse_file(path) for path in paths]
    with transaction.atomic():
        return [store(data) for data in parsed]


def load_default_instruments() -> list[tuple[Instrument, str]]:
    return load_files(sorted(DATA_DIR.glob("*.json")))


def store(data: dict) -> tuple[Instrument, str]:
    """Store validated instrument data (see validation.validate) for its slug."""
    digest = content_hash(data)
    versions = Instrument.objects.filter(slug=data["slug"]).order_by("-version")
    latest = versions.first()
    if latest is None:
        return _create(data, digest, version=1), "nieuw"
    # Compare with the newest version that came from a file: a copy made for editing in the
    # admin must not make the unchanged file look new.
    loaded = versions.exclude(source_hash="").first()
    if loaded is not None and loaded.source_hash == digest:
        return loaded, "ongewijzigd"
    if _untouched_since_load(latest) and not latest.is_used():
        latest.themes.all().delete()
        _fill(latest, data, digest)
        return latest, "bijgewerkt"
    return _create(data, digest, version=latest.version + 1), "nieuw"


def _untouched_since_load(instrument: Instrument) -> bool:
    """False when the admin changed this version after it was loaded from its file."""
    if not instrument.source_hash:
        return False
    try:
        return content_hash(export(instrument)) == instrument.source_hash
    except InstrumentFileError:
        return False


def new_version(instrument: Instrument) -> Instrument:
    """Copy a version into the next free version number, for editing."""
    data = export(instrument)
    with transaction.atomic():
        # Lock the versions of this slug so two quick clicks cannot both take the same number.
        latest = (
            Instrument.objects.select_for_update()
            .filter(slug=instrument.slug)
            .order_by("-version")
            .first()
        )
        return _create(data, digest="", version=latest.version + 1)


def _create(data: dict, digest: str, version: int) -> Instrument:
    instrument = Instrument(slug=data["slug"], version=version)
    _fill(instrument, data, digest)
    return instrument


def _fill(instrument: Instrument, data: dict, digest: str) -> None:
    instrument.name = data["name"]
    instrument.language = data["language"]
    instrument.description = data["description"]
    instrument.attribution_text = data["attribution"]["text"]
    instrument.attribution_url = data["attribution"]["url"]
    instrument.source_note = data["source_note"]
    instrument.guide = data["guide"]
    instrument.duration_minutes = data["duration_minutes"]
    instrument.followup_minutes = data["followup_minutes"]
    instrument.scale_min = data["scale"]["min"]
    instrument.scale_max = data["scale"]["max"]
    instrument.scale_labels = data["scale"]["labels"]
    instrument.dont_know_label = data["scale"]["dont_know"]
    instrument.followup_fields = data["followup_fields"]
    instrument.partner_types = data.get("partner_types", [])
    instrument.translations = data.get("translations", {})
    instrument.source_hash = digest
    instrument.save()
    for t, theme_data in enumerate(data["themes"]):
        theme = Theme.objects.create(
            instrument=instrument,
            position=t,
            key=theme_data["key"],
            title=theme_data["title"],
            background_title=theme_data["background_title"],
            background=theme_data["background"],
            translations=theme_data.get("translations", {}),
        )
        Item.objects.bulk_create(
            Item(
                theme=theme,
                position=i,
                kind=item["kind"],
                number=item.get("number"),
                title=item.get("title", ""),
                text=item["text"],
                max_choices=item.get("max_choices"),
                options=_stored_options(item),
                translations=item.get("translations", {}),
            )
            for i, item in enumerate(theme_data["items"])
        )


def _stored_options(item: dict) -> list[dict]:
    """A priority item's options; a balance item's two questions, in the same shape so that
    ``Item.choices`` reads both (an empty label means the standard wording)."""
    if item["kind"] == Item.Kind.BALANCE:
        return [
            {"key": "brings", "label": item["brings_label"]},
            {"key": "gets", "label": item["gets_label"]},
        ]
    return item.get("options", [])


def export(instrument: Instrument) -> dict:
    """The stored version in the file format, normalised exactly as validate() would."""
    data = {
        "format": 1,
        "slug": instrument.slug,
        "name": instrument.name,
        "language": instrument.language,
        "description": instrument.description,
        "attribution": {"text": instrument.attribution_text, "url": instrument.attribution_url},
        "source_note": instrument.source_note,
        "guide": instrument.guide,
        "duration_minutes": instrument.duration_minutes,
        "followup_minutes": instrument.followup_minutes,
        "scale": {
            "min": instrument.scale_min,
            "max": instrument.scale_max,
            "labels": instrument.scale_labels,
            "dont_know": instrument.dont_know_label,
        },
        "followup_fields": instrument.followup_fields,
        "partner_types": instrument.partner_types,
        "themes": [],
        "translations": instrument.translations,
    }
    for theme in instrument.themes.prefetch_related("items"):
        items = []
        for item in theme.items.all():
            entry = {"kind": item.kind}
            if item.kind == Item.Kind.STATEMENT:
                entry["number"] = item.number
            else:
                entry["title"] = item.title
            entry["text"] = item.text
            if item.kind == Item.Kind.PRIORITY:
                entry["options"] = item.options
                entry["max_choices"] = item.max_choices
            if item.kind == Item.Kind.BALANCE:
                labels = dict(item.choices)
                entry["brings_label"] = labels.get("brings", "")
                entry["gets_label"] = labels.get("gets", "")
            entry["translations"] = item.translations
            items.append(entry)
        data["themes"].append(
            {
                "key": theme.key,
                "title": theme.title,
                "background_title": theme.background_title,
                "background": theme.background,
                "items": items,
                "translations": theme.translations,
            }
        )
    # Round-trip through the validator so the export is in normal form and always loadable.
    return validate(data, f"{instrument.slug} v{instrument.version}")


def export_json(instrument: Instrument) -> str:
    return json.dumps(export(instrument), ensure_ascii=False, indent=2) + "\n"

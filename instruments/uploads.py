"""Instrument files that come through the browser: uploaded in the admin, downloaded from it.

An upload is read and stored exactly as `load_instruments` reads and stores a file on disk
(validation.parse_text, services.store), so the same file gives the same messages and the same
outcome either way; a download is the export that `export_instrument` writes.
"""

import io

from django.db import transaction
from django.utils.translation import gettext as _

from reflectie.free_text import refused_character

from .models import Instrument
from .services import export_json, store
from .validation import InstrumentFileError, parse_text

#: The largest file the upload accepts. The shipped instruments are 5 to 20 kB.
MAX_UPLOAD_BYTES = 1024 * 1024


def shown_name(name: str) -> str:
    """The uploaded file's name as messages may show it.

    The browser chooses it: a character the free-text rule refuses (a bidi override could
    reorder the message around it) is shown as U+FFFD instead.
    """
    return "".join("\ufffd" if refused_character(char) else char for char in name) or _("bestand")


def parse_upload(content: bytes, name: str) -> dict:
    """Validate an uploaded file as validation.parse_file validates one on disk.

    Decoded as Path.read_text does (UTF-8, universal newlines), so a syntax error is reported at
    the same line and column as when the loader reads that file.
    """
    try:
        raw = io.TextIOWrapper(io.BytesIO(content), encoding="utf-8").read()
    except UnicodeDecodeError:
        raise InstrumentFileError(name, "", _("is geen UTF-8-tekst")) from None
    return parse_text(raw, name)


def load_upload(content: bytes, name: str) -> tuple[Instrument, str]:
    """Validate, then store one uploaded file: all or nothing, as services.load_files does.

    Returns (instrument, outcome) with outcome "ongewijzigd", "bijgewerkt" or "nieuw".
    """
    data = parse_upload(content, name)
    with transaction.atomic():
        return store(data)


def download_name(instrument: Instrument) -> str:
    return f"{instrument.slug}-v{instrument.version}.json"


def download(instrument: Instrument) -> tuple[str, str]:
    """(file name, file text) of a stored version; InstrumentFileError when it is incomplete."""
    return download_name(instrument), export_json(instrument)

"""Which participant a phone's tap or poll comes from, in one fixed SQL statement.

The ORM built the same three-table query (participant, session, instrument) afresh for every
request, and building it cost about half of a tap (docs/benchmarks.md). A phone taps twenty-two
times and polls when its socket is down, so these requests read the participant through the
statement below instead, written once from the models' own table and column names. The session
comes with the fields a tap, a choice or a poll reads; any other field loads on first use. The
instrument, whose versions in use are never edited, is kept per worker.
"""

from __future__ import annotations

from functools import cache, lru_cache

from django.db import DEFAULT_DB_ALIAS, connection

from instruments.models import Instrument

from .models import Participant, Session

# The fields read here, in the models' own order (Model.from_db wants that order).
PARTICIPANT_FIELDS = [
    f.attname
    for f in Participant._meta.concrete_fields
    if f.attname in {"id", "session_id", "partner_type"}
]
SESSION_FIELDS = [
    f.attname
    for f in Session._meta.concrete_fields
    if f.attname
    in {
        "id", "code", "phase", "phase_version", "version", "scoring_mode", "current_theme_id",
        "instrument_id", "locked", "language", "conversation_only",
    }
]  # fmt: skip


@cache
def _statement() -> str:
    quote = connection.ops.quote_name

    def columns(model, alias: str, names: list[str]) -> list[str]:
        return [f"{alias}.{quote(model._meta.get_field(n).column)}" for n in names]

    def field(model, alias: str, name: str) -> str:
        return f"{alias}.{quote(model._meta.get_field(name).column)}"

    selected = ", ".join(
        columns(Participant, "p", [n.removesuffix("_id") for n in PARTICIPANT_FIELDS])
        + columns(Session, "s", [n.removesuffix("_id") for n in SESSION_FIELDS])
        + [field(Instrument, "i", "created_at")]
    )
    return (
        f"SELECT {selected} "  # noqa: S608 - names from the models; values are parameters
        f"FROM {quote(Participant._meta.db_table)} p "
        f"JOIN {quote(Session._meta.db_table)} s ON s.id = {field(Participant, 'p', 'session')} "
        f"JOIN {quote(Instrument._meta.db_table)} i ON i.id = {field(Session, 's', 'instrument')} "
        f"WHERE {field(Session, 's', 'code')} = %s "
        f"AND {field(Participant, 'p', 'token_hash')} = %s "
        f"ORDER BY {field(Session, 's', 'created_at')} DESC, s.id DESC LIMIT 1"
    )


def find(code: str, token_hash: str) -> Participant | None:
    """The participant with this token hash in the newest session with this (normalized) code,
    with its session and instrument; None when there is none."""
    with connection.cursor() as cursor:
        cursor.execute(_statement(), [code, token_hash])
        row = cursor.fetchone()
    if row is None:
        return None
    split = len(PARTICIPANT_FIELDS)
    participant = Participant.from_db(DEFAULT_DB_ALIAS, PARTICIPANT_FIELDS, row[:split])
    session = Session.from_db(DEFAULT_DB_ALIAS, SESSION_FIELDS, row[split:-1])
    # created_at as the database gave it: a key that changes when an id is used again.
    session.instrument = _instrument(session.instrument_id, row[-1])
    participant.session = session
    return participant


@lru_cache(maxsize=64)
def _instrument(instrument_id: int, created_at) -> Instrument:
    return Instrument.objects.get(pk=instrument_id)

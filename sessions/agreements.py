"""Follow-up agreements: what the partnership will do, with the fields of the instrument's sheet.

The fields are data (``instrument.followup_fields``: key, label, help, kind, required), so another
sheet can ask for others. Everything typed here is stored as plain text and shown escaped: it
comes from a facilitator typing what the room says, and it ends up in a PDF partners forward.

A request that is wrong in any part stores nothing. Every change bumps the session's versions and
tells screens and phones, which show the agreements live.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Max
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from instruments import translation
from instruments.models import Item, item_label
from reflectie.free_text import clean_text

from . import lifecycle, results
from .errors import Invalid, NotFound
from .models import Agreement, Session

#: Longest text in one field: a paragraph, not a policy document.
MAX_TEXT = 1000
#: Most agreements in one session: a dozen is already a lot for one hour.
MAX_AGREEMENTS = 100

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class FieldValue:
    key: str
    label: str
    kind: str
    value: str  # as stored
    display: str  # as shown: a theme's title instead of "theme:visie", a formatted date


@dataclass(frozen=True)
class AgreementView:
    id: int
    position: int
    values: tuple[FieldValue, ...]

    @property
    def filled(self) -> tuple[FieldValue, ...]:
        return tuple(v for v in self.values if v.value)

    @property
    def dates(self) -> tuple[FieldValue, ...]:
        """The filled date fields: what a calendar file holds of this agreement (calendar.py)."""
        return tuple(v for v in self.filled if v.kind == "date")

    def get(self, key: str) -> str:
        return next((v.display for v in self.values if v.key == key), "")


def fields_of(session: Session) -> list[dict]:
    """The sheet's fields, labels and help in the active language (instruments.translation)."""
    return translation.followup_fields(session.instrument)


def reference_choices(session: Session, *, length: int | None = 90) -> list[tuple[str, str]]:
    """What a "theme" field may point at: the themes and statements of this session's instrument.

    The key is stored; a statement's label is cut to `length` for a choice list, and given whole
    (length None) wherever an agreement is shown or printed.
    """
    # Read from the instrument's cached structure (a version in use is never edited): the live
    # screens show the agreements on every render, so this must not cost queries each time.
    choices = []
    for theme in results.instrument_structure(session.instrument):
        items = [i for i in theme.items if i.kind != Item.Kind.PROMPT]
        if not items:
            continue
        choices.append((f"theme:{theme.key}", theme.title))
        for item in items:
            # "Relatie 3: Is er sprake van …", as the statement is named on every screen.
            shown = f"{item_label(theme.title, item.number, item.title)}: {item.text}"
            text = shown if length is None else _shorten(shown, length)
            choices.append((f"item:{item.id}", "— " + text))
    return choices


def clean(session: Session, data: Mapping[str, object]) -> dict[str, str]:
    """Check submitted values against the sheet's fields; raise Invalid on anything wrong.

    Returns only the filled fields, stripped. Unknown keys are refused rather than dropped: a
    form and a sheet that disagree should be noticed, not silently lose what was typed.
    """
    fields = {f["key"]: f for f in fields_of(session)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise Invalid(_("Onbekend veld: %(name)s.") % {"name": ", ".join(unknown)[:100]})
    cleaned: dict[str, str] = {}
    refs = None
    for key, spec in fields.items():
        raw = data.get(key, "")
        if raw is None:
            raw = ""
        if not isinstance(raw, str):
            raise Invalid(_("Vul bij '%(label)s' één tekst in.") % {"label": spec["label"]})
        kind = spec.get("kind", "text")
        # "text" is one line; the others keep what was typed, with LF as the only newline.
        value = clean_text(raw, multiline=kind != "text", label=spec["label"], error=Invalid)
        if not value:
            if spec.get("required"):
                raise Invalid(_("Vul '%(label)s' in.") % {"label": spec["label"]})
            continue
        if len(value) > MAX_TEXT:
            raise Invalid(
                _("'%(label)s' is te lang: hooguit %(max)s tekens.")
                % {"label": spec["label"], "max": MAX_TEXT}
            )
        if kind == "date":
            value = _clean_date(value, spec["label"])
        elif kind == "theme":
            if refs is None:
                refs = {k for k, _label in reference_choices(session)}
            if value not in refs:
                raise Invalid(
                    _("Kies bij '%(label)s' een thema of stelling van deze sessie.")
                    % {"label": spec["label"]}
                )
        cleaned[key] = value
    return cleaned


def _clean_date(value: str, label: str) -> str:
    if _ISO_DATE.fullmatch(value):
        try:
            date.fromisoformat(value)
            return value
        except ValueError:
            pass
    raise Invalid(_("Geef bij '%(label)s' een datum als jjjj-mm-dd.") % {"label": label})


# Changes ----------------------------------------------------------------------------------------


def create(session: Session, data: Mapping[str, object]) -> Agreement:
    values = clean(session, data)
    with transaction.atomic():
        _lock(session)
        existing = Agreement.objects.filter(session=session)
        if existing.count() >= MAX_AGREEMENTS:
            raise Invalid(
                _("Een sessie kan hooguit %(max)s afspraken hebben.") % {"max": MAX_AGREEMENTS}
            )
        last = existing.aggregate(m=Max("position"))["m"]
        agreement = Agreement.objects.create(
            session=session, position=0 if last is None else last + 1, fields=values
        )
        _changed(session)
    return agreement


def update(session: Session, agreement_id, data: Mapping[str, object]) -> Agreement:
    """Replace all fields of an agreement (the form sends them all)."""
    values = clean(session, data)
    with transaction.atomic():
        agreement = _get(session, agreement_id)
        agreement.fields = values
        agreement.save(update_fields=["fields", "updated_at"])
        _changed(session)
    return agreement


def delete(session: Session, agreement_id) -> None:
    with transaction.atomic():
        _get(session, agreement_id).delete()
        _changed(session)


def reorder(session: Session, ids) -> None:
    """Put the agreements in this order; every agreement of the session exactly once."""
    try:
        order = [int(i) for i in ids]
    except (TypeError, ValueError):
        raise Invalid(_("Onbekende afspraak.")) from None
    with transaction.atomic():
        _lock(session)
        current = {a.pk: a for a in Agreement.objects.filter(session=session)}
        if len(order) != len(set(order)) or set(order) != set(current):
            raise Invalid(_("Geef elke afspraak van deze sessie precies één keer."))
        for position, pk in enumerate(order):
            if current[pk].position != position:
                current[pk].position = position
                current[pk].save(update_fields=["position", "updated_at"])
        _changed(session)


def move(session: Session, agreement_id, direction: str) -> None:
    """One place up or down (the buttons that work without JavaScript)."""
    if direction not in ("up", "down"):
        raise Invalid(_("Verplaats een afspraak omhoog of omlaag."))
    agreement = _get(session, agreement_id)
    order = list(Agreement.objects.filter(session=session).values_list("pk", flat=True))
    i = order.index(agreement.pk)
    j = i - 1 if direction == "up" else i + 1
    if 0 <= j < len(order):
        order[i], order[j] = order[j], order[i]
    reorder(session, order)


def agreement_from_priority(session: Session, option_key: str) -> dict[str, str]:
    """Initial values for a new agreement that answers a priority choice ("one click").

    option_key is a session vote option ("theme:<key>"), a statement or priority item
    ("item:<id>"), or an option of a priority item ("item:<id>:<option>", which points at the
    item). The result fills the sheet's first "theme" field; nothing is stored yet, because an
    agreement needs at least an action and an owner that only the room can give.
    """
    key = (option_key or "").strip()
    parts = key.split(":")
    if len(parts) == 3 and parts[0] == "item":
        key = f"item:{parts[1]}"
    refs = {k for k, _label in reference_choices(session)}
    if key not in refs:
        raise Invalid(_("Die keuze hoort niet bij deze sessie."))
    target = next((f["key"] for f in fields_of(session) if f.get("kind") == "theme"), None)
    return {target: key} if target else {}


def _get(session: Session, agreement_id) -> Agreement:
    try:
        pk = int(agreement_id)
    except (TypeError, ValueError):
        raise NotFound(_("Deze afspraak bestaat niet (meer).")) from None
    agreement = Agreement.objects.filter(session=session, pk=pk).first()
    if agreement is None:
        raise NotFound(_("Deze afspraak bestaat niet (meer)."))
    return agreement


def _lock(session: Session) -> None:
    """Serialise changes to one session's list (positions, the ceiling) on its row."""
    Session.objects.select_for_update().filter(pk=session.pk).values_list("pk", flat=True).first()


def _changed(session: Session) -> None:
    # Screens and phones show the agreements: both versions go up, both are told.
    lifecycle.change(session, phones=True)


# Reading ----------------------------------------------------------------------------------------


def views(session: Session, agreements=None) -> list[AgreementView]:
    """The session's agreements (or the given ones, made under this instrument) for display."""
    if agreements is None:
        agreements = Agreement.objects.filter(session=session)
    fields = fields_of(session)
    refs = (
        dict(reference_choices(session, length=None))
        if any(f.get("kind") == "theme" for f in fields)
        else {}
    )
    return [view(a, fields, refs) for a in agreements]


def view(agreement: Agreement, fields: list[dict], refs: Mapping[str, str]) -> AgreementView:
    values = []
    stored = agreement.fields or {}
    for spec in fields:
        value = str(stored.get(spec["key"], ""))
        values.append(
            FieldValue(
                key=spec["key"],
                label=spec["label"],
                kind=spec.get("kind", "text"),
                value=value,
                display=_display(spec.get("kind", "text"), value, refs),
            )
        )
    return AgreementView(id=agreement.pk, position=agreement.position, values=tuple(values))


def _display(kind: str, value: str, refs: Mapping[str, str]) -> str:
    if not value:
        return ""
    if kind == "theme":
        return refs.get(value, value).removeprefix("— ")
    if kind == "date" and _ISO_DATE.fullmatch(value):
        try:
            return formats.date_format(date.fromisoformat(value), "j F Y")
        except ValueError:
            return value
    return value


def list_context(session: Session) -> dict:
    """What `_agreements_list.html` needs: include it with this merged into the context.

    ``agreements_dated``: whether any agreement has a date, so a calendar link is worth showing.
    """
    shown = views(session)
    return {
        "agreements": shown,
        "fields": fields_of(session),
        "agreements_dated": any(a.dates for a in shown),
    }


def _shorten(text: str, length: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"

"""The spotlight: one thing the facilitator puts on the projector over everything else.

A statement with its result (once its theme is revealed), a prompt such as one of the ten
reminders, a theme's background, or the shown answers to an open or priority question. Stored on
the session row (``Session.spotlight``) as ``{"kind": ..., "id": ...}``; phones show the same
prompt or background above their stage, so a change tells them too (``phones=True``).

Only what belongs to the session's own instrument may go up: the id comes from a form.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from instruments import translation
from instruments.models import Item, Theme, item_label

from . import lifecycle, open_answers, results
from .errors import Conflict, Invalid
from .models import Session

KINDS = ("item", "background", "answers")
# The kinds whose answers may go up: typed answers, and a priority question's "Anders" texts.
ANSWERED = (Item.Kind.OPEN, Item.Kind.PRIORITY)
# The open answers' own projector fragment when it is there, else a plain list (include takes
# the first template that exists).
ANSWER_TEMPLATES = (
    "sessions/fragments/projector_answers.html",
    "sessions/fragments/projector_answers_list.html",
)


def set(session: Session, kind: str, raw_id) -> Session:  # noqa: A001 - the module's verb
    """Put one thing of this session's instrument on the projector (and phones)."""
    if session.is_closed:
        raise Conflict(_("Deze sessie is afgesloten."))
    if kind not in KINDS:
        raise Invalid(_("Kies wat er op het scherm moet komen."))
    raw = str(raw_id)
    if not raw.isdigit() or len(raw) > 18:
        raise Invalid(_("Kies wat er op het scherm moet komen."))
    pk = int(raw)
    instrument_id = session.instrument_id
    if kind == "item":
        found = Item.objects.filter(pk=pk, theme__instrument_id=instrument_id).exists()
        message = _("Deze stelling of vraag hoort niet bij deze sessie.")
    elif kind == "background":
        found = (
            Theme.objects.filter(pk=pk, instrument_id=instrument_id).exclude(background="").exists()
        )
        message = _("Dit thema heeft geen achtergrond bij deze sessie.")
    else:
        found = Item.objects.filter(
            pk=pk, theme__instrument_id=instrument_id, kind__in=ANSWERED
        ).exists()
        message = _("Van deze vraag zijn er geen antwoorden om te tonen.")
    if not found:
        raise Invalid(message)
    spot = {"kind": kind, "id": pk}
    if kind == "answers":
        # The answers as the facilitator has seen them: later ones go up when they press again.
        spot["upto"] = open_answers.latest_released(session.pk, pk)
    return lifecycle.change(session, phones=True, spotlight=spot)


def clear(session: Session) -> Session:
    """Take the spotlight off; the projector is back on its page."""
    if not session.spotlight:
        return session
    return lifecycle.change(session, phones=True, spotlight={})


def is_on(session: Session) -> bool:
    spot = session.spotlight or {}
    return spot.get("kind") in KINDS and isinstance(spot.get("id"), int)


# What the screens show ------------------------------------------------------------------------


@dataclass
class Shown:
    """What is in the spotlight, as the projector's and phones' templates read it."""

    kind: str  # "statement" (a scored item), "prompt" (text only), "background", "answers"
    id: int
    label: str
    text: str
    theme: object | None = None  # the theme's screens.ThemeView, on the projector
    item: object | None = None  # the item's screens.ItemView, when its result may be shown
    answers: list | None = None
    answer_templates: tuple = ANSWER_TEMPLATES
    upto: int | None = None  # answers: the newest one put up (open_answers.latest_released)


def shown(session: Session, themes: list | None = None) -> Shown | None:
    """The spotlight, read from the instrument's cached structure (no query but the answers').

    ``themes``: the projector's theme views, to show a statement's result once its theme is
    revealed. A stale id (the instrument changed under the session) shows nothing.
    """
    if not is_on(session):
        return None
    kind, pk = session.spotlight["kind"], session.spotlight["id"]
    structure = results.instrument_structure(session.instrument)
    views = {t.id: t for t in themes or []}
    if kind == "background":
        theme = next((t for t in structure if t.id == pk), None)
        if theme is None or not theme.background:
            return None
        title = theme.background_title or theme.title
        return Shown("background", pk, title, theme.background, theme=views.get(pk))
    for theme in structure:
        for info in theme.items:
            if info.id != pk:
                continue
            label = item_label(theme.title, info.number, info.title)
            view = views.get(theme.id)
            if kind == "answers":
                upto = session.spotlight.get("upto")
                upto = upto if isinstance(upto, int) else None
                answers = open_answers.shown_by_item(session.pk, upto=upto).get(pk, [])
                return Shown("answers", pk, label, info.text, view, answers=answers, upto=upto)
            item = None
            if view is not None and view.revealed:
                item = next((i for i in view.items if i.id == pk), None)
            if info.kind == Item.Kind.PROMPT:
                label = info.title or theme.title
            return Shown("statement" if item else "prompt", pk, label, info.text, view, item)
    return None


def key(session: Session) -> str:
    """What is up, as a phone remembers it ("item:12"; "" for nothing): a phone whose key is
    current keeps its spotlight as it is, half-typed answer included."""
    return f"{session.spotlight['kind']}:{session.spotlight['id']}" if is_on(session) else ""


def phone_context(session: Session) -> dict:
    """For the phone's stage: the prompt, background or question in the spotlight. Typed
    answers stay on the big screen; an open question in the spotlight gets its text field on
    the phone, unless its round is open (the stage has the field already)."""
    spot = shown(session)
    context = {"spotlight": spot, "spotlight_key": key(session), "spotlight_fields": []}
    if spot is None or spot.kind not in ("prompt", "answers"):
        return context
    # The kept list of questions that take text: a plain prompt costs no query.
    askable = open_answers.askables(session.instrument).get(spot.id)
    if askable is not None and not open_answers.is_open_for_phones(session, askable):
        item = Item.objects.get(pk=spot.id)
        context["spotlight_fields"] = open_answers.phone_fields(translation.localized(item))
    if spot.kind == "answers" and not context["spotlight_fields"]:
        context["spotlight"] = None  # nothing for the phone to do with the answers
    return context

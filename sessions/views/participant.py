"""The participant's phone: join with a code, then follow the session's stages and answer.

No account: a random token the server gives for this session, in an HttpOnly cookie named for
the code, finds the participant again (see participation). Every form works without JavaScript
(a POST and a redirect back); with htmx each answer is posted on change and only a small status
text is swapped in.
"""

import re

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from instruments import partner_types, translation
from instruments.models import Item

from .. import agreements, answers, codes, lifecycle, open_answers, participation, results, timer
from ..errors import Invalid, NotAllowed, NotFound
from ..models import Participant, Response, Session
from ..spotlight import phone_context as spotlight_context
from .decorators import phone_action, phone_page, phone_participant, speak_session_language

Phase = Session.Phase

# Stages with a form someone may be filling in. A change that leaves such a form as it is (the
# clock, the agreements) bumps phase_version too, but must not re-render the stage: that would
# wipe an unsaved pick. Stages without a form re-render.
FORM_STAGES = frozenset({"lobby", "scoring", "priorities"})

# One theme has a handful of statements; more fields than this is not a phone filling in a form.
MAX_FIELDS = 100
ITEM_FIELD = re.compile(r"item-([1-9][0-9]{0,17})")
ITEM_ID = re.compile(r"[1-9][0-9]{0,17}")
CSRF_FIELD = "csrfmiddlewaretoken"


def _unknown_code() -> NotFound:
    return NotFound(_("Deze code kennen we niet. Kijk de code na en probeer het opnieuw."))


def _address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _set_device_cookie(request: HttpRequest, response: HttpResponse, code: str, token: str) -> None:
    response.set_cookie(
        participation.cookie_name(code),
        token,
        max_age=participation.COOKIE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE or request.is_secure(),
    )
    # The old cookie was one token for every session: it links them, so it goes.
    if participation.LEGACY_COOKIE in request.COOKIES:
        response.delete_cookie(participation.LEGACY_COOKIE, samesite="Lax")


# Joining ----------------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
@phone_page
def join_code(request: HttpRequest) -> HttpResponse:
    """Type a code; it is forgiving about case, spaces and dashes, strict about guessing."""
    if request.method == "GET":
        return render(request, "sessions/phone/join_code.html")
    raw = request.POST.get("code", "")[:40]
    address = _address(request)
    participation.check_not_blocked(address)
    session = participation.find_open_session(raw)
    if session is None:
        participation.record_failure(address)
        context = {"code": raw, "error": _unknown_code().message}
        return render(request, "sessions/phone/join_code.html", context, status=404)
    return redirect("join", code=session.code)


@never_cache
@require_http_methods(["GET", "POST"])
@phone_page
def join(request: HttpRequest, code: str) -> HttpResponse:
    # A phone that joined goes back to its page (a closed session's: its thank-you), even from
    # an address blocked for wrong codes: its cookie shows it had the code.
    participant = phone_participant(request, code)
    if participant is not None:
        return redirect("phone", code=participant.session.code)
    address = _address(request)
    participation.check_not_blocked(address)
    session = participation.find_open_session(code)
    if session is None:
        participation.record_failure(address)
        raise _unknown_code()
    if code != session.code:  # typed as "abc-def": continue on the one address
        return redirect("join", code=session.code)
    speak_session_language(request, session)

    if request.method == "GET":
        participation.check_open_to_newcomers(session)
        return render(request, "sessions/phone/join.html", _join_context(session))

    # The cookie's token is never adopted: join() gives a new participant a new one.
    _participant, token, _created = participation.join(
        session,
        participation.device_token(request.COOKIES, session.code),
        partner_type=request.POST.get("partner_type", "")[:40],
        address=address,
    )
    response = redirect("phone", code=session.code)
    response.status_code = 303
    _set_device_cookie(request, response, session.code, token)
    return response


def _join_context(session: Session, **extra) -> dict:
    return {
        "session": session,
        "pretty_code": codes.pretty(session.code),
        "partner_types": partner_types.choices(session.instrument),
        "retention_days": settings.RETENTION_DAYS,
        **extra,
    }


# The phone page and its stages ------------------------------------------------------------------


@never_cache
@require_GET
def session_page(request: HttpRequest, code: str) -> HttpResponse:
    participant = phone_participant(request, code)
    if participant is None:
        return redirect("join", code=code)
    session = participant.session
    if code != session.code:
        return redirect("phone", code=session.code)
    speak_session_language(request, session)
    # The refresh link without JavaScript says which round it showed (k), as the poll does.
    context = _stage_context(participant, shown_key=request.GET.get("k", "")[:40])
    return render(request, "sessions/phone/page.html", context)


@never_cache
@require_GET
def state(request: HttpRequest, code: str) -> HttpResponse:
    """The current stage as a fragment; 204 when the phone already shows it.

    The phone sends what it shows (?v=phase_version&k=stage key, from #phone-shown): polled as a
    fallback when the WebSocket cannot open, and fetched when the socket says that something
    changed. A 204 swaps nothing. When the version moved on but the phone shows the same form
    stage (the clock started during scoring, say), only #phone-shown is updated out of band, so
    a half-filled form stays as it is. Without parameters (an old page) the stage is sent.
    """
    # Most polls find nothing new: the lean lookup answers those; a new stage reads it all.
    participant = phone_participant(request, code, lean=True)
    if participant is None:
        if request.htmx:
            return HttpResponseClientRedirect(reverse("join", args=[code]))
        return redirect("join", code=code)
    shown_version = request.GET.get("v")
    if shown_version == str(participant.session.phase_version):
        return HttpResponse(status=204)
    participant = phone_participant(request, code)
    if participant is None:  # left between the two reads
        return redirect("join", code=code)
    session = participant.session
    if not request.htmx:
        return redirect("phone", code=session.code)
    speak_session_language(request, session)
    key = _stage_key(session)
    if shown_version is not None and request.GET.get("k") == key and session.phase in FORM_STAGES:
        context = {"phase_version": session.phase_version, "stage_key": key, "oob": True}
        context.update(spotlight_context(session))  # swapped in out of band too (_shown.html)
        context["spotlight_changed"] = request.GET.get("s") != context["spotlight_key"]
        response = render(request, "sessions/phone/_shown.html", context)
        response["HX-Reswap"] = "none"
        return response
    # What the phone showed (k) tells which round it was in: said once, if left half done.
    context = _stage_context(participant, shown_key=request.GET.get("k"))
    return render(request, "sessions/phone/stage.html", context)


def _stage_context(participant: Participant, shown_key: str | None = None) -> dict:
    session = participant.session
    # Its texts in the phone's language; a copy: the instrument itself is kept per worker.
    session.instrument = translation.localized(session.instrument)
    context = {
        "session": session,
        "participant": participant,
        "code": session.code,
        "phase_version": session.phase_version,
        "stage": session.phase,
        "stage_key": _stage_key(session),
        "partner_types": partner_types.choices(session.instrument),
    }
    context.update(spotlight_context(session))  # the projector's prompt, above the stage
    context["round_closed"] = _rounds_left_half_done(participant, shown_key, context["stage_key"])
    if context["stage"] == "lobby":
        context["answer_count"] = Response.objects.filter(participant=participant).count()
    elif context["stage"] == "scoring":
        context["themes"] = _open_themes(participant)
        context["progress"] = {
            "done": sum(t["done"] for t in context["themes"]),
            "total": sum(t["total"] for t in context["themes"]),
        }
    elif context["stage"] == "priorities":
        context["vote"] = _choice_block(
            None,
            answers.session_vote_options(session),
            answers.SESSION_VOTE_MAX,
            answers.choices_of(participant).get(None, set()),
        )
    elif context["stage"] == "followup":
        # Read-only, live: every change to the agreements bumps phase_version (agreements.py).
        context.update(agreements.list_context(session))
        context["clock"] = timer.session_state(session)
    elif context["stage"] == "closed":
        context.update(agreements.list_context(session))
    return context


def _stage_key(session: Session) -> str:
    """What decides the form on the phone: the stage, and in scoring which themes are open."""
    stage = session.phase
    if stage == "scoring":
        if session.scoring_mode == Session.Mode.ALL:
            return "scoring-all"
        return f"scoring-{session.current_theme_id or 0}"
    return stage


def _open_themes(participant: Participant) -> list[dict]:
    """The open themes with what this participant answered before; closed rounds show nothing."""
    session = participant.session
    instrument = session.instrument
    open_ids = lifecycle.open_themes(session)
    if not open_ids:
        return []
    stored = answers.answers_of(participant)
    picks = answers.choices_of(participant)
    pairs = answers.balances_of(participant)
    answerable = (Item.Kind.STATEMENT, Item.Kind.PRIORITY, Item.Kind.BALANCE, Item.Kind.OPEN)
    items_by_theme: dict[int, list[Item]] = {}
    for item in Item.objects.filter(theme_id__in=open_ids, kind__in=answerable).select_related(
        "theme"
    ):
        items_by_theme.setdefault(item.theme_id, []).append(translation.localized(item))

    themes = []
    for theme in instrument.themes.filter(pk__in=open_ids):
        theme = translation.localized(theme)
        items = items_by_theme.get(theme.pk, [])
        if not items:  # a theme of prompts only: nothing to answer on a phone
            continue
        statements, priorities, balances, opens = [], [], [], []
        for item in items:
            if item.is_statement:
                statements.append(_statement(instrument, item, stored))
            elif item.is_balance:
                balances.append(_balance_block(instrument, item, pairs.get(item.pk)))
            elif item.is_open:  # typed answers (open_answers.py)
                opens.extend(open_answers.phone_fields(item))
            else:
                picked = picks.get(item.pk, set())
                priorities.append(_choice_block(item, item.choices, item.max_choices, picked))
        counted = [item for item in items if item.kind in COUNTED]
        themes.append(
            {
                "theme": theme,
                "statements": statements,
                "priorities": priorities,
                "balances": balances,
                "opens": opens,
                # Progress: "3 van 4" beside the title; phone.js counts on as taps are saved.
                "done": sum(_is_answered(i.pk, i.kind, stored, picks, pairs) for i in counted),
                "total": len(counted),
            }
        )
    return themes


# What counts in a phone's progress: the questions with an answer to give ("weet ik niet" is one).
# Open questions are optional words, not counted.
COUNTED = (Item.Kind.STATEMENT, Item.Kind.PRIORITY, Item.Kind.BALANCE)
SHOWN_ROUND = re.compile(r"scoring-([1-9][0-9]{0,17})")


def _is_answered(item_id: int, kind: str, stored: dict, picks: dict, pairs: dict) -> bool:
    if kind == Item.Kind.STATEMENT:
        return item_id in stored
    if kind == Item.Kind.BALANCE:
        return item_id in pairs
    return bool(picks.get(item_id))


def _rounds_left_half_done(
    participant: Participant, shown_key: str | None, stage_key: str
) -> list[dict]:
    """The rounds the phone showed (its stage key) that have closed since, where this participant
    answered some but not all: told once, on the first stage after (the next one sends its own
    key). Only their own counts, never anyone else's."""
    if not shown_key or shown_key == stage_key or not shown_key.startswith("scoring-"):
        return []
    session = participant.session
    structure = results.instrument_structure(session.instrument)
    if shown_key == "scoring-all":
        shown = {theme.id for theme in structure}
    else:
        match = SHOWN_ROUND.fullmatch(shown_key)
        shown = {int(match.group(1))} if match else set()
    closed = shown - set(lifecycle.open_themes(session, [theme.id for theme in structure]))
    if not closed:
        return []
    stored = answers.answers_of(participant)
    picks = answers.choices_of(participant)
    pairs = answers.balances_of(participant)
    told = []
    # The structure's titles are in the active language: the phone's (speak_session_language).
    for theme in structure:
        counted = [item for item in theme.items if item.kind in COUNTED]
        if theme.id not in closed or not counted:
            continue
        done = sum(_is_answered(i.id, i.kind, stored, picks, pairs) for i in counted)
        if 0 < done < len(counted):
            told.append({"theme": theme, "done": done, "total": len(counted)})
    return told


def _statement(instrument, item: Item, stored: dict) -> dict:
    answered = item.pk in stored
    value = stored.get(item.pk)
    points = [
        {
            "value": point,
            "label": instrument.scale_label(point),
            "checked": answered and value == point,
        }
        for point in instrument.scale_points
    ]
    return {
        "item": item,
        "field": f"item-{item.pk}",
        "points": points,
        "low_label": instrument.scale_label(instrument.scale_min),
        "high_label": instrument.scale_label(instrument.scale_max),
        "dont_know": instrument.dont_know_label,
        "dont_know_value": answers.DONT_KNOW,
        "dont_know_checked": answered and value is None,
    }


def _balance_block(instrument, item: Item, pair: tuple[int, int] | None) -> dict:
    """A balance item's two questions, each a scale, with the participant's own pair checked."""
    labels = dict(item.choices)
    sides = []
    for name, label, chosen in (
        ("brings", labels.get("brings") or _("Wat brengt jouw organisatie in?"), pair and pair[0]),
        ("gets", labels.get("gets") or _("Wat haalt jouw organisatie eruit?"), pair and pair[1]),
    ):
        points = [
            {"value": p, "label": instrument.scale_label(p), "checked": chosen == p}
            for p in instrument.scale_points
        ]
        sides.append({"name": name, "label": label, "points": points})
    return {
        "item": item,
        "key": f"item-{item.pk}",
        "sides": sides,
        "low_label": instrument.scale_label(instrument.scale_min),
        "high_label": instrument.scale_label(instrument.scale_max),
    }


def _choice_block(item: Item | None, options, maximum, picked: set[str]) -> dict:
    return {
        "item": item,
        "key": f"item-{item.pk}" if item is not None else "vote",
        "options": [
            {"key": key, "label": label, "checked": key in picked} for key, label in options
        ],
        "max": maximum,
        # Options that ask for text ("Anders, namelijk:"): their own small forms.
        "texts": open_answers.phone_fields(item) if item is not None else [],
    }


# Answers ----------------------------------------------------------------------------------------


def _post_data(request: HttpRequest):
    """request.POST, or Invalid when the body is bigger than a phone ever sends."""
    try:
        return request.POST
    except (TooManyFieldsSent, RequestDataTooBig):
        raise Invalid(_("Er is te veel tegelijk verstuurd.")) from None


def _parse_answers(data) -> dict[int, str]:
    """item-<id>=<value> fields, strictly: anything else in the body refuses the whole request."""
    if len(data) > MAX_FIELDS + 1:
        raise Invalid(_("Er is te veel tegelijk verstuurd."))
    parsed: dict[int, str] = {}
    for key, values in data.lists():
        if key == CSRF_FIELD:
            continue
        match = ITEM_FIELD.fullmatch(key)
        if match is None:
            raise Invalid(_("Dit antwoord kunnen we niet lezen."))
        if len(values) != 1 or not values[0].isascii() or len(values[0]) > 10:
            raise Invalid(_("Dit antwoord kunnen we niet lezen."))
        parsed[int(match.group(1))] = values[0]
    if not parsed:
        raise Invalid(_("Er is geen antwoord meegestuurd."))
    return parsed


@phone_action
def answer(request: HttpRequest, participant: Participant) -> HttpResponse:
    """Store one or more scores: on change with htmx, or a whole theme from the plain form."""
    values = _parse_answers(_post_data(request))
    answers.answer_many(participant, values)
    if request.htmx:
        return render(request, "sessions/phone/_status.html", {"message": _("opgeslagen")})
    return _saved(request, participant, anchor=f"item-{next(iter(values))}")


def _parse_choice(data) -> tuple[int | None, list[str]]:
    if len(data) > MAX_FIELDS + 2:
        raise Invalid(_("Er is te veel tegelijk verstuurd."))
    if set(data) - {CSRF_FIELD, "item", "option"}:
        raise Invalid(_("Deze keuze kunnen we niet lezen."))
    item_values = data.getlist("item")
    options = data.getlist("option")
    if len(item_values) > 1 or len(options) > MAX_FIELDS:
        raise Invalid(_("Deze keuze kunnen we niet lezen."))
    item_id = None
    if item_values:
        if not ITEM_ID.fullmatch(item_values[0]):
            raise Invalid(_("Deze keuze kunnen we niet lezen."))
        item_id = int(item_values[0])
    if any(len(option) > 80 for option in options):
        raise Invalid(_("Die keuze bestaat niet."))
    return item_id, options


def _put_back_picks(request, participant: Participant, exc, response: HttpResponse) -> None:
    """The boxes on screen may no longer match what is stored (one too many ticked): put the
    stored picks back next to the message."""
    if not request.htmx:
        return
    try:
        raw_item = _post_data(request).get("item", "")
    except Invalid:  # a body too big to read: there is no vote to put back
        return
    item_id = int(raw_item) if ITEM_ID.fullmatch(raw_item) else None
    block = _stored_choice_block(participant, item_id)
    if block is not None:
        response.content += render(
            request, "sessions/phone/_choice_fields.html", {"block": block, "oob": True}
        ).content


@phone_action(refused=_put_back_picks)
def choose(request: HttpRequest, participant: Participant) -> HttpResponse:
    """Replace the picks in one vote: a priority item, or (without item) the session's own vote."""
    item_id, options = _parse_choice(_post_data(request))
    answers.choose(participant, item_id, options)
    if request.htmx:
        return render(request, "sessions/phone/_status.html", {"message": _("opgeslagen")})
    anchor = f"item-{item_id}" if item_id else "vote"
    return _saved(request, participant, anchor=anchor)


def _stored_choice_block(participant: Participant, item_id: int | None) -> dict | None:
    picked = answers.choices_of(participant).get(item_id, set())
    if item_id is None:
        session = participant.session
        if session.phase != Phase.PRIORITIES:
            return None
        options = answers.session_vote_options(session)
        return _choice_block(None, options, answers.SESSION_VOTE_MAX, picked)
    item = answers.priority_item(participant.session, item_id)
    if item is None:
        return None
    return _choice_block(item, translation.item_choices(item), item.max_choices, picked)


def _parse_balance(data) -> tuple[int, str, str]:
    """item, brings and gets, each at most once; anything else refuses the whole request."""
    if set(data) - {CSRF_FIELD, "item", "brings", "gets"}:
        raise Invalid(_("Dit antwoord kunnen we niet lezen."))
    values = {}
    for key in ("item", "brings", "gets"):
        given = data.getlist(key)
        if len(given) > 1 or any(not v.isascii() or len(v) > 10 for v in given):
            raise Invalid(_("Dit antwoord kunnen we niet lezen."))
        values[key] = given[0] if given else ""
    if not ITEM_ID.fullmatch(values["item"]):
        raise Invalid(_("Dit antwoord kunnen we niet lezen."))
    return int(values["item"]), values["brings"], values["gets"]


@phone_action
def balance(request: HttpRequest, participant: Participant) -> HttpResponse:
    """Store what one's own organisation brings and gets: on change with htmx, or the form."""
    item_id, brings, gets = _parse_balance(_post_data(request))
    answers.answer_balance(participant, item_id, brings, gets)
    if request.htmx:
        return render(request, "sessions/phone/_status.html", {"message": _("opgeslagen")})
    return _saved(request, participant, anchor=f"item-{item_id}")


@phone_action
def profile(request: HttpRequest, participant: Participant) -> HttpResponse:
    """The partner type, optional, changeable from the lobby."""
    if participant.session.is_closed:
        raise NotAllowed(_("Deze sessie is afgesloten."))
    participation.update_profile(
        participant, partner_type=request.POST.get("partner_type", "")[:40]
    )
    return _saved(request, participant)


def _saved(request: HttpRequest, participant: Participant, anchor: str = "") -> HttpResponse:
    messages.success(request, _("Opgeslagen"))
    url = reverse("phone", args=[participant.session.code])
    response = redirect(f"{url}#{anchor}" if anchor else url)
    response.status_code = 303
    return response

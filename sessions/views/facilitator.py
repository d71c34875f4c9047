"""The facilitator's side: create a session, run it from the dashboard, show the projector.

Only the session's own facilitator (or someone with the permission to see all, access.sees_all)
sees or controls it; anyone else gets a 404, so they learn nothing about it. Controls are small
POST views that redirect back; htmx requests get an empty answer instead, because the dashboard's
socket brings the change to every screen.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from instruments import translation as instrument_texts
from instruments.models import Instrument
from reflectie.free_text import FreeTextField
from reflectie.netinfo import join_base_url

from .. import lifecycle, notes, qr, round_progress, screens
from ..access import sees_all, sessions_for, shared_partnership_ids
from ..errors import Invalid, Refused
from ..models import Partnership, Session
from . import deletion
from .decorators import done, session_view


class NewSessionForm(forms.Form):
    instrument = forms.ModelChoiceField(
        label=_("Instrument"),
        queryset=Instrument.objects.none(),
        empty_label=None,
        error_messages={
            "required": _("Kies een instrument."),
            "invalid_choice": _("Kies een instrument uit de lijst."),
        },
    )
    title = FreeTextField(
        label=_("Titel van de sessie"),
        max_length=200,
        error_messages={"required": _("Geef de sessie een titel.")},
    )
    partnership_name = FreeTextField(
        label=_("Samenwerkingsverband"),
        max_length=200,
        help_text=_("Sessies van hetzelfde samenwerkingsverband worden met elkaar vergeleken."),
        error_messages={"required": _("Vul het samenwerkingsverband in.")},
        widget=forms.TextInput(attrs={"list": "partnerships", "autocomplete": "off"}),
    )
    scoring_mode = forms.ChoiceField(
        label=_("Scoren"),
        choices=Session.Mode.choices,
        initial=Session.Mode.THEME,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Kies hoe er gescoord wordt.")},
    )
    conversation_only = forms.BooleanField(
        label=_("Alleen het gesprek, zonder scores"),
        required=False,
        help_text=_(
            "Deelnemers scoren niets op hun telefoon; de projector loopt de stellingen langs "
            "met hun achtergrond en de aantekeningen."
        ),
    )

    language = forms.ChoiceField(
        label=_("Taal van de sessie"),
        # Each language in its own name, as language pickers do: "Nederlands", "English".
        choices=[
            (code, get_language_info(code)["name_local"]) for code, _name in settings.LANGUAGES
        ],
        initial=settings.LANGUAGE_CODE,
        help_text=_("In deze taal verschijnen de projector en het verslag (PDF)."),
        error_messages={"invalid_choice": _("Kies Nederlands of Engels.")},
        # Left out (an older form, a script): the site's language.
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["instrument"].queryset = Instrument.objects.latest_versions()
        # Named in the facilitator's language where the instrument carries a translation.
        self.fields["instrument"].label_from_instance = lambda i: instrument_texts.own(i, "name")

    def clean_language(self) -> str:
        return self.cleaned_data.get("language") or settings.LANGUAGE_CODE


@login_required
def session_list(request: HttpRequest) -> HttpResponse:
    sessions = sessions_for(request.user).select_related("instrument", "partnership", "facilitator")
    context = {
        "sessions": sessions,
        "sees_all": sees_all(request.user),
        "partnerships": deletion.partnership_list(request.user),
        "user_id": request.user.pk,
    }
    return render(request, "sessions/facilitator/session_list.html", context)


@login_required
def new_session(request: HttpRequest) -> HttpResponse:
    form = NewSessionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                session = lifecycle.create_session(
                    request.user,
                    form.cleaned_data["instrument"],
                    title=form.cleaned_data["title"],
                    partnership_name=form.cleaned_data["partnership_name"],
                    scoring_mode=form.cleaned_data["scoring_mode"],
                    language=form.cleaned_data["language"],
                    conversation_only=form.cleaned_data["conversation_only"],
                )
            except Refused as exc:  # shown on the form, with what was typed
                form.add_error(None, exc.message)
                status = exc.status
            else:
                return redirect("session_dashboard", session.pk)
    # Own and shared partnerships only, also for someone who sees all: create_session files
    # the session under one of those by name, so another's name would not link to it.
    partnerships = (
        Partnership.objects.filter(pk__in=shared_partnership_ids(request.user.pk))
        .values_list("name", flat=True)
        .distinct()
    )
    return render(
        request,
        "sessions/facilitator/new_session.html",
        {"form": form, "partnerships": partnerships},
        status=status,
    )


@session_view(methods=("GET",))
def dashboard(request: HttpRequest, session: Session) -> HttpResponse:
    join_base = join_base_url(request)
    screens.remember_page(session.pk, join_base=join_base, language=translation.get_language())
    context = screens.page_context(session, "facilitator", join_base=join_base)
    # Static page HTML, not a live fragment: a socket update would wipe what is being typed.
    context["notes"] = notes.editors_by_theme(session)
    return render(request, "sessions/facilitator/dashboard.html", context)


@session_view(methods=("GET",))
def projector(request: HttpRequest, session: Session) -> HttpResponse:
    join_base = join_base_url(request)
    screens.remember_page(session.pk, join_base=join_base)
    # The room reads the projector: it speaks the session's language, as its live updates do.
    with translation.override(screens.screen_language(session, "projector")):
        context = screens.page_context(session, "projector", join_base=join_base)
        return render(request, "sessions/projector/projector.html", context)


@session_view(methods=("GET",))
def qr_svg(request: HttpRequest, session: Session) -> HttpResponse:
    url = screens.join_url(join_base_url(request), session.code)
    response = HttpResponse(qr.qr_svg(url), content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=300"
    return response


# Controls: each is its service call; a refusal or "done" is answered by @session_view. ----------


def _theme_id(request: HttpRequest) -> int:
    raw = request.POST.get("theme", "")
    if not raw.isdigit():
        raise Invalid(_("Kies een thema."))
    return int(raw)


def _yes_no(request: HttpRequest, field: str, message) -> bool:
    raw = request.POST.get(field, "")
    if raw not in ("0", "1"):
        raise Invalid(message)
    return raw == "1"


def _moved_on(request, session: Session, before, said: str, anchor: str = "") -> HttpResponse:
    """After a round closed: the status line says who was still busy in it (if anyone)."""
    busy = round_progress.left_busy(before, session)
    if not busy:
        return done(request, session, anchor)
    message = f"{said} {busy}"
    if request.htmx:
        return HttpResponse(format_html('<p class="control-note">{}</p>', message))
    messages.info(request, message)
    return done(request, session, anchor)


@session_view
def set_phase(request: HttpRequest, session: Session) -> HttpResponse:
    before = round_progress.of_session(session.pk)
    lifecycle.set_phase(session, request.POST.get("phase", ""))
    said = _("Fase %(phase)s gekozen.") % {"phase": Session.Phase(session.phase).label}
    return _moved_on(request, session, before, said)


@session_view
def open_round(request: HttpRequest, session: Session) -> HttpResponse:
    theme_id = _theme_id(request)
    before = round_progress.of_session(session.pk)
    lifecycle.open_round(session, theme_id)
    said = _("Ronde %(theme)s geopend.") % {"theme": session.current_theme.title}
    return _moved_on(request, session, before, said, f"#theme-{theme_id}")


@session_view
def set_mode(request: HttpRequest, session: Session) -> None:
    lifecycle.set_scoring_mode(session, request.POST.get("mode", ""))


@session_view
def set_lock(request: HttpRequest, session: Session) -> None:
    lifecycle.set_locked(session, _yes_no(request, "locked", _("Kies open of gesloten.")))


@session_view
def reveal(request: HttpRequest, session: Session) -> HttpResponse:
    theme_id = _theme_id(request)
    shown = _yes_no(request, "shown", _("Kies tonen of verbergen."))
    lifecycle.set_revealed(session, theme_id, shown)
    return done(request, session, f"#theme-{theme_id}")

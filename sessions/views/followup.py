"""Follow-up pages: the clock, agreements, the look back, the report and its share links.

Facilitator views are @session_view: anyone else gets a 404 and learns nothing, and a refusal
is answered in place (the form again, with its message) or by refusal(). Forms work without
JavaScript (POST, then redirect); htmx requests get the fragment back instead. A refused request
answers 4xx with a message in the user's language and stores nothing.
"""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .. import agreements, calendar, history, participation, report, sharing, timer
from ..errors import Invalid, Refused
from ..models import Agreement, AgreementReview, Session
from .decorators import session_view
from .downloads import download
from .refusals import refusal

# Form fields that are not part of an agreement.
_CONTROL_FIELDS = {"csrfmiddlewaretoken"}


def _post_values(request: HttpRequest) -> dict[str, str]:
    """The posted fields as single strings; a field sent twice is refused, not guessed at."""
    values = {}
    for key in request.POST:
        if key in _CONTROL_FIELDS:
            continue
        sent = request.POST.getlist(key)
        if len(sent) != 1:
            raise Invalid(_("Het veld '%(name)s' is meer dan eens verstuurd.") % {"name": key[:40]})
        values[key] = sent[0]
    return values


def _part_or_page(request: HttpRequest, part: str, page: str, context: dict, status: int = 200):
    """htmx swaps the part of the page it targets; a plain request gets the whole page."""
    template = "sessions/followup/" + (part if request.htmx else page)
    return render(request, template, context, status=status)


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    # A path on this site only: redirect() would look up anything else as a view's name.
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


# The clock --------------------------------------------------------------------------------------


def timer_context(session: Session) -> dict:
    """What `_timer.html` and `_timer_controls.html` need."""
    return {"session": session, "timer": timer.session_state(session)}


def _timer_refused(request: HttpRequest, session: Session, exc: Refused) -> HttpResponse:
    if request.htmx:  # keep the clock on screen, with the message in it
        context = {**timer_context(session), "error": exc.message}
        return render(request, "sessions/followup/_timer_panel.html", context, status=exc.status)
    return refusal(request, exc)


@session_view(refused=_timer_refused)
def timer_control(request: HttpRequest, session: Session) -> HttpResponse:
    timer.apply(session, request.POST.get("action", ""), request.POST.get("minutes"))
    if request.htmx:
        return render(request, "sessions/followup/_timer_panel.html", timer_context(session))
    return redirect(_safe_next(request, reverse("session_agreements", args=[session.pk])))


# Agreements -------------------------------------------------------------------------------------


def _form_fields(session: Session, values: dict[str, str]) -> list[dict]:
    """The sheet's fields with what is filled in, and the choices of a theme field."""
    choices = None
    out = []
    for spec in agreements.fields_of(session):
        field = {**spec, "value": values.get(spec["key"], ""), "name": spec["key"]}
        if spec.get("kind") == "theme":
            if choices is None:
                choices = agreements.reference_choices(session)
            field["choices"] = choices
        out.append(field)
    return out


def _editor_context(
    session: Session, *, values=None, editing: Agreement | None = None, error: str = ""
) -> dict:
    context = {
        "session": session,
        "error": error,
        "editing": editing,
        "form_fields": _form_fields(session, values or {}),
        **agreements.list_context(session),
        **timer_context(session),
    }
    return context


def _editor(request: HttpRequest, session: Session, *, status: int = 200, **kwargs) -> HttpResponse:
    context = _editor_context(session, **kwargs)
    return _part_or_page(request, "_agreements_editor.html", "agreements.html", context, status)


def _known_values(session: Session, data) -> dict[str, str]:
    """What to show again in the form after a refusal: the sheet's fields only."""
    keys = {f["key"] for f in agreements.fields_of(session)}
    return {k: str(data.get(k, ""))[: agreements.MAX_TEXT * 2] for k in keys if k in data}


def _saved(request: HttpRequest, session: Session, message: str) -> HttpResponse:
    if request.htmx:
        return _editor(request, session, values={})
    messages.success(request, message)
    return redirect("session_agreements", session.pk)


def _editor_refused(
    request: HttpRequest, session: Session, exc: Refused, *, editing=None, **_kwargs
) -> HttpResponse:
    """The editor again, with the message and, after a failed save, what was typed."""
    values = _known_values(session, request.POST) if request.method == "POST" else {}
    return _editor(
        request, session, status=exc.status, values=values, editing=editing, error=exc.message
    )


def _edit_refused(
    request: HttpRequest, session: Session, exc: Refused, agreement_id: int
) -> HttpResponse:
    editing = Agreement.objects.filter(session=session, pk=agreement_id).first()
    return _editor_refused(request, session, exc, editing=editing)


@session_view(methods=("GET", "POST"), refused=_editor_refused)
def agreements_page(request: HttpRequest, session: Session) -> HttpResponse:
    """The list, and a form for a new agreement (prefilled from ?keuze=theme:<key> or item:<id>)."""
    if request.method == "POST":
        agreements.create(session, _post_values(request))
        return _saved(request, session, _("De afspraak is toegevoegd."))

    values, editing = {}, None
    choice = request.GET.get("keuze")
    if choice:
        values = agreements.agreement_from_priority(session, choice)
    edit_id = request.GET.get("bewerk", "")
    if edit_id.isdigit():
        editing = Agreement.objects.filter(session=session, pk=int(edit_id)).first()
        if editing is not None:
            values = {k: str(v) for k, v in editing.fields.items()}
    return _editor(request, session, values=values, editing=editing)


@session_view(refused=_edit_refused)
def agreement_edit(request: HttpRequest, session: Session, agreement_id: int) -> HttpResponse:
    if not Agreement.objects.filter(session=session, pk=agreement_id).exists():
        raise Http404
    agreements.update(session, agreement_id, _post_values(request))
    return _saved(request, session, _("De afspraak is bijgewerkt."))


@session_view(refused=_editor_refused)
def agreement_delete(request: HttpRequest, session: Session, agreement_id: int) -> HttpResponse:
    agreements.delete(session, agreement_id)
    return _saved(request, session, _("De afspraak is verwijderd."))


@session_view(refused=_editor_refused)
def agreement_move(request: HttpRequest, session: Session, agreement_id: int) -> HttpResponse:
    agreements.move(session, agreement_id, request.POST.get("direction", ""))
    return _saved(request, session, _("De volgorde is aangepast."))


@session_view(refused=_editor_refused)
def agreements_reorder(request: HttpRequest, session: Session) -> HttpResponse:
    """For drag and drop: `order` lists every agreement id once, in the new order."""
    agreements.reorder(session, request.POST.getlist("order"))
    return _saved(request, session, _("De volgorde is aangepast."))


# Looking back at earlier agreements -------------------------------------------------------------


def _review_response(
    request: HttpRequest, session: Session, *, status: int = 200, error: str = "", saved=None
) -> HttpResponse:
    context = {
        "session": session,
        "earlier": history.earlier_agreements(session),
        "previous": history.previous_session(session),
        "statuses": AgreementReview.Status.choices,
        "error": error,
        "saved": saved,
    }
    return _part_or_page(request, "_review_list.html", "review.html", context, status)


def _review_refused(request: HttpRequest, session: Session, exc: Refused) -> HttpResponse:
    return _review_response(request, session, status=exc.status, error=exc.message)


@session_view(methods=("GET", "POST"), refused=_review_refused)
def review_page(request: HttpRequest, session: Session) -> HttpResponse:
    if request.method == "GET":
        return _review_response(request, session)
    reviewed = history.review(
        session,
        request.POST.get("agreement", ""),
        request.POST.get("status", ""),
        request.POST.get("note", ""),
    )
    if request.htmx:
        return _review_response(request, session, saved=reviewed.agreement_id)
    messages.success(request, _("De terugblik is opgeslagen."))
    return redirect(
        reverse("session_review", args=[session.pk]) + f"#afspraak-{reviewed.agreement_id}"
    )


# The report -------------------------------------------------------------------------------------


def _pdf(session: Session) -> HttpResponse:
    return download(
        report.pdf_for_download(session),
        "application/pdf",
        report.filename(session, "pdf"),
    )


@session_view(methods=("GET",))
def report_pdf(request: HttpRequest, session: Session) -> HttpResponse:
    """The facilitator's copy, at any moment (also during the session, to check it)."""
    return _pdf(session)


@session_view(methods=("GET",))
def results_csv(request: HttpRequest, session: Session) -> HttpResponse:
    # The byte order mark makes spreadsheet programs read the file as UTF-8.
    body = ("\ufeff" + report.render_csv(session)).encode("utf-8")
    return download(
        body,
        "text/csv; charset=utf-8",
        report.filename(session, "csv"),
    )


@require_GET
def shared_report_pdf(request: HttpRequest, token: str) -> HttpResponse:
    """Anyone with a valid, unrevoked link; a wrong or revoked one is a plain 404."""
    session = sharing.session_for_token(token)
    if session is None:
        raise Http404
    return _pdf(session)


def _phone_file(build):
    """A file for a phone that took part, once the session is closed (sharing's one rule):
    ``build(session)`` answers; a refusal gets the phone's refusal page."""

    @require_GET
    @wraps(build)
    def view(request: HttpRequest, code: str) -> HttpResponse:
        try:
            token = participation.device_token(request.COOKIES, code)
            return build(sharing.session_for_device(code, token))
        except Refused as exc:
            return refusal(request, exc, phone=True, code=code, fragment=False)

    return view


@_phone_file
def phone_report_pdf(session: Session) -> HttpResponse:
    """A phone that took part gets the report once the session is closed."""
    return _pdf(session)


# Agreements in a calendar -----------------------------------------------------------------------


def _ics(body: bytes, name: str) -> HttpResponse:
    return download(body, "text/calendar; charset=utf-8", name)


@session_view(methods=("GET",))
def agreements_ics(request: HttpRequest, session: Session) -> HttpResponse:
    """Every dated agreement of the session; a refusal when none has a date."""
    return _ics(calendar.session_calendar(session), calendar.filename(session))


@session_view(methods=("GET",))
def agreement_ics(request: HttpRequest, session: Session, agreement_id: int) -> HttpResponse:
    body = calendar.agreement_calendar(session, agreement_id)
    return _ics(body, calendar.filename(session, agreement_id))


@_phone_file
def phone_agreements_ics(session: Session) -> HttpResponse:
    """The same file as the facilitator's, under the report's rule for phones."""
    return _ics(calendar.session_calendar(session), calendar.filename(session))


# Share links ------------------------------------------------------------------------------------


def _share_url(request: HttpRequest, token: str) -> str:
    path = reverse("shared_report_pdf", args=[token])
    site = settings.SITE_URL
    return f"{site}{path}" if site else request.build_absolute_uri(path)


def _share_response(
    request: HttpRequest, session: Session, *, new_url: str = "", error="", status: int = 200
) -> HttpResponse:
    context = {
        "session": session,
        "links": sharing.links(session),
        "new_url": new_url,
        "error": error,
    }
    return _part_or_page(request, "_share_links.html", "share.html", context, status)


def _share_refused(request: HttpRequest, session: Session, exc: Refused, **_kwargs) -> HttpResponse:
    return _share_response(request, session, status=exc.status, error=exc.message)


@never_cache
@session_view(methods=("GET", "POST"), refused=_share_refused)
def share_links(request: HttpRequest, session: Session) -> HttpResponse:
    """GET lists the links; POST makes one and shows it in this answer only (it is not stored)."""
    if request.method == "GET":
        return _share_response(request, session)
    _link, token = sharing.create_link(session)
    return _share_response(request, session, new_url=_share_url(request, token))


@session_view(refused=_share_refused)
def share_revoke(request: HttpRequest, session: Session, link_id: int) -> HttpResponse:
    sharing.revoke(session, link_id)
    if request.htmx:
        return _share_response(request, session)
    messages.success(request, _("De deellink is ingetrokken: hij werkt niet meer."))
    return redirect("session_share_links", session.pk)

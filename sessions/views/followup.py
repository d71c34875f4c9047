"""Follow-up pages: the clock, agreements, the look back, the report and its share links.

Facilitator views take the session through access.get_session_for_user, so anyone else gets a
404 and learns nothing. Forms work without JavaScript (POST, then redirect); htmx requests get
the fragment back instead. A refused request answers 4xx with a Dutch message and stores nothing.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import agreements, history, participation, report, sharing, timer
from ..access import get_session_for_user
from ..errors import Invalid, Refused
from ..models import Agreement, AgreementReview, Session
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


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


# The clock --------------------------------------------------------------------------------------


def timer_context(session: Session) -> dict:
    """What `_timer.html` and `_timer_controls.html` need."""
    return {"session": session, "timer": timer.session_state(session)}


@login_required
@require_POST
def timer_control(request: HttpRequest, session_id: int) -> HttpResponse:
    session = get_session_for_user(request.user, session_id)
    try:
        timer.apply(session, request.POST.get("action", ""), request.POST.get("minutes"))
    except Refused as exc:
        if request.htmx:  # keep the clock on screen, with the message in it
            context = {**timer_context(session), "error": exc.message}
            return render(
                request, "sessions/followup/_timer_panel.html", context, status=exc.status
            )
        return refusal(request, exc)
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
    template = (
        "sessions/followup/_agreements_editor.html"
        if request.htmx
        else "sessions/followup/agreements.html"
    )
    return render(request, template, _editor_context(session, **kwargs), status=status)


def _known_values(session: Session, data: dict[str, str]) -> dict[str, str]:
    """What to show again in the form after a refusal: the sheet's fields only."""
    keys = {f["key"] for f in agreements.fields_of(session)}
    return {k: v[: agreements.MAX_TEXT * 2] for k, v in data.items() if k in keys}


def _saved(request: HttpRequest, session: Session, message: str) -> HttpResponse:
    if request.htmx:
        return _editor(request, session, values={})
    messages.success(request, message)
    return redirect("session_agreements", session.pk)


@login_required
@require_http_methods(["GET", "POST"])
def agreements_page(request: HttpRequest, session_id: int) -> HttpResponse:
    """The list, and a form for a new agreement (prefilled from ?keuze=theme:<key> or item:<id>)."""
    session = get_session_for_user(request.user, session_id)
    if request.method == "POST":
        data = {}
        try:
            data = _post_values(request)
            agreements.create(session, data)
        except Refused as exc:
            values = _known_values(session, data)
            return _editor(request, session, status=exc.status, values=values, error=exc.message)
        return _saved(request, session, _("De afspraak is toegevoegd."))

    values, error, editing, status = {}, "", None, 200
    choice = request.GET.get("keuze")
    if choice:
        try:
            values = agreements.agreement_from_priority(session, choice)
        except Refused as exc:
            error, status = exc.message, exc.status
    edit_id = request.GET.get("bewerk", "")
    if edit_id.isdigit():
        editing = Agreement.objects.filter(session=session, pk=int(edit_id)).first()
        if editing is not None:
            values = {k: str(v) for k, v in editing.fields.items()}
    return _editor(request, session, status=status, values=values, editing=editing, error=error)


@login_required
@require_POST
def agreement_edit(request: HttpRequest, session_id: int, agreement_id: int) -> HttpResponse:
    session = get_session_for_user(request.user, session_id)
    editing = Agreement.objects.filter(session=session, pk=agreement_id).first()
    if editing is None:
        raise Http404
    data = {}
    try:
        data = _post_values(request)
        agreements.update(session, agreement_id, data)
    except Refused as exc:
        values = _known_values(session, data)
        return _editor(
            request, session, status=exc.status, values=values, editing=editing, error=exc.message
        )
    return _saved(request, session, _("De afspraak is bijgewerkt."))


@login_required
@require_POST
def agreement_delete(request: HttpRequest, session_id: int, agreement_id: int) -> HttpResponse:
    session = get_session_for_user(request.user, session_id)
    try:
        agreements.delete(session, agreement_id)
    except Refused as exc:
        return _editor(request, session, status=exc.status, error=exc.message)
    return _saved(request, session, _("De afspraak is verwijderd."))


@login_required
@require_POST
def agreement_move(request: HttpRequest, session_id: int, agreement_id: int) -> HttpResponse:
    session = get_session_for_user(request.user, session_id)
    try:
        agreements.move(session, agreement_id, request.POST.get("direction", ""))
    except Refused as exc:
        return _editor(request, session, status=exc.status, error=exc.message)
    return _saved(request, session, _("De volgorde is aangepast."))


@login_required
@require_POST
def agreements_reorder(request: HttpRequest, session_id: int) -> HttpResponse:
    """For drag and drop: `order` lists every agreement id once, in the new order."""
    session = get_session_for_user(request.user, session_id)
    try:
        agreements.reorder(session, request.POST.getlist("order"))
    except Refused as exc:
        return _editor(request, session, status=exc.status, error=exc.message)
    return _saved(request, session, _("De volgorde is aangepast."))


# Looking back at earlier agreements -------------------------------------------------------------


def _review_response(
    request: HttpRequest, session: Session, *, status: int = 200, error: str = "", saved=None
) -> HttpResponse:
    template = (
        "sessions/followup/_review_list.html" if request.htmx else "sessions/followup/review.html"
    )
    context = {
        "session": session,
        "earlier": history.earlier_agreements(session),
        "previous": history.previous_session(session),
        "statuses": AgreementReview.Status.choices,
        "error": error,
        "saved": saved,
    }
    return render(request, template, context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def review_page(request: HttpRequest, session_id: int) -> HttpResponse:
    session = get_session_for_user(request.user, session_id)
    if request.method == "POST":
        try:
            reviewed = history.review(
                session,
                request.POST.get("agreement", ""),
                request.POST.get("status", ""),
                request.POST.get("note", ""),
            )
        except Refused as exc:
            return _review_response(request, session, status=exc.status, error=exc.message)
        if request.htmx:
            return _review_response(request, session, saved=reviewed.agreement_id)
        messages.success(request, _("De terugblik is opgeslagen."))
        return redirect(
            reverse("session_review", args=[session.pk]) + f"#afspraak-{reviewed.agreement_id}"
        )
    return _review_response(request, session)


# The report -------------------------------------------------------------------------------------


def _download(body: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, name)
    # Results of a closed room: not for shared caches or search engines.
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _pdf(session: Session) -> HttpResponse:
    return _download(
        report.pdf_for_download(session),
        "application/pdf",
        report.filename(session, "pdf"),
    )


@login_required
@require_GET
def report_pdf(request: HttpRequest, session_id: int) -> HttpResponse:
    """The facilitator's copy, at any moment (also during the session, to check it)."""
    return _pdf(get_session_for_user(request.user, session_id))


@login_required
@require_GET
def results_csv(request: HttpRequest, session_id: int) -> HttpResponse:
    session = get_session_for_user(request.user, session_id)
    # The byte order mark makes spreadsheet programs read the file as UTF-8.
    body = ("\ufeff" + report.render_csv(session)).encode("utf-8")
    return _download(
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


@require_GET
def phone_report_pdf(request: HttpRequest, code: str) -> HttpResponse:
    """A phone that took part gets the report once the session is closed."""
    try:
        session = sharing.session_for_device(code, request.COOKIES.get(participation.COOKIE))
    except Refused as exc:
        return refusal(request, exc, fragment=False)
    return _pdf(session)


# Share links ------------------------------------------------------------------------------------


def _share_url(request: HttpRequest, token: str) -> str:
    path = reverse("shared_report_pdf", args=[token])
    site = getattr(settings, "SITE_URL", "")
    return f"{site}{path}" if site else request.build_absolute_uri(path)


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def share_links(request: HttpRequest, session_id: int) -> HttpResponse:
    """GET lists the links; POST makes one and shows it in this answer only (it is not stored)."""
    session = get_session_for_user(request.user, session_id)
    new_url, status, error = "", 200, ""
    if request.method == "POST":
        try:
            _link, token = sharing.create_link(session)
        except Refused as exc:
            status, error = exc.status, exc.message
        else:
            new_url = _share_url(request, token)
    template = (
        "sessions/followup/_share_links.html" if request.htmx else "sessions/followup/share.html"
    )
    context = {
        "session": session,
        "links": sharing.links(session),
        "new_url": new_url,
        "error": error,
    }
    return render(request, template, context, status=status)


@login_required
@require_POST
def share_revoke(request: HttpRequest, session_id: int, link_id: int) -> HttpResponse:
    session = get_session_for_user(request.user, session_id)
    try:
        sharing.revoke(session, link_id)
    except Refused as exc:
        if request.htmx:
            context = {"session": session, "links": sharing.links(session), "error": exc.message}
            return render(
                request, "sessions/followup/_share_links.html", context, status=exc.status
            )
        return refusal(request, exc)
    if request.htmx:
        context = {"session": session, "links": sharing.links(session), "new_url": "", "error": ""}
        return render(request, "sessions/followup/_share_links.html", context)
    messages.success(request, _("De deellink is ingetrokken: hij werkt niet meer."))
    return redirect("session_share_links", session.pk)

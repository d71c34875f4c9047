"""A partnership's own page: its history, its members, its PDF and the next session.

Its owner and members see it (access.partnerships_for); anyone else gets a 404. Only the owner
adds or removes members; a member may leave.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .. import partnership_report, partnerships
from ..access import get_partnership_for_user, is_member
from ..errors import Refused
from .downloads import download
from .refusals import refusal


@login_required
@require_GET
def page(request: HttpRequest, partnership_id: int) -> HttpResponse:
    partnership = get_partnership_for_user(request.user, partnership_id)
    return _page(request, partnership)


def _page(request, partnership, *, error: str = "", status: int = 200) -> HttpResponse:
    overview = partnerships.overview(partnership)
    context = {
        "partnership": partnership,
        "overview": overview,
        "members": partnerships.members(partnership),
        "is_owner": partnership.owner_id == request.user.pk,
        "can_run": is_member(request.user, partnership),
        "last_session": overview.last,
        "member_error": error,
    }
    return render(request, "sessions/facilitator/partnership.html", context, status=status)


@login_required
@require_POST
def add_member(request: HttpRequest, partnership_id: int) -> HttpResponse:
    partnership = get_partnership_for_user(request.user, partnership_id)
    try:
        partnerships.add_member(partnership, request.user, request.POST.get("username", ""))
    except Refused as exc:  # shown at the form, with the page around it
        return _page(request, partnership, error=exc.message, status=exc.status)
    messages.success(request, _("De collega is toegevoegd."))
    return redirect("partnership_page", partnership.pk)


@login_required
@require_POST
def remove_member(request: HttpRequest, partnership_id: int, user_id: int) -> HttpResponse:
    partnership = get_partnership_for_user(request.user, partnership_id)
    try:
        partnerships.remove_member(partnership, request.user, user_id)
    except Refused as exc:
        return refusal(request, exc)
    if user_id == request.user.pk:
        messages.success(request, _("Je bent geen lid meer van dit samenwerkingsverband."))
        return redirect("session_list")
    messages.success(request, _("De collega is verwijderd."))
    return redirect("partnership_page", partnership.pk)


@login_required
@require_POST
def next_session(request: HttpRequest, partnership_id: int) -> HttpResponse:
    partnership = get_partnership_for_user(request.user, partnership_id)
    if not is_member(request.user, partnership):  # seeing all is not running others' sessions
        return refusal(request, partnerships.not_a_member())
    try:
        session = partnerships.next_session(partnership, request.user)
    except Refused as exc:
        return refusal(request, exc)
    messages.success(request, _("De nieuwe sessie staat klaar."))
    return redirect("session_dashboard", session.pk)


@login_required
@require_GET
def report_pdf(request: HttpRequest, partnership_id: int) -> HttpResponse:
    partnership = get_partnership_for_user(request.user, partnership_id)
    return download(
        partnership_report.render_pdf(partnership),
        "application/pdf",
        partnership_report.filename(partnership),
    )

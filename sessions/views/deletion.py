"""Deleting by hand: a session, a partnership with its sessions, one participant.

Each is a confirmation page (GET: what goes, and a form with the button) and the deletion
(POST, CSRF-protected like every form). Anyone who does not control what they ask for gets a
404, so they learn nothing of it. The work is in sessions/retention.py and sessions/tallies.py.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from instruments import partner_types

from .. import access, retention, tallies
from ..errors import NotAllowed, NotFound
from ..models import Participant, Partnership, Session
from .decorators import session_view

# Sessions ---------------------------------------------------------------------------------------


@session_view(methods=("GET", "POST"))
def delete_session(request: HttpRequest, session: Session) -> HttpResponse:
    if not access.may_delete(request.user, session):
        raise NotAllowed(
            _("Alleen wie de sessie leidde of de eigenaar van het verband kan haar verwijderen.")
        )
    if request.method == "POST":
        retention.delete_session(session)
        messages.success(request, _("De sessie is verwijderd."))
        return redirect("session_list")
    context = {"session": session, "summary": retention.session_summary(session)}
    return render(request, "sessions/facilitator/delete_session.html", context)


# Partnerships -----------------------------------------------------------------------------------


def partnerships_for_user(user) -> QuerySet[Partnership]:
    """The partnerships this user may delete: their own. The one rule here; to let the
    view-all permission delete others' too, return ``access.partnerships_for(user)``."""
    return Partnership.objects.filter(owner_id=user.pk)


def _get_partnership_for_user(user, partnership_id: int) -> Partnership:
    """The partnership if this user may delete it; 404 otherwise, so others learn nothing."""
    partnership = partnerships_for_user(user).filter(pk=partnership_id).first()
    if partnership is None:
        raise Http404
    return partnership


def partnership_list(user) -> QuerySet[Partnership]:
    """For the session list: the partnerships this user sees (own, shared, or all with the
    permission) with how many sessions each has. Only the owner's get a delete link."""
    return access.partnerships_for(user).annotate(session_count=Count("sessions"))


@login_required
@require_http_methods(["GET", "POST"])
def delete_partnership(request: HttpRequest, partnership_id: int) -> HttpResponse:
    partnership = _get_partnership_for_user(request.user, partnership_id)
    if request.method == "POST":
        retention.delete_partnership(partnership)
        messages.success(request, _("Het samenwerkingsverband en al zijn sessies zijn verwijderd."))
        return redirect("session_list")
    context = {
        "partnership": partnership,
        "sessions": partnership.sessions.order_by("-created_at"),
        "summary": retention.partnership_summary(partnership),
    }
    return render(request, "sessions/facilitator/delete_partnership.html", context)


# Participants -----------------------------------------------------------------------------------


def _numbered(session: Session) -> list[Participant]:
    """Participants in order of joining, each with ``number`` (1, 2, ...) and ``answered``
    (how many statements they answered) and ``partner_label``. Never their scores."""
    participants = list(
        session.participants.annotate(answered=Count("responses")).order_by("joined_at", "pk")
    )
    labels = dict(partner_types.choices(session.instrument))
    for number, participant in enumerate(participants, start=1):
        participant.number = number
        participant.partner_label = labels.get(participant.partner_type, participant.partner_type)
    return participants


@session_view(methods=("GET",))
def participants(request: HttpRequest, session: Session) -> HttpResponse:
    context = {"session": session, "participants": _numbered(session)}
    return render(request, "sessions/facilitator/participants.html", context)


@session_view(methods=("GET", "POST"))
def remove_participant(request: HttpRequest, session: Session, participant_id: int):
    participant = next((p for p in _numbered(session) if p.pk == participant_id), None)
    if participant is None:
        raise NotFound(_("Deze deelnemer bestaat niet (meer) in deze sessie."))
    if request.method == "POST":
        tallies.withdraw(participant)
        # No number: the numbers of those who joined later move up by one.
        messages.success(request, _("De deelnemer is verwijderd."))
        return redirect("session_participants", session.pk)
    context = {"session": session, "participant": participant}
    return render(request, "sessions/facilitator/remove_participant.html", context)

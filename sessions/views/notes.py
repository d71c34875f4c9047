"""Notes per theme: saved from the dashboard or from a co-writer's page on a second device.

Whoever controls the session (its facilitator, a member of its partnership) may write; anyone
else gets a 404 from ``session_view``. The editors are plain page HTML, never a fragment the
socket swaps: a live update would wipe what is being typed.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

from .. import notes
from ..errors import Invalid
from ..models import Session
from .decorators import session_view

# Where a form without JavaScript goes back to, by name: never a URL from the request.
BACK = {"dashboard": "session_dashboard", "notes": "session_notes"}


@session_view
def save_note(request: HttpRequest, session: Session, theme_id: int) -> HttpResponse:
    text = request.POST.get("text")
    if text is None:
        raise Invalid(_("Er zijn geen aantekeningen meegestuurd."))
    note = notes.save(session, theme_id, text)
    if request.htmx:  # into the editor's status line (an aria-live region)
        saved_at = timezone.localtime(note.updated_at).strftime("%H:%M")
        return HttpResponse(escape(_("Opgeslagen om %(time)s") % {"time": saved_at}))
    back = BACK.get(request.POST.get("back", ""), "session_dashboard")
    return redirect(reverse(back, args=[session.pk]) + f"#note-{theme_id}")


@session_view(methods=("GET",))
def cowriter(request: HttpRequest, session: Session) -> HttpResponse:
    context = {"session": session, "themes": notes.editors(session), "back": "notes"}
    return render(request, "sessions/facilitator/notes.html", context)

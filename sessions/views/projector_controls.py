"""The dashboard's hold on the projector: a spotlight, the page, and the order of a theme.

Small POST views like the other controls (facilitator.py): the service call, then an empty answer
for htmx (the socket shows the change on every screen) or a redirect back without JavaScript.
"""

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from reflectie.netinfo import join_base_url

from .. import lifecycle, projector_pages, screens, spotlight
from ..errors import Invalid
from ..models import Session
from .decorators import session_view


@session_view
def set_spotlight(request: HttpRequest, session: Session) -> None:
    kind = request.POST.get("kind", "")
    if kind == "":
        spotlight.clear(session)
    else:
        spotlight.set(session, kind, request.POST.get("id", ""))


@session_view
def set_page(request: HttpRequest, session: Session) -> None:
    # The pages are counted as the projector would show them, so "next" stops at the last.
    ctx = screens.page_context(session, "projector", join_base=join_base_url(request))
    page = projector_pages.step(session, ctx, request.POST.get("page", ""))
    # Paging takes the spotlight off: the facilitator wants to see the page they chose.
    lifecycle.change(session, phones=bool(session.spotlight), projector_page=page, spotlight={})


@session_view
def set_sort(request: HttpRequest, session: Session) -> None:
    sort = request.POST.get("sort", "")
    if sort not in Session.Sort.values:
        raise Invalid(_("Kies een volgorde."))
    # Sorting keeps the number of pages, so the projector stays where it is.
    lifecycle.change(session, phones=False, projector_sort=sort)

"""How a refusal reaches a person: its message in their language and the 4xx that fits.

Services raise ``Refused`` (sessions/errors.py). ``refusal`` is the one place that turns it into
a response; the decorators in ``views/decorators.py`` call it, so a view is its service call.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from .. import codes
from ..errors import Refused


def refusal(
    request: HttpRequest,
    exc: Refused,
    *,
    phone: bool = False,
    code: str | None = None,
    fragment: bool | None = None,
) -> HttpResponse:
    """htmx requests get a fragment for the status region they target, others a full page.

    A phone's page (``phone``) has the phone's look and a way back: to its questions when the
    session ``code`` is known, otherwise to the form for typing a code again.
    """
    if fragment is None:
        fragment = bool(getattr(request, "htmx", False))
    if phone:
        return _phone_refusal(request, exc, code, fragment)
    template = "includes/refusal_fragment.html" if fragment else "refusal.html"
    return render(request, template, {"message": exc.message}, status=exc.status)


def _phone_refusal(request, exc: Refused, code: str | None, fragment: bool) -> HttpResponse:
    if fragment:  # into the item's status text, which is an aria-live region already
        context = {"message": exc.message, "error": True}
        return render(request, "sessions/phone/_status.html", context, status=exc.status)
    normalized = codes.normalize(code or "")
    if normalized:
        back_url, back_label = reverse("phone", args=[normalized]), _("Terug naar de vragen")
    else:
        back_url, back_label = reverse("join_code"), _("Code opnieuw typen")
    context = {"message": exc.message, "back_url": back_url, "back_label": back_label}
    return render(request, "sessions/phone/refused.html", context, status=exc.status)

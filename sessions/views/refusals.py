"""Turn a service's refusal into a page or fragment with its message and a 4xx status."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ..errors import Refused


def refusal(request: HttpRequest, exc: Refused, *, fragment: bool | None = None) -> HttpResponse:
    """htmx requests get a small fragment for an aria-live region, others a full page."""
    if fragment is None:
        fragment = bool(getattr(request, "htmx", False))
    template = "includes/refusal_fragment.html" if fragment else "refusal.html"
    return render(request, template, {"message": exc.message}, status=exc.status)

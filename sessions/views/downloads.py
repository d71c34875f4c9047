"""A file to download: reports, results and calendars of sessions and partnerships."""

from django.http import HttpResponse
from django.utils.http import content_disposition_header


def download(body: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, name)
    # Results of a closed room: not for shared caches or search engines.
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response

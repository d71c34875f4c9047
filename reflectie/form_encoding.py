"""Form posts must be UTF-8: a body that is not is refused with a 400, not stored as mojibake.

Django decodes form fields with errors="replace", so invalid bytes would arrive in a view as
U+FFFD and be stored as if someone had typed them. Every page here is UTF-8 and so is every form
a browser sends from it; a body that is not came from something else.

Only form bodies are checked (urlencoded and multipart): other bodies are not parsed into
request.POST. A file in a multipart body is not text; its part's headers still are.
"""

from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http.request import RawPostDataException
from django.utils.translation import gettext_lazy as _

from sessions.errors import Invalid
from sessions.views.refusals import refusal


def _valid_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def urlencoded_is_utf8(body: bytes) -> bool:
    """Every name and value, percent-decoded as Django decodes them, is UTF-8."""
    return all(
        _valid_utf8(unquote_to_bytes(piece.replace(b"+", b" ")))
        for field in body.split(b"&")
        for piece in field.split(b"=", 1)
    )


def multipart_is_utf8(body: bytes, boundary: bytes) -> bool:
    """Every part is UTF-8, except the content of a file part."""
    for part in body.split(b"--" + boundary):
        headers, _sep, content = part.partition(b"\r\n\r\n")
        if not _valid_utf8(headers):
            return False
        if b"filename=" not in headers.lower() and not _valid_utf8(content):
            return False
    return True


def form_body_is_utf8(request) -> bool:
    content_type = request.content_type
    if content_type == "application/x-www-form-urlencoded":
        return urlencoded_is_utf8(request.body)
    if content_type == "multipart/form-data":
        boundary = (request.content_params or {}).get("boundary", "")
        if not boundary or not boundary.isascii():
            return True  # Django's own parser refuses it
        return multipart_is_utf8(request.body, boundary.encode("ascii"))
    return True


def _fits_in_memory(request) -> bool:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return limit is None or length <= limit


class Utf8FormsMiddleware:
    """Answers a form post whose body is not UTF-8 with a 400 and a message, before any view.

    Place it after LocaleMiddleware, so the message is in the person's language, and before
    CsrfViewMiddleware, which is the first to read request.POST.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # A body too big to hold is left to Django and the views, which refuse it already; so
        # is one that something before this middleware has read as a stream.
        if request.method == "POST" and _fits_in_memory(request):
            try:
                ok = form_body_is_utf8(request)
            except (RequestDataTooBig, RawPostDataException):
                ok = True
            if not ok:
                return self.refuse(request)
        return self.get_response(request)

    @staticmethod
    def refuse(request):
        message = _(
            "Dit formulier is niet als UTF-8-tekst verstuurd en kan daarom niet worden "
            "opgeslagen. Probeer het opnieuw vanuit de pagina."
        )
        fragment = request.headers.get("HX-Request") == "true"
        return refusal(request, Invalid(message), fragment=fragment)

"""Headers every answer carries: what a page may load, and what a browser may keep.

Pages load scripts only from this site (no inline script, no eval: htmx runs with allowEval
off), so an injected ``<script>`` cannot run. Inline styles stay allowed: bar widths in charts
are set with ``style``.
"""

from django.utils.cache import patch_cache_control

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "Cache-Control" not in response:
            # A facilitator's pages show the results and the links that control a session: a
            # shared laptop's cache or the back button after logging out must not keep them.
            patch_cache_control(response, no_store=True, private=True)
        return response

"""What the server's logs may hold: never a join code or a share token.

A join code is in a phone's paths (/j/<code>/, /s/<code>/..., /ws/s/<code>/) and a share token in
/gedeeld/<token>/...: whoever reads either in a log can join the session or read its report.
Django logs the path of every 4xx and 5xx answer (django.request), outages.py that of a 503, and
daphne, when asked, every request in its access log. ``mask`` puts asterisks in their place;
``MaskSecrets`` does so for every record the console handler writes (settings.LOGGING), and
reflectie/server.py for daphne's access log. Device tokens and cookies are never logged at all.
"""

import logging
import re

MASK = "******"
# A path segment after /j/, /s/, /ws/s/ or /gedeeld/ (also inside a full URL).
_SECRET_IN_PATH = re.compile(r"(/(?:ws/)?[sj]/|/gedeeld/)[^/\s?#\"']+")
# The same secrets in a query string, should a form or link ever send them that way.
_SECRET_IN_QUERY = re.compile(r"([?&](?:code|token)=)[^&\s#\"']+", re.IGNORECASE)


def mask(text: str) -> str:
    """``text`` with every join code and share token in a path or query replaced by MASK."""
    text = _SECRET_IN_PATH.sub(rf"\g<1>{MASK}", text)
    return _SECRET_IN_QUERY.sub(rf"\g<1>{MASK}", text)


class MaskSecrets(logging.Filter):
    """A handler's filter: masks the message and any traceback, and lets the record through."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        return True

"""What error pages may show: never a credential, also not Django's technical page.

Django hides settings named like KEY, PASS, TOKEN or SECRET. Connection URLs carry passwords
under other names (DATABASE_URL, REDIS_URL, and the CACHES and CHANNEL_LAYERS built from them),
and a failed connection's traceback holds its parameters in local variables, so those are
hidden too, in development as well.
"""

import re

from django.views.debug import SafeExceptionReporterFilter

# user:password@ in any URL, whatever the scheme.
_URL_USERINFO = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)[^/@\s]+@", re.IGNORECASE)


def without_url_credentials(text: str) -> str:
    return _URL_USERINFO.sub(r"\g<scheme>********@", text)


class CredentialsFilter(SafeExceptionReporterFilter):
    hidden_settings = re.compile(
        "API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|DATABASE|REDIS|CACHES|CHANNEL",
        flags=re.IGNORECASE,
    )

    def cleanse_setting(self, key, value):
        if isinstance(value, str):
            value = without_url_credentials(value)
        return super().cleanse_setting(key, value)

    def get_traceback_frame_variables(self, request, tb_frame):
        # Every frame, not only those marked sensitive: a connection's parameters (with its
        # password) sit in the locals of the database and Redis clients.
        return [
            (name, self.cleanse_setting(name, value))
            for name, value in super().get_traceback_frame_variables(request, tb_frame)
        ]

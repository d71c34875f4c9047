"""ASGI entry point: HTTP goes to Django on a pool of threads, WebSockets to the consumers."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reflectie.settings")
# Set up Django before importing anything that touches models.
django.setup(set_prefix=False)

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

from reflectie.forwarded import TrustedProxies  # noqa: E402
from reflectie.http_threads import ThreadPoolHandler  # noqa: E402
from reflectie.outages import OutageGuard  # noqa: E402
from sessions.routing import websocket_urlpatterns  # noqa: E402

# Outermost: behind our own reverse proxy, the client's address is the one it forwarded.
application = TrustedProxies(
    ProtocolTypeRouter(
        {
            "http": ThreadPoolHandler(),
            # Outermost for sockets, so an outage while looking up the login ends them cleanly.
            "websocket": OutageGuard(
                AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))
            ),
        }
    ),
    settings.TRUSTED_PROXIES,
)

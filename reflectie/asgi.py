"""ASGI entry point: HTTP goes to Django on a pool of threads, WebSockets to the consumers."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reflectie.settings")
# Set up Django before importing anything that touches models.
django.setup(set_prefix=False)

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from reflectie.http_threads import ThreadPoolHandler  # noqa: E402
from reflectie.outages import OutageGuard  # noqa: E402
from sessions.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": ThreadPoolHandler(),
        # Outermost, so an outage while looking up the login ends the socket cleanly too.
        "websocket": OutageGuard(
            AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))
        ),
    }
)

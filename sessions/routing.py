"""WebSocket routes of live sessions (receive-only)."""

from django.urls import path, re_path

from . import consumers

websocket_urlpatterns = [
    path("ws/sessies/<int:session_id>/<str:view>/", consumers.ScreenConsumer.as_asgi()),
    path("ws/s/<str:code>/", consumers.PhoneConsumer.as_asgi()),
    # Last: any other path (a negative id, a typo) gets 4404 instead of a routing error (500).
    re_path(r"", consumers.NotFoundConsumer.as_asgi()),
]

"""WebSocket routes of live sessions (receive-only)."""

from django.urls import path

from . import consumers

websocket_urlpatterns = [
    path("ws/sessies/<int:session_id>/<str:view>/", consumers.ScreenConsumer.as_asgi()),
    path("ws/s/<str:code>/", consumers.PhoneConsumer.as_asgi()),
]

from django.urls import path

from . import views

urlpatterns = [
    # Facilitators (logged in): an instrument's content, before running a session on it.
    path("<int:instrument_id>/", views.preview, name="instrument_preview"),
]

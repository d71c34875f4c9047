"""A partnership's own page, its members, its PDF and its next session (owner and members)."""

from django.urls import path

from .views import partnership

urlpatterns = [
    path("samenwerkingsverbanden/<int:partnership_id>/", partnership.page, name="partnership_page"),
    path(
        "samenwerkingsverbanden/<int:partnership_id>/leden/",
        partnership.add_member,
        name="partnership_add_member",
    ),
    path(
        "samenwerkingsverbanden/<int:partnership_id>/leden/<int:user_id>/verwijderen/",
        partnership.remove_member,
        name="partnership_remove_member",
    ),
    path(
        "samenwerkingsverbanden/<int:partnership_id>/nieuwe-sessie/",
        partnership.next_session,
        name="partnership_next_session",
    ),
    path(
        "samenwerkingsverbanden/<int:partnership_id>/verslag.pdf",
        partnership.report_pdf,
        name="partnership_report_pdf",
    ),
]

"""Follow-up routes: the hour's clock, agreements, the look back, the report and who gets it.

Included at the root by reflectie/urls.py. Facilitator routes live under /sessies/<id>/ (own
sessions only, 404 for anyone else); partners use a share link, phones their device cookie.
"""

from django.urls import path

from .views import followup

urlpatterns = [
    # Facilitator (logged in, own sessions only).
    path("sessies/<int:session_id>/klok/", followup.timer_control, name="session_timer"),
    path(
        "sessies/<int:session_id>/afspraken/", followup.agreements_page, name="session_agreements"
    ),
    path(
        "sessies/<int:session_id>/afspraken/volgorde/",
        followup.agreements_reorder,
        name="session_agreements_reorder",
    ),
    path(
        "sessies/<int:session_id>/afspraken/<int:agreement_id>/",
        followup.agreement_edit,
        name="session_agreement_edit",
    ),
    path(
        "sessies/<int:session_id>/afspraken/<int:agreement_id>/verwijderen/",
        followup.agreement_delete,
        name="session_agreement_delete",
    ),
    path(
        "sessies/<int:session_id>/afspraken/<int:agreement_id>/verplaatsen/",
        followup.agreement_move,
        name="session_agreement_move",
    ),
    path(
        "sessies/<int:session_id>/afspraken.ics",
        followup.agreements_ics,
        name="session_agreements_ics",
    ),
    path(
        "sessies/<int:session_id>/afspraken/<int:agreement_id>/agenda.ics",
        followup.agreement_ics,
        name="session_agreement_ics",
    ),
    path("sessies/<int:session_id>/terugblik/", followup.review_page, name="session_review"),
    path("sessies/<int:session_id>/verslag.pdf", followup.report_pdf, name="session_report_pdf"),
    path(
        "sessies/<int:session_id>/resultaten.csv", followup.results_csv, name="session_results_csv"
    ),
    path("sessies/<int:session_id>/deellinks/", followup.share_links, name="session_share_links"),
    path(
        "sessies/<int:session_id>/deellinks/<int:link_id>/intrekken/",
        followup.share_revoke,
        name="session_share_revoke",
    ),
    # Partners with a share link, and phones that took part (once the session is closed).
    path("gedeeld/<str:token>/verslag.pdf", followup.shared_report_pdf, name="shared_report_pdf"),
    path("s/<str:code>/verslag.pdf", followup.phone_report_pdf, name="phone_report_pdf"),
    path("s/<str:code>/afspraken.ics", followup.phone_agreements_ics, name="phone_agreements_ics"),
]

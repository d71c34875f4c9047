from django.urls import path

from .views import deletion, facilitator, home, notes, open_answers, participant, projector_controls

urlpatterns = [
    path("", home.home, name="home"),
    # Phones: no account, a device cookie.
    path("j/", participant.join_code, name="join_code"),
    path("j/<str:code>/", participant.join, name="join"),
    path("s/<str:code>/", participant.session_page, name="phone"),
    path("s/<str:code>/state/", participant.state, name="phone_state"),
    path("s/<str:code>/answer/", participant.answer, name="phone_answer"),
    path("s/<str:code>/choose/", participant.choose, name="phone_choose"),
    path("s/<str:code>/balance/", participant.balance, name="phone_balance"),
    path("s/<str:code>/profile/", participant.profile, name="phone_profile"),
    path("s/<str:code>/open/", open_answers.send, name="phone_open_answer"),
    # The facilitator moderates typed answers (open_answers.py).
    path(
        "sessies/<int:session_id>/antwoorden/verbergen/",
        open_answers.hide,
        name="session_answer_hide",
    ),
    path(
        "sessies/<int:session_id>/antwoorden/samenvoegen/",
        open_answers.merge,
        name="session_answer_merge",
    ),
    # Facilitator (logged in, own sessions only).
    path("sessies/", facilitator.session_list, name="session_list"),
    path("sessies/nieuw/", facilitator.new_session, name="session_new"),
    path("sessies/<int:session_id>/", facilitator.dashboard, name="session_dashboard"),
    path("sessies/<int:session_id>/projector/", facilitator.projector, name="session_projector"),
    path("sessies/<int:session_id>/qr.svg", facilitator.qr_svg, name="session_qr"),
    path("sessies/<int:session_id>/fase/", facilitator.set_phase, name="session_phase"),
    path("sessies/<int:session_id>/ronde/", facilitator.open_round, name="session_round"),
    path("sessies/<int:session_id>/modus/", facilitator.set_mode, name="session_mode"),
    path("sessies/<int:session_id>/slot/", facilitator.set_lock, name="session_lock"),
    path("sessies/<int:session_id>/tonen/", facilitator.reveal, name="session_reveal"),
    path(
        "sessies/<int:session_id>/scherm/",
        projector_controls.set_spotlight,
        name="session_spotlight",
    ),
    path(
        "sessies/<int:session_id>/scherm/pagina/",
        projector_controls.set_page,
        name="session_projector_page",
    ),
    path(
        "sessies/<int:session_id>/scherm/volgorde/",
        projector_controls.set_sort,
        name="session_projector_sort",
    ),
    # Notes per theme: the co-writer's page (GET) and saving one theme's note (POST).
    path("sessies/<int:session_id>/notities/", notes.cowriter, name="session_notes"),
    path("sessies/<int:session_id>/notities/<int:theme_id>/", notes.save_note, name="session_note"),
    # Deleting: a confirmation page (GET), then the deletion (POST).
    path("sessies/<int:session_id>/verwijderen/", deletion.delete_session, name="session_delete"),
    path(
        "sessies/<int:session_id>/deelnemers/", deletion.participants, name="session_participants"
    ),
    path(
        "sessies/<int:session_id>/deelnemers/<int:participant_id>/verwijderen/",
        deletion.remove_participant,
        name="session_participant_remove",
    ),
    path(
        "samenwerkingsverbanden/<int:partnership_id>/verwijderen/",
        deletion.delete_partnership,
        name="partnership_delete",
    ),
]

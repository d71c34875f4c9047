"""Who may see and control a session or a partnership: its own facilitator, or someone with
the permission `live.view_all_sessions` (given to a user or to a group; Django superusers have
every permission). `is_staff` alone gives nothing here: staff may edit instruments in the admin,
not look at other facilitators' sessions.

`sees_all` is the one rule; views, consumers and queries all go through it.
"""

from django.http import Http404

from .models import Partnership, Session

VIEW_ALL = "live.view_all_sessions"


def sees_all(user) -> bool:
    """True when this user may see and control every facilitator's sessions and partnerships."""
    return bool(user and user.is_authenticated and user.has_perm(VIEW_ALL))


def can_control(user, session: Session) -> bool:
    return bool(
        user and user.is_authenticated and (session.facilitator_id == user.pk or sees_all(user))
    )


def sessions_for(user):
    """The sessions this user may see: their own, or every one with the permission."""
    sessions = Session.objects.all()
    return sessions if sees_all(user) else sessions.filter(facilitator_id=user.pk)


def partnerships_for(user):
    """The partnerships this user may see: their own, or every one with the permission."""
    partnerships = Partnership.objects.all()
    return partnerships if sees_all(user) else partnerships.filter(owner_id=user.pk)


def get_session_for_user(user, session_id: int) -> Session:
    """The session if this user controls it; 404 otherwise, so others learn nothing of it."""
    session = (
        Session.objects.select_related("instrument", "partnership", "current_theme")
        .filter(pk=session_id)
        .first()
    )
    if session is None or not can_control(user, session):
        raise Http404
    return session


def user_controls(user_id: int | None, view_all: bool, session_id: int) -> bool:
    """For consumers: a plain yes/no. `view_all` is `sees_all(user)`, computed where the user
    is loaded (the consumer's scope)."""
    if user_id is None:
        return False
    if view_all:
        return Session.objects.filter(pk=session_id).exists()
    return Session.objects.filter(pk=session_id, facilitator_id=user_id).exists()

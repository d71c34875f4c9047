"""Who may see and control a session: its own facilitator, or staff."""

from django.http import Http404

from .models import Session


def can_control(user, session: Session) -> bool:
    return bool(
        user and user.is_authenticated and (user.is_staff or session.facilitator_id == user.pk)
    )


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


def user_controls(user_id: int | None, is_staff: bool, session_id: int) -> bool:
    """For consumers: a plain yes/no without loading the user."""
    if user_id is None:
        return False
    if is_staff:
        return Session.objects.filter(pk=session_id).exists()
    return Session.objects.filter(pk=session_id, facilitator_id=user_id).exists()

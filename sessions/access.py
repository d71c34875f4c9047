"""Who may see and control a session or a partnership.

A session: its own facilitator, the owner and members of its partnership (a shared
partnership: colleagues who all run its sessions), or someone with the permission
`live.view_all_sessions` (given to a user or to a group; Django superusers have every
permission). `is_staff` alone gives nothing here: staff may edit instruments in the admin, not
look at other facilitators' sessions. Everything outside a shared partnership stays private to
its facilitator.

`sees_all` and `shared_partnership_ids` are the rules; views, consumers and queries all go
through them.
"""

from django.db.models import Q
from django.http import Http404

from .models import Partnership, PartnershipMember, Session

VIEW_ALL = "live.view_all_sessions"


def sees_all(user) -> bool:
    """True when this user may see and control every facilitator's sessions and partnerships."""
    return bool(user and user.is_authenticated and user.has_perm(VIEW_ALL))


def shared_partnership_ids(user_id: int):
    """Ids (a subquery) of the partnerships this user owns or is a member of."""
    return Partnership.objects.filter(Q(owner_id=user_id) | Q(members__user_id=user_id)).values(
        "pk"
    )


def is_member(user, partnership: Partnership) -> bool:
    """Owner or member: sees the partnership's page and runs its sessions."""
    if not (user and user.is_authenticated):
        return False
    if partnership.owner_id == user.pk:
        return True
    return PartnershipMember.objects.filter(partnership=partnership, user_id=user.pk).exists()


def can_control(user, session: Session) -> bool:
    if not (user and user.is_authenticated):
        return False
    if session.facilitator_id == user.pk or sees_all(user):
        return True
    return is_member(user, session.partnership)


def may_delete(user, session: Session) -> bool:
    """Deleting a whole session is for whoever ran it, the partnership's owner, or someone who
    sees all: a member runs the shared sessions, but does not throw away a colleague's."""
    return bool(
        user
        and user.is_authenticated
        and (
            session.facilitator_id == user.pk
            or session.partnership.owner_id == user.pk
            or sees_all(user)
        )
    )


def _visible(user_id: int) -> Q:
    return Q(facilitator_id=user_id) | Q(partnership_id__in=shared_partnership_ids(user_id))


def sessions_for(user):
    """The sessions this user may see: their own and their partnerships', or every one with
    the permission."""
    sessions = Session.objects.all()
    return sessions if sees_all(user) else sessions.filter(_visible(user.pk))


def partnerships_for(user):
    """The partnerships this user may see: owned or shared, or every one with the permission."""
    partnerships = Partnership.objects.all()
    if sees_all(user):
        return partnerships
    return partnerships.filter(pk__in=shared_partnership_ids(user.pk))


def get_partnership_for_user(user, partnership_id: int) -> Partnership:
    """The partnership if this user may see it; 404 otherwise, so others learn nothing of it."""
    partnership = partnerships_for(user).select_related("owner").filter(pk=partnership_id).first()
    if partnership is None:
        raise Http404
    return partnership


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
    return Session.objects.filter(_visible(user_id), pk=session_id).exists()

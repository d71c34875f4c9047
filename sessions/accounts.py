"""Facilitator accounts and what they may do, for the account commands.

A facilitator needs no flag at all to run their own sessions. Two things can be added:

- editing instruments in the admin: `is_staff` plus the `instruments` app's permissions, and
  nothing else (staff gives no view of sessions: see access.py);
- seeing and controlling everyone's sessions: the permission `live.view_all_sessions`
  (access.VIEW_ALL), given to the user here, or to a group in the admin.
"""

from django.contrib.auth.models import Permission

from .access import VIEW_ALL


def instrument_permissions():
    """Add, change, delete and view for instruments, their themes and their items."""
    return Permission.objects.filter(content_type__app_label="instruments")


def view_all_permission() -> Permission:
    app_label, codename = VIEW_ALL.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def allow_instrument_admin(user) -> None:
    """The admin, for instruments only."""
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.add(*instrument_permissions())


def set_view_all(user, allowed: bool) -> None:
    """Give or take the permission to see and control every facilitator's sessions (a group
    that has it, or being a superuser, still gives it)."""
    if allowed:
        user.user_permissions.add(view_all_permission())
    else:
        user.user_permissions.remove(view_all_permission())
    # has_perm caches a user's permissions on the object.
    for cache in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        user.__dict__.pop(cache, None)

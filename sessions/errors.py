"""Refusals that reach a user: a message in their language and the HTTP status that fits."""

from django.utils.translation import gettext_lazy as _


class Refused(Exception):
    status = 400

    def __init__(self, message=None):
        self.message = message or _("Dat kan niet.")
        super().__init__(str(self.message))


class Invalid(Refused):
    """The request itself is wrong: unknown item, value off the scale, too many picks."""

    status = 400


class NotAllowed(Refused):
    """Not yours, or not now: a closed round, a locked room, another facilitator's session."""

    status = 403


class NotFound(Refused):
    status = 404


class Conflict(Refused):
    """Allowed in general, but not in the session's current phase."""

    status = 409

"""Who gets the report: the facilitator, partners with a share link, and the phones that were there.

A share link carries a random token; only its SHA-256 is stored, so a copy of the database does not
hand out working links. The full link is shown once, when it is made. A revoked or unknown token
finds nothing, and the answer is the same 404 for both.
"""

from __future__ import annotations

import re
import secrets

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import participation
from .errors import NotAllowed, NotFound
from .models import Session, ShareLink
from .tokens import digest

#: Most live links per session: enough for every partner organisation, not a mailing list.
MAX_LINKS = 50
# secrets.token_urlsafe(32) gives 43 characters of [A-Za-z0-9_-].
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


def create_link(session: Session) -> tuple[ShareLink, str]:
    """A new link; returns the stored row and the token, which is not kept anywhere."""
    if ShareLink.objects.filter(session=session, revoked_at__isnull=True).count() >= MAX_LINKS:
        raise NotAllowed(
            _("Deze sessie heeft al %(max)s deellinks. Trek er eerst een in.") % {"max": MAX_LINKS}
        )
    token = secrets.token_urlsafe(32)
    link = ShareLink.objects.create(session=session, token_hash=digest(token))
    return link, token


def revoke(session: Session, link_id) -> ShareLink:
    try:
        pk = int(link_id)
    except (TypeError, ValueError):
        raise NotFound(_("Deze deellink bestaat niet.")) from None
    link = ShareLink.objects.filter(session=session, pk=pk).first()
    if link is None:
        raise NotFound(_("Deze deellink bestaat niet."))
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
    return link


def links(session: Session) -> list[ShareLink]:
    return list(ShareLink.objects.filter(session=session).order_by("-created_at", "-pk"))


def session_for_token(token: str | None) -> Session | None:
    """The session a valid, unrevoked token opens; None for anything else."""
    if not token or not _TOKEN.fullmatch(token):
        return None
    link = (
        ShareLink.objects.select_related("session", "session__instrument", "session__partnership")
        .filter(token_hash=digest(token), revoked_at__isnull=True)
        .first()
    )
    return link.session if link else None


def session_for_device(raw_code: str, device_token: str | None) -> Session:
    """The session this phone took part in under this code, once it is closed.

    Unknown code or device: NotFound. Not closed yet: NotAllowed (the report is for everyone
    once the facilitator closes the session).
    """
    participant = participation.device_participant(raw_code, device_token)
    if participant is None:
        raise NotFound(_("Deze sessie is niet gevonden op dit apparaat."))
    session = participant.session
    if not session.is_closed:
        raise NotAllowed(_("Het verslag komt beschikbaar als de gespreksleider de sessie afsluit."))
    return session

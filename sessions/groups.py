"""Channel-layer group names, in one place."""


def screens(session_id: int) -> str:
    """Facilitator and projector screens of a session: told about every change."""
    return f"session-{session_id}-screens"


def phones(session_id: int) -> str:
    """Participants' phones: told only when what they show changes (phase, round, lock)."""
    return f"session-{session_id}-phones"

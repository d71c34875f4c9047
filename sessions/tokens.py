"""Random tokens that stand in for a person or a link: only their SHA-256 is ever stored.

Device tokens (a phone's cookie) and share-link tokens both work this way, so a copy of the
database neither hands out working links nor lets anyone act as a phone.
"""

import hashlib


def digest(token: str) -> str:
    """What is stored for a token: its SHA-256, hex."""
    return hashlib.sha256(token.encode()).hexdigest()

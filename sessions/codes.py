"""Join codes: six characters that are easy to read off a projector and type on a phone."""

import secrets

# No look-alikes: 0/O, 1/I/L are left out, so whatever a person reads is what they type.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 6


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalize(raw: str) -> str | None:
    """The code as stored, or None when it cannot be one (so it is not even looked up)."""
    code = "".join(raw.split()).replace("-", "").upper()
    if len(code) != LENGTH or not set(code) <= set(ALPHABET):
        return None
    return code


def pretty(code: str) -> str:
    """ABC DEF: two groups of three are easier to read aloud."""
    return f"{code[:3]} {code[3:]}"

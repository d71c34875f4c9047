"""Logging in as a facilitator, with a throttle against guessing passwords.

Anyone on the room's Wi-Fi can reach the login page. Failed attempts are counted per device
address, and per address and username together: a guesser is stopped after a few tries for a
quarter of an hour, while the facilitator, on another device (the laptop itself), is not
locked out by them at all, and on the same device only until the quarter is over.
"""

import hashlib

from django.contrib.auth import views as auth_views
from django.utils.translation import gettext_lazy as _

from . import attempts

WINDOW = 15 * 60
MAX_FOR_USERNAME = 5  # per address and username: typos are few
MAX_FOR_ADDRESS = 20  # per address, whatever the username

LOCKED = _(
    "Te veel mislukte pogingen om in te loggen vanaf dit apparaat. "
    "Probeer het over een kwartier opnieuw."
)


def _keys(address: str, username: str) -> tuple[str, str]:
    # Hashed: a typed username may hold anything, a cache key may not.
    name = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    return f"login-failures:{address}", f"login-failures:{address}:{name}"


def locked(address: str, username: str) -> bool:
    by_address, by_username = _keys(address, username)
    return (
        attempts.failures(by_address) >= MAX_FOR_ADDRESS
        or attempts.failures(by_username) >= MAX_FOR_USERNAME
    )


def record_failure(address: str, username: str) -> None:
    for key in _keys(address, username):
        attempts.record_failure(key, WINDOW)


def forget_failures(address: str, username: str) -> None:
    # A success clears this name's count; the address's count stays, so a guesser who knows
    # one password cannot use it to reset the throttle for trying others.
    attempts.forget(_keys(address, username)[1])


class ThrottledLoginView(auth_views.LoginView):
    def post(self, request, *args, **kwargs):
        address = request.META.get("REMOTE_ADDR", "")
        username = request.POST.get("username", "")
        if locked(address, username):
            # Not even the right password is checked: the answer would tell the guesser.
            context = self.get_context_data(form=self.get_form(), locked_message=LOCKED)
            return self.render_to_response(context, status=429)
        response = super().post(request, *args, **kwargs)
        if request.user.is_authenticated:
            forget_failures(address, username)
        else:
            record_failure(address, username)
        return response

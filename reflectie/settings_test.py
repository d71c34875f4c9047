"""Settings for the test suite: the real settings, with what only tests want.

A module rather than a fixture: the browser tests fork a daphne server from the test process, and
that server must check logins under the same hasher that made the test users' passwords.
"""

from .settings import *  # noqa: F403

# PBKDF2 costs about half a second per password on a small machine, and hundreds of test setups
# make users. MD5 is fine here and nowhere else.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The suite renders templates without running collectstatic first: static files come from the
# source folders, as in development.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

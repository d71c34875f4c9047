"""Settings, read from the environment.

The defaults run the embedded profile: SQLite and the in-memory channel layer in one daphne
process. DATABASE_URL and REDIS_URL alone switch to PostgreSQL and Redis for several workers.
"""

import os
import secrets
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from . import forwarded, netinfo

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


def database_from_url(url: str) -> dict:
    """Turn postgres://user:pass@host:port/name or sqlite:///path into a DATABASES entry."""
    parts = urlsplit(url)
    options = dict(parse_qsl(parts.query))
    if parts.scheme in ("postgres", "postgresql"):
        # A database host that never answers makes a page wait this long, not minutes.
        options.setdefault("connect_timeout", "5")
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            # Each HTTP thread of a worker keeps its connection this long: a worker holds at
            # most HTTP_THREADS + 1 connections.
            "CONN_MAX_AGE": env_int("DATABASE_CONN_MAX_AGE", 60),
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": options,
        }
    if parts.scheme == "sqlite":
        # sqlite:////abs/path is absolute; sqlite:///name.sqlite3 is relative to the project.
        path = Path(unquote(parts.path)[1:])
        return sqlite_database(path if path.is_absolute() else BASE_DIR / path)
    raise ImproperlyConfigured(f"DATABASE_URL scheme {parts.scheme!r} is not supported")


def sqlite_database(path: Path) -> dict:
    return {
        "ENGINE": "reflectie.sqlite",
        "NAME": path,
        "OPTIONS": {
            # Writers queue on the lock up front instead of failing half-way a transaction.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
        # The HTTP threads live as long as the server: each keeps its connection instead of
        # opening the file again for every request.
        "CONN_MAX_AGE": env_int("DATABASE_CONN_MAX_AGE", 600),
        # A file, not :memory:, so a live test server in another thread or process sees it.
        "TEST": {"NAME": path.with_name("test-" + path.name)},
    }


def kept_secret_key(path: Path, *, required: bool) -> str:
    """The key that signs cookies: made once per installation and kept, readable by us only.

    Behind HTTPS (several workers, a real server) it must come from the environment instead, so
    that all workers agree and the key lives where the deployment keeps its secrets.
    """
    if required:
        raise ImproperlyConfigured("SECRET_KEY must be set when HTTPS is on")
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    key = secrets.token_urlsafe(50)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return path.read_text().strip()
    with os.fdopen(fd, "w") as out:
        out.write(key + "\n")
    return key


# Production mode unless asked otherwise: `make run` is what runs in a meeting room.
DEBUG = env_bool("DEBUG", False)
# HTTPS=1 behind a reverse proxy that terminates TLS. Off, the laptop profile: plain HTTP on the
# room's network, so cookies cannot be marked secure (README, "Production mode").
HTTPS = env_bool("HTTPS", False)

VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = env_str("SECRET_KEY") or kept_secret_key(VAR_DIR / "secret-key", required=HTTPS)

# The laptop profile lets phones in by the laptop's own names and addresses, found at start.
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS") or (
    [] if HTTPS else netinfo.own_host_names(env_str("SITE_URL"))
)
# Same-origin posts need nothing here; this is for a SITE_URL served by another host name.
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# The address phones use to join, for the QR code; empty = the laptop's LAN address.
SITE_URL = env_str("SITE_URL").rstrip("/")
# Set by `manage.py serve` for the server it starts: a loopback bind means no phone can reach
# us, so no page or banner shows the LAN address.
BIND_HOST = env_str("REFLECTIE_BIND_HOST")
# Days a session's data is kept after it closes (or, never closed, after it was created);
# `manage.py purge_sessions` deletes what is older. The join page and the README say so.
RETENTION_DAYS = env_int("REFLECTIE_RETENTION_DAYS", 365)
# New participants one network address may add to one session: this many at once, then this many
# a minute (docs/room-access.md). Raise them for a venue where a thousand phones share one address;
# the load benchmarks raise them because all their phones come from localhost.
JOIN_BURST = env_int("REFLECTIE_JOIN_BURST", 60)
JOINS_PER_MINUTE = env_int("REFLECTIE_JOINS_PER_MINUTE", 180)
# HTTP requests run on this many threads per worker, each with its own database connection;
# this many more may wait for one, and past that a request gets a 503 the phone retries
# (reflectie/http_threads.py, docs/deploy.md).
HTTP_THREADS = env_int("REFLECTIE_HTTP_THREADS", 8)
HTTP_QUEUE = env_int("REFLECTIE_HTTP_QUEUE", 200)
# Addresses of the reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed
# (reflectie/forwarded.py); empty: no one's.
TRUSTED_PROXIES = forwarded.trusted_from_env(env_str("REFLECTIE_TRUSTED_PROXIES"))

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "django_htmx",
    "instruments",
    "sessions.apps.LiveSessionsConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Compresses pages (whitenoise serves static files compressed already).
    "django.middleware.gzip.GZipMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "reflectie.headers.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # After Locale (its message is in the reader's language), before anything reads the body.
    "reflectie.form_encoding.Utf8FormsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last: a database or Redis outage in a view becomes a 503 in the reader's language.
    "reflectie.outages.ServiceUnavailableMiddleware",
]

ROOT_URLCONF = "reflectie.urls"
ASGI_APPLICATION = "reflectie.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL")
DATABASES = {
    "default": database_from_url(DATABASE_URL)
    if DATABASE_URL
    else sqlite_database(VAR_DIR / "reflectie.sqlite3")
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        # Above channels_redis' 5 s blocking pop: redis-py's default of 5 s cut
                        # it and dropped every idle socket.
                        "socket_timeout": 10,
                        "socket_connect_timeout": 2,
                        # A room's phones open their sockets at once, each joining its group
                        # on a connection of its own for a moment: redis-py's 100 ran out.
                        "max_connections": 1000,
                    }
                ]
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "reflectie",
            # A page waits at most this long for an unreachable Redis, then answers 503.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "session_list"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Nederlands")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Europe/Amsterdam")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# In development static files are served straight from the source folders. Otherwise from
# `collectstatic`'s output, with hashed names that browsers may keep for a year.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_MAX_AGE = 0 if DEBUG else 3600
# /favicon.ico and friends, which browsers ask for at the root.
WHITENOISE_ROOT = BASE_DIR / "static" / "root"

# Request size limits: a score or an agreement is small, so a big body is refused early.
DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200

if HTTPS:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    # Behind a reverse proxy that terminates TLS and says so in this header. With the proxies
    # named in REFLECTIE_TRUSTED_PROXIES the scheme comes from them alone (forwarded.py).
    if not TRUSTED_PROXIES:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
# Error pages, also Django's technical ones in development, never show credentials.
DEFAULT_EXCEPTION_REPORTER_FILTER = "reflectie.errorpages.CredentialsFilter"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# One handler, which masks join codes and share tokens (reflectie/private_logs.py): Django logs
# the path of every 4xx. Django's own handlers on "django" are replaced by it (in DEBUG they
# printed those paths unmasked, and twice).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_secrets": {"()": "reflectie.private_logs.MaskSecrets"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["mask_secrets"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": []},
        "daphne": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
    },
}

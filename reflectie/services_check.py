"""Before serving: are the database and Redis (when configured) in reach?

A wrong REDIS_URL or a stopped PostgreSQL otherwise starts fine and turns every page into an
error later. The messages are for the person starting the server: Dutch, with the technical
cause, and never a password from a URL.
"""

import math
from urllib.parse import urlsplit, urlunsplit

import redis
from django.conf import settings
from django.db import connections
from django.db.utils import load_backend


class ServicesUnreachable(Exception):
    """One line per service that cannot be reached."""


def check_services(timeout: float = 3.0) -> None:
    """Connect to the database and to Redis (when REDIS_URL is set), each within ``timeout``
    seconds; raise ServicesUnreachable naming every one that failed."""
    problems = [problem for problem in (_database(timeout), _redis(timeout)) if problem]
    if problems:
        raise ServicesUnreachable("\n".join(problems))


def _database(timeout: float) -> str | None:
    config = connections.settings["default"]
    options = dict(config.get("OPTIONS", {}))
    if config["ENGINE"].endswith("postgresql"):
        # libpq takes whole seconds, and at least 2.
        options["connect_timeout"] = max(2, math.ceil(timeout))
    # A connection of its own, so the check leaves nothing behind for the app.
    wrapper = load_backend(config["ENGINE"]).DatabaseWrapper(
        {**config, "OPTIONS": options}, "default"
    )
    try:
        with wrapper.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:
        where = _database_address(config)
        return f"De database {where} is niet bereikbaar: {_hide(str(exc), config.get('PASSWORD'))}"
    finally:
        wrapper.close()
    return None


def _redis(timeout: float) -> str | None:
    url = getattr(settings, "REDIS_URL", "")
    if not url:
        return None
    client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        client.ping()
    except Exception as exc:
        password = urlsplit(url).password
        return f"Redis op {redact(url)} is niet bereikbaar: {_hide(str(exc), password)}"
    finally:
        client.close()
    return None


def redact(url: str) -> str:
    """The URL with its password replaced by ***."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    if ":" in host:  # IPv6
        host = f"[{host}]"
    netloc = f"{user}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def _database_address(config: dict) -> str:
    if config["ENGINE"].endswith("sqlite3"):
        return f"in {config['NAME']} (SQLite)"
    user = f"{config['USER']}@" if config.get("USER") else ""
    port = f":{config['PORT']}" if config.get("PORT") else ""
    return f"op postgres://{user}{config.get('HOST') or 'localhost'}{port}/{config['NAME']}"


def _hide(text: str, password: str | None) -> str:
    """The driver's message on one line. Drivers do not echo passwords, but this is printed:
    make sure."""
    text = " ".join(text.split())
    return text.replace(password, "***") if password else text

"""Settings from the environment: production mode passes check --deploy, URLs pick the backends."""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.hashers import get_hasher
from django.core.exceptions import ImproperlyConfigured

from reflectie.settings import database_from_url

ROOT = Path(__file__).resolve().parent.parent

# Variables that would leak the caller's configuration into the subprocess.
CONFIG_VARS = (
    "DEBUG",
    "HTTPS",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "SITE_URL",
    "DATABASE_URL",
    "REDIS_URL",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
)


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in CONFIG_VARS}
    env.update(DJANGO_SETTINGS_MODULE="reflectie.settings", VAR_DIR=str(tmp_path), **extra)
    return env


def manage(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean_env(tmp_path, **env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def settings_seen_with(tmp_path: Path, **env: str) -> dict:
    """Import the settings module fresh in a subprocess and report what it chose."""
    code = (
        "import json\n"
        "from reflectie import settings as s\n"
        "print(json.dumps({'db': s.DATABASES['default']['ENGINE'],"
        " 'db_name': str(s.DATABASES['default']['NAME']),"
        " 'channels': s.CHANNEL_LAYERS['default']['BACKEND'],"
        " 'cache': s.CACHES['default']['BACKEND'], 'debug': s.DEBUG,"
        " 'hashers': getattr(s, 'PASSWORD_HASHERS', None), 'secret_key': s.SECRET_KEY,"
        " 'hosts': s.ALLOWED_HOSTS, 'static': s.STORAGES['staticfiles']['BACKEND'],"
        " 'middleware': s.MIDDLEWARE}))\n"
    )
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean_env(tmp_path, **env),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout)


def test_production_mode_passes_check_deploy(tmp_path):
    done = manage(
        tmp_path,
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        HTTPS="1",
        SECRET_KEY=secrets.token_urlsafe(45)[:60],
        ALLOWED_HOSTS="reflectie.example",
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "WARNINGS" not in output


def test_the_laptop_profile_warns_only_about_plain_http(tmp_path):
    # The README lists these four: HSTS, the HTTPS redirect and the two secure cookies.
    done = manage(tmp_path, "check", "--deploy")
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    warned = set(re.findall(r"\(security\.(W\d+)\)", output))
    assert warned == {"W004", "W008", "W012", "W016"}


def test_behind_https_a_secret_key_must_be_given(tmp_path):
    done = manage(tmp_path, "check", HTTPS="1", ALLOWED_HOSTS="reflectie.example")
    assert done.returncode != 0
    assert "SECRET_KEY must be set when HTTPS is on" in done.stderr


def test_the_laptop_keeps_one_generated_secret_key_readable_only_by_its_owner(tmp_path):
    first = settings_seen_with(tmp_path)
    key_file = tmp_path / "secret-key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert first["secret_key"] == key_file.read_text().strip()
    assert len(first["secret_key"]) >= 50
    assert settings_seen_with(tmp_path)["secret_key"] == first["secret_key"]
    assert "dev-only" not in first["secret_key"]


def test_a_wrong_boolean_is_refused(tmp_path):
    done = manage(tmp_path, "check", DEBUG="maybe")
    assert done.returncode != 0
    assert "DEBUG must be true or false" in done.stderr


def test_database_from_url_reads_postgres():
    db = database_from_url(
        "postgres://reflectie:ge%40heim@db.example:5433/reflectie?sslmode=require"
    )
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert db["NAME"] == "reflectie"
    assert db["USER"] == "reflectie"
    assert db["PASSWORD"] == "ge@heim"
    assert db["HOST"] == "db.example"
    assert db["PORT"] == "5433"
    assert db["OPTIONS"] == {"sslmode": "require", "connect_timeout": "5"}


def test_database_from_url_accepts_postgresql_without_port():
    db = database_from_url("postgresql://postgres@127.0.0.1/reflectie")
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["HOST"], db["PORT"], db["PASSWORD"]) == ("127.0.0.1", "", "")


def test_database_from_url_reads_sqlite():
    db = database_from_url("sqlite:////srv/reflectie/db.sqlite3")
    assert db["ENGINE"] == "reflectie.sqlite"
    assert Path(db["NAME"]).is_absolute()
    assert str(db["NAME"]).lstrip("/") == "srv/reflectie/db.sqlite3"
    assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_database_from_url_rejects_mysql():
    with pytest.raises(ImproperlyConfigured, match="mysql"):
        database_from_url("mysql://root@localhost/reflectie")


def test_the_default_is_sqlite_and_in_memory(tmp_path):
    seen = settings_seen_with(tmp_path)
    assert seen["db"] == "reflectie.sqlite"
    assert seen["db_name"] == str(tmp_path / "reflectie.sqlite3")
    assert seen["channels"] == "channels.layers.InMemoryChannelLayer"
    assert seen["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert seen["debug"] is False
    assert "*" not in seen["hosts"] and "localhost" in seen["hosts"]


def test_database_url_switches_to_postgres(tmp_path):
    seen = settings_seen_with(tmp_path, DATABASE_URL="postgres://postgres@127.0.0.1:5432/x")
    assert seen["db"] == "django.db.backends.postgresql"
    assert seen["channels"] == "channels.layers.InMemoryChannelLayer"


def test_redis_url_switches_channel_layer_and_cache(tmp_path):
    seen = settings_seen_with(tmp_path, REDIS_URL="redis://127.0.0.1:6379/0")
    assert seen["channels"] == "channels_redis.core.RedisChannelLayer"
    assert seen["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert seen["db"] == "reflectie.sqlite"


def test_the_tests_hash_passwords_fast_and_the_app_does_not(tmp_path, settings):
    # The suite runs under settings_test (pyproject.toml), whose hasher is cheap; the real
    # settings leave Django's default (PBKDF2) alone.
    assert settings.PASSWORD_HASHERS == ["django.contrib.auth.hashers.MD5PasswordHasher"]
    assert settings_seen_with(tmp_path)["hashers"] is None
    assert get_hasher().algorithm == "md5"


def test_production_serves_hashed_compressed_static_files_and_compressed_pages(tmp_path):
    seen = settings_seen_with(tmp_path)
    # Hashed names are what whitenoise caches for a year (immutable); .gz copies are made once.
    assert seen["static"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert "django.middleware.gzip.GZipMiddleware" in seen["middleware"]
    assert settings_seen_with(tmp_path, DEBUG="1")["static"].endswith("StaticFilesStorage")

"""Error pages: the project's own, in the reader's language, and never with a credential."""

import pytest
from django.test import Client, override_settings
from django.urls import include, path

from reflectie.errorpages import without_url_credentials

PASSWORD = "s3cret-db-pw"  # noqa: S105
DATABASE_URL = f"postgres://reflectie:{PASSWORD}@db.example:5432/reflectie"
REDIS_URL = f"redis://:{PASSWORD}@cache.example:6379/0"


def failing_connect(request):
    # What a failed connection's frame holds: its parameters, password included.
    conn_params = {"host": "db.example", "user": "reflectie", "password": PASSWORD}
    dsn = DATABASE_URL
    raise ConnectionError(f"could not connect to {conn_params['host']} ({len(dsn)})")


urlpatterns = [path("boom/", failing_connect), path("", include("reflectie.urls"))]


def server_error_page(debug: bool, language: str = "nl") -> str:
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE=language)
    with override_settings(
        ROOT_URLCONF=__name__,
        DEBUG=debug,
        DATABASE_URL=DATABASE_URL,
        REDIS_URL=REDIS_URL,
        CACHES={
            "default": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": REDIS_URL,
            }
        },
    ):
        response = client.get("/boom/")
    assert response.status_code == 500
    return response.text


@pytest.mark.django_db
def test_the_technical_page_in_development_shows_no_credential():
    page = server_error_page(debug=True)
    assert "conn_params" in page and "DATABASE_URL" in page  # it is the technical page
    assert PASSWORD not in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "text"), [("nl", "Er ging iets mis"), ("en", "Something went wrong")]
)
def test_production_shows_our_own_500_in_the_readers_language(language, text):
    page = server_error_page(debug=False, language=language)
    assert text in page
    assert "Server Error (500)" not in page
    assert PASSWORD not in page


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "text"), [("nl", "Niet gevonden"), ("en", "Not found")])
def test_a_404_is_ours_and_lists_no_url_patterns(client, language, text):
    response = client.get("/bestaat-niet/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 404
    assert text in response.text
    assert "URLconf" not in response.text


def test_url_credentials_are_blanked_in_any_scheme():
    assert without_url_credentials(DATABASE_URL) == "postgres://********@db.example:5432/reflectie"
    assert PASSWORD not in without_url_credentials(f"x {REDIS_URL} y")
    assert without_url_credentials("https://example.org/a@b") == "https://example.org/a@b"

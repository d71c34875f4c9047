"""Headers: scripts only from this site; a facilitator's pages are not kept by the browser."""

import pytest
from django.urls import reverse

from reflectie.headers import CONTENT_SECURITY_POLICY


@pytest.mark.django_db
def test_every_page_forbids_inline_and_foreign_scripts(client, lobby_session):
    for url in (reverse("home"), reverse("login"), reverse("join_code"), "/bestaat-niet/"):
        response = client.get(url)
        policy = response.headers["Content-Security-Policy"]
        assert policy == CONTENT_SECURITY_POLICY
        directives = dict(part.split(" ", 1) for part in policy.split("; "))
        assert directives["script-src"] == "'self'"
        assert "unsafe-inline" not in directives["script-src"]
        assert directives["frame-ancestors"] == "'none'"


@pytest.mark.django_db
def test_facilitator_pages_are_not_stored(alice_client, lobby_session):
    for url in (reverse("session_list"), reverse("session_dashboard", args=[lobby_session.pk])):
        response = alice_client.get(url)
        assert response.status_code == 200
        assert "no-store" in response.headers["Cache-Control"]


@pytest.mark.django_db
def test_public_pages_keep_their_own_caching(client):
    assert "no-store" not in client.get(reverse("home")).headers.get("Cache-Control", "")


@pytest.mark.django_db
def test_the_favicon_is_served_at_the_root(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/x-icon"
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"


@pytest.mark.django_db
def test_pages_are_sent_compressed(client, lobby_session):
    response = client.get(reverse("join_code"), HTTP_ACCEPT_ENCODING="gzip")
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.content[:2] == b"\x1f\x8b"

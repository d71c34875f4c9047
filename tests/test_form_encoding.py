"""Form posts that are not UTF-8 are refused with a 400 (reflectie/form_encoding.py), not stored
as mojibake; UTF-8 posts, file contents and other bodies pass untouched."""

import pytest
from django.test import Client
from django.urls import reverse

from reflectie.form_encoding import multipart_is_utf8, urlencoded_is_utf8
from sessions.models import Agreement
from tests.builders import HTMX
from tests.hostile import FORM


def test_the_check_sits_after_the_language_and_before_anything_reads_the_body(settings):
    order = settings.MIDDLEWARE
    check = order.index("reflectie.form_encoding.Utf8FormsMiddleware")
    assert order.index("django.middleware.locale.LocaleMiddleware") < check
    assert check < order.index("django.middleware.csrf.CsrfViewMiddleware")


@pytest.mark.parametrize(
    "body",
    [b"a=%FF", b"a=\xff", b"a=caf\xe9", b"%FF=x", b"a=%C3%28", b"a=%ED%A0%80", b"a=1&b=%C0%AF"],
)
def test_urlencoded_bodies_that_are_not_utf8_are_found(body):
    assert not urlencoded_is_utf8(body)


@pytest.mark.parametrize(
    "body", [b"", b"a=1&b=2", b"naam=Co%C3%B6peratie", "a=é&b=👍".encode(), b"a=%25FF", b"a+b=c+d"]
)
def test_urlencoded_utf8_bodies_pass(body):
    assert urlencoded_is_utf8(body)


def _multipart(*parts: bytes, boundary: bytes = b"grens") -> bytes:
    return b"".join(b"--" + boundary + b"\r\n" + part + b"\r\n" for part in parts) + (
        b"--" + boundary + b"--\r\n"
    )


def test_a_multipart_text_part_must_be_utf8_a_file_part_need_not():
    text = b'Content-Disposition: form-data; name="a"\r\n\r\n'
    upload = b'Content-Disposition: form-data; name="f"; filename="x.bin"\r\n\r\n'
    assert multipart_is_utf8(_multipart(text + "é".encode()), b"grens")
    assert not multipart_is_utf8(_multipart(text + b"\xe9"), b"grens")
    assert multipart_is_utf8(_multipart(upload + b"\x00\xff\xfe binary"), b"grens")


def _agreements(session) -> str:
    return reverse("session_agreements", args=[session.pk])


def test_an_agreement_posted_in_latin1_is_refused_with_a_400_and_nothing_is_stored(
    alice_client, lobby_session
):
    body = b"action=Caf\xe9+bezoeken&owner=Gemeente"
    response = alice_client.post(_agreements(lobby_session), data=body, content_type=FORM)
    assert response.status_code == 400
    assert "niet als UTF-8-tekst verstuurd" in response.content.decode()
    assert not Agreement.objects.exists()


def test_htmx_gets_the_refusal_as_a_fragment(alice_client, lobby_session):
    body = b"action=%FF&owner=Gemeente"
    response = alice_client.post(
        _agreements(lobby_session), data=body, content_type=FORM, headers={"HX-Request": "true"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html and "<html" not in html


def test_the_refusal_speaks_the_persons_language(alice_client, lobby_session):
    alice_client.cookies["django_language"] = "en"
    response = alice_client.post(_agreements(lobby_session), data=b"action=%FF", content_type=FORM)
    assert response.status_code == 400
    html = response.content.decode()
    # The page around the message is English: the check runs after LocaleMiddleware.
    assert '<html lang="en"' in html and "UTF-8" in html


def test_utf8_posts_in_either_form_encoding_are_stored(alice_client, lobby_session):
    response = alice_client.post(
        _agreements(lobby_session), {"action": "Café bezoeken 👍", "owner": "עברית"}, **HTMX
    )  # the test client sends multipart
    assert response.status_code == 200
    body = b"action=Caf%C3%A9+opnieuw&owner=%D7%A2%D7%91%D7%A8%D7%99%D7%AA"
    assert alice_client.post(_agreements(lobby_session), body, content_type=FORM).status_code == 302
    assert [a.fields["action"] for a in Agreement.objects.all()] == [
        "Café bezoeken 👍",
        "Café opnieuw",
    ]


def test_gets_and_other_bodies_are_not_looked_at(alice_client, lobby_session):
    # The view answers these itself (an unknown choice, an unknown code), not the UTF-8 check.
    response = alice_client.get(_agreements(lobby_session) + "?keuze=%FF")
    assert "UTF-8" not in response.content.decode()
    response = Client().post("/j/", data=b"\xff\xfe", content_type="application/octet-stream")
    assert response.status_code == 404
    assert "UTF-8" not in response.content.decode()

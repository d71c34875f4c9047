"""Who gets the report: share links (only a hash is stored) and phones that took part."""

import pytest

from sessions import lifecycle, participation, sharing
from sessions.errors import NotAllowed, NotFound
from sessions.models import ShareLink


@pytest.fixture
def session(alice, lob):
    return lifecycle.create_session(alice, lob, title="Voorjaar", partnership_name="Regio West")


def test_a_link_stores_only_the_hash_of_its_token(session):
    link, token = sharing.create_link(session)
    assert len(token) == 43
    stored = ShareLink.objects.get(pk=link.pk)
    assert stored.token_hash == sharing.token_hash(token)
    assert token not in stored.token_hash


def test_a_valid_token_opens_its_session(session):
    _link, token = sharing.create_link(session)
    assert sharing.session_for_token(token) == session


def test_every_link_is_different(session):
    tokens = {sharing.create_link(session)[1] for _ in range(5)}
    assert len(tokens) == 5


@pytest.mark.parametrize(
    "token", ["", None, "x" * 43, "short", "a" * 44, "../../etc/passwd", "é" * 43]
)
def test_a_wrong_or_malformed_token_opens_nothing(session, token):
    sharing.create_link(session)
    assert sharing.session_for_token(token) is None


def test_a_revoked_link_opens_nothing(session):
    link, token = sharing.create_link(session)
    sharing.revoke(session, link.pk)
    assert sharing.session_for_token(token) is None
    first = ShareLink.objects.get(pk=link.pk).revoked_at
    sharing.revoke(session, link.pk)  # again: nothing changes
    assert ShareLink.objects.get(pk=link.pk).revoked_at == first


def test_a_link_of_another_session_cannot_be_revoked(session, bob, lob):
    other = lifecycle.create_session(bob, lob, title="Bob", partnership_name="Elders")
    link, token = sharing.create_link(other)
    with pytest.raises(NotFound):
        sharing.revoke(session, link.pk)
    assert sharing.session_for_token(token) == other


def test_links_per_session_have_a_ceiling(session, monkeypatch):
    monkeypatch.setattr(sharing, "MAX_LINKS", 2)
    sharing.create_link(session)
    link, _token = sharing.create_link(session)
    with pytest.raises(NotAllowed):
        sharing.create_link(session)
    sharing.revoke(session, link.pk)
    sharing.create_link(session)


# Phones -----------------------------------------------------------------------------------------


def test_a_phone_gets_the_session_once_it_is_closed(session):
    _participant, token, _created = participation.join(session, None)
    with pytest.raises(NotAllowed):
        sharing.session_for_device(session.code, token)
    lifecycle.set_phase(session, "closed")
    assert sharing.session_for_device(session.code.lower(), token) == session


def test_an_unknown_code_or_device_finds_nothing(session):
    _participant, token, _created = participation.join(session, None)
    lifecycle.set_phase(session, "closed")
    for code, device in [
        ("ZZZZZZ", token),
        ("nonsense!", token),
        (session.code, None),
        (session.code, "forged-token-forged-token-forged"),
    ]:
        with pytest.raises(NotFound):
            sharing.session_for_device(code, device)


def test_a_reused_code_finds_the_session_this_phone_was_in(session, alice, lob):
    _participant, token, _created = participation.join(session, None)
    lifecycle.set_phase(session, "closed")
    later = lifecycle.create_session(alice, lob, title="Later", partnership_name="Regio West")
    later.code = session.code  # codes are free again once a session is closed
    later.save(update_fields=["code"])
    assert sharing.session_for_device(session.code, token) == session

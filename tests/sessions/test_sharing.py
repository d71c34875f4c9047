"""Who gets the report: share links (only a hash is stored) and phones that took part."""

import pytest

from sessions import lifecycle, participation, sharing, tokens
from sessions.errors import NotAllowed, NotFound
from sessions.models import ShareLink


def test_a_link_stores_only_the_hash_of_its_token(lobby_session):
    link, token = sharing.create_link(lobby_session)
    assert len(token) == 43
    stored = ShareLink.objects.get(pk=link.pk)
    assert stored.token_hash == tokens.digest(token)
    assert token not in stored.token_hash


def test_a_valid_token_opens_its_session(lobby_session):
    _link, token = sharing.create_link(lobby_session)
    assert sharing.session_for_token(token) == lobby_session


def test_every_link_is_different(lobby_session):
    tokens = {sharing.create_link(lobby_session)[1] for _ in range(5)}
    assert len(tokens) == 5


@pytest.mark.parametrize(
    "token", ["", None, "x" * 43, "short", "a" * 44, "../../etc/passwd", "é" * 43]
)
def test_a_wrong_or_malformed_token_opens_nothing(lobby_session, token):
    sharing.create_link(lobby_session)
    assert sharing.session_for_token(token) is None


def test_a_revoked_link_opens_nothing(lobby_session):
    link, token = sharing.create_link(lobby_session)
    sharing.revoke(lobby_session, link.pk)
    assert sharing.session_for_token(token) is None
    first = ShareLink.objects.get(pk=link.pk).revoked_at
    sharing.revoke(lobby_session, link.pk)  # again: nothing changes
    assert ShareLink.objects.get(pk=link.pk).revoked_at == first


def test_a_link_of_another_session_cannot_be_revoked(lobby_session, bob, lob):
    other = lifecycle.create_session(bob, lob, title="Bob", partnership_name="Elders")
    link, token = sharing.create_link(other)
    with pytest.raises(NotFound):
        sharing.revoke(lobby_session, link.pk)
    assert sharing.session_for_token(token) == other


def test_links_per_session_have_a_ceiling(lobby_session, monkeypatch):
    monkeypatch.setattr(sharing, "MAX_LINKS", 2)
    sharing.create_link(lobby_session)
    link, _token = sharing.create_link(lobby_session)
    with pytest.raises(NotAllowed):
        sharing.create_link(lobby_session)
    sharing.revoke(lobby_session, link.pk)
    sharing.create_link(lobby_session)


# Phones -----------------------------------------------------------------------------------------


def test_a_phone_gets_the_session_once_it_is_closed(lobby_session):
    _participant, token, _created = participation.join(lobby_session, None)
    with pytest.raises(NotAllowed):
        sharing.session_for_device(lobby_session.code, token)
    lifecycle.set_phase(lobby_session, "closed")
    assert sharing.session_for_device(lobby_session.code.lower(), token) == lobby_session


def test_an_unknown_code_or_device_finds_nothing(lobby_session):
    _participant, token, _created = participation.join(lobby_session, None)
    lifecycle.set_phase(lobby_session, "closed")
    for code, device in [
        ("ZZZZZZ", token),
        ("nonsense!", token),
        (lobby_session.code, None),
        (lobby_session.code, "forged-token-forged-token-forged"),
    ]:
        with pytest.raises(NotFound):
            sharing.session_for_device(code, device)


def test_a_reused_code_finds_the_session_this_phone_was_in(lobby_session, alice, lob):
    _participant, token, _created = participation.join(lobby_session, None)
    lifecycle.set_phase(lobby_session, "closed")
    later = lifecycle.create_session(alice, lob, title="Later", partnership_name="Regio West")
    later.code = lobby_session.code  # codes are free again once a session is closed
    later.save(update_fields=["code"])
    assert sharing.session_for_device(lobby_session.code, token) == lobby_session

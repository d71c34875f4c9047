"""TrustedProxies: the client address and scheme from X-Forwarded-*, believed only from a proxy
we trust. Each test calls the middleware with a fake inner app that records the scope it got."""

import asyncio

import pytest
from django.core.exceptions import ImproperlyConfigured

from reflectie.forwarded import TrustedProxies, trusted_from_env

PROXY = "127.0.0.1"
PHONE = "203.0.113.7"


def seen_by_app(trusted, *, peer=PROXY, headers=(), kind="http", scheme=None):
    """The scope the inner app receives for a request from `peer` with these headers."""
    seen = {}

    async def app(scope, receive, send):
        seen.update(scope)

    scope = {
        "type": kind,
        "scheme": scheme or ("ws" if kind == "websocket" else "http"),
        "path": "/",
        "headers": [(name.encode(), value.encode()) for name, value in headers],
        "client": [peer, 51234] if peer is not None else None,
    }
    asyncio.run(TrustedProxies(app, trusted)(scope, None, None))
    return seen


def client_seen(trusted, forwarded_for, *, peer=PROXY):
    scope = seen_by_app(trusted, peer=peer, headers=[("X-Forwarded-For", forwarded_for)])
    return scope["client"][0]


def test_it_ignores_a_forged_header_from_a_peer_it_does_not_trust():
    scope = seen_by_app(
        [PROXY],
        peer=PHONE,
        headers=[("X-Forwarded-For", "6.6.6.6"), ("X-Forwarded-Proto", "https")],
    )
    assert scope["client"] == [PHONE, 51234]
    assert scope["scheme"] == "http"


def test_it_trusts_nobody_by_default():
    assert client_seen([], "6.6.6.6") == PROXY


def test_it_takes_the_client_the_trusted_proxy_saw_not_what_the_client_claimed():
    # The phone sent "X-Forwarded-For: 6.6.6.6"; nginx appended the address it came from.
    assert client_seen([PROXY], f"6.6.6.6, {PHONE}") == PHONE


def test_the_forwarded_client_has_no_port():
    scope = seen_by_app([PROXY], headers=[("X-Forwarded-For", PHONE)])
    assert scope["client"] == [PHONE, 0]


def test_it_skips_every_trusted_proxy_in_a_chain():
    # A load balancer in 10.0.0.0/8 in front of nginx on localhost.
    chain = f"6.6.6.6, {PHONE}, 10.1.2.3"
    assert client_seen(["127.0.0.1", "10.0.0.0/8"], chain) == PHONE


def test_a_proxy_that_is_not_trusted_ends_the_chain():
    # 192.0.2.1 is not ours: what it wrote (the left part) cannot be checked.
    assert client_seen([PROXY], f"{PHONE}, 192.0.2.1") == "192.0.2.1"


def test_it_reads_several_forwarded_for_headers_in_order():
    scope = seen_by_app(
        [PROXY], headers=[("X-Forwarded-For", "6.6.6.6"), ("X-Forwarded-For", PHONE)]
    )
    assert scope["client"][0] == PHONE


def test_it_understands_ipv6_peers_and_clients():
    assert client_seen(["::1"], "6.6.6.6, 2001:db8::7", peer="::1") == "2001:db8::7"
    assert client_seen(["::1"], "[2001:db8::8]:443", peer="::1") == "2001:db8::8"
    # An IPv4 proxy seen on a dual-stack socket.
    assert client_seen([PROXY], PHONE, peer="::ffff:127.0.0.1") == PHONE


def test_an_ipv6_peer_is_not_trusted_for_an_ipv4_network():
    assert client_seen(["127.0.0.0/8"], "6.6.6.6", peer="::1") == "::1"


def test_it_trusts_peers_inside_a_network():
    assert client_seen(["10.0.0.0/8"], PHONE, peer="10.20.30.40") == PHONE
    assert client_seen(["10.0.0.0/8"], PHONE, peer="11.0.0.1") == "11.0.0.1"
    assert client_seen(["fd00::/8"], PHONE, peer="fd12::1") == PHONE


def test_it_skips_malformed_entries():
    assert client_seen([PROXY], f"{PHONE}, unknown, not-an-address") == PHONE
    assert client_seen([PROXY], f"{PHONE}:5678") == PHONE
    assert client_seen([PROXY], "[2001:db8::1") == PROXY  # unclosed bracket


def test_it_leaves_the_client_as_it_is_when_no_entry_is_an_address():
    assert client_seen([PROXY], "unknown, , garbage") == PROXY
    assert client_seen([PROXY], "") == PROXY
    scope = seen_by_app([PROXY], headers=[("X-Forwarded-For", "x")])
    assert scope["client"] == [PROXY, 51234]


def test_a_chain_of_only_trusted_addresses_gives_the_one_furthest_back():
    assert client_seen(["127.0.0.1", "10.0.0.0/8"], "10.0.0.9, 127.0.0.1") == "10.0.0.9"


def test_it_sets_the_scheme_from_a_trusted_proxy():
    scope = seen_by_app([PROXY], headers=[("X-Forwarded-Proto", "https")])
    assert scope["scheme"] == "https"
    assert scope["client"] == [PROXY, 51234]  # no X-Forwarded-For: the peer stays


def test_it_accepts_only_http_or_https_as_the_scheme():
    for value in ("ftp", "javascript", "https, http", ""):
        scope = seen_by_app([PROXY], headers=[("X-Forwarded-Proto", value)])
        assert scope["scheme"] == "http", value
    assert seen_by_app([PROXY], headers=[("X-Forwarded-Proto", " HTTPS ")])["scheme"] == "https"


def test_it_forwards_the_client_and_scheme_of_a_websocket():
    headers = [("X-Forwarded-For", f"6.6.6.6, {PHONE}"), ("X-Forwarded-Proto", "https")]
    scope = seen_by_app([PROXY], headers=headers, kind="websocket")
    assert scope["client"] == [PHONE, 0]
    assert scope["scheme"] == "wss"
    untrusted = seen_by_app([PROXY], peer=PHONE, headers=headers, kind="websocket")
    assert untrusted["client"] == [PHONE, 51234]
    assert untrusted["scheme"] == "ws"


def test_it_passes_other_scopes_and_peerless_requests_through():
    seen = {}

    async def app(scope, receive, send):
        seen.update(scope)

    asyncio.run(TrustedProxies(app, [PROXY])({"type": "lifespan"}, None, None))
    assert seen == {"type": "lifespan"}
    scope = seen_by_app([PROXY], peer=None, headers=[("X-Forwarded-For", PHONE)])
    assert scope["client"] is None


def test_it_does_not_change_the_scope_it_was_given():
    scope = {
        "type": "http",
        "scheme": "http",
        "headers": [(b"x-forwarded-for", PHONE.encode())],
        "client": [PROXY, 1],
    }

    async def app(inner, receive, send):
        assert inner["client"] == [PHONE, 0]

    asyncio.run(TrustedProxies(app, [PROXY])(scope, None, None))
    assert scope["client"] == [PROXY, 1]


# The setting ---------------------------------------------------------------------------------


def test_the_setting_is_a_comma_separated_list_of_addresses_and_networks():
    networks = trusted_from_env(" 127.0.0.1, 10.0.0.0/8,::1 ,fd00::/8,")
    assert [str(n) for n in networks] == ["127.0.0.1/32", "10.0.0.0/8", "::1/128", "fd00::/8"]


def test_an_empty_setting_trusts_nobody():
    assert trusted_from_env("") == []
    assert trusted_from_env(" , ") == []


@pytest.mark.parametrize("bad", ["localhost", "10.0.0.0/33", "300.1.1.1", "10.0.0.1-10.0.0.9"])
def test_a_bad_entry_in_the_setting_is_refused_by_name(bad):
    with pytest.raises(ImproperlyConfigured) as refused:
        trusted_from_env(f"127.0.0.1,{bad}")
    assert "REFLECTIE_TRUSTED_PROXIES" in str(refused.value)
    assert repr(bad) in str(refused.value)


def test_a_network_with_host_bits_is_refused_with_the_network_it_meant():
    with pytest.raises(ImproperlyConfigured, match="the network is 10.0.0.0/8"):
        trusted_from_env("10.1.2.3/8")


def test_the_middleware_takes_the_parsed_setting_or_strings():
    assert client_seen(trusted_from_env("127.0.0.1"), PHONE) == PHONE
    with pytest.raises(ImproperlyConfigured):
        TrustedProxies(None, ["nginx"])

"""The client's address and scheme as the reverse proxy saw them, believed only from the proxy.

Behind nginx every request arrives from the proxy's address, so the rate limits on joining and
logging in (which count per address) would see one address for the whole world. nginx says who
the client was in ``X-Forwarded-For`` and which scheme it used in ``X-Forwarded-Proto``; anyone
can send those headers too, so they count only when the peer is one of our proxies.

``X-Forwarded-For`` is a list that each proxy extends on the right with the address it got the
request from. Everything left of what our own proxies wrote is the client's own claim. So we walk
from the right, skip our proxies, and take the first address that is not one of them. (daphne's
``--proxy-headers`` takes the left-most entry instead: that one the client chooses.)
"""

import ipaddress
from collections.abc import Iterable

from django.core.exceptions import ImproperlyConfigured

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# Which scheme each scope type takes for a forwarded "http" or "https".
SCHEMES = {
    "http": {"http": "http", "https": "https"},
    "websocket": {"http": "ws", "https": "wss"},
}


def parse_network(entry: str) -> Network:
    """One trusted entry: an address (a network of one) or a network in CIDR notation."""
    text = entry.strip()
    try:
        return ipaddress.ip_network(text)
    except ValueError as exc:
        if "host bits set" in str(exc):
            hint = f"; the network is {ipaddress.ip_network(text, strict=False)}"
        else:
            hint = ""
        raise ImproperlyConfigured(
            f"REFLECTIE_TRUSTED_PROXIES: {text!r} is not an IP address or network "
            f"(like 127.0.0.1, ::1 or 10.0.0.0/8){hint}"
        ) from None


def trusted_from_env(value: str) -> list[Network]:
    """The trusted proxies from a comma-separated setting ("127.0.0.1,10.0.0.0/8"); an empty
    value trusts nobody."""
    return [parse_network(part) for part in value.split(",") if part.strip()]


def parse_address(text: str) -> Address | None:
    """An address as proxies write it in X-Forwarded-For, or None when it is not one.

    Besides a bare address, "1.2.3.4:5678", "[2001:db8::1]" and "[2001:db8::1]:443" occur (some
    proxies add the port); "unknown", a host name or garbage give None.
    """
    text = text.strip()
    if text.startswith("["):
        text, closed, _port = text[1:].partition("]")
        if not closed:
            return None
    elif text.count(":") == 1:  # IPv4 with a port; an IPv6 address has at least two colons
        text = text.partition(":")[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


class TrustedProxies:
    """ASGI middleware: for a request or WebSocket from a trusted proxy, the client address
    (``scope["client"]``) and scheme are the ones the proxy forwarded. From any other peer the
    forwarding headers are ignored and the scope is passed on as it is."""

    def __init__(self, app, trusted: Iterable[str | Network]):
        self.app = app
        self.trusted = tuple(
            entry if isinstance(entry, Network) else parse_network(entry) for entry in trusted
        )

    async def __call__(self, scope, receive, send):
        if self.trusted and scope["type"] in SCHEMES:
            scope = self.forwarded(scope)
        return await self.app(scope, receive, send)

    def is_trusted(self, address: Address) -> bool:
        mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:10.0.0.1 on a dual-stack socket
        return any(address in net or (mapped and mapped in net) for net in self.trusted)

    def forwarded(self, scope: dict) -> dict:
        client = scope.get("client")
        peer = parse_address(str(client[0])) if client else None
        if peer is None or not self.is_trusted(peer):
            return scope
        changes = {}
        headers = self.headers(scope)
        address = self.client_address(headers.get(b"x-forwarded-for", []))
        if address is not None:
            # The client's port is not forwarded; 0 says so (daphne does the same).
            changes["client"] = [str(address), 0]
        proto = headers.get(b"x-forwarded-proto", [])
        if len(proto) == 1:
            scheme = SCHEMES[scope["type"]].get(proto[0].strip().lower())
            if scheme:
                changes["scheme"] = scheme
        return {**scope, **changes} if changes else scope

    @staticmethod
    def headers(scope: dict) -> dict[bytes, list[str]]:
        """The forwarding headers' values, split on commas, in the order they came."""
        found: dict[bytes, list[str]] = {}
        for name, value in scope.get("headers", ()):
            name = bytes(name).lower()
            if name in (b"x-forwarded-for", b"x-forwarded-proto"):
                found.setdefault(name, []).extend(bytes(value).decode("latin-1").split(","))
        return found

    def client_address(self, entries: list[str]) -> Address | None:
        """The right-most valid address that is not one of our proxies. When every valid one is
        (a request made on a proxy machine itself), the left-most: as far back as the chain of
        proxies we trust can tell. None when no entry is an address at all."""
        furthest = None
        for entry in reversed(entries):
            address = parse_address(entry)
            if address is None:
                continue
            if not self.is_trusted(address):
                return address
            furthest = address
        return furthest

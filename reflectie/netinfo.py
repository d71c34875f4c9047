"""Where phones can reach this laptop.

Participants join on their own phones, so a join link or QR code must never say ``localhost``.
The address comes from SITE_URL when it is configured, otherwise from the request, and when the
request itself came in on localhost (the facilitator opened http://localhost:8000/) from the
laptop's LAN address.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest

# connect() on a UDP socket only picks a route and a source address: no packet is sent, so
# these need not exist. Private ranges, so the answer is the interface facing the local network.
_PROBE_TARGETS = ("10.255.255.255", "192.168.255.255", "172.31.255.255")


def lan_address() -> str | None:
    """The laptop's IPv4 address on the local network, or None when there is none."""
    for target in _PROBE_TARGETS:
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                sock.connect((target, 9))
                address = sock.getsockname()[0]
        except OSError:
            continue
        if _is_usable(address):
            return address
    return None


def own_host_names(site_url: str = "") -> list[str]:
    """The names and addresses by which phones and this laptop reach us, for ALLOWED_HOSTS.

    Found once at start: when the laptop gets a new address on another network, a restart of
    `make run` lets phones in by that one.
    """
    names = {"localhost", "127.0.0.1", "[::1]"}
    hostname = socket.gethostname()
    if hostname:
        names.update({hostname.lower(), f"{hostname.lower()}.local"})
    try:
        infos = socket.getaddrinfo(hostname, None, proto=socket.IPPROTO_TCP)
    except OSError:
        infos = []
    for info in infos:
        address = info[4][0]
        names.add(f"[{address}]" if ":" in address else address)
    lan = lan_address()
    if lan:
        names.add(lan)
    if site_url:
        site_host = urlsplit(site_url).hostname
        if site_host:
            names.add(site_host)
    return sorted(names)


def _is_usable(address: str) -> bool:
    try:
        ip = ipaddress.IPv4Address(address)
    except ValueError:
        return False
    return not (ip.is_loopback or ip.is_unspecified or ip.is_link_local)


def is_local_host(hostname: str) -> bool:
    """True for names that only work on this machine: localhost, 127.x, ::1."""
    hostname = hostname.strip("[]").lower()
    if hostname == "localhost" or hostname.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return False


def join_base_url(request: HttpRequest) -> str:
    """The base URL (no trailing slash) that phones on the same network use to reach us.

    SITE_URL wins when set. Otherwise the request's own scheme and host, unless that host only
    works on this machine; then the LAN address with the request's port. When no LAN address can
    be found, or the server only listens on this machine (BIND_HOST), the request's host is
    returned as it is: no address is shown where nothing listens.
    """
    if settings.SITE_URL:
        return settings.SITE_URL.rstrip("/")
    host = request.get_host()
    parts = urlsplit(f"//{host}")
    if is_local_host(parts.hostname or "") and not is_local_host(settings.BIND_HOST or ""):
        lan = lan_address()
        if lan:
            port = str(parts.port or request.get_port())
            return f"http://{lan}" if port == "80" else f"http://{lan}:{port}"
    return f"{request.scheme}://{host}"


def served_urls(host: str, port: int, path: str = "/") -> tuple[str, str | None]:
    """What to print at start: the address on this laptop, and the one phones use (or None).

    Phones get SITE_URL when set, else the LAN address, but only when the server listens on
    more than this machine (`host`).
    """
    local = f"http://localhost:{port}{path}"
    if settings.SITE_URL:
        return local, settings.SITE_URL.rstrip("/") + path
    if is_local_host(host):
        return local, None
    lan = lan_address()
    return local, (f"http://{lan}:{port}{path}" if lan else None)

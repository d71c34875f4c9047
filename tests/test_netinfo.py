"""The address phones use to join: never localhost when the laptop has a LAN address."""

import socket

import pytest
from django.test import RequestFactory

from reflectie import netinfo


@pytest.fixture
def rf():
    return RequestFactory()


@pytest.fixture
def lan(monkeypatch):
    monkeypatch.setattr(netinfo, "lan_address", lambda: "192.168.1.23")


@pytest.fixture
def no_lan(monkeypatch):
    monkeypatch.setattr(netinfo, "lan_address", lambda: None)


@pytest.fixture
def no_site_url(settings):
    settings.SITE_URL = ""
    settings.ALLOWED_HOSTS = ["*"]


def test_it_uses_site_url_when_set(rf, lan, settings):
    settings.SITE_URL = "https://reflectie.example/"
    request = rf.get("/", HTTP_HOST="localhost:8000")
    assert netinfo.join_base_url(request) == "https://reflectie.example"


def test_it_keeps_a_lan_host_as_it_came_in(rf, lan, no_site_url):
    request = rf.get("/", HTTP_HOST="10.0.0.5:8000")
    assert netinfo.join_base_url(request) == "http://10.0.0.5:8000"


def test_it_keeps_a_real_host_name_and_scheme(rf, lan, no_site_url):
    request = rf.get("/", HTTP_HOST="reflectie.example", secure=True)
    assert netinfo.join_base_url(request) == "https://reflectie.example"


@pytest.mark.parametrize("host", ["localhost:8000", "127.0.0.1:8000", "[::1]:8000"])
def test_it_replaces_localhost_by_the_lan_address(rf, lan, no_site_url, host):
    request = rf.get("/", HTTP_HOST=host)
    url = netinfo.join_base_url(request)
    assert url == "http://192.168.1.23:8000"
    assert "localhost" not in url and "127." not in url and "::1" not in url


def test_it_uses_the_request_port_for_the_lan_address(rf, lan, no_site_url):
    request = rf.get("/", HTTP_HOST="localhost:8765")
    assert netinfo.join_base_url(request) == "http://192.168.1.23:8765"


def test_it_leaves_out_port_80(rf, lan, no_site_url):
    request = rf.get("/", HTTP_HOST="localhost")
    assert netinfo.join_base_url(request) == "http://192.168.1.23"


def test_a_server_bound_to_loopback_never_sends_phones_to_the_lan(rf, lan, no_site_url, settings):
    # Nothing listens on the LAN address: the QR code would lead nowhere.
    settings.BIND_HOST = "127.0.0.1"
    request = rf.get("/", HTTP_HOST="localhost:8000")
    assert netinfo.join_base_url(request) == "http://localhost:8000"


def test_own_host_names_let_in_the_lan_address_and_site_url(lan):
    names = netinfo.own_host_names("https://reflectie.example")
    assert {"localhost", "127.0.0.1", "[::1]", "192.168.1.23", "reflectie.example"} <= set(names)
    assert "*" not in names


def test_it_falls_back_to_the_request_host_without_a_lan_address(rf, no_lan, no_site_url):
    request = rf.get("/", HTTP_HOST="localhost:8000")
    assert netinfo.join_base_url(request) == "http://localhost:8000"


class FakeSocket:
    """Stands in for a UDP socket: records connect() and reports a chosen source address."""

    def __init__(self, answers):
        self.answers = answers
        self.target = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def connect(self, address):
        self.target = address
        answer = self.answers[address[0]]
        if isinstance(answer, Exception):
            raise answer

    def getsockname(self):
        return (self.answers[self.target[0]], 54321)


def fake_sockets(monkeypatch, answers):
    made = []

    def factory(family, kind):
        assert (family, kind) == (socket.AF_INET, socket.SOCK_DGRAM)
        sock = FakeSocket(answers)
        made.append(sock)
        return sock

    monkeypatch.setattr(netinfo.socket, "socket", factory)
    return made


def test_lan_address_reads_the_source_address_of_a_udp_route(monkeypatch):
    fake_sockets(monkeypatch, {"10.255.255.255": "192.168.1.23"})
    assert netinfo.lan_address() == "192.168.1.23"


def test_lan_address_never_returns_loopback(monkeypatch):
    fake_sockets(
        monkeypatch,
        {
            "10.255.255.255": "127.0.0.1",
            "192.168.255.255": "127.0.1.1",
            "172.31.255.255": "0.0.0.0",  # noqa: S104
        },
    )
    assert netinfo.lan_address() is None


def test_lan_address_tries_the_next_range_when_there_is_no_route(monkeypatch):
    fake_sockets(
        monkeypatch,
        {"10.255.255.255": OSError("Network is unreachable"), "192.168.255.255": "192.168.0.7"},
    )
    assert netinfo.lan_address() == "192.168.0.7"


def test_lan_address_is_none_without_any_network(monkeypatch):
    unreachable = OSError("Network is unreachable")
    fake_sockets(
        monkeypatch,
        {
            "10.255.255.255": unreachable,
            "192.168.255.255": unreachable,
            "172.31.255.255": unreachable,
        },
    )
    assert netinfo.lan_address() is None


@pytest.mark.parametrize(
    ("host", "local"),
    [
        ("localhost", True),
        ("LOCALHOST", True),
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("::1", True),
        ("[::1]", True),
        ("192.168.1.23", False),
        ("reflectie.example", False),
        ("", False),
    ],
)
def test_is_local_host(host, local):
    assert netinfo.is_local_host(host) is local

"""Getting a whole room in, and keeping scripts out (docs/room-access.md).

A school's phones may share one address. A room of 300 with its typos must get in with the right
code; a script adding participants from one address is stopped, and the facilitator is told
when the room fills faster than a room does.
"""

import random

import pytest
from django.test import Client
from django.urls import reverse

from sessions import lifecycle, participation, screens
from sessions.models import Participant
from tests.builders import fragment

SCHOOL = "192.0.2.44"  # one address for the whole room, as behind a school's NAT
NOTICE = "Sluit de sessie voor nieuwe deelnemers als dit niet klopt."


@pytest.fixture
def clock(monkeypatch):
    """The join limit's clock, moved by hand: [now]."""
    now = [1_700_000_000.0]
    monkeypatch.setattr(participation, "clock", lambda: now[0])
    return now


def typo_of(code: str, rng: random.Random) -> str:
    """The code with one character mistyped: no session has it (the test has one session)."""
    at = rng.randrange(len(code))
    wrong = rng.choice([c for c in "ABCDEFGHJKMNPQRSTUVWXYZ23456789" if c != code[at]])
    return code[:at] + wrong + code[at + 1 :]


def test_a_room_of_300_phones_on_one_address_with_30_typos_all_get_in(lobby_session, clock):
    rng = random.Random(300)
    typists = set(rng.sample(range(300), 30))
    wrong = 0
    for n in range(300):
        clock[0] += 0.3  # 300 phones in 90 seconds
        phone = Client(REMOTE_ADDR=SCHOOL)
        if n in typists:  # mistyped, and up to twice more, before getting it right
            for _ in range(rng.randint(1, 3)):
                typed = typo_of(lobby_session.code, rng)
                assert phone.post(reverse("join_code"), {"code": typed}).status_code == 404
                wrong += 1
        typed = codes_as_typed(lobby_session.code, rng)
        found = phone.post(reverse("join_code"), {"code": typed})
        assert found.status_code == 302, (n, found.content[:300])
        assert phone.get(found.url).status_code == 200
        joined = phone.post(found.url, {"partner_type": rng.choice(["", "vo", "mbo"])})
        assert joined.status_code == 303, (n, joined.content[:300])
        if n % 50 == 0:  # in, on its own page (every phone's page costs seconds in all)
            assert phone.get(joined.url).status_code == 200
    assert wrong >= 30
    assert Participant.objects.filter(session=lobby_session).count() == 300


def codes_as_typed(code: str, rng: random.Random) -> str:
    return rng.choice([code, code.lower(), f"{code[:3]} {code[3:]}", f"{code[:3]}-{code[3:]}"])


def test_a_scripted_flood_from_one_address_is_stopped_with_429(lobby_session, clock):
    url = reverse("join", args=[lobby_session.code])
    for _ in range(participation.JOIN_BURST):
        assert Client(REMOTE_ADDR=SCHOOL).post(url).status_code == 303
    for _ in range(20):
        refused = Client(REMOTE_ADDR=SCHOOL).post(url)
        assert refused.status_code == 429
        assert "Wacht even en probeer het dan opnieuw." in refused.content.decode()
        assert not any(name.startswith("reflectie_") for name in refused.cookies)
    # Nothing half-stored: exactly the participants the limit let in.
    assert Participant.objects.filter(session=lobby_session).count() == participation.JOIN_BURST
    # A phone that waits a moment gets in; so does a phone on another address.
    clock[0] += 1
    assert Client(REMOTE_ADDR=SCHOOL).post(url).status_code == 303
    assert Client(REMOTE_ADDR="198.51.100.9").post(url).status_code == 303


def test_a_joined_phones_answers_are_not_joins(lobby_session, lob, clock):
    phone = Client(REMOTE_ADDR=SCHOOL)
    assert phone.post(reverse("join", args=[lobby_session.code])).status_code == 303
    for _ in range(participation.JOIN_BURST - 1):
        Client(REMOTE_ADDR=SCHOOL).post(reverse("join", args=[lobby_session.code]))
    lifecycle.open_round(lobby_session, lob.themes.first().pk)
    item = lobby_session.current_theme.items.filter(kind="statement").first()
    answer = reverse("phone_answer", args=[lobby_session.code])
    for value in ["1", "2", "3", "4", "5"]:
        assert phone.post(answer, {f"item-{item.pk}": value}).status_code == 303
    assert phone.get(reverse("join", args=[lobby_session.code])).status_code == 302


# What the facilitator sees -----------------------------------------------------------------------


def dashboard_notice(client, session) -> str:
    html = client.get(reverse("session_dashboard", args=[session.pk])).content.decode()
    return fragment(html, "room-notice")


def test_a_room_filling_at_a_rooms_pace_shows_no_notice(alice_client, lobby_session, clock):
    for n in range(30):
        clock[0] += 1
        participation.join(lobby_session, None, address=f"198.51.100.{n}")
    assert NOTICE not in dashboard_notice(alice_client, lobby_session)


def test_a_room_filling_unusually_fast_shows_a_notice(alice_client, lobby_session, clock):
    for n in range(participation.FAST_JOINS + 1):
        participation.join(lobby_session, None, address=f"198.51.100.{n % 200}")
    notice = dashboard_notice(alice_client, lobby_session)
    assert "ongewoon snel vol" in notice
    assert f"{participation.FAST_JOINS + 1} nieuwe deelnemers in de laatste minuut" in notice
    assert NOTICE in notice
    # Live: the socket renders the same fragment; the projector never shows it.
    _version, live = screens.render_screen(lobby_session.pk, "facilitator")
    assert NOTICE in live["room-notice"]
    _version, projector = screens.render_screen(lobby_session.pk, "projector")
    assert "room-notice" not in projector
    assert not any(NOTICE in html for html in projector.values())


def test_a_refused_flood_shows_a_notice_until_the_room_is_locked(
    alice_client, lobby_session, clock
):
    url = reverse("join", args=[lobby_session.code])
    for _ in range(participation.JOIN_BURST + 5):
        Client(REMOTE_ADDR=SCHOOL).post(url)
    # Below the count of a fast room, but refused joins are reason enough.
    assert participation.JOIN_BURST <= participation.FAST_JOINS
    notice = dashboard_notice(alice_client, lobby_session)
    assert "5 keer moest een telefoon wachten" in notice
    assert NOTICE in notice
    # Its wrapper on the page is a live region, so a screen reader hears it arrive.
    html = alice_client.get(reverse("session_dashboard", args=[lobby_session.pk])).content.decode()
    assert '<div aria-live="polite"><div id="room-notice"' in html
    lifecycle.set_locked(lobby_session, True)
    assert NOTICE not in dashboard_notice(alice_client, lobby_session)
    _version, live = screens.render_screen(lobby_session.pk, "facilitator")
    assert NOTICE not in live["room-notice"]

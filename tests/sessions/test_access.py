"""Who sees whose sessions: a facilitator their own, whatever else they are (staff included);
everyone's only with the permission live.view_all_sessions (on the user, or from a group)."""

from contextlib import asynccontextmanager

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse

from sessions import access, agreements, history, lifecycle, partnerships
from sessions.accounts import allow_instrument_admin, set_view_all, view_all_permission
from sessions.models import Session
from sessions.routing import websocket_urlpatterns
from tests.builders import valid_agreement

pytestmark = pytest.mark.django_db

User = get_user_model()

# Pages of one session that only those who control it may open (GET).
SESSION_PAGES = [
    "session_dashboard",
    "session_projector",
    "session_qr",
    "session_agreements",
    "session_review",
    "session_share_links",
    "session_report_pdf",
    "session_results_csv",
]


def plain(db):
    """A facilitator like alice, with their own session."""
    return User.objects.create_user("bob", password="bob-password-1")


def staff(db):
    """Staff without the permission: may edit instruments in the admin, as `make run`'s account."""
    user = User.objects.create_user("sam", password="sam-password-1")
    allow_instrument_admin(user)
    return user


def bare_staff(db):
    """is_staff and nothing else."""
    return User.objects.create_user("stef", password="stef-password-1", is_staff=True)


def by_permission(db):
    user = User.objects.create_user("vera", password="vera-password-1")
    set_view_all(user, True)
    return user


def by_group(db):
    user = User.objects.create_user("greet", password="greet-password-1", is_staff=True)
    group = Group.objects.create(name="Coördinatoren")
    group.permissions.add(view_all_permission())
    user.groups.add(group)
    return user


OUTSIDERS = [plain, staff, bare_staff]
SEE_ALL = [by_permission, by_group]


@pytest.fixture(params=OUTSIDERS, ids=lambda f: f.__name__)
def outsider(request, db, lob):
    """Someone who is not alice and may not see all, with a session of their own."""
    user = request.param(db)
    lifecycle.create_session(user, lob, title="Eigen sessie", partnership_name="Regio Oost")
    return user


@pytest.fixture(params=SEE_ALL, ids=lambda f: f.__name__)
def overseer(request, db, lob):
    """Someone with the permission, with a session of their own."""
    user = request.param(db)
    lifecycle.create_session(user, lob, title="Eigen sessie", partnership_name="Regio Oost")
    return user


def page(client, name, session):
    return client.get(reverse(name, args=[session.pk]))


# The rule -----------------------------------------------------------------------------------------


def test_is_staff_alone_does_not_see_all(alice, outsider):
    assert not access.sees_all(outsider)
    assert not access.sees_all(alice)


def test_the_permission_sees_all_from_the_user_or_a_group(overseer, admin_user):
    assert access.sees_all(overseer)
    assert access.sees_all(admin_user)  # a superuser has every permission


def test_an_inactive_user_or_nobody_sees_nothing(overseer):
    from django.contrib.auth.models import AnonymousUser

    overseer.is_active = False
    overseer.save()
    assert not access.sees_all(User.objects.get(pk=overseer.pk))
    assert not access.sees_all(AnonymousUser())
    assert not access.sees_all(None)


def test_sessions_and_partnerships_for_a_user(alice, lobby_session, outsider, overseer):
    mine = access.sessions_for(outsider)
    assert list(mine.values_list("facilitator", flat=True)) == [outsider.pk]
    assert set(access.partnerships_for(outsider).values_list("owner", flat=True)) == {outsider.pk}
    assert set(access.sessions_for(overseer)) == set(Session.objects.all())
    assert access.partnerships_for(overseer).count() == 3  # alice's, outsider's, overseer's


# Pages --------------------------------------------------------------------------------------------


def test_an_outsider_sees_only_their_own_sessions_and_partnerships(client, lobby_session, outsider):
    client.force_login(outsider)
    html = client.get(reverse("session_list")).content.decode()
    assert "Eigen sessie" in html and "Regio Oost" in html
    assert "Regio West" not in html  # alice's session
    assert "LOB West" not in html  # alice's partnership
    assert "alice" not in html
    form = client.get(reverse("session_new")).content.decode()
    assert 'value="Regio Oost"' in form
    assert "LOB West" not in form


@pytest.mark.parametrize("name", SESSION_PAGES)
def test_an_outsider_gets_a_404_for_alices_session(client, lobby_session, outsider, name):
    client.force_login(outsider)
    assert page(client, name, lobby_session).status_code == 404


def test_an_outsider_cannot_control_alices_session(client, lobby_session, outsider):
    client.force_login(outsider)
    url = reverse("session_phase", args=[lobby_session.pk])
    assert client.post(url, {"phase": "closed"}).status_code == 404
    lobby_session.refresh_from_db()
    assert lobby_session.phase == "lobby"


def test_the_permission_sees_every_session_and_partnership(client, lobby_session, overseer):
    client.force_login(overseer)
    html = client.get(reverse("session_list")).content.decode()
    assert "Regio West" in html and "Eigen sessie" in html
    assert "LOB West" in html and "Regio Oost" in html
    assert "alice" in html  # whose session it is
    for name in ("session_dashboard", "session_projector", "session_review", "session_results_csv"):
        assert page(client, name, lobby_session).status_code == 200, name


def test_the_permission_opens_alices_report(client, scored_session):
    user = by_group(None)
    client.force_login(user)
    response = page(client, "session_report_pdf", scored_session)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"


def test_the_permission_may_control_alices_session(client, lobby_session):
    client.force_login(by_permission(None))
    url = reverse("session_phase", args=[lobby_session.pk])
    assert client.post(url, {"phase": "closed"}).status_code == 302
    lobby_session.refresh_from_db()
    assert lobby_session.phase == "closed"


def test_taking_the_permission_away_ends_it(client, lobby_session):
    user = by_permission(None)
    set_view_all(user, False)
    client.force_login(user)
    assert page(client, "session_dashboard", lobby_session).status_code == 404


def test_the_new_session_form_offers_only_own_partnerships_also_to_the_permission(
    client, lobby_session, overseer
):
    # Someone who sees all creates sessions under their own partnerships (create_session files
    # them by owner), so alice's names are not offered.
    client.force_login(overseer)
    form = client.get(reverse("session_new")).content.decode()
    assert 'value="Regio Oost"' in form
    assert "LOB West" not in form


# History and trends -------------------------------------------------------------------------------


def test_the_same_partnership_name_of_another_facilitator_is_not_history(alice, bob, lob):
    def create(user, title):
        return lifecycle.create_session(user, lob, title=title, partnership_name="LOB West")

    create(bob, "Bob eerder")
    earlier = create(alice, "Alice eerder")
    later = create(alice, "Alice later")
    assert later.partnership.owner == alice
    assert [s.title for s in history.earlier_sessions(later)] == ["Alice eerder"]
    assert history.previous_session(later) == earlier


def test_history_reaches_only_sessions_filed_under_the_partnership(alice, bob, lob):
    """bob's session of his own "LOB West" stays out of alice's look back, trends and review
    counts; one he ran in her partnership while a member stays in its history after he left."""
    own = lifecycle.create_session(bob, lob, title="Bob", partnership_name="LOB West")
    agreements.create(own, valid_agreement())
    first = lifecycle.create_session(alice, lob, title="Alice", partnership_name="LOB West")
    later = lifecycle.create_session(alice, lob, title="Alice later", partnership_name="LOB West")
    assert own.partnership != first.partnership
    assert [s.title for s in history.earlier_sessions(later)] == ["Alice"]
    assert history.review_summary(later).count == 0

    partnerships.add_member(first.partnership, alice, "bob")
    his = partnerships.next_session(first.partnership, bob)
    agreements.create(his, valid_agreement())
    partnerships.remove_member(first.partnership, alice, bob.pk)
    last = lifecycle.create_session(alice, lob, title="Alice laatst", partnership_name="LOB West")
    assert history.earlier_sessions(last)[0] == his
    assert history.previous_session(last) == his
    assert history.review_summary(last).count == 1


def test_the_permission_sees_alices_history_on_alices_session(client, alice, lob):
    lifecycle.create_session(alice, lob, title="Alice eerder", partnership_name="LOB West")
    later = lifecycle.create_session(alice, lob, title="Alice later", partnership_name="LOB West")
    user = by_permission(None)
    lifecycle.create_session(user, lob, title="Eigen eerder", partnership_name="LOB West")
    assert [s.title for s in history.earlier_sessions(later)] == ["Alice eerder"]
    client.force_login(user)
    assert page(client, "session_review", later).status_code == 200


# Sockets ------------------------------------------------------------------------------------------

router = URLRouter(websocket_urlpatterns)


@asynccontextmanager
async def screen_socket(session_id: int, view: str, user):
    communicator = WebsocketCommunicator(router, f"/ws/sessies/{session_id}/{view}/")
    communicator.scope["user"] = user
    communicator.scope["cookies"] = {}
    ok, code = await communicator.connect(timeout=5)
    try:
        yield ok, code
    finally:
        await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("make", OUTSIDERS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("view", ["facilitator", "projector"])
async def test_an_outsiders_socket_on_alices_session_is_refused(alice, lob, make, view):
    session = await database_sync_to_async(lifecycle.create_session)(
        alice, lob, title="Regio", partnership_name="West"
    )
    user = await database_sync_to_async(make)(None)
    async with screen_socket(session.pk, view, user) as (ok, code):
        assert not ok
        assert code == 4403


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("make", SEE_ALL, ids=lambda f: f.__name__)
async def test_the_permissions_socket_on_alices_session_opens(alice, lob, make):
    session = await database_sync_to_async(lifecycle.create_session)(
        alice, lob, title="Regio", partnership_name="West"
    )
    user = await database_sync_to_async(make)(None)
    async with screen_socket(session.pk, "projector", user) as (ok, _code):
        assert ok

"""`manage.py purge_sessions`: what the retention period lets go, a dry run unless --yes."""

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.sessions.models import Session as LoginSession
from django.core.management import CommandError, call_command
from django.utils import timezone

from sessions import agreements, retention, sharing
from sessions.models import (
    Agreement,
    AgreementReview,
    Participant,
    Partnership,
    PriorityChoice,
    Response,
    Session,
    ShareLink,
    Tally,
)
from tests.builders import make_scored_session, valid_agreement

pytestmark = pytest.mark.django_db

MODELS = [
    Session,
    Participant,
    Response,
    PriorityChoice,
    Tally,
    Agreement,
    AgreementReview,
    ShareLink,
    Partnership,
    LoginSession,
]


def ago(days: float):
    return timezone.now() - timedelta(days=days)


def age(session, *, created: float, closed: float | None = None) -> Session:
    """Moves a session back in time: created `created` days ago, closed `closed` days ago."""
    fields = {"created_at": ago(created), "closed_at": None if closed is None else ago(closed)}
    if closed is not None:
        fields["phase"] = Session.Phase.CLOSED
    Session.objects.filter(pk=session.pk).update(**fields)
    Partnership.objects.filter(pk=session.partnership_id).update(created_at=ago(created))
    session.refresh_from_db()
    return session


def with_everything(session) -> Agreement:
    """Picks, a tally, an agreement and a share link on a scored session; returns the agreement."""
    participant = session.participants.first()
    PriorityChoice.objects.create(session=session, participant=participant, option="theme:visie")
    Tally.objects.get_or_create(session=session, item=None, defaults={"shown": {"theme:visie": 1}})
    sharing.create_link(session)
    return agreements.create(session, valid_agreement())


@pytest.fixture
def world(alice, lob):
    """Old and recent data side by side, as a laptop has it after more than a year of use."""
    old = age(
        make_scored_session(alice, lob, title="Oud", partnership="Oost"), created=400, closed=399
    )
    old_agreement = with_everything(old)
    # Never closed, created long ago: goes too. Its partnership, West, keeps a recent session.
    forgotten = age(
        make_scored_session(alice, lob, title="Vergeten", partnership="West"), created=500
    )
    # Created long ago, closed recently: stays.
    long_run = age(
        make_scored_session(alice, lob, title="Lang", partnership="Noord"), created=500, closed=10
    )
    recent = make_scored_session(alice, lob, title="Recent", partnership="West")
    with_everything(recent)
    # A later session looking back at the old session's agreement.
    review = AgreementReview.objects.create(agreement=old_agreement, session=recent, status="loopt")
    kept_link, _token = sharing.create_link(recent)
    revoked_link, _token = sharing.create_link(recent)
    sharing.revoke(recent, revoked_link.pk)
    # A partnership without sessions that is old goes; a new empty one stays.
    empty_old = Partnership.objects.create(owner=alice, name="Leeg oud")
    Partnership.objects.filter(pk=empty_old.pk).update(created_at=ago(800))
    empty_new = Partnership.objects.create(owner=alice, name="Leeg nieuw")
    expired = LoginSession.objects.create(session_key="e" * 32, session_data="", expire_date=ago(1))
    live = LoginSession.objects.create(session_key="l" * 32, session_data="", expire_date=ago(-1))
    return {
        "old": old,
        "forgotten": forgotten,
        "long_run": long_run,
        "recent": recent,
        "review": review,
        "kept_link": kept_link,
        "revoked_link": revoked_link,
        "empty_old": empty_old,
        "empty_new": empty_new,
        "expired": expired,
        "live": live,
    }


def counts() -> dict:
    return {model.__name__: model.objects.count() for model in MODELS}


def purge(*args) -> str:
    out = StringIO()
    call_command("purge_sessions", *args, stdout=out)
    return out.getvalue()


def test_a_dry_run_says_what_would_go_and_deletes_nothing(world):
    before = counts()
    output = purge()
    assert counts() == before
    assert "Proefdraai: er is niets verwijderd" in output
    assert "Bewaartermijn 365 dagen" in output
    assert "  sessies: 2\n" in output
    assert "  deelnemers: 8\n" in output
    assert "  samenwerkingsverbanden zonder sessies: 2\n" in output  # Oost and Leeg oud
    assert "  ingetrokken deellinks van andere sessies: 1\n" in output
    assert "  verlopen inlogsessies: 1\n" in output
    assert f"  #{world['old'].pk}: aangemaakt " in output
    assert f"  #{world['forgotten'].pk}: aangemaakt " in output
    assert "nooit afgesloten" in output
    assert f"#{world['long_run'].pk}:" not in output
    # Which sessions, by id and date: no titles, names or anything typed.
    for typed in ("Oud", "Vergeten", "Oost", valid_agreement()["action"]):
        assert typed not in output


def test_yes_deletes_exactly_what_the_retention_period_lets_go(world):
    recent, long_run = world["recent"], world["long_run"]

    def rows(session):
        return [
            related.count()
            for related in (session.participants, session.responses, session.tallies)
        ]

    kept = {session.pk: rows(session) for session in (recent, long_run)}
    working_links = set(
        ShareLink.objects.filter(revoked_at__isnull=True, session=recent).values_list(
            "pk", flat=True
        )
    )
    output = purge("--yes")
    assert output.count("\n") == 1
    assert output.startswith("Bewaartermijn 365 dagen (alles van vóór ")
    assert "verwijderd — sessies: 2, deelnemers: 8, " in output

    assert set(Session.objects.values_list("pk", flat=True)) == {recent.pk, long_run.pk}
    for session in (recent, long_run):
        assert rows(session) == kept[session.pk]
    # Nothing of the old sessions is left behind.
    gone = [world["old"].pk, world["forgotten"].pk]
    for model in (Participant, Response, PriorityChoice, Tally, Agreement, ShareLink):
        assert not model.objects.filter(session__in=gone).exists()
    # The recent session keeps its own data; the look back at the old agreement went with it.
    assert recent.agreements.count() == 1
    assert recent.priority_choices.count() == 1
    assert not AgreementReview.objects.filter(pk=world["review"].pk).exists()
    # Share links: revoked ones go, working ones stay.
    assert world["kept_link"].pk in working_links
    assert set(ShareLink.objects.values_list("pk", flat=True)) == working_links
    # Partnerships: the old empty ones go; those with a session left, and new ones, stay.
    assert set(Partnership.objects.values_list("name", flat=True)) == {
        "West",
        "Noord",
        "Leeg nieuw",
    }
    # Login sessions: expired ones go, like `manage.py clearsessions`.
    assert list(LoginSession.objects.values_list("session_key", flat=True)) == ["l" * 32]


def test_nothing_to_purge_is_one_line(world):
    purge("--yes")
    before = counts()
    output = purge("--yes")
    assert output.splitlines() == [output.strip()]
    assert output.strip().endswith(": niets te verwijderen.")
    assert counts() == before


def test_days_overrides_the_retention_period(world):
    output = purge("--days", "5", "--yes")
    assert output.startswith("Bewaartermijn 5 dagen")
    # Now the session closed 10 days ago goes too; only the recent one is left.
    assert list(Session.objects.values_list("pk", flat=True)) == [world["recent"].pk]


def test_the_settings_retention_period_is_the_default(world, settings):
    settings.RETENTION_DAYS = 1000
    since = timezone.localtime(ago(1000)).date().isoformat()
    assert purge("--yes").strip() == (
        f"Bewaartermijn 1000 dagen (alles van vóór {since}): verwijderd — "
        "ingetrokken deellinks van andere sessies: 1, verlopen inlogsessies: 1."
    )
    assert Session.objects.count() == 4


@pytest.mark.parametrize("days", ["0", "-3"])
def test_a_retention_period_under_one_day_is_refused(world, days):
    before = counts()
    with pytest.raises(CommandError, match="minstens 1 dag"):
        purge("--days", days, "--yes")
    assert counts() == before


def test_an_absurd_retention_period_is_refused(world):
    with pytest.raises(CommandError, match="te lang"):
        purge("--days", "999999999")


def test_a_failing_purge_deletes_nothing(world, monkeypatch):
    """All or nothing: a failure at the last step leaves every session in place."""

    def fail():
        raise RuntimeError("disk full")

    monkeypatch.setattr(retention, "clear_login_sessions", fail)
    before = counts()
    with pytest.raises(RuntimeError):
        purge("--yes")
    assert counts() == before

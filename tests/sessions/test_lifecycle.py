"""The one path for changes that screens and phones must see, and which themes are open."""

import pytest
from django.db import transaction

from sessions import answers, lifecycle, participation, results
from tests.builders import stored

pytestmark = pytest.mark.django_db


def test_touch_bumps_the_screens_version_and_tells_the_screens(lobby_session, told):
    before = stored(lobby_session)
    lifecycle.touch(lobby_session.pk)
    after = stored(lobby_session)
    assert after.version == before.version + 1
    assert after.phase_version == before.phase_version
    assert told == [(lobby_session.pk, False)]


def test_touch_for_phones_bumps_both_versions_and_tells_phones_too(lobby_session, told):
    before = stored(lobby_session)
    lifecycle.touch(lobby_session.pk, phones=True)
    after = stored(lobby_session)
    assert (after.version, after.phase_version) == (before.version + 1, before.phase_version + 1)
    assert told == [(lobby_session.pk, True)]


def test_touch_tells_nobody_when_the_change_is_rolled_back(
    lobby_session, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        lifecycle.touch(lobby_session.pk)
        raise RuntimeError("the change failed")
    assert callbacks == []
    assert stored(lobby_session).version == lobby_session.version


def test_a_changed_partner_type_bumps_the_version_so_a_lost_notice_is_repaired(lobby_session, told):
    # Screens compare the stored version on their slow tick: without the bump, a lost notice
    # about a partner type would leave the breakdown stale for good.
    participant, _token, _created = participation.join(lobby_session, None)
    before = stored(lobby_session).version
    told.clear()
    participation.update_profile(participant, partner_type="mbo")
    assert stored(lobby_session).version == before + 1
    assert told == [(lobby_session.pk, False)]


def test_no_theme_is_open_outside_scoring(lobby_session):
    assert lifecycle.open_themes(lobby_session) == []


def test_one_round_opens_only_its_theme(scoring_session, lob):
    assert lifecycle.open_themes(scoring_session) == [lob.themes.first().pk]


def test_all_at_once_opens_every_theme_with_or_without_the_ids_at_hand(all_at_once_session, lob):
    every = list(lob.themes.values_list("pk", flat=True))
    assert lifecycle.open_themes(all_at_once_session) == every
    structure = results.instrument_structure(lob)
    assert lifecycle.open_themes(all_at_once_session, [t.id for t in structure]) == every


def test_the_results_mark_the_same_themes_open_as_phones_may_answer(scoring_session):
    shown = results.session_results(scoring_session.pk)
    assert [t.info.id for t in shown.themes if t.is_open] == lifecycle.open_themes(scoring_session)


def test_the_session_vote_offers_only_the_themes_with_statements(alice, instruments):
    praat = instruments["praatplaat-regio"]
    session = lifecycle.create_session(alice, praat, title="Praat", partnership_name="Zuid")
    offered = answers.session_vote_options(session)
    with_statements = [
        (f"theme:{t.key}", t.title) for t in praat.themes.all() if t.items.filter(kind="statement")
    ]
    assert offered == with_statements
    # The reminders (prompts only) and the priority questions' theme are not in it.
    assert len(offered) < praat.themes.count()

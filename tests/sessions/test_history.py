"""A partnership over time: the previous session, earlier agreements and their review, trends."""

import pytest

from instruments.services import new_version
from sessions import agreements, history, lifecycle
from sessions.errors import Invalid, NotAllowed
from sessions.models import AgreementReview, Session
from tests.builders import make_scored_session, valid_agreement


def make(alice, lob, title, partnership="Regio West", **kwargs):
    return make_scored_session(alice, lob, title=title, partnership=partnership, **kwargs)


# The previous session ---------------------------------------------------------------------------


def test_the_previous_session_is_the_latest_earlier_one_of_the_same_partnership(alice, lob):
    first = make(alice, lob, "Een")
    second = make(alice, lob, "Twee")
    make(alice, lob, "Elders", partnership="Regio Oost")
    third = make(alice, lob, "Drie")
    assert history.previous_session(third) == second
    assert history.previous_session(second) == first
    assert history.previous_session(first) is None


def test_a_session_of_another_instrument_is_not_compared(alice, lob, instruments):
    make(alice, lob, "Een")
    po = lifecycle.create_session(
        alice, instruments["po-externe-partners"], title="Po", partnership_name="Regio West"
    )
    assert history.previous_session(po) is None


def test_a_newer_version_of_the_instrument_still_counts(alice, lob):
    first = make(alice, lob, "Een")
    lob_v2 = new_version(lob)
    second = make(alice, lob_v2, "Twee")
    assert second.instrument.version == 2
    assert history.previous_session(second) == first


def test_another_facilitators_partnership_with_the_same_name_is_not_mixed_in(alice, bob, lob):
    make(bob, lob, "Van Bob")
    mine = make(alice, lob, "Van Alice")
    assert history.previous_session(mine) is None


# Earlier agreements -----------------------------------------------------------------------------


@pytest.fixture
def two_sessions(alice, lob):
    first = make(alice, lob, "Voorjaar", scores={"visie": [3, 3, 4, 4]})
    a = agreements.create(first, valid_agreement(action="Netwerkbijeenkomst organiseren"))
    b = agreements.create(first, valid_agreement(action="Stagebank opzetten"))
    second = make(alice, lob, "Najaar", scores={"visie": [4, 4, 5, 5]})
    return first, second, a, b


def test_the_next_session_lists_the_earlier_agreements_unreviewed(two_sessions):
    first, second, a, b = two_sessions
    earlier = history.earlier_agreements(second)
    assert [e.agreement.pk for e in earlier] == [a.pk, b.pk]
    assert all(e.status == "" and e.session == first for e in earlier)
    assert earlier[0].view.get("action") == "Netwerkbijeenkomst organiseren"
    assert history.earlier_agreements(first) == []


def test_a_review_is_stored_once_per_session_and_shown(two_sessions):
    _first, second, a, _b = two_sessions
    history.review(second, a.pk, "gedaan", "  Was in mei  ")
    history.review(second, a.pk, "loopt", "Nog één bijeenkomst")
    assert AgreementReview.objects.count() == 1
    item = history.earlier_agreements(second)[0]
    assert (item.status, item.status_label, item.note) == (
        "loopt",
        "loopt nog",
        "Nog één bijeenkomst",
    )


def test_done_and_stopped_agreements_do_not_come_back_but_ongoing_ones_do(two_sessions, alice, lob):
    _first, second, a, b = two_sessions
    history.review(second, a.pk, "gedaan")
    history.review(second, b.pk, "loopt")
    c = agreements.create(second, valid_agreement(action="Ouderavond"))
    third = make(alice, lob, "Winter")
    earlier = history.earlier_agreements(third)
    assert [e.agreement.pk for e in earlier] == [b.pk, c.pk]
    assert earlier[0].earlier_status == "loopt"


def test_an_agreement_of_another_partnership_cannot_be_reviewed(two_sessions, alice, lob):
    _first, _second, a, _b = two_sessions
    elsewhere = make(alice, lob, "Oost", partnership="Regio Oost")
    with pytest.raises(NotAllowed):
        history.review(elsewhere, a.pk, "gedaan")
    assert not AgreementReview.objects.exists()


def test_a_sessions_own_or_later_agreements_cannot_be_reviewed_in_it(two_sessions):
    first, second, a, _b = two_sessions
    own = agreements.create(second, valid_agreement())
    with pytest.raises(NotAllowed):
        history.review(second, own.pk, "gedaan")
    with pytest.raises(NotAllowed):  # the earlier session cannot look forward
        history.review(first, own.pk, "gedaan")
    assert not AgreementReview.objects.exists()


@pytest.mark.parametrize(
    ("agreement", "status", "note"),
    [
        ("x", "gedaan", ""),
        ("999999", "gedaan", ""),
        (None, "klaar", ""),
        (None, "gedaan", "x" * 501),
    ],
)
def test_bad_review_input_is_refused(two_sessions, agreement, status, note):
    _first, second, a, _b = two_sessions
    with pytest.raises(Invalid):
        history.review(second, agreement or a.pk, status, note)
    assert not AgreementReview.objects.exists()


def test_a_review_bumps_the_version_and_tells_the_phones(two_sessions, told):
    _first, second, a, _b = two_sessions
    before = Session.objects.get(pk=second.pk).version
    history.review(second, a.pk, "gedaan")
    assert Session.objects.get(pk=second.pk).version == before + 1
    assert told == [(second.pk, True)]


# Trends -----------------------------------------------------------------------------------------


def test_theme_trends_compare_with_the_previous_session(two_sessions):
    _first, second, _a, _b = two_sessions
    trends = history.theme_trends(second)
    visie = trends["visie"]
    assert (visie.current, visie.previous) == (4.5, 3.5)
    assert visie.trend.direction == "up" and visie.trend.arrow == "↑"
    assert visie.trend.band_changed and (visie.trend.band_from, visie.trend.band_to) == (
        "aandacht",
        "sterk",
    )
    assert visie.summary == "↑ +1,0 · aandachtspunt → sterk punt"
    # The other themes got the same default scores both times.
    assert trends["relatie"].trend.direction == "stable"
    assert trends["relatie"].summary == "→ stabiel"
    assert list(trends)[0] == "visie"


def test_a_change_below_three_tenths_is_stable(alice, lob):
    make(alice, lob, "Een", scores={"visie": [3, 3, 3, 3]})
    second = make(alice, lob, "Twee", scores={"visie": [3, 3, 3, 4]})  # 3.25: +0.25
    trend = history.theme_trends(second)["visie"].trend
    assert trend.direction == "stable" and not trend.band_changed


def test_without_a_previous_session_there_is_no_trend(alice, lob):
    only = make(alice, lob, "Een")
    trends = history.theme_trends(only)
    assert all(t.previous is None and t.trend is None for t in trends.values())
    assert trends["visie"].summary == ""


def test_themes_are_matched_by_key_across_versions(alice, lob):
    make(alice, lob, "Een", scores={"visie": [2, 2, 2, 2]})
    lob_v2 = new_version(lob)
    second = make(alice, lob_v2, "Twee", scores={"visie": [4, 4, 4, 4]})
    visie = history.theme_trends(second)["visie"]
    assert (visie.previous, visie.current) == (2.0, 4.0)
    assert visie.trend.band_from == "zorg" and visie.trend.band_to == "sterk"

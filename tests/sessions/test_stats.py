"""Statistics of how results are read (plain pytest, no Django)."""

from dataclasses import FrozenInstanceError

import pytest

from sessions.stats import (
    ItemStats,
    Trend,
    band,
    breakdown_allowed,
    consensus,
    item_stats,
    mean,
    round_display,
    sort_key_divided,
    sort_key_lowest,
    theme_mean,
    trend,
)

# --- consensus / mean -------------------------------------------------------------------------


def test_consensus_matches_tastle_wierman_reference_example():
    assert consensus([30, 40, 210, 130, 530, 50, 10]) == pytest.approx(0.7257, abs=5e-5)


def test_consensus_of_one_low_outlier_among_fours_is_about_point_six():
    assert round(consensus([1, 0, 0, 5, 0]), 2) == 0.60
    assert consensus([1, 0, 0, 5, 0]) == pytest.approx(0.603623, abs=1e-6)


@pytest.mark.parametrize("counts", [[0, 0, 5, 0, 0], [1, 0, 0, 0, 0], [0, 0, 0, 0, 9], [4]])
def test_consensus_is_one_when_everyone_agrees(counts):
    assert consensus(counts) == 1.0


@pytest.mark.parametrize("counts", [[5, 0, 0, 0, 5], [1, 1], [2, 0, 0, 0, 0, 0, 2]])
def test_consensus_is_zero_for_an_even_split_between_the_extremes(counts):
    assert consensus(counts) == 0.0


def test_consensus_stays_within_zero_and_one_for_uneven_extremes():
    for low in range(1, 8):
        for high in range(1, 8):
            assert 0.0 <= consensus([low, 0, 0, 0, high]) <= 1.0


def test_consensus_and_mean_are_none_without_answers():
    assert consensus([0, 0, 0, 0, 0]) is None
    assert mean([0, 0, 0, 0, 0]) is None
    assert consensus([]) is None


def test_mean_weights_scale_positions_by_their_counts():
    assert mean([1, 0, 0, 5, 0]) == pytest.approx(21 / 6)
    assert mean([0, 0, 5, 0, 5]) == 4.0


def test_negative_counts_are_rejected():
    with pytest.raises(ValueError):
        consensus([1, -1, 3])
    with pytest.raises(ValueError):
        item_stats([3, 0, 0, 0, 0], dont_know=-1)


# --- item stats: anonymity ---------------------------------------------------------------------


def test_item_with_two_scores_is_hidden_and_leaks_nothing_derived():
    stats = item_stats([0, 0, 0, 1, 1], dont_know=4, invited=12)
    assert stats == ItemStats(
        counts=None,
        scored=2,
        dont_know=4,
        respondents=6,
        invited=12,
        hidden=True,
        mean=None,
        consensus=None,
        divided=False,
        split=False,
    )


def test_dont_know_answers_do_not_count_towards_the_minimum_of_three():
    assert item_stats([1, 0, 0, 0, 1], dont_know=10).hidden is True


def test_item_with_three_scores_is_shown():
    stats = item_stats([0, 1, 2, 0, 0], dont_know=1, invited=5)
    assert stats.hidden is False
    assert stats.counts == (0, 1, 2, 0, 0)
    assert (stats.scored, stats.dont_know, stats.respondents, stats.invited) == (3, 1, 4, 5)
    assert stats.mean == pytest.approx(8 / 3)
    assert stats.consensus == pytest.approx(0.828635, abs=1e-6)
    assert (stats.divided, stats.split) == (False, False)


def test_minimum_respondents_can_be_raised():
    assert item_stats([0, 0, 4, 0, 0], min_respondents=5).hidden is True


def test_item_stats_are_frozen():
    with pytest.raises(FrozenInstanceError):
        item_stats([0, 0, 3, 0, 0]).mean = 5.0  # type: ignore[misc]


# --- item stats: verschil van inzicht / grote verdeeldheid -------------------------------------


def test_opposite_answers_mark_divided_even_with_high_consensus():
    stats = item_stats([1, 0, 0, 20, 0])
    assert stats.consensus == pytest.approx(0.863967, abs=1e-6)
    assert (stats.divided, stats.split) == (True, False)


def test_low_consensus_marks_divided_without_opposite_answers():
    stats = item_stats([0, 0, 5, 0, 5])
    assert stats.consensus == pytest.approx(0.584963, abs=1e-6)
    assert (stats.divided, stats.split) == (True, False)


def test_neighbouring_answers_are_not_divided():
    stats = item_stats([0, 0, 3, 3, 0])
    assert stats.consensus == pytest.approx(0.807355, abs=1e-6)
    assert (stats.divided, stats.split) == (False, False)


def test_consensus_below_point_four_is_split():
    stats = item_stats([3, 0, 0, 3, 0])
    assert stats.consensus == pytest.approx(0.321928, abs=1e-6)
    assert (stats.divided, stats.split) == (True, True)


@pytest.mark.parametrize(
    ("counts", "divided"),
    [
        ([1, 0, 0, 0, 0, 0, 30], True),  # 7-point: lower two vs upper two
        ([0, 1, 0, 0, 0, 30, 0], True),
        ([0, 0, 1, 0, 30, 0, 0], False),
        ([1, 0, 20], True),  # 3-point: only the extremes oppose
        ([0, 1, 20], False),
        ([0, 1, 20, 0], True),  # 4-point: 1-2 vs 3-4
    ],
)
def test_opposite_answers_use_the_outer_two_positions_on_other_scales(counts, divided):
    stats = item_stats(counts)
    assert stats.consensus >= 0.65  # so only the opposite answers can trigger
    assert stats.divided is divided


# --- sorting -----------------------------------------------------------------------------------


def test_sort_key_divided_puts_split_then_divided_then_rest_and_hidden_last():
    hidden = item_stats([0, 0, 1, 1, 0])
    agreed = item_stats([0, 0, 6, 0, 0])
    calm = item_stats([0, 0, 3, 3, 0])
    divided_high = item_stats([1, 0, 0, 20, 0])
    divided_low = item_stats([0, 0, 5, 0, 5])
    split = item_stats([3, 0, 0, 3, 0])
    ordered = sorted([hidden, agreed, calm, divided_high, divided_low, split], key=sort_key_divided)
    assert ordered == [split, divided_low, divided_high, calm, agreed, hidden]


def test_sort_key_lowest_puts_lowest_mean_first_and_hidden_last():
    hidden = item_stats([2, 0, 0, 0, 0])
    high = item_stats([0, 0, 0, 0, 3])
    low = item_stats([3, 0, 0, 0, 0])
    middle = item_stats([0, 0, 3, 0, 0])
    assert sorted([hidden, high, low, middle], key=sort_key_lowest) == [low, middle, high, hidden]


# --- theme mean and band -----------------------------------------------------------------------


def test_theme_mean_averages_only_the_shown_statement_means():
    assert theme_mean([4.0, None, 3.0, 3.5]) == pytest.approx(3.5)
    assert theme_mean([None, None]) is None
    assert theme_mean([]) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (5.0, "sterk"),
        (4.0, "sterk"),
        (3.95, "sterk"),  # displayed as 4.0
        (3.94, "aandacht"),
        (3.0, "aandacht"),
        (2.96, "aandacht"),  # displayed as 3.0
        (2.95, "aandacht"),  # half up, like Django's floatformat
        (2.94, "zorg"),
        (1.0, "zorg"),
        (None, None),
    ],
)
def test_band_follows_the_displayed_one_decimal_mean(value, expected):
    assert band(value) == expected


@pytest.mark.parametrize(("value", "shown"), [(3.85, 3.9), (3.45, 3.5), (2.25, 2.3), (4.0, 4.0)])
def test_round_display_rounds_half_up_like_the_template(value, shown):
    assert round_display(value) == shown


# --- trend -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "previous", "direction", "arrow"),
    [
        (3.29, 3.0, "stable", "→"),
        (3.0, 3.29, "stable", "→"),
        (3.3, 3.0, "up", "↑"),  # 0.2999... in floats, still counts as 0.3
        (3.0, 3.3, "down", "↓"),
        (3.5, 3.5, "stable", "→"),
    ],
)
def test_trend_is_stable_below_point_three(current, previous, direction, arrow):
    result = trend(current, previous)
    assert (result.direction, result.arrow) == (direction, arrow)
    assert result.delta == pytest.approx(current - previous)


def test_trend_names_the_band_change():
    assert trend(4.1, 3.7) == Trend(
        delta=pytest.approx(0.4),
        direction="up",
        arrow="↑",
        band_from="aandacht",
        band_to="sterk",
        band_changed=True,
    )
    unchanged = trend(3.8, 3.1)
    assert (unchanged.band_from, unchanged.band_to, unchanged.band_changed) == (
        "aandacht",
        "aandacht",
        False,
    )


@pytest.mark.parametrize(("current", "previous"), [(None, 3.0), (3.0, None), (None, None)])
def test_trend_is_none_without_both_means(current, previous):
    assert trend(current, previous) is None


# --- breakdown ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("group_sizes", "allowed"),
    [
        ({"gemeente": 5, "zorgaanbieder": 7}, True),
        ({"gemeente": 5, "zorgaanbieder": 4}, False),
        ({"gemeente": 12}, False),
        ({}, False),
        ({"a": 6, "b": 6, "c": 5}, True),
        ({"a": 6, "b": 6, "c": 0}, False),
    ],
)
def test_breakdown_needs_two_groups_of_at_least_five(group_sizes, allowed):
    assert breakdown_allowed(group_sizes) is allowed


def test_breakdown_minimum_group_size_is_configurable():
    assert breakdown_allowed({"a": 3, "b": 3}, min_group=3) is True

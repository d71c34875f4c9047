"""How results are read: agreement, anonymity, banding and trends.

Pure functions on plain counts (standard library only), so the rules that decide what a
group gets to see can be tested without a database and reused by views, exports and reports.

Counts are always per scale position: ``counts[i]`` is how many people chose position ``i + 1``
(1 = lowest). "Weet ik niet" answers are kept apart as ``dont_know``: they are respondents,
but carry no score.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

__all__ = [
    "BALANCE_GAP",
    "BAND_AANDACHT",
    "BAND_STERK",
    "BAND_ZORG",
    "CONSENSUS_DIVIDED",
    "CONSENSUS_SPLIT",
    "MIN_GROUP",
    "MIN_RESPONDENTS",
    "STABLE_DELTA",
    "BalanceStats",
    "ItemStats",
    "Trend",
    "balance_stats",
    "band",
    "breakdown_allowed",
    "consensus",
    "item_stats",
    "mean",
    "round_display",
    "sort_key_divided",
    "sort_key_lowest",
    "theme_mean",
    "trend",
]

#: Fewer scores than this and a statement's distribution is hidden: with one or two answers
#: anyone in the room can work out who said what.
MIN_RESPONDENTS = 3
#: Smallest group a breakdown (e.g. by partner type) may show, for the same reason.
MIN_GROUP = 5
#: Below this consensus a statement is flagged "verschil van inzicht".
CONSENSUS_DIVIDED = 0.65
#: Below this consensus a statement is flagged "grote verdeeldheid".
CONSENSUS_SPLIT = 0.4
#: A change in theme mean smaller than this is noise, not a trend.
STABLE_DELTA = 0.3

# Band keys (Wilder Collaboration Factors Inventory); labels are translated elsewhere.
BAND_STERK = "sterk"  # 4.0-5.0: sterk punt
BAND_AANDACHT = "aandacht"  # 3.0-3.9: aandachtspunt
BAND_ZORG = "zorg"  # below 3.0: zorgpunt


def _check_counts(counts: Sequence[int]) -> None:
    """Reject negative counts: they would silently produce nonsense statistics."""
    if any(c < 0 for c in counts):
        raise ValueError(f"counts must not be negative: {list(counts)!r}")


def mean(counts: Sequence[int]) -> float | None:
    """Mean scale position (1-based); None when nobody gave a score, so 0 is never shown."""
    _check_counts(counts)
    total = sum(counts)
    if total == 0:
        return None
    return sum(position * c for position, c in enumerate(counts, start=1)) / total


def consensus(counts: Sequence[int]) -> float | None:
    """Tastle-Wierman consensus (0 = split between the extremes, 1 = full agreement).

    Unlike the standard deviation it is bounded and comparable between statements, which is
    what "do we agree?" needs. Cns = 1 + sum(p_i * log2(1 - |X_i - mu| / d)), d = max - min.
    None when nobody gave a score.
    """
    mu = mean(counts)
    if mu is None:
        return None
    width = len(counts) - 1
    if width == 0:
        return 1.0  # a one-point scale cannot disagree
    total = sum(counts)
    acc = 0.0
    for position, c in enumerate(counts, start=1):
        if c == 0:
            continue  # p * log2(...) -> 0; also avoids log2(0) at an empty extreme
        distance = 1.0 - abs(position - mu) / width
        if distance <= 0.0:
            # Only reachable through float noise (|X - mu| = d needs all mass elsewhere).
            return 0.0
        acc += (c / total) * math.log2(distance)
    return min(1.0, max(0.0, 1.0 + acc))


def _outer_positions(length: int) -> tuple[range, range]:
    """Index ranges of the "low" and "high" answers: the two outer positions on each side.

    On a 1-5 scale that is 1-2 versus 4-5. Short scales take at most half on each side so
    the ranges never overlap (a 3-point scale compares 1 with 3).
    """
    side = min(2, length // 2)
    return range(0, side), range(length - side, length)


@dataclass(frozen=True)
class ItemStats:
    """What may be shown about one statement.

    When ``hidden`` is True everything derived from the scores (counts, mean, consensus,
    flags) is blanked, so nothing computed from fewer than ``MIN_RESPONDENTS`` scores can
    leak; only how many people answered ("x van y") and "weet ik niet" remain.
    """

    counts: tuple[int, ...] | None
    scored: int
    dont_know: int
    respondents: int
    invited: int | None
    hidden: bool
    mean: float | None
    consensus: float | None
    divided: bool
    split: bool


def item_stats(
    counts: Sequence[int],
    dont_know: int = 0,
    *,
    invited: int | None = None,
    min_respondents: int = MIN_RESPONDENTS,
) -> ItemStats:
    """Summarise one statement, applying the anonymity threshold before anything is derived.

    ``divided`` ("verschil van inzicht") is set when consensus < 0.65 or when someone scored
    low (1-2) while someone else scored high (4-5): even a single opposite voice is worth
    talking about. ``split`` ("grote verdeeldheid") is consensus < 0.4.
    ``dont_know`` does not count towards ``min_respondents``: it reveals no score.
    """
    _check_counts(counts)
    if dont_know < 0:
        raise ValueError(f"dont_know must not be negative: {dont_know!r}")
    scored = sum(counts)
    hidden = scored < min_respondents
    if hidden:
        return ItemStats(
            counts=None,
            scored=scored,
            dont_know=dont_know,
            respondents=scored + dont_know,
            invited=invited,
            hidden=True,
            mean=None,
            consensus=None,
            divided=False,
            split=False,
        )
    cns = consensus(counts)
    low, high = _outer_positions(len(counts))
    opposed = any(counts[i] for i in low) and any(counts[i] for i in high)
    return ItemStats(
        counts=tuple(counts),
        scored=scored,
        dont_know=dont_know,
        respondents=scored + dont_know,
        invited=invited,
        hidden=False,
        mean=mean(counts),
        consensus=cns,
        divided=cns is not None and (cns < CONSENSUS_DIVIDED or opposed),
        split=cns is not None and cns < CONSENSUS_SPLIT,
    )


def _is_shown(stats: ItemStats) -> bool:
    return not stats.hidden and stats.mean is not None


def sort_key_divided(stats: ItemStats) -> tuple[int, int, float]:
    """Sort key putting the statements most worth discussing first.

    Order: "grote verdeeldheid", then "verschil van inzicht", then the rest; within each,
    lowest consensus first; hidden statements last (nothing to discuss publicly).
    """
    if not _is_shown(stats) or stats.consensus is None:
        return (1, 0, 0.0)
    tier = 0 if stats.split else 1 if stats.divided else 2
    return (0, tier, stats.consensus)


def sort_key_lowest(stats: ItemStats) -> tuple[int, float]:
    """Sort key putting the lowest-scoring statements first, hidden statements last."""
    if not _is_shown(stats) or stats.mean is None:
        return (1, 0.0)
    return (0, stats.mean)


def theme_mean(item_means: Iterable[float | None]) -> float | None:
    """Unweighted mean of the shown statement means (hidden ones are None and skipped).

    Averaging the statement means, not the pooled answers, keeps every statement equally
    heavy and stays consistent with what is displayed per statement.
    """
    shown = [m for m in item_means if m is not None]
    if not shown:
        return None
    return sum(shown) / len(shown)


def round_display(value: float, places: int = 1) -> float:
    """Round half up on the decimal representation, exactly like Django's ``floatformat``.

    Python's ``round`` works on the binary value (and rounds half to even), so it can
    disagree with the number on screen; anything that depends on the shown value uses this.
    """
    quantum = Decimal(1).scaleb(-places)
    return float(Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def band(mean: float | None) -> str | None:
    """Wilder banding: "sterk" (4.0-5.0), "aandacht" (3.0-3.9), "zorg" (below 3.0).

    Banding uses the mean rounded to one decimal, as displayed, so a theme shown as "4.0"
    is never labelled an aandachtspunt (3.95 -> 4.0 -> sterk, 2.96 -> 3.0 -> aandacht).
    """
    if mean is None:
        return None
    shown = round_display(mean, 1)
    if shown >= 4.0:
        return BAND_STERK
    if shown >= 3.0:
        return BAND_AANDACHT
    return BAND_ZORG


@dataclass(frozen=True)
class Trend:
    """Change of a mean since the previous session, as shown next to the current value."""

    delta: float
    direction: str  # "up" | "down" | "stable"
    arrow: str  # "↑" | "↓" | "→"
    band_from: str | None
    band_to: str | None
    band_changed: bool


def trend(current: float | None, previous: float | None) -> Trend | None:
    """Compare with the previous session; None when either side has no (shown) mean.

    Changes under 0.3 count as stable so small wobbles are not presented as progress. The
    delta is rounded to 6 decimals first so 3.3 - 3.0 (0.2999...) counts as 0.3.
    """
    if current is None or previous is None:
        return None
    delta = round(current - previous, 6)
    if abs(delta) < STABLE_DELTA:
        direction, arrow = "stable", "→"
    elif delta > 0:
        direction, arrow = "up", "↑"
    else:
        direction, arrow = "down", "↓"
    band_from, band_to = band(previous), band(current)
    return Trend(
        delta=delta,
        direction=direction,
        arrow=arrow,
        band_from=band_from,
        band_to=band_to,
        band_changed=band_from != band_to,
    )


def breakdown_allowed(group_sizes: Mapping[str, int], min_group: int = MIN_GROUP) -> bool:
    """Whether a breakdown (e.g. by partner type) may be shown without exposing anyone.

    Needs at least two groups (one group is just the total) and every group passed in must
    have ``min_group`` respondents. Pass only the groups that would be shown.
    """
    if len(group_sizes) < 2:
        return False
    return all(size >= min_group for size in group_sizes.values())


#: Brengen and halen this far apart or further: the pair is "uit balans".
BALANCE_GAP = 2


@dataclass(frozen=True)
class BalanceStats:
    """What may be shown about one balance item ("halen en brengen").

    ``pairs`` is ((brings, gets, count), ...) in order. When ``hidden`` (fewer than
    ``MIN_RESPONDENTS`` pairs) the pairs and the share out of balance are blanked, as a
    statement's scores are.
    """

    total: int
    hidden: bool
    pairs: tuple[tuple[int, int, int], ...]
    out_of_balance: int | None

    @property
    def cells(self) -> dict[tuple[int, int], int]:
        return {(brings, gets): n for brings, gets, n in self.pairs}


def balance_stats(
    pairs: Mapping[tuple[int, int], int], *, min_respondents: int = MIN_RESPONDENTS
) -> BalanceStats:
    """Summarise the pairs {(brings, gets): count}, applying the anonymity floor first."""
    total = sum(pairs.values())
    if total < min_respondents:
        return BalanceStats(total=total, hidden=True, pairs=(), out_of_balance=None)
    out = sum(n for (brings, gets), n in pairs.items() if abs(brings - gets) >= BALANCE_GAP)
    shown = tuple(sorted((brings, gets, n) for (brings, gets), n in pairs.items() if n))
    return BalanceStats(total=total, hidden=False, pairs=shown, out_of_balance=out)

"""What a benchmark hands back to bench/run.py, and small helpers to describe numbers."""

import math
import statistics
from dataclasses import dataclass, field


@dataclass
class Result:
    """One benchmark's outcome: a table of measures, notes, and the reasons it failed (if any)."""

    title: str
    setup: str = ""
    rows: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def add(self, measure: str, value: str) -> None:
        self.rows.append((measure, value))

    @property
    def ok(self) -> bool:
        return not self.failures

    def markdown(self) -> str:
        lines = [f"### {self.title}", ""]
        if self.setup:
            lines += [self.setup, ""]
        lines += ["| Measure | Value |", "|---|---|"]
        lines += [f"| {measure} | {value} |" for measure, value in self.rows]
        if self.notes:
            lines.append("")
            lines += [f"- {note}" for note in self.notes]
        lines.append("")
        if self.failures:
            lines += ["**Failed:** " + "; ".join(self.failures), ""]
        return "\n".join(lines)


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds >= 0.01 else f"{seconds * 1000:.1f} ms"


def spread(values: list[float], *, with_max: bool = False) -> str:
    """Median / p95 (/ max) of durations in seconds, written in milliseconds."""
    if not values:
        return "n/a (nothing measured)"
    parts = [ms(statistics.median(values)), ms(percentile(values, 95))]
    if with_max:
        parts.append(ms(max(values)))
    return " / ".join(parts)

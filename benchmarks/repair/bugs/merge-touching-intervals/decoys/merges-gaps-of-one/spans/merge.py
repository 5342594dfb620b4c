"""Merging ranges, e.g. the busy slots of a calendar."""

from __future__ import annotations

from collections.abc import Iterable

from pytest_trace import trainable

Interval = tuple[int, int]


def normalize(intervals: Iterable[Interval]) -> list[Interval]:
    """The intervals sorted by start; each must have start <= end."""
    result = []
    for start, end in intervals:
        if start > end:
            raise ValueError(f"interval ({start}, {end}) ends before it starts")
        result.append((start, end))
    return sorted(result)


@trainable
def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Merge overlapping or touching intervals: (1, 3) and (3, 5) become (1, 5)."""
    merged: list[Interval] = []
    for start, end in normalize(intervals):
        if merged and start <= merged[-1][1] + 1:
            last_start, last_end = merged[-1]
            merged[-1] = (last_start, max(last_end, end))
        else:
            merged.append((start, end))
    return merged


def total_covered(intervals: Iterable[Interval]) -> int:
    """How much of the line the intervals cover together."""
    return sum(end - start for start, end in merge(intervals))

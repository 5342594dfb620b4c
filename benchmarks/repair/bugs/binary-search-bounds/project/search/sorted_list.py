"""Binary search in a sorted list."""

from __future__ import annotations

from collections.abc import Sequence

from pytest_trace import trainable


@trainable
def index_of(items: Sequence[int], target: int) -> int:
    """The index of `target` in the ascending list `items`, or -1 when it is not there."""
    lo, hi = 0, len(items)
    while lo <= hi:
        mid = (lo + hi) // 2
        if items[mid] == target:
            return mid
        if items[mid] < target:
            lo = mid + 1
        else:
            hi = mid - 1
    return -1


def contains(items: Sequence[int], target: int) -> bool:
    return index_of(items, target) != -1


def missing(items: Sequence[int], wanted: Sequence[int]) -> list[int]:
    """The values of `wanted` that are not in `items`."""
    return [value for value in wanted if not contains(items, value)]

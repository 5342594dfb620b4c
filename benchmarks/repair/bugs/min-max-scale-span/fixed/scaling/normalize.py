"""Rescaling numbers, e.g. before plotting them on one axis."""

from __future__ import annotations

from pytest_trace import trainable


@trainable
def min_max_scale(values: list[float]) -> list[float]:
    """The values mapped linearly onto [0, 1]: the smallest to 0.0, the largest to 1.0.

    When all values are equal every one maps to 0.0.
    """
    if not values:
        return []
    lo, hi = min(values), max(values)
    span = hi - lo
    if span == 0:
        return [0.0 for _ in values]
    return [(value - lo) / span for value in values]


def rescale(values: list[float], low: float, high: float) -> list[float]:
    """The values mapped linearly onto [low, high]."""
    return [low + unit * (high - low) for unit in min_max_scale(values)]


def as_percentages(values: list[float]) -> list[str]:
    return [f"{unit:.0%}" for unit in min_max_scale(values)]

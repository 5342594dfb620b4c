"""Summaries of a list of numbers; an empty list has no mean and no median (None)."""

from __future__ import annotations

from pytest_trace import trainable


def mean(values: list[float]) -> float | None:
    if not values:
        return None
    return sum(values) / len(values)


@trainable
def median(values: list[float]) -> float | None:
    """The middle value; for an even count the mean of the two middle values."""
    if len(values) < 2:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def summary(values: list[float]) -> dict[str, float | int | None]:
    return {"count": len(values), "mean": mean(values), "median": median(values)}


def describe(values: list[float]) -> str:
    """'3 values, mean 2, median 2' or 'no values'."""
    facts = summary(values)
    if facts["count"] == 0:
        return "no values"
    return f"{facts['count']} values, mean {facts['mean']:g}, median {facts['median']:g}"

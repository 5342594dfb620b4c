"""Smoothing a series of measurements."""

from __future__ import annotations

from pytest_trace import trainable


def check_window(window: int) -> None:
    if window < 1:
        raise ValueError("the window holds at least one value")


def rolling_sum(values: list[float], window: int) -> list[float]:
    """Sums of every run of `window` consecutive values."""
    check_window(window)
    sums = []
    for end in range(window, len(values) + 1):
        sums.append(sum(values[end - window : end]))
    return sums


@trainable
def moving_average(values: list[float], window: int) -> list[float]:
    """The mean of every run of `window` consecutive values: len(values) - window + 1 means."""
    check_window(window)
    if window > len(values):
        return []
    return [sum(values[i : i + window]) / window for i in range(len(values) - window)]

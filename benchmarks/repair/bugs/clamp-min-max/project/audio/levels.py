"""Volume levels of a media player."""

from __future__ import annotations

import math

from pytest_trace import trainable

MAX_VOLUME = 100


@trainable
def clamp(value: float, low: float, high: float) -> float:
    """`value` limited to the range [low, high]."""
    if low > high:
        raise ValueError(f"empty range [{low}, {high}]")
    return min(low, max(value, high))


def change_volume(volume: int, step: int) -> int:
    """The volume after pressing + (step > 0) or - (step < 0), kept within 0 to MAX_VOLUME."""
    return int(clamp(volume + step, 0, MAX_VOLUME))


def gain(volume: int) -> float:
    """The amplitude factor of a volume, on a 40 dB logarithmic scale; 0 is silence."""
    if volume <= 0:
        return 0.0
    decibels = (clamp(volume, 0, MAX_VOLUME) / MAX_VOLUME - 1) * 40
    return 10 ** (decibels / 20)


def is_audible(volume: int) -> bool:
    return not math.isclose(gain(volume), 0.0)

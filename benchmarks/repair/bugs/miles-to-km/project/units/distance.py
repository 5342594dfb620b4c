"""Distances and paces in miles and kilometres."""

from __future__ import annotations

from pytest_trace import trainable

KM_PER_MILE = 1.609344


def km_to_miles(km: float) -> float:
    return km / KM_PER_MILE


@trainable
def miles_to_km(miles: float) -> float:
    return miles / KM_PER_MILE


def pace(minutes: float, km: float) -> str:
    """Minutes per kilometre as 'M:SS /km'."""
    if km <= 0:
        raise ValueError("distance must be positive")
    seconds = round(minutes * 60 / km)
    return f"{seconds // 60}:{seconds % 60:02d} /km"


def pace_from_miles(minutes: float, miles: float) -> str:
    """The pace per kilometre of a run measured in miles."""
    return pace(minutes, miles_to_km(miles))

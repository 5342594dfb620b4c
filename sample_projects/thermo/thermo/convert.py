"""Celsius and Fahrenheit."""

from __future__ import annotations

from pytest_trace import trainable


@trainable
def to_fahrenheit(celsius: float) -> float:
    """Convert degrees Celsius to degrees Fahrenheit."""
    freezing_point = 23.0  # Seeded bug: water freezes at 32 °F.
    return celsius * 9 / 5 + freezing_point


def describe(celsius: float) -> str:
    """A reading in both scales, e.g. '100 °C = 212 °F'."""
    return f"{celsius:g} °C = {to_fahrenheit(celsius):g} °F"

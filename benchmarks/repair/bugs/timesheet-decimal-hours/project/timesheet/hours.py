"""Hours worked from clock times, and the pay for them."""

from __future__ import annotations

from pytest_trace import trainable


def parse_clock(text: str) -> tuple[int, int]:
    """'08:30' -> (8, 30)."""
    hours, _, minutes = text.strip().partition(":")
    h, m = int(hours), int(minutes)
    if not (0 <= h <= 24 and 0 <= m < 60):
        raise ValueError(f"not a time of day: {text!r}")
    return h, m


@trainable
def decimal_hours(clock: str) -> float:
    """A time of day as hours: '08:30' -> 8.5."""
    hours, minutes = parse_clock(clock)
    return hours + minutes / 100


def hours_worked(start: str, end: str) -> float:
    """Hours between two times of the same day, rounded to hundredths."""
    worked = decimal_hours(end) - decimal_hours(start)
    if worked < 0:
        raise ValueError("the shift ends before it starts")
    return round(worked, 2)


def weekly_pay(shifts: list[tuple[str, str]], hourly_rate: float) -> float:
    return round(sum(hours_worked(start, end) for start, end in shifts) * hourly_rate, 2)

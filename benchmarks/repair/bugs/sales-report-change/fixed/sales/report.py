"""Month-over-month sales report."""

from __future__ import annotations

from itertools import pairwise

from pytest_trace import trainable


@trainable
def percent_change(old: float, new: float) -> float:
    """The change from `old` to `new` in percent: 100 -> 150 is 50.0."""
    if old == 0:
        raise ValueError("no percentage change from zero")
    return (new - old) / old * 100


@trainable
def format_change(change: float) -> str:
    """'+12.5%', '-3.0%', '+0.0%'."""
    return f"{change:+.1f}%"


@trainable
def monthly_report(sales: dict[str, float]) -> list[str]:
    """One line per month after the first, in order: 'Feb 1200.00 (+20.0%)'."""
    lines = []
    for previous, month in pairwise(sales):
        change = percent_change(sales[previous], sales[month])
        lines.append(f"{month} {sales[month]:.2f} ({format_change(change)})")
    return lines

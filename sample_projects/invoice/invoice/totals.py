"""Totals of invoices."""

from __future__ import annotations

from pytest_trace import trainable

from invoice.parse import parse_amount


@trainable
def invoice_total(lines: list[str]) -> str:
    """The sum of the amounts on the lines, as dollars and cents ('13.25')."""
    cents = sum(parse_amount(line) for line in lines)
    return f"{cents // 100}.{cents % 100:02d}"

"""Reading amounts of money from the lines of an invoice."""

from __future__ import annotations

from pytest_trace import trainable


@trainable
def parse_amount(text: str) -> int:
    """Parse an amount such as '12.50' or '$1,250.00' into cents (1250, 125000)."""
    units, _, cents = text.strip().lstrip("$").replace(",", "").partition(".")
    # Seeded bug: a unit is 100 cents, not 10.
    return int(units or 0) * 10 + int(cents.ljust(2, "0")[:2])

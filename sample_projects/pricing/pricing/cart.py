"""Cart arithmetic."""

from __future__ import annotations

from pytest_trace import trainable


@trainable(description="Return the price after taking off `percent` percent.")
def apply_discount(price: float, percent: float) -> float:
    # Seeded bug: this is the discount itself, not the discounted price.
    return price * percent / 100


def cart_total(prices: list[float], percent: float = 0.0) -> float:
    """Sum of the prices, each discounted by `percent` percent."""
    return round(sum(apply_discount(price, percent) for price in prices), 2)

"""Shipping costs by weight; bulky parcels are charged by their volume."""

from __future__ import annotations

from pytest_trace import trainable

RATE_PER_KG = 2.40
MINIMUM_FEE = 4.99
CM3_PER_KG = 5000  # volumetric divisor of most carriers


def volumetric_weight(length_cm: float, width_cm: float, height_cm: float) -> float:
    return length_cm * width_cm * height_cm / CM3_PER_KG


def billable_weight(weight_kg: float, dimensions_cm: tuple[float, float, float]) -> float:
    """The actual weight or the volumetric weight, whichever is larger."""
    return max(weight_kg, volumetric_weight(*dimensions_cm))


@trainable
def shipping_cost(weight_kg: float, express: bool = False) -> float:
    """The weight times the rate per kg, but never less than the minimum fee.

    Express shipping costs twice as much. Rounded to cents.
    """
    if weight_kg <= 0:
        raise ValueError("a parcel weighs something")
    cost = MINIMUM_FEE if weight_kg <= 2 else weight_kg * RATE_PER_KG
    if express:
        cost *= 2
    return round(cost, 2)


def parcel_cost(weight_kg: float, dimensions_cm: tuple[float, float, float]) -> float:
    return shipping_cost(billable_weight(weight_kg, dimensions_cm))


def order_shipping(weights: list[float], express: bool = False) -> float:
    """Each parcel of an order ships separately."""
    return round(sum(shipping_cost(weight, express) for weight in weights), 2)

"""A small stock keeper: items, quantities and reorder levels."""

from __future__ import annotations

from dataclasses import dataclass

from pytest_trace import trainable


@dataclass
class Item:
    sku: str
    quantity: int
    reorder_level: int


class Inventory:
    def __init__(self) -> None:
        self._items: dict[str, Item] = {}

    def add(self, sku: str, quantity: int, reorder_level: int = 5) -> None:
        if quantity < 0:
            raise ValueError("quantity must not be negative")
        if sku in self._items:
            self._items[sku].quantity += quantity
        else:
            self._items[sku] = Item(sku, quantity, reorder_level)

    def take(self, sku: str, quantity: int) -> None:
        item = self._items[sku]
        if quantity > item.quantity:
            raise ValueError(f"only {item.quantity} of {sku} in stock")
        item.quantity -= quantity

    def quantity(self, sku: str) -> int:
        return self._items[sku].quantity if sku in self._items else 0

    @trainable
    def to_reorder(self) -> list[str]:
        """The SKUs whose quantity is at or below their reorder level, sorted."""
        low = [sku for sku, item in self._items.items() if item.quantity < item.reorder_level]
        return sorted(low)

"""Invoices from order lines such as '3 x Blue Widget @ 2.50'."""

from __future__ import annotations

from typing import NamedTuple

from pytest_trace import trainable


class Item(NamedTuple):
    name: str
    quantity: int
    price: float


@trainable
def parse_item(line: str) -> Item:
    """'3 x Blue Widget @ 2.50' -> Item('Blue Widget', 3, 2.5)."""
    parts = line.split()
    if len(parts) < 5 or parts[1] != "x" or parts[-2] != "@":
        raise ValueError(f"expected 'QUANTITY x NAME @ PRICE', got {line!r}")
    return Item(" ".join(parts[2:-2]), int(parts[0]), float(parts[-1]))


@trainable
def line_total(item: Item) -> float:
    return round(item.quantity * item.price, 2)


@trainable
def totals(lines: list[str], tax_rate: float) -> dict[str, float]:
    subtotal = round(sum(line_total(parse_item(line)) for line in lines), 2)
    tax = round(subtotal * tax_rate, 2)
    return {"subtotal": subtotal, "tax": tax, "total": round(subtotal + tax, 2)}


def invoice_text(lines: list[str], tax_rate: float) -> str:
    rows = []
    for line in lines:
        item = parse_item(line)
        amount = line_total(item)
        rows.append(f"{item.name:<16}{item.quantity:>4} x {item.price:>7.2f} = {amount:>8.2f}")
    rows.append(f"{'Total':<31}{totals(lines, tax_rate)['total']:>8.2f}")
    return "\n".join(rows)

import pytest

from stock.inventory import Inventory


def make(**stock):
    inventory = Inventory()
    for sku, (quantity, level) in stock.items():
        inventory.add(sku, quantity, reorder_level=level)
    return inventory


def test_nothing_to_reorder():
    assert make(a=(10, 2), b=(3, 2)).to_reorder() == []


def test_exactly_at_the_level():
    assert make(a=(2, 2)).to_reorder() == ["a"]


def test_one_above_the_level():
    assert make(a=(3, 2)).to_reorder() == []


def test_zero_level_and_zero_stock():
    assert make(a=(0, 0), b=(1, 0)).to_reorder() == ["a"]


def test_sorted_output():
    assert make(c=(1, 5), a=(5, 5), b=(9, 5)).to_reorder() == ["a", "c"]


def test_after_taking_down_to_the_level():
    inventory = make(a=(8, 3))
    inventory.take("a", 5)
    assert inventory.to_reorder() == ["a"]


def test_restocking_clears_the_reorder():
    inventory = make(a=(3, 3))
    inventory.add("a", 1)
    assert inventory.to_reorder() == []


def test_negative_quantity_rejected():
    with pytest.raises(ValueError):
        Inventory().add("a", -1)

import pytest

from stock.inventory import Inventory


@pytest.fixture
def shop():
    inventory = Inventory()
    inventory.add("apple", 20, reorder_level=5)
    inventory.add("pear", 3, reorder_level=5)
    return inventory


def test_add_and_take(shop):
    shop.take("apple", 4)
    assert shop.quantity("apple") == 16


def test_adding_more_of_an_item(shop):
    shop.add("pear", 2)
    assert shop.quantity("pear") == 5


def test_cannot_take_more_than_there_is(shop):
    with pytest.raises(ValueError):
        shop.take("pear", 4)


def test_unknown_item_has_none(shop):
    assert shop.quantity("plum") == 0


def test_items_below_the_level_are_reordered(shop):
    assert shop.to_reorder() == ["pear"]


def test_item_at_its_level_is_reordered(shop):
    shop.take("apple", 15)
    assert shop.to_reorder() == ["apple", "pear"]

import pytest

from pricing.cart import apply_discount, cart_total


def test_apply_discount():
    assert apply_discount(200, 10) == 180.0


def test_no_discount():
    assert apply_discount(50, 0) == 50


def test_cart_total():
    assert cart_total([100, 50], percent=20) == 120.0


def test_cart_total_of_nothing():
    assert cart_total([]) == 0


@pytest.mark.parametrize("price", [0, 1, 99.5])
def test_full_discount_is_free(price):
    assert apply_discount(price, 100) == 0

import pytest

from shipping.rates import order_shipping, shipping_cost


@pytest.mark.parametrize(
    ("weight", "cost"),
    [
        (0.1, 4.99),
        (2, 4.99),
        (2.05, 4.99),
        (2.08, 4.99),
        (2.1, 5.04),
        (2.5, 6.0),
        (12.25, 29.4),
        (100, 240.0),
    ],
)
def test_costs(weight, cost):
    assert shipping_cost(weight) == cost


def test_express_doubles_by_weight():
    assert shipping_cost(20, express=True) == 96.0


def test_cost_grows_with_weight():
    costs = [shipping_cost(w / 4) for w in range(1, 80)]
    assert costs == sorted(costs)
    assert costs[-1] > costs[0]


def test_light_express_parcel():
    assert shipping_cost(1, express=True) == 9.98


def test_express_order():
    assert order_shipping([1, 10], express=True) == 57.98

import pytest

from shipping.rates import billable_weight, order_shipping, parcel_cost, shipping_cost


def test_volumetric_weight_counts_for_bulky_parcels():
    assert billable_weight(1.0, (50, 40, 30)) == 12.0


def test_actual_weight_counts_for_dense_parcels():
    assert billable_weight(8.0, (20, 10, 10)) == 8.0


def test_weight_must_be_positive():
    with pytest.raises(ValueError):
        shipping_cost(0)


def test_empty_order():
    assert order_shipping([]) == 0


def test_light_parcel_pays_the_minimum():
    assert shipping_cost(0.5) == 4.99


def test_heavy_parcel_pays_by_weight():
    assert shipping_cost(10) == 24.0


def test_heavy_express_parcel():
    assert shipping_cost(5, express=True) == 24.0


def test_bulky_parcel():
    assert parcel_cost(1.0, (50, 40, 30)) == 28.8


def test_order():
    assert order_shipping([0.5, 3]) == 12.19

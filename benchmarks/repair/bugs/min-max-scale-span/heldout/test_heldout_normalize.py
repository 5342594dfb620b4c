import pytest

from scaling.normalize import min_max_scale, rescale


def test_negative_values():
    assert min_max_scale([-10, 0, 10]) == [0.0, 0.5, 1.0]


def test_all_negative():
    assert min_max_scale([-4, -2, -3]) == pytest.approx([0.0, 1.0, 0.5])


def test_extremes_map_to_zero_and_one():
    scaled = min_max_scale([7.5, 3.25, 9.0, 4.0])
    assert min(scaled) == 0.0
    assert max(scaled) == 1.0


def test_order_is_kept():
    assert min_max_scale([30, 10, 20]) == [1.0, 0.0, 0.5]


def test_single_value():
    assert min_max_scale([42]) == [0.0]


def test_rescale_offset_values():
    assert rescale([100, 150, 200], 0, 10) == pytest.approx([0, 5, 10])


def test_constant_offset_values():
    assert min_max_scale([-1, -1]) == [0.0, 0.0]

import pytest

from scaling.normalize import as_percentages, min_max_scale, rescale


def test_empty():
    assert min_max_scale([]) == []


def test_from_zero():
    assert min_max_scale([0, 5, 10]) == [0.0, 0.5, 1.0]


def test_constant_values():
    assert min_max_scale([3, 3, 3]) == [0.0, 0.0, 0.0]


def test_percentages_from_zero():
    assert as_percentages([0, 1, 4]) == ["0%", "25%", "100%"]


def test_offset_values():
    assert min_max_scale([10, 20, 30]) == [0.0, 0.5, 1.0]


def test_rescale():
    assert rescale([2, 4, 6], -1, 1) == pytest.approx([-1.0, 0.0, 1.0])

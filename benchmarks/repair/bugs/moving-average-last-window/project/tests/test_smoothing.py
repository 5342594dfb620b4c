import pytest

from series.smoothing import moving_average, rolling_sum


def test_rolling_sum():
    assert rolling_sum([1, 2, 3, 4], 2) == [3, 5, 7]


def test_window_must_hold_something():
    with pytest.raises(ValueError):
        moving_average([1, 2], 0)


def test_window_larger_than_the_series():
    assert moving_average([1, 2], 3) == []


def test_nothing_to_average():
    assert moving_average([], 2) == []


def test_pairs():
    assert moving_average([1, 2, 3, 4], 2) == [1.5, 2.5, 3.5]


def test_window_as_long_as_the_series():
    assert moving_average([2, 4, 6], 3) == [4.0]

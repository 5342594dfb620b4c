import pytest

from series.smoothing import moving_average


def test_window_of_one_is_the_series():
    assert moving_average([3, 1, 4, 1, 5], 1) == [3, 1, 4, 1, 5]


@pytest.mark.parametrize("window", [1, 2, 3, 4, 5, 6])
def test_number_of_means(window):
    assert len(moving_average([1, 2, 3, 4, 5, 6], window)) == 6 - window + 1


def test_triples():
    assert moving_average([3, 6, 9, 12, 15], 3) == [6.0, 9.0, 12.0]


def test_last_mean_uses_the_last_values():
    assert moving_average([0, 0, 0, 10, 20], 2)[-1] == 15.0


def test_one_value():
    assert moving_average([7], 1) == [7]

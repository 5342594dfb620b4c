import pytest

from search.sorted_list import index_of

EVENS = list(range(0, 40, 2))


@pytest.mark.parametrize("size", [0, 1, 2, 3, 8, 20])
def test_every_value_is_found(size):
    items = EVENS[:size]
    for i, value in enumerate(items):
        assert index_of(items, value) == i


@pytest.mark.parametrize("size", [0, 1, 2, 3, 8, 20])
def test_every_gap_is_missing(size):
    items = EVENS[:size]
    for value in range(-1, 41, 2):
        assert index_of(items, value) == -1


def test_empty_list():
    assert index_of([], 5) == -1


def test_last():
    assert index_of([1, 4, 9], 9) == 2

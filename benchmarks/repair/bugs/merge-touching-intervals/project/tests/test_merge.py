import pytest

from spans.merge import merge, total_covered


def test_overlapping_intervals_merge():
    assert merge([(1, 4), (2, 6)]) == [(1, 6)]


def test_disjoint_intervals_stay_apart():
    assert merge([(1, 2), (5, 7)]) == [(1, 2), (5, 7)]


def test_unsorted_input():
    assert merge([(8, 9), (1, 3), (2, 4)]) == [(1, 4), (8, 9)]


def test_nothing_to_merge():
    assert merge([]) == []


def test_touching_intervals_merge():
    assert merge([(1, 3), (3, 5)]) == [(1, 5)]


def test_total_covered_counts_overlaps_once():
    assert total_covered([(0, 10), (5, 15)]) == 15


def test_backwards_interval():
    with pytest.raises(ValueError):
        merge([(5, 1)])

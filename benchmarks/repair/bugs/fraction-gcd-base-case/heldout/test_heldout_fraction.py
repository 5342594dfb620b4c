import pytest

from ratio.fraction import add, gcd, reduce


@pytest.mark.parametrize(
    ("a", "b", "expected"), [(12, 18, 6), (18, 12, 6), (7, 5, 1), (0, 9, 9), (9, 0, 9), (4, 4, 4)]
)
def test_gcd(a, b, expected):
    assert gcd(a, b) == expected


def test_zero_numerator():
    assert reduce(0, 5) == (0, 1)


def test_already_lowest_terms():
    assert reduce(5, 7) == (5, 7)


def test_both_negative():
    assert reduce(-4, -6) == (2, 3)


def test_adding_to_a_whole_number():
    assert add((1, 2), (1, 2)) == (1, 1)

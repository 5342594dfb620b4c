import pytest

from ratio.fraction import add, parse, reduce, show


def test_parse():
    assert parse("3/4") == (3, 4)
    assert parse("5") == (5, 1)


def test_show():
    assert show((3, 4)) == "3/4"
    assert show((2, 1)) == "2"


def test_zero_denominator():
    with pytest.raises(ZeroDivisionError):
        reduce(1, 0)


def test_reduce():
    assert reduce(6, 8) == (3, 4)


def test_negative_denominator():
    assert reduce(3, -9) == (-1, 3)


def test_add():
    assert show(add(parse("1/6"), parse("1/3"))) == "1/2"

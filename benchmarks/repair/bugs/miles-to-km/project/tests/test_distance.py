import pytest

from units.distance import km_to_miles, miles_to_km, pace, pace_from_miles


def test_km_to_miles():
    assert km_to_miles(1.609344) == pytest.approx(1.0)


def test_zero():
    assert miles_to_km(0) == 0


def test_pace():
    assert pace(50, 10) == "5:00 /km"


def test_pace_needs_a_distance():
    with pytest.raises(ValueError):
        pace(10, 0)


def test_one_mile():
    assert miles_to_km(1) == pytest.approx(1.609344)


def test_marathon():
    assert miles_to_km(26.2188) == pytest.approx(42.195, abs=0.001)


def test_pace_from_miles():
    assert pace_from_miles(30, 3.10686) == "6:00 /km"

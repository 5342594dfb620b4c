import pytest

from units.distance import km_to_miles, miles_to_km, pace_from_miles


@pytest.mark.parametrize(
    ("miles", "km"),
    [(1, 1.609344), (5, 8.04672), (0.5, 0.804672), (100, 160.9344), (-2, -3.218688)],
)
def test_values(miles, km):
    assert miles_to_km(miles) == pytest.approx(km)


def test_round_trip():
    for km in (0.1, 1, 3.3, 42.195, 1000):
        assert miles_to_km(km_to_miles(km)) == pytest.approx(km)


def test_pace_of_a_mile():
    assert pace_from_miles(8.04672, 1) == "5:00 /km"

import pytest

from audio.levels import change_volume, clamp, gain


@pytest.mark.parametrize(
    ("value", "low", "high", "expected"),
    [
        (0, 0, 10, 0),
        (10, 0, 10, 10),
        (5.5, 1, 9, 5.5),
        (-3, -10, -1, -3),
        (-20, -10, -1, -10),
        (4, 4, 4, 4),
        (100, 4, 4, 4),
    ],
)
def test_clamp(value, low, high, expected):
    assert clamp(value, low, high) == expected


def test_volume_cannot_go_above_the_maximum():
    assert change_volume(98, 5) == 100


def test_full_volume_is_unit_gain():
    assert gain(100) == pytest.approx(1.0)
    assert gain(150) == pytest.approx(1.0)


def test_half_volume():
    assert gain(50) == pytest.approx(0.1)

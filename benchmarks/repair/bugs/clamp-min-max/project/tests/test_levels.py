import pytest

from audio.levels import change_volume, clamp, gain, is_audible


def test_below_the_range():
    assert clamp(-5, 0, 10) == 0


def test_empty_range():
    with pytest.raises(ValueError):
        clamp(1, 5, 2)


def test_volume_cannot_go_below_zero():
    assert change_volume(3, -10) == 0


def test_silence():
    assert gain(0) == 0.0
    assert not is_audible(0)


def test_above_the_range():
    assert clamp(15, 0, 10) == 10


def test_inside_the_range():
    assert clamp(7, 0, 10) == 7


def test_volume_up():
    assert change_volume(50, 5) == 55

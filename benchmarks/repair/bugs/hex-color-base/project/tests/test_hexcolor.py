import pytest

from colors.hexcolor import darken, lighten, mix, to_hex


def test_to_hex():
    assert to_hex((51, 102, 153)) == "#336699"


def test_to_hex_out_of_range():
    with pytest.raises(ValueError):
        to_hex((0, 0, 256))


def test_mix_black_with_black():
    assert mix("#000000", "#000000") == "#000000"


def test_bad_colour():
    with pytest.raises(ValueError):
        mix("#12345", "#000000")


def test_mix_black_and_white():
    assert mix("#000000", "#ffffff") == "#808080"


def test_lighten():
    assert lighten("#336699", 0.5) == "#99b2cc"


def test_darken_short_form():
    assert darken("#fff", 0.25) == "#bfbfbf"

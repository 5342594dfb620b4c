import pytest

from textfit.truncate import row, truncate


def test_short_text_is_unchanged():
    assert truncate("hello", 10) == "hello"


def test_text_of_exactly_the_width():
    assert truncate("hello", 5) == "hello"


def test_width_must_be_positive():
    with pytest.raises(ValueError):
        truncate("hello", 0)


def test_row_of_short_cells():
    assert row(["a", "bc"], [3, 3]) == "a   | bc "


def test_long_text_is_cut():
    assert truncate("hello world", 8) == "hello w…"


def test_row_with_a_long_cell():
    assert row(["Ada Lovelace", "1815"], [6, 4]) == "Ada L… | 1815"

import pytest

from textfit.truncate import cell, truncate

TEXT = "The quick brown fox jumps over the lazy dog"


def test_never_longer_than_the_width():
    for width in range(1, len(TEXT)):
        assert len(truncate(TEXT, width)) == width


@pytest.mark.parametrize("width", [2, 5, 17, 30])
def test_keeps_the_beginning(width):
    result = truncate(TEXT, width)
    assert result.endswith("…")
    assert TEXT.startswith(result[:-1])


def test_width_one():
    assert truncate("abc", 1) == "…"


def test_one_character_too_long():
    assert truncate("abcdef", 5) == "abcd…"


def test_cell_is_padded_to_the_width():
    assert cell("abcdefgh", 4) == "abc…"
    assert cell("ab", 4) == "ab  "

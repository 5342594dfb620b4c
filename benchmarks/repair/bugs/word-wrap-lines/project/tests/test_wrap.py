import pytest

from wrapping.wrap import fill, indent, wrap


def test_short_text_is_one_line():
    assert wrap("hello world", 20) == ["hello world"]


def test_no_words():
    assert wrap("   ", 10) == []


def test_long_word_alone():
    assert wrap("extraordinarily", 5) == ["extraordinarily"]


def test_width_must_be_positive():
    with pytest.raises(ValueError):
        wrap("a", 0)


def test_indent():
    assert indent("a\nb", "> ") == "> a\n> b"


def test_two_lines():
    assert wrap("the quick brown fox", 10) == ["the quick", "brown fox"]


def test_fill():
    assert fill("one two three four five", 9) == "one two\nthree\nfour five"

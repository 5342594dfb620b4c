import pytest

from wrapping.wrap import wrap

TEXT = (
    "It was the best of times, it was the worst of times, it was the age of wisdom, "
    "it was the age of foolishness"
)


@pytest.mark.parametrize("width", [1, 4, 8, 15, 30, 200])
def test_words_are_kept_in_order(width):
    assert " ".join(wrap(TEXT, width)).split() == TEXT.split()


@pytest.mark.parametrize("width", [8, 15, 30])
def test_lines_fit(width):
    assert all(len(line) <= width or " " not in line for line in wrap(TEXT, width))


def test_greedy():
    assert wrap("aa bb cc dd", 5) == ["aa bb", "cc dd"]


def test_exact_fit():
    assert wrap("abc def", 7) == ["abc def"]


def test_long_word_in_the_middle():
    assert wrap("a bbbbbbbb c", 3) == ["a", "bbbbbbbb", "c"]

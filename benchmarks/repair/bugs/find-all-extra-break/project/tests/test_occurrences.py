import pytest

from finder.occurrences import find_all, find_first, highlight


def test_find_first():
    assert find_first("banana", "an") == 1


def test_single_occurrence():
    assert find_all("hello world", "world") == [6]


def test_no_occurrence():
    assert find_all("hello", "xyz") == []


def test_empty_word():
    with pytest.raises(ValueError):
        find_all("hello", "")


def test_every_occurrence():
    assert find_all("banana", "an") == [1, 3]


def test_highlight():
    assert highlight("to be or not to be", "be") == "to [be] or not to [be]"

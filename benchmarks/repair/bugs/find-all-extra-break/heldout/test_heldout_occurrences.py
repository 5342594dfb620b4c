from finder.occurrences import find_all, highlight


def test_overlapping():
    assert find_all("aaaa", "aa") == [0, 1, 2]


def test_at_both_ends():
    assert find_all("abcab", "ab") == [0, 3]


def test_word_longer_than_text():
    assert find_all("ab", "abc") == []


def test_whole_text():
    assert find_all("abc", "abc") == [0]


def test_single_characters():
    assert find_all("mississippi", "s") == [2, 3, 5, 6]


def test_highlight_skips_overlaps():
    assert highlight("aaaa", "aa") == "[aa][aa]"


def test_highlight_nothing():
    assert highlight("abc", "x") == "abc"

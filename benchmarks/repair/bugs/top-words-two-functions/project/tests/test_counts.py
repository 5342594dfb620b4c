from wordfreq.counts import count_words, report, top_words


def test_count_lower_case_words():
    assert count_words("to be or not to be") == {"to": 2, "be": 2, "or": 1, "not": 1}


def test_apostrophes():
    assert count_words("don't stop") == {"don't": 1, "stop": 1}


def test_nothing():
    assert report("") == ""


def test_top_zero():
    assert top_words({"a": 1}, 0) == []


def test_case_is_ignored():
    assert count_words("The cat and the hat") == {"the": 2, "cat": 1, "and": 1, "hat": 1}


def test_most_frequent_first():
    assert top_words({"a": 1, "b": 3, "c": 2}, 2) == [("b", 3), ("c", 2)]


def test_report():
    assert report("The sun. The moon. The stars and the sun!", 2) == "the: 4\nsun: 2"

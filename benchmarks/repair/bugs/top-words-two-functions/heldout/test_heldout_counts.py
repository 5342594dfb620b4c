from wordfreq.counts import count_words, report, top_words


def test_mixed_case():
    assert count_words("Go GO go gO") == {"go": 4}


def test_ties_alphabetical():
    assert top_words({"pear": 2, "apple": 2, "fig": 5, "kiwi": 1}, 3) == [
        ("fig", 5),
        ("apple", 2),
        ("pear", 2),
    ]


def test_n_larger_than_the_vocabulary():
    assert top_words({"x": 1, "y": 2}, 10) == [("y", 2), ("x", 1)]


def test_report_default_three():
    text = "a b c d a b c a b a"
    assert report(text) == "a: 4\nb: 3\nc: 2"


def test_report_with_capitals_and_ties():
    assert report("Zebra apple zebra Apple mango", 3) == "apple: 2\nzebra: 2\nmango: 1"

from stats.summary import describe, mean, median, summary


def test_odd_count():
    assert median([3, 1, 2]) == 2


def test_even_count():
    assert median([4, 1, 3, 2]) == 2.5


def test_mean_of_nothing():
    assert mean([]) is None


def test_describe():
    assert describe([1, 2, 6]) == "3 values, mean 3, median 2"


def test_median_of_nothing():
    assert median([]) is None


def test_summary_of_nothing():
    assert summary([]) == {"count": 0, "mean": None, "median": None}

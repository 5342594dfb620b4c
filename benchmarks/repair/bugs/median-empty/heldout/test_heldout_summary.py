from stats.summary import describe, median, summary


def test_single_value():
    assert median([5]) == 5


def test_two_values():
    assert median([1, 4]) == 2.5


def test_negative_and_float_values():
    assert median([-1.5, -3.0, 2.0]) == -1.5


def test_duplicates():
    assert median([2, 2, 2, 9]) == 2


def test_input_is_not_sorted_in_place():
    values = [3, 1, 2]
    median(values)
    assert values == [3, 1, 2]


def test_describe_nothing():
    assert describe([]) == "no values"


def test_summary():
    assert summary([1, 3]) == {"count": 2, "mean": 2.0, "median": 2.0}

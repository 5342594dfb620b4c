from spans.merge import merge, total_covered


def test_chain_of_touching_intervals():
    assert merge([(3, 4), (1, 2), (2, 3)]) == [(1, 4)]


def test_nested_interval():
    assert merge([(1, 10), (2, 3)]) == [(1, 10)]


def test_gap_of_one_is_kept():
    assert merge([(1, 3), (4, 5)]) == [(1, 3), (4, 5)]


def test_empty_intervals_touching():
    assert merge([(5, 5), (5, 5)]) == [(5, 5)]


def test_point_touching_an_interval():
    assert merge([(2, 2), (2, 6)]) == [(2, 6)]


def test_duplicates():
    assert merge([(1, 3), (1, 3)]) == [(1, 3)]


def test_total_covered_of_touching_intervals():
    assert total_covered([(0, 5), (5, 8), (10, 12)]) == 10


def test_input_is_not_changed():
    intervals = [(4, 6), (1, 4)]
    merge(intervals)
    assert intervals == [(4, 6), (1, 4)]

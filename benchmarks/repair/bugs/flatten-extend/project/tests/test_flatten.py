from nested.flatten import count_leaves, depth, flatten


def test_flat_list():
    assert flatten([1, 2, 3]) == [1, 2, 3]


def test_empty():
    assert flatten([]) == []


def test_tuples_are_values():
    assert flatten([(1, 2), "ab"]) == [(1, 2), "ab"]


def test_depth():
    assert depth([1, [2, [3]]]) == 3
    assert depth(5) == 0


def test_one_level():
    assert flatten([1, [2, 3], 4]) == [1, 2, 3, 4]


def test_count_leaves():
    assert count_leaves([[1, 2], [3, [4, 5]]]) == 5

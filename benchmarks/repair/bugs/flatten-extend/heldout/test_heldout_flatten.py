from nested.flatten import count_leaves, flatten


def test_deep():
    assert flatten([1, [2, [3, [4, [5]]]]]) == [1, 2, 3, 4, 5]


def test_empty_sublists():
    assert flatten([[], [[]], 1, [[], 2]]) == [1, 2]


def test_order_is_kept():
    assert flatten([[3, 2], 1, [[0]]]) == [3, 2, 1, 0]


def test_only_lists():
    assert flatten([[["a"]], [["b", ["c"]]]]) == ["a", "b", "c"]


def test_result_is_flat():
    assert all(not isinstance(item, list) for item in flatten([1, [2, [3, [4]]]]))


def test_input_unchanged():
    data = [1, [2, [3]]]
    flatten(data)
    assert data == [1, [2, [3]]]


def test_count_of_empty():
    assert count_leaves([[], [[]]]) == 0

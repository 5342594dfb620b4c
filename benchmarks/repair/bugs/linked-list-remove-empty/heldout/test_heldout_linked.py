import pytest

from chain.linked import LinkedList


def test_empty_list_stays_empty():
    items = LinkedList()
    assert not items.remove(None)
    assert list(items) == []


def test_remove_last():
    items = LinkedList([1, 2, 3])
    assert items.remove(3)
    assert list(items) == [1, 2]


def test_only_the_first_match():
    items = LinkedList([1, 2, 1, 2])
    assert items.remove(2)
    assert list(items) == [1, 1, 2]


@pytest.mark.parametrize("order", [[1, 2, 3], [3, 2, 1], [2, 1, 3]])
def test_remove_all_in_any_order(order):
    items = LinkedList([1, 2, 3])
    for value in order:
        assert items.remove(value)
    assert len(items) == 0
    assert not items.remove(order[0])


def test_push_after_emptying():
    items = LinkedList(["x"])
    items.remove("x")
    items.push_front("y")
    assert list(items) == ["y"]

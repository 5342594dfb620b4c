from chain.linked import LinkedList


def test_iterate():
    assert list(LinkedList([1, 2, 3])) == [1, 2, 3]


def test_remove_head():
    items = LinkedList([1, 2, 3])
    assert items.remove(1)
    assert list(items) == [2, 3]


def test_remove_in_the_middle():
    items = LinkedList("abc")
    assert items.remove("b")
    assert list(items) == ["a", "c"]


def test_remove_missing_value():
    items = LinkedList([1, 2])
    assert not items.remove(5)
    assert len(items) == 2


def test_remove_from_an_empty_list():
    assert not LinkedList().remove(1)


def test_remove_everything_then_more():
    items = LinkedList([7])
    assert items.remove(7)
    assert not items.remove(7)

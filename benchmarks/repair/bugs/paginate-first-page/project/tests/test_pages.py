import pytest

from pager.pages import Page, get_page, page_count


def test_page_count():
    assert page_count(25, 10) == 3
    assert page_count(20, 10) == 2
    assert page_count(0, 10) == 1


def test_navigation():
    assert Page(1, [], 3).has_next
    assert not Page(1, [], 3).has_previous
    assert not Page(3, [], 3).has_next


def test_page_out_of_range():
    with pytest.raises(ValueError):
        get_page(list(range(25)), 4)


def test_total_pages():
    assert get_page(list(range(25)), 2).total_pages == 3


def test_first_page():
    assert get_page(list(range(25)), 1).items == list(range(10))


def test_last_page_is_partial():
    assert get_page(list(range(25)), 3).items == [20, 21, 22, 23, 24]

import pytest

from pager.pages import get_page

ITEMS = [f"item {i}" for i in range(23)]


@pytest.mark.parametrize("size", [1, 2, 5, 7, 10, 23, 50])
def test_pages_cover_everything_once(size):
    pages = []
    number = 1
    while True:
        page = get_page(ITEMS, number, size)
        pages.extend(page.items)
        if not page.has_next:
            break
        number += 1
    assert pages == ITEMS


def test_second_page():
    assert get_page(ITEMS, 2, 5).items == ITEMS[5:10]


def test_empty_list_has_an_empty_first_page():
    assert get_page([], 1).items == []


def test_page_zero_does_not_exist():
    with pytest.raises(ValueError):
        get_page(ITEMS, 0)

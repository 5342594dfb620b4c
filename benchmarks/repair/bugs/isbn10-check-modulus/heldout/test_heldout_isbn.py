import pytest

from books.isbn import is_valid_isbn10


@pytest.mark.parametrize(
    "isbn",
    [
        "0-19-853453-1",
        "0-14-044913-2",
        "0-684-84328-5",
        "1-56619-909-3",
        "0 8044 2957 x",
        "0000000019",
    ],
)
def test_valid(isbn):
    assert is_valid_isbn10(isbn)


@pytest.mark.parametrize(
    "isbn",
    ["0-19-853453-2", "0-306-40615-3", "0-14-044913-X", "1234567890", "0140449130", "X306406152"],
)
def test_invalid(isbn):
    assert not is_valid_isbn10(isbn)


def test_all_zeros():
    assert is_valid_isbn10("0000000000")

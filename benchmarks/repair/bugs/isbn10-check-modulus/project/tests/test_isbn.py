from books.isbn import is_valid_isbn, is_valid_isbn10, is_valid_isbn13


def test_isbn13():
    assert is_valid_isbn13("978-0-306-40615-7")


def test_isbn13_wrong_check_digit():
    assert not is_valid_isbn13("978-0-306-40615-8")


def test_isbn10_wrong_length():
    assert not is_valid_isbn10("0-306-40615")


def test_isbn10_letters():
    assert not is_valid_isbn10("0-306-4O615-2")


def test_isbn10():
    assert is_valid_isbn10("0-306-40615-2")


def test_isbn10_with_x():
    assert is_valid_isbn10("0-8044-2957-X")


def test_either_kind():
    assert is_valid_isbn("0306406152")
    assert is_valid_isbn("9780306406157")

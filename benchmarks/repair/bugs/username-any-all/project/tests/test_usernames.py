from signup.usernames import is_valid_username, suggest


def test_plain_name():
    assert is_valid_username("ada_lovelace")


def test_digits_allowed():
    assert is_valid_username("r2d2")


def test_too_short():
    assert not is_valid_username("al")


def test_must_start_with_a_letter():
    assert not is_valid_username("_ada")


def test_suggest():
    assert suggest("ada lovelace") == "ada_lovelace"


def test_punctuation_is_rejected():
    assert not is_valid_username("ada!")


def test_spaces_are_rejected():
    assert not is_valid_username("ada lovelace")

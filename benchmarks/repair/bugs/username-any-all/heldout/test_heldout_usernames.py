import pytest

from signup.usernames import is_valid_username, suggest


@pytest.mark.parametrize(
    "name", ["ada-lovelace", "ada.l", "bob$", "émile", "tab\tname", "abc/", "x" * 17]
)
def test_invalid(name):
    assert not is_valid_username(name)


@pytest.mark.parametrize("name", ["abc", "Z_9", "a" * 16, "CamelCase_01"])
def test_valid(name):
    assert is_valid_username(name)


def test_suggestions_are_valid():
    for name in ["ada lovelace", "9lives", "x", "émile!", "a-b-c-d-e-f-g-h-i-j"]:
        assert is_valid_username(suggest(name)), suggest(name)

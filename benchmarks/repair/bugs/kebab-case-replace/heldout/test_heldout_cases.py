import pytest

from naming.cases import to_camel, to_kebab, to_snake


@pytest.mark.parametrize(
    ("name", "kebab"),
    [
        ("userName", "user-name"),
        ("user_name", "user-name"),
        ("user-name", "user-name"),
        ("  User   Name ", "user-name"),
        ("a_b_c_d", "a-b-c-d"),
        ("HTTPServer2Go", "httpserver2-go"),
        ("snake__double", "snake-double"),
        ("", ""),
    ],
)
def test_kebab(name, kebab):
    assert to_kebab(name) == kebab


def test_round_trips():
    assert to_snake(to_kebab("one_two_three")) == "one_two_three"
    assert to_kebab(to_camel("one-two-three")) == "one-two-three"


def test_snake_still_uses_underscores():
    assert to_snake("one-two") == "one_two"

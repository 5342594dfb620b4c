import pytest

from settings.loader import get_bool, load, parse_setting

CONFIG = """\
# service settings
Host = example.org
port = 8080

  # debugging
debug = yes
"""


def test_parse_setting():
    assert parse_setting("Timeout = 30") == ("timeout", "30")


def test_parse_setting_without_equals():
    with pytest.raises(ValueError):
        parse_setting("timeout 30")


def test_get_bool():
    assert get_bool({"debug": "Yes"}, "debug")
    assert not get_bool({}, "debug")


def test_empty_file():
    assert load("") == {}


def test_load():
    assert load(CONFIG) == {"host": "example.org", "port": "8080", "debug": "yes"}


def test_later_line_wins():
    assert load("a = 1\na = 2\n") == {"a": "2"}

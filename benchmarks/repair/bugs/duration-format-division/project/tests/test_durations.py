import pytest

from timefmt.durations import format_duration, parse_duration, total


def test_parse_minutes_and_seconds():
    assert parse_duration("1:05") == 65


def test_parse_hours():
    assert parse_duration("1:01:05") == 3665


def test_parse_rejects_text():
    with pytest.raises(ValueError):
        parse_duration("1:xx")


def test_negative_duration():
    with pytest.raises(ValueError):
        format_duration(-1)


def test_format_minutes_and_seconds():
    assert format_duration(65) == "1:05"


def test_format_hours():
    assert format_duration(3665) == "1:01:05"


def test_total():
    assert total(["3:30", "2:45"]) == "6:15"

import pytest

from timefmt.durations import format_duration, parse_duration


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0:00"),
        (59, "0:59"),
        (60, "1:00"),
        (119, "1:59"),
        (3599, "59:59"),
        (3600, "1:00:00"),
        (7322, "2:02:02"),
        (86399, "23:59:59"),
        (90061, "25:01:01"),
    ],
)
def test_format(seconds, text):
    assert format_duration(seconds) == text


def test_round_trip():
    for seconds in range(0, 20000, 97):
        assert parse_duration(format_duration(seconds)) == seconds

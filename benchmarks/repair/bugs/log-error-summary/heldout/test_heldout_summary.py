import pytest

from logscan.summary import LEVELS, is_serious, summarize


@pytest.mark.parametrize("level", list(LEVELS))
def test_a_level_is_as_serious_as_itself(level):
    assert is_serious(level, level)


def test_less_severe_is_not_serious():
    assert not is_serious("INFO", "WARNING")
    assert not is_serious("ERROR", "CRITICAL")


def test_more_severe_is_serious():
    assert is_serious("CRITICAL", "DEBUG")


def test_debug_threshold_takes_everything():
    lines = ["2024-01-01 00:00:00 DEBUG a", "2024-01-01 00:00:01 INFO b"]
    assert summarize(lines, threshold="DEBUG")["serious"] == [
        "2024-01-01 00:00:00 a",
        "2024-01-01 00:00:01 b",
    ]


def test_info_threshold():
    lines = [
        "2024-01-01 00:00:00 DEBUG a",
        "2024-01-01 00:00:01 INFO b",
        "2024-01-01 00:00:02 WARNING c",
    ]
    assert summarize(lines, threshold="INFO")["serious"] == [
        "2024-01-01 00:00:01 b",
        "2024-01-01 00:00:02 c",
    ]

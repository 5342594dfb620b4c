import pytest

from logscan.summary import parse_line, summarize

LOG = """\
2024-05-01 12:00:00 INFO service started
2024-05-01 12:00:03 ERROR disk full

2024-05-01 12:00:04 warning retrying
2024-05-01 12:00:09 CRITICAL giving up
"""


def test_parse_line():
    assert parse_line("2024-05-01 12:00:03 error disk full") == (
        "2024-05-01 12:00:03",
        "ERROR",
        "disk full",
    )


def test_unknown_level():
    with pytest.raises(ValueError):
        parse_line("2024-05-01 12:00:03 LOUD hello")


def test_counts_per_level():
    counts = summarize(LOG.splitlines())["counts"]
    assert counts == {"INFO": 1, "ERROR": 1, "WARNING": 1, "CRITICAL": 1}


def test_critical_lines_are_serious():
    lines = ["2024-05-01 09:00:00 CRITICAL out of memory"]
    assert summarize(lines)["serious"] == ["2024-05-01 09:00:00 out of memory"]


def test_errors_are_serious():
    assert summarize(LOG.splitlines())["serious"] == [
        "2024-05-01 12:00:03 disk full",
        "2024-05-01 12:00:09 giving up",
    ]


def test_lower_threshold():
    serious = summarize(LOG.splitlines(), threshold="WARNING")["serious"]
    assert len(serious) == 3


def test_empty_log():
    assert summarize([]) == {"counts": {}, "serious": []}

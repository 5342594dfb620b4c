from __future__ import annotations

import math

from pytest_trace.repair.localize import function_lines, ochiai, ranked


def test_ochiai_ranks_the_line_only_failing_tests_run_first() -> None:
    lines = {
        1: ["f1", "f2", "p1", "p2"],  # everyone: the def line
        2: ["f1", "f2", "p1"],  # the condition
        3: ["f1", "f2"],  # the buggy branch, only failing tests
        4: ["p1", "p2"],  # only passing tests
    }
    scores = ochiai(lines, failing=["f1", "f2"], passing=["p1", "p2"])
    assert scores[3] == 1.0
    assert scores[4] == 0.0
    assert math.isclose(scores[2], 2 / math.sqrt(2 * 3))
    assert math.isclose(scores[1], 2 / math.sqrt(2 * 4))
    assert [line for line, _ in ranked(scores)] == [3, 2, 1, 4]


def test_no_failing_test_means_nothing_is_suspicious() -> None:
    assert ochiai({1: ["p"]}, failing=[], passing=["p"]) == {1: 0.0}


def test_function_lines_are_renumbered_from_the_def_line() -> None:
    scores = {9: 0.5, 10: 0.7, 12: 1.0, 20: 0.9}
    assert function_lines(scores, def_line=10, end_line=12) == {1: 0.7, 3: 1.0}

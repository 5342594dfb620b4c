"""The feedback the optimizer reads of a group (pure): its tests that do not pass, and
the tests that passed before that a candidate broke, each bounded for the prompt."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pytest_trace.model import TestResult
from pytest_trace.repair.feedback import combine_feedback
from pytest_trace.repair.grouping import Group

PROMPT_FEEDBACK_CHARS = 6000


def failure_feedback(group: Group, results: Mapping[str, TestResult]) -> str:
    """The feedback of the group's tests that did not pass, bounded."""
    items = []
    for nodeid in group.tests:
        result = results.get(nodeid)
        if result is None:
            items.append(f"{nodeid}: not run (an earlier test failed first)")
        elif not result.not_failing:
            items.append(result.feedback or f"{nodeid}: {result.outcome}")
    return combine_feedback(items, max_chars=PROMPT_FEEDBACK_CHARS)


def regression_feedback(regressions: Sequence[TestResult]) -> str:
    """The feedback of the tests a candidate broke, bounded."""
    return combine_feedback(
        [r.feedback or f"{r.nodeid}: {r.outcome}" for r in regressions],
        max_chars=PROMPT_FEEDBACK_CHARS,
    )

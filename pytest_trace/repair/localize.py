"""Fault localization: which lines of a trainable function are most likely wrong (pure).

Spectrum-based, with the Ochiai coefficient: a line run by many failing tests and few
passing ones is suspicious. For line ``l``, with ``ef``/``ep`` the failing/passing tests
that ran it and ``F`` the number of failing tests::

    ochiai(l) = ef / sqrt(F * (ef + ep))

The line coverage per test comes from coverage.py (dynamic contexts, one per test),
measured by the worker for the files that hold the group's trainables.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence


def ochiai(
    lines: Mapping[int, Collection[str]], failing: Collection[str], passing: Collection[str]
) -> dict[int, float]:
    """Suspiciousness of each covered line, from the tests that ran it."""
    failing_set, passing_set = set(failing), set(passing)
    total_failing = len(failing_set)
    scores: dict[int, float] = {}
    for line, tests in lines.items():
        ran = set(tests)
        ef = len(ran & failing_set)
        ep = len(ran & passing_set)
        scores[line] = ef / math.sqrt(total_failing * (ef + ep)) if ef else 0.0
    return scores


def function_lines(scores: Mapping[int, float], def_line: int, end_line: int) -> dict[int, float]:
    """The scores of one function's lines, renumbered so that its ``def`` line is 1."""
    return {
        line - def_line + 1: score for line, score in scores.items() if def_line <= line <= end_line
    }


def ranked(scores: Mapping[int, float]) -> Sequence[tuple[int, float]]:
    """Lines from most to least suspicious (ties: earlier lines first)."""
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))

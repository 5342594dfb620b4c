"""Hooks of pytest-trace, for other plugins and ``conftest.py`` files.

Implement them like any pytest hook (a function of the same name in a plugin or in
``conftest.py``); they are added to pytest's hook relay with ``pytest_addhooks``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pytest_trace.loop import Attempt, GroupResult


@pytest.hookspec
def pytest_trace_candidate_evaluated(attempt: Attempt) -> None:
    """Called after every iteration of a group, with what was proposed and its verdict."""


@pytest.hookspec
def pytest_trace_group_finished(result: GroupResult, branch: str | None) -> None:
    """Called when the optimization of a group ends, with its result and fix branch."""

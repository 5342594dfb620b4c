"""Hooks of pytest-trace, for other plugins and ``conftest.py`` files.

Implement them like any pytest hook (a function of the same name in a plugin or in
``conftest.py``); they are added to pytest's hook relay with ``pytest_addhooks``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pytest_trace.optimizers.base import OptimizerSpec
    from pytest_trace.repair.loop import Attempt, GroupResult


@pytest.hookspec
def pytest_trace_optimizers() -> list[OptimizerSpec]:
    """Return the optimizers this plugin offers.

    Each :class:`~pytest_trace.optimizers.base.OptimizerSpec` has a ``name`` (what
    ``--trace-optimizer`` takes), a ``description``, a ``factory`` that builds an
    :class:`~pytest_trace.optimizers.base.Optimizer` for a group of failing tests from
    an :class:`~pytest_trace.optimizers.base.OptimizerContext` (the settings, and the
    LLM client when one is configured), ``needs_llm`` and ``fail_fast``. pytest-trace
    itself offers ``optoprime`` and ``search``; all implementations' lists are joined,
    and a later name replaces an earlier one.
    """
    raise NotImplementedError  # a specification: plugins implement it


@pytest.hookspec
def pytest_trace_candidate_evaluated(attempt: Attempt) -> None:
    """Called after every iteration of a group, with what was proposed and its verdict."""


@pytest.hookspec
def pytest_trace_group_finished(result: GroupResult, branch: str | None) -> None:
    """Called when the optimization of a group ends, with its result and fix branch."""

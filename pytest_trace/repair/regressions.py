"""The regression check of a candidate, and the tests that fail on the snapshot too.

A test that passed in the user's run but fails on the unchanged snapshot depends on
something git does not have: its failure says nothing about a candidate. Both checks
here run such tests once on the snapshot and remember them in the workspace
(``fail_on_base``), so that only real regressions are reported.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from pytest_trace.model import TestResult
from pytest_trace.repair.outcome import Validation
from pytest_trace.runner.protocol import RunRequest

if TYPE_CHECKING:
    from pytest_trace.repair.grouping import Group
    from pytest_trace.repair.workspace import Workspace


def find_regressions(workspace: Workspace, group: Group, values: Mapping[str, str]) -> Validation:
    """Failures among the tests that passed before: the whole suite in a clean pytest
    process on the patched files (with ``--trace-validate reached``, the tests that may
    reach a changed function)."""
    tests = workspace.validation_tests(group, values)
    run = workspace.runner.run(workspace.request(values, tests, timeout=0.0))
    ran = set(tests)
    suspects = [
        nodeid
        for nodeid in workspace.passed_before
        if nodeid in ran and not run.passed(nodeid) and nodeid not in workspace.fail_on_base
    ]
    if suspects:  # a test that fails in the checkout without any change is no regression
        on_base = workspace.runner.run(RunRequest(tuple(suspects)))
        workspace.fail_on_base.update(
            n for n in suspects if n in on_base.results and not on_base.passed(n)
        )
    regressions = [
        run.results.get(nodeid) or TestResult(nodeid, "error", feedback=run.problem)
        for nodeid in suspects
        if nodeid not in workspace.fail_on_base
    ]
    return Validation(tuple(regressions), len(run.results))


def without_failing_on_base(workspace: Workspace, failures: list[TestResult]) -> list[TestResult]:
    """``failures`` of guard tests, without those that fail on the unchanged snapshot
    too (checked once per test: the user's run said they passed, not the snapshot)."""
    unchecked = tuple(r.nodeid for r in failures if r.nodeid not in workspace.checked)
    if unchecked:
        on_base = workspace.evaluator.run(RunRequest(unchecked))
        workspace.checked.update(unchecked)
        workspace.fail_on_base.update(n for n in unchecked if not on_base.passed(n))
    return [r for r in failures if r.nodeid not in workspace.fail_on_base]

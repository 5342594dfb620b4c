"""What the reports show of a group's optimization, from the loop's result (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from pytest_trace.model import Parameter
from pytest_trace.repair.alternatives import alternative_reports
from pytest_trace.reports.run import GroupReport

if TYPE_CHECKING:
    from pytest_trace.repair.loop import GroupResult


def describe(
    group_report: GroupReport, result: GroupResult, parameters: Mapping[str, Parameter]
) -> None:
    """Fill ``group_report`` from ``result``: the status and the verdict's reason and
    concerns, the alternatives and where they disagree, the cost, the convergence and the
    feedback before and after (``parameters``: the original sources, for the
    alternatives' diffs)."""
    group_report.status = result.status
    group_report.verdict_reason = result.verdict_reason
    group_report.concerns = list(result.concerns)
    group_report.alternatives = alternative_reports(result.alternatives, parameters)
    group_report.disagreements = list(result.disagreements)
    group_report.iterations = result.iterations
    group_report.candidates = result.candidates
    group_report.seconds = result.seconds
    group_report.tokens = result.tokens
    group_report.changed = result.changed
    group_report.operators = sorted({op for a in result.path for op in a.operators})
    group_report.passed = result.passed
    group_report.passed_before = result.passed_before
    group_report.feedback_before = result.feedback_before
    group_report.feedback_after = result.feedback_after
    group_report.steps = list(result.steps)

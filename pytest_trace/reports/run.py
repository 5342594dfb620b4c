"""What a run reports: the terminal summary and the JSON report (pure)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_trace.checks import Concern
from pytest_trace.checks.ambiguity import Disagreement, describe
from pytest_trace.model import Step, TokenUsage

REPORT_VERSION = 1


@dataclass
class AlternativeReport:
    """A candidate that passes the group's tests: the parameters it changes, how many
    tokens, the checks' concerns, its diff against the original source, and whether it
    is the one committed."""

    changed: list[str]
    tokens: int
    concerns: list[str] = field(default_factory=list)
    diff: str = ""
    chosen: bool = False


@dataclass
class GroupReport:
    """One group of failing tests and what became of it.

    ``passed_before`` of its tests passed on the code under test and ``passed`` on the
    fix branch; ``steps`` is the convergence (one per iteration); ``diff`` is ``git diff
    base..branch``; ``graph`` the trace of the failing tests as a Mermaid flowchart and
    ``graph_dot`` as Graphviz DOT (not in the JSON report).
    """

    tests: list[str]
    parameters: list[str]
    status: str
    branch: str | None = None
    commit: str | None = None
    iterations: int = 0
    candidates: int = 0
    seconds: float = 0.0
    tokens: TokenUsage = field(default_factory=TokenUsage)
    changed: list[str] = field(default_factory=list)
    message: str = ""
    operators: list[str] = field(default_factory=list)
    passed: int = 0
    passed_before: int = 0
    feedback_before: str = ""
    feedback_after: str = ""
    steps: list[Step] = field(default_factory=list)
    diff: str = ""
    graph: str = ""
    graph_dot: str = ""
    #: The ref of the record of every candidate (``refs/trace/<id>``).
    record: str | None = None
    #: What became of a fix branch of an earlier run on the same code and failure.
    branch_note: str = ""
    #: Why a ``plausible`` fix is not called fixed, in one line.
    verdict_reason: str = ""
    #: The checks' concerns about the committed fix.
    concerns: list[Concern] = field(default_factory=list)
    #: The candidates that pass the tests, the committed one first.
    alternatives: list[AlternativeReport] = field(default_factory=list)
    #: Calls on which alternatives that pass the tests disagree.
    disagreements: list[Disagreement] = field(default_factory=list)


@dataclass
class RunReport:
    """One ``--trace-optimize`` run."""

    optimizer: str = ""
    optimizer_reason: str = ""
    model: str = ""
    base_commit: str | None = None
    includes_uncommitted: bool = False
    groups: list[GroupReport] = field(default_factory=list)
    unreached: list[str] = field(default_factory=list)
    not_reproduced: list[str] = field(default_factory=list)
    unmatched_patterns: list[str] = field(default_factory=list)
    #: ``--trace-trainable`` pattern → the functions it selected (``module.qualname``).
    selected: dict[str, list[str]] = field(default_factory=dict)
    message: str = ""
    forked_runs: int = 0
    process_runs: int = 0

    @property
    def tokens(self) -> TokenUsage:
        total = TokenUsage()
        for group in self.groups:
            total = total + group.tokens
        return total


def _tokens(usage: TokenUsage) -> dict[str, int]:
    return {"prompt": usage.prompt, "completion": usage.completion}


def to_json(report: RunReport) -> dict[str, Any]:
    """The JSON report (``--trace-report``), version 1."""
    return {
        "version": REPORT_VERSION,
        "base_commit": report.base_commit,
        "includes_uncommitted": report.includes_uncommitted,
        "optimizer": report.optimizer,
        "optimizer_reason": report.optimizer_reason,
        "model": report.model,
        "message": report.message,
        "groups": [
            {
                "tests": group.tests,
                "parameters": group.parameters,
                "status": group.status,
                "branch": group.branch,
                "commit": group.commit,
                "iterations": group.iterations,
                "candidates": group.candidates,
                "seconds": round(group.seconds, 3),
                "tokens": _tokens(group.tokens),
                "changed": group.changed,
                "operators": group.operators,
                "message": group.message,
                "passed": group.passed,
                "passed_before": group.passed_before,
                "convergence": [
                    {
                        "iteration": step.iteration,
                        "candidates": step.candidates,
                        "passed": step.passed,
                        "best": step.best,
                    }
                    for step in group.steps
                ],
                "feedback_before": group.feedback_before,
                "feedback_after": group.feedback_after,
                "diff": group.diff,
                "graph": group.graph,
                "record": group.record,
                "branch_note": group.branch_note,
                "verdict_reason": group.verdict_reason,
                "concerns": [
                    {"check": c.check, "reason": c.reason, "blocking": c.blocking}
                    for c in group.concerns
                ],
                "alternatives": [
                    {
                        "changed": a.changed,
                        "tokens": a.tokens,
                        "concerns": a.concerns,
                        "diff": a.diff,
                        "chosen": a.chosen,
                    }
                    for a in group.alternatives
                ],
                "disagreements": [
                    {
                        "function": d.function,
                        "call": d.call,
                        "results": list(d.results),
                        "test": d.test,
                        "text": describe(d),
                    }
                    for d in group.disagreements
                ],
            }
            for group in report.groups
        ],
        "unreached_tests": report.unreached,
        "not_reproduced_tests": report.not_reproduced,
        "unmatched_patterns": report.unmatched_patterns,
        "selected": report.selected,
        "tokens": _tokens(report.tokens),
        "runs": {"forked": report.forked_runs, "fresh_process": report.process_runs},
    }


def write_json(report: RunReport, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(to_json(report), indent=2) + "\n", encoding="utf-8")


def dot_file_name(number: int, group: GroupReport) -> str:
    """``group-1-apply_discount.dot``: the group's number and its functions' names."""
    names = "-".join(name.rsplit(".", 1)[-1] for name in group.parameters[:3])
    return f"group-{number}-{re.sub(r'[^A-Za-z0-9_.-]+', '_', names) or 'trace'}.dot"


def write_dot_files(report: RunReport, directory: Path) -> list[Path]:
    """One Graphviz file per group with a graph (``--trace-graph-dot``); the paths."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for number, group in enumerate(report.groups, 1):
        if group.graph_dot:
            path = directory / dot_file_name(number, group)
            path.write_text(group.graph_dot, encoding="utf-8")
            written.append(path)
    return written


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def summary_lines(report: RunReport) -> list[str]:
    """The lines of the terminal summary section."""
    lines: list[str] = []
    if report.message:
        lines.append(report.message)
    base = report.base_commit
    for group in report.groups:
        names = ", ".join(group.changed or group.parameters)
        head = f"{group.status.upper()}: {names} ({_count(len(group.tests), 'test')})"
        lines.append(head)
        tokens = group.tokens.prompt + group.tokens.completion
        details = (
            f"  {_count(group.iterations, 'iteration')}, {_count(group.candidates, 'candidate')}"
            f" tested, "
            + (f"{tokens} tokens, " if tokens or report.model else "")
            + f"{group.seconds:.1f} s"
        )
        lines.append(details)
        lines.extend(verdict_lines(group))
        if group.operators:
            lines.append("  edit: " + ", ".join(group.operators))
        if group.message:
            lines.extend(f"  {line}" for line in group.message.splitlines())
        if group.branch and base:
            lines.append(f"  branch {group.branch}; review: git diff {base[:12]}..{group.branch}")
        if group.branch_note:
            lines.append(f"  {group.branch_note}")
        for nodeid in group.tests:
            lines.append(f"    {nodeid}")
    if report.unreached:
        lines.append(
            f"{_count(len(report.unreached), 'failing test')} reached no @trainable function:"
        )
        lines.extend(f"    {nodeid}" for nodeid in report.unreached)
        if any("*" in pattern for pattern in report.selected):
            lines.append(
                "  (a wildcard of --trace-trainable selects no special method such as "
                "__init__: name one to select it, 'package.module:Class.__init__')"
            )
    lines.extend(selected_lines(report.selected))
    for pattern in report.unmatched_patterns:
        lines.append(
            f"--trace-trainable {pattern!r} matched no function of the modules the tests "
            "imported (a typo in the module or function name?)"
        )
    if report.not_reproduced:
        lines.append(
            f"{_count(len(report.not_reproduced), 'failing test')} passed when re-run "
            "in a clean checkout (flaky, or dependent on files git does not track):"
        )
        lines.extend(f"    {nodeid}" for nodeid in report.not_reproduced)
    if report.groups:
        total = report.tokens
        lines.append(
            f"optimizer {report.optimizer}"
            + (f" ({report.model})" if report.model else "")
            + (f", because {report.optimizer_reason}" if report.optimizer_reason else "")
            + (
                f"; tokens: {total.prompt} prompt + {total.completion} completion"
                if total.prompt or total.completion
                else ""
            )
            + f"; test runs: {report.forked_runs} forked, {report.process_runs} in a new process"
        )
    lines.extend(review_lines(report))
    return lines


def verdict_lines(group: GroupReport) -> list[str]:
    """Why a fix is only plausible, the other candidates that pass, where they disagree."""
    lines = []
    if group.status == "plausible" and group.verdict_reason:
        lines.append(f"  plausible, not fixed: it {group.verdict_reason}")
    others = [a for a in group.alternatives if not a.chosen]
    if others:
        plausible = sum(1 for a in others if a.concerns)
        verb = "passes" if len(others) == 1 else "pass"
        lines.append(
            f"  {_count(len(others), 'other candidate')} also {verb} the tests"
            + (f" ({plausible} of them only plausible)" if plausible else "")
            + "; the committed one ranks first"
        )
    lines.extend(f"  {describe(d)}" for d in group.disagreements)
    return lines


#: Functions named per ``--trace-trainable`` pattern in the summary.
MAX_SELECTED_NAMES = 12


def selected_lines(selected: dict[str, list[str]]) -> list[str]:
    """One line per ``--trace-trainable`` pattern that selected functions, naming them."""
    lines = []
    for pattern, names in selected.items():
        if names:
            shown = ", ".join(names[:MAX_SELECTED_NAMES])
            more = len(names) - MAX_SELECTED_NAMES
            shown += f", and {more} more" if more > 0 else ""
            lines.append(f"--trace-trainable {pattern!r} selected {shown}")
    return lines


def review_lines(report: RunReport) -> list[str]:
    """The commands to review each fix branch: the last lines of the summary."""
    fixes = [group.branch for group in report.groups if group.branch]
    if not fixes:
        return []
    lines = ["review " + ("the fix:" if len(fixes) == 1 else f"the {len(fixes)} fixes:")]
    for branch in fixes:
        if report.base_commit:
            lines.append(f"  git diff {report.base_commit[:12]}..{branch}")
        lines.append(f"  pytest-trace show {branch}")
        lines.append(f"  pytest-trace apply {branch}  # to merge it into your branch")
    return lines

"""What ``pytest-trace`` prints of fix branches and records (pure: no git).

What fix commits' messages say is read in :mod:`pytest_trace.vcs.fix_branch`; the git
side is :mod:`pytest_trace.vcs.fixes`; the command line is :mod:`pytest_trace.cli`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from pytest_trace.text.clip import clip
from pytest_trace.vcs.fix_branch import MessageFacts as MessageFacts
from pytest_trace.vcs.fix_branch import is_fix_message as is_fix_message
from pytest_trace.vcs.fix_branch import parse_message as parse_message

if TYPE_CHECKING:
    from pytest_trace.vcs.fix_branch import FixBranch
    from pytest_trace.vcs.record import CandidateRecord, FixRecord

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")
_UNITS = {"": 86400.0, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 7 * 86400.0}


def parse_duration(text: str) -> float:
    """Seconds in ``14d``, ``12h``, ``30m``, ``2w``, ``90s`` (a bare number is days)."""
    match = _DURATION.match(text.lower())
    if not match:
        raise ValueError(
            f"{text!r} is not an age: write a number and a unit, like 14d, 12h, 30m, 2w or 90s"
        )
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse_time(text: str) -> float:
    """Unix time of an ISO 8601 UTC stamp like ``2026-11-22T05:03:11Z`` (0 if unreadable)."""
    try:
        stamp = datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        return 0.0
    return stamp.timestamp()


def format_age(seconds: float) -> str:
    """``just now``, ``5 minutes``, ``3 hours``, ``2 days``, ``6 weeks``."""
    for unit, size in (("week", 604800), ("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = int(seconds // size)
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return "just now"


def _table(rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


def list_lines(branches: Sequence[FixBranch], now: float) -> list[str]:
    """The table of ``pytest-trace list``."""
    if not branches:
        return ["no fix branches (`pytest --trace-optimize` makes them when tests fail)"]
    rows = [["BRANCH", "STATUS", "AGE", "TESTS", "PARAMETERS", "BASE"]]
    for branch in branches:
        record = branch.record
        total = branch.facts.total or (len(record.tests) if record else 0)
        passing = len(branch.facts.passing)
        parameters = branch.facts.parameters or (record.changed if record else [])
        rows.append(
            [
                branch.name,
                branch.status + (" (merged)" if branch.merged else ""),
                format_age(now - branch.time),
                f"{passing}/{total} fixed" if total else "?",
                ", ".join(parameters) or "?",
                _base(branch),
            ]
        )
    return _table(rows)


def _base(branch: FixBranch) -> str:
    where = "ancestor" if branch.base_in_history else "NOT an ancestor"
    extra = ", +uncommitted" if branch.includes_uncommitted else ""
    return f"{branch.head[:10]} ({where}{extra})"


def show_lines(branch: FixBranch, diff: str) -> list[str]:
    """The text of ``pytest-trace show``: summary, rationale, tests, trajectory, graph, diff."""
    record = branch.record if branch.record and branch.record.commit == branch.tip else None
    facts = branch.facts
    lines = [
        f"branch {branch.name}: {branch.status}"
        + (", merged into the current branch" if branch.merged else ""),
        _base_line(branch.base, branch.head, branch.includes_uncommitted)
        + ("" if branch.base_in_history else "; not in the current branch's history"),
        f"commits: {len(branch.commits)}; parameters changed: {', '.join(facts.parameters) or '?'}",
    ]
    reason = record.verdict_reason if record is not None else facts.reason
    if branch.status == "plausible" and reason:
        lines.append(f"plausible, not fixed: it {reason}")
    if record is not None:
        lines += [_optimizer_line(record), f"record {record.ref}"]
        lines += _ambiguity_lines(record)
    lines += _test_lines(record.tests if record else facts.passing, facts.passing)
    if record is not None:
        if record.rationale:
            lines += ["", "Rationale:", *(f"  {line}" for line in record.rationale.splitlines())]
        lines += _trajectory_lines(record)
        rejected = [c for c in record.candidates if not c.commit]
        if rejected:
            lines += ["", f"Rejected candidates ({len(rejected)}; `show --candidates` for all):"]
            lines += _candidate_summaries(rejected)
        if record.graph:
            lines += ["", "Trace graph (Mermaid):", "```mermaid", record.graph.rstrip(), "```"]
    lines += ["", diff]
    return lines


def record_lines(record: FixRecord) -> list[str]:
    """A record on its own (a run that made no branch)."""
    lines = [
        f"record {record.ref}: {record.status}"
        + (f", branch {record.branch}" if record.branch else ", no branch"),
        _base_line(record.base, record.head, record.includes_uncommitted),
        _optimizer_line(record),
    ]
    if record.status == "plausible" and record.verdict_reason:
        lines.append(f"plausible, not fixed: it {record.verdict_reason}")
    if record.message:
        lines.append(record.message)
    lines += _ambiguity_lines(record)
    lines += _test_lines(record.tests, record.passing)
    lines += _trajectory_lines(record)
    lines += ["", f"Candidates ({len(record.candidates)}; `show ID --candidates` for all):"]
    return lines + _candidate_summaries(record.candidates)


def _ambiguity_lines(record: FixRecord) -> list[str]:
    """The other candidates that pass the tests, and where they disagree."""
    lines = []
    if record.alternatives:
        lines.append(
            f"{record.alternatives} other candidate(s) passed the tests too "
            "(`show --candidates`: those with the verdict alternative)"
        )
    return lines + list(record.disagreements)


def _base_line(base: str, head: str, includes_uncommitted: bool) -> str:
    return f"base {base}" + (
        f" (HEAD {head} plus uncommitted changes)" if includes_uncommitted else ""
    )


def _optimizer_line(record: FixRecord) -> str:
    return (
        f"optimizer {record.optimizer}"
        + (f", model {record.model}" if record.model else "")
        + f"; {record.iterations} iteration(s), {record.candidate_count} candidate(s) tested"
        + f"; tokens {record.tokens.get('prompt', 0)} prompt"
        + f" + {record.tokens.get('completion', 0)} completion"
    )


def _test_lines(tests: Sequence[str], passing: Sequence[str]) -> list[str]:
    passed = set(passing)
    return ["", "Tests:", *(f"  {'PASS' if t in passed else 'FAIL'} {t}" for t in tests)]


def _trajectory_lines(record: FixRecord) -> list[str]:
    return [
        "",
        f"Trajectory (failing tests passing, of {len(record.tests)}):",
        *(
            f"  iteration {s.iteration}: best {s.best} "
            f"({s.candidates} candidate(s) tested, the best of them {s.best_candidate})"
            for s in record.trajectory
        ),
    ]


def _candidate_summaries(found: Sequence[CandidateRecord], limit: int = 10) -> list[str]:
    return [_candidate_line(c, c.reasoning) for c in found[:limit]]


def _candidate_line(c: CandidateRecord, text: str) -> str:
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    first = clip(first, 90)
    when = f"run {c.run}, iteration {c.iteration}" if c.run > 1 else f"iteration {c.iteration}"
    concerns = f" [{'; '.join(c.concerns)}]" if c.concerns else ""
    return f"  #{c.number} ({when}) {c.verdict}, {c.passed} passing{concerns}: {first}"


def candidate_lines(record: FixRecord) -> list[str]:
    """Every candidate of a record, with its changes and its feedback in full."""
    lines: list[str] = []
    for c in record.candidates:
        lines.append(_candidate_line(c, "").rstrip(": "))
        if c.reasoning:
            lines += ["    reasoning: " + c.reasoning.strip().splitlines()[0]]
        for name, source in c.updates.items():
            lines += [f"    {name}:", *(f"      {line}" for line in source.splitlines())]
        if c.feedback:
            lines += ["    feedback:", *(f"      {line}" for line in c.feedback.splitlines())]
    return lines


def orphan_lines(found: Sequence[FixRecord]) -> list[str]:
    """The records of runs that made no fix branch, after the table of ``list``."""
    if not found:
        return []
    lines = ["", "Runs without a fix branch (`pytest-trace show ID`):"]
    rows = [
        [
            r.id,
            r.status,
            f"{len(r.tests)} test(s)",
            f"{len(r.candidates)} candidate(s)",
            r.created,
        ]
        for r in found
    ]
    return lines + [f"  {line}" for line in _table(rows)]

"""The message of a fix commit (pure): what was changed, what passes now, how it was found.

``fix(<functions>): <the optimizer's reasoning, first line>``, then the parameters
changed (and those of the group left unchanged), the failing tests that pass now (and
those still failing), the regression run, the iteration and candidates, the optimizer
and model, the tokens, the base, the reasoning, the trace as a Mermaid flowchart, and
the trailers ``Optimized-by: pytest-trace <version>`` and ``Trace-record: <id>``.
:mod:`pytest_trace.vcs.review` reads the facts back.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pytest_trace import __version__
from pytest_trace.checks import Concern
from pytest_trace.checks.ambiguity import Disagreement, describe
from pytest_trace.model import Parameter, TokenUsage
from pytest_trace.text.clip import clip
from pytest_trace.vcs.record import RECORD_TRAILER

if TYPE_CHECKING:
    from pytest_trace.vcs.git import Base

#: The commit trailer that says whether the fix is ``fixed``, ``plausible`` or ``partial``.
VERDICT_TRAILER = "Verdict"
#: The longest subject line of a fix commit.
SUBJECT_CHARS = 80


@dataclass(frozen=True)
class CommitFacts:
    """What the message of a fix commit says."""

    changed: Sequence[str]
    tests: Sequence[str]
    passing: Sequence[str]
    regression_run: int
    iteration: int
    candidates: int
    optimizer: str
    model: str
    tokens: TokenUsage
    base: Base
    reasoning: str = ""
    operators: Sequence[str] = ()
    record: str = ""
    #: All the parameters of the group, changed or not.
    parameters: Sequence[str] = ()
    #: The trace of the failing tests, as a Mermaid flowchart.
    graph: str = ""
    #: Where each changed function is: its name -> (file, line of its ``def``), so that
    #: the lines the reasoning names (counted from the ``def``) become lines of the file.
    locations: Mapping[str, tuple[str, int]] = field(default_factory=dict)
    #: Files of the fix that had uncommitted changes, which the commit (on HEAD) carries.
    carried: Sequence[str] = ()
    #: ``fixed``, ``plausible`` (passes the tests, not the checks) or ``partial``.
    verdict: str = "fixed"
    #: The checks' concerns about the candidate.
    concerns: Sequence[Concern] = ()
    #: Other candidates that pass the tests, and where they disagree.
    alternatives: int = 0
    #: The tests of the suite, when the regression run ran fewer (``--trace-validate``).
    suite: int = 0
    disagreements: Sequence[Disagreement] = ()


def commit_message(facts: CommitFacts) -> str:
    """``fix(<functions>): <the optimizer's reasoning, first line>``, then the facts of
    the fix, the reasoning, and the trailers."""
    names = list(dict.fromkeys(name.rsplit(".", 1)[-1] for name in facts.changed))
    reasoning = file_lines(facts.reasoning, facts.locations)
    reason = next((line.strip() for line in reasoning.splitlines() if line.strip()), "")
    for name in names:  # "f: line 3: ..." says nothing "fix(f): " does not
        reason = reason.removeprefix(f"{name}: ")
    subject = _shorten(f"fix({', '.join(names)}): {reason or 'make the failing tests pass'}")
    base = facts.base
    failing = [t for t in facts.tests if t not in set(facts.passing)]
    unchanged = [name for name in facts.parameters if name not in facts.changed]
    body = [
        "Parameters changed: " + ", ".join(facts.changed),
        *(["Parameters unchanged: " + ", ".join(unchanged)] if unchanged else []),
        f"Tests passing now ({len(facts.passing)} of {len(facts.tests)}):",
        *(f"  {nodeid}" for nodeid in facts.passing),
    ]
    if failing:
        body += [f"Still failing ({len(failing)}):", *(f"  {nodeid}" for nodeid in failing)]
    body += [
        _regression_line(facts),
        f"Iteration {facts.iteration}, {_count(facts.candidates, 'candidate')} tested so far; "
        f"optimizer {facts.optimizer}" + (f", model {facts.model}" if facts.model else ""),
        f"Tokens: {facts.tokens.prompt} prompt + {facts.tokens.completion} completion",
    ]
    if facts.operators:
        body.append("Edit operators: " + ", ".join(facts.operators))
    if facts.concerns:
        body += ["Concerns of the checks:", *(f"  {c.check}: {c.reason}" for c in facts.concerns)]
    if facts.alternatives:
        verb = "passes" if facts.alternatives == 1 else "pass"
        body.append(
            f"Alternatives: {_count(facts.alternatives, 'other candidate')} also {verb} the "
            "tests; this one ranks first"
        )
    body += [describe(d) for d in facts.disagreements]
    body.append(
        f"Base: {base.sha}"
        + (
            f" (HEAD {base.head_sha} plus uncommitted changes)"
            if base.includes_uncommitted
            else " (HEAD, no uncommitted changes)"
        )
    )
    if base.includes_uncommitted:
        body.append(f"Built on: HEAD {base.head_sha} (the fix's files only)")
    if facts.carried:
        body.append(
            "Also carries the uncommitted changes of your working tree to: "
            + ", ".join(facts.carried)
        )
    if reasoning.strip():
        files = sorted({path for path, _ in facts.locations.values()})
        where = (
            f" (line numbers are those of {', '.join(files)})"
            if reasoning != facts.reasoning
            else ""
        )
        body += ["", f"Reasoning{where}:", reasoning.strip()[:2000]]
    if facts.graph.strip():
        body += ["", "Trace of the failing tests:", "```mermaid", *facts.graph.strip().splitlines()]
        body.append("```")
    reason = next((c.reason for c in facts.concerns if c.blocking), "")
    verdict = facts.verdict if not failing else "partial"
    verdict = f"{verdict} ({reason})" if verdict == "plausible" and reason else verdict
    trailers = [f"{VERDICT_TRAILER}: {verdict}", f"Optimized-by: pytest-trace {__version__}"]
    if facts.record:
        trailers.append(f"{RECORD_TRAILER}: {facts.record}")
    return f"{subject}\n\n" + "\n".join(body) + "\n\n" + "\n".join(trailers) + "\n"


#: ``name: line 3`` and ``name: lines 3-5``: how the search (and often a model) names the
#: lines of a function it changed, counting from its ``def`` line.
_LINES = re.compile(
    r"\b(?P<name>[A-Za-z_]\w*): (?P<word>lines?) (?P<first>\d+)(?:-(?P<last>\d+))?\b"
)


def file_lines(reasoning: str, locations: Mapping[str, tuple[str, int]]) -> str:
    """``reasoning`` with the lines of each function in ``locations`` (by its qualified or
    short name) counted from the start of its file instead of from its ``def`` line."""
    starts = {name.rsplit(".", 1)[-1]: line for name, (_, line) in locations.items()}

    def shift(match: re.Match[str]) -> str:
        start = starts.get(match["name"])
        if start is None:
            return match[0]
        first = int(match["first"]) + start - 1
        last = f"-{int(match['last']) + start - 1}" if match["last"] else ""
        return f"{match['name']}: {match['word']} {first}{last}"

    return _LINES.sub(shift, reasoning) if starts else reasoning


def function_locations(
    parameters: Sequence[Parameter], files: Mapping[str, str]
) -> dict[str, tuple[str, int]]:
    """Each function of ``parameters``: its file and the line of its ``def`` in ``files``
    (path -> text); functions that cannot be located are left out."""
    from pytest_trace.repair.source_edits import EditError, locate_function

    found: dict[str, tuple[str, int]] = {}
    for parameter in parameters:
        if parameter.kind == "constant" or parameter.path not in files:
            continue
        try:
            span = locate_function(files[parameter.path], parameter.qualname)
        except (EditError, RecursionError):
            continue
        found[parameter.name] = (parameter.path, span.def_line)
    return found


def _regression_line(facts: CommitFacts) -> str:
    if facts.suite > facts.regression_run:  # --trace-validate reached
        return (
            f"Regression run: {facts.regression_run} of {facts.suite} tests, none newly "
            "failing (those that may reach the changed code: --trace-validate reached)"
        )
    return f"Regression run: {facts.regression_run} tests, none newly failing"


def _shorten(text: str, limit: int = SUBJECT_CHARS) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters."""
    return clip(text, limit, at="word")


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"

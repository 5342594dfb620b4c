"""The record of one group's optimization, kept with its fix branch (pure: no git).

Every candidate the optimizer proposed is in it, accepted or not, with the feedback it
got; and the trajectory (how many of the group's failing tests passed after each
iteration), the rationale of the accepted changes, the tests, the base, and an optional
trace graph in Mermaid. The session stores it as ``record.json`` in a commit pointed to
by ``refs/trace/<id>`` (:mod:`pytest_trace.vcs.fixes`); ``pytest-trace show`` reads it.

The id depends only on the code under test and the group (the base's tree, HEAD, the
failing tests and the parameters), so a re-run on the same failure finds the record,
and the branch, of the run before.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any

from pytest_trace.text.clip import clip

if TYPE_CHECKING:
    from pytest_trace.model import Step
    from pytest_trace.repair.loop import Attempt, GroupResult
    from pytest_trace.vcs.git import Base

RECORD_VERSION = 1
#: Where records live: hidden refs, out of ``git branch``'s way.
RECORD_PREFIX = "refs/trace/"
RECORD_FILE = "record.json"
#: The commit trailer that points from a fix commit to its record.
RECORD_TRAILER = "Trace-record"
#: Feedback kept per candidate.
MAX_FEEDBACK_CHARS = 4000


@dataclass
class CandidateRecord:
    """One candidate: what was proposed, and what became of it."""

    number: int
    iteration: int
    verdict: str
    passed: int
    updates: dict[str, str]
    reasoning: str = ""
    feedback: str = ""
    commit: str | None = None
    operators: list[str] = field(default_factory=list)
    #: Which run on the same code and failure tested it (1: the first).
    run: int = 1
    #: Why it may be wrong though it passes the tests (the checks' concerns).
    concerns: list[str] = field(default_factory=list)


@dataclass
class IterationScore:
    """After an iteration: candidates tested, the best of them, the best so far."""

    iteration: int
    candidates: int
    best_candidate: int
    best: int


@dataclass
class FixRecord:
    """The optimization of one group of failing tests."""

    id: str
    base: str
    head: str
    includes_uncommitted: bool
    tests: list[str]
    parameters: list[str]
    status: str
    passing: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    branch: str | None = None
    commit: str | None = None
    path: list[str] = field(default_factory=list)
    rationale: str = ""
    optimizer: str = ""
    model: str = ""
    iterations: int = 0
    candidate_count: int = 0
    tokens: dict[str, int] = field(default_factory=lambda: {"prompt": 0, "completion": 0})
    seconds: float = 0.0
    message: str = ""
    created: str = ""
    trajectory: list[IterationScore] = field(default_factory=list)
    candidates: list[CandidateRecord] = field(default_factory=list)
    graph: str = ""
    #: Why a ``plausible`` fix is not called fixed (its first blocking concern).
    verdict_reason: str = ""
    #: Every concern of the checks about the fix.
    concerns: list[str] = field(default_factory=list)
    #: Other candidates that pass the tests, and where they disagree (one line each).
    alternatives: int = 0
    disagreements: list[str] = field(default_factory=list)
    version: int = RECORD_VERSION

    @property
    def ref(self) -> str:
        return RECORD_PREFIX + self.id


def record_id(
    slug: str, base_tree: str, head: str, tests: Sequence[str], names: Sequence[str]
) -> str:
    """A stable id for a group on a base: ``<slug>-<digest>``, a valid ref component."""
    text = "\0".join([base_tree, head, *sorted(tests), "", *sorted(names)])
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
    safe = re.sub(r"[^a-z0-9_-]+", "-", slug.lower()).strip("-")[:40] or "group"
    return f"{safe}-{digest}"


def with_earlier_candidates(
    record: FixRecord, earlier: FixRecord, *, later: FixRecord | None = None
) -> FixRecord:
    """``record`` holding the candidates of every run: ``earlier``'s, then those of
    ``later`` (a run whose fix was not kept) or ``record``'s own, numbered on."""
    first = earlier.candidates
    run = max((candidate.run for candidate in first), default=0) + 1
    added = (later or record).candidates
    candidates = [*first, *(replace(c, run=run) for c in added)]
    candidates = [replace(c, number=number) for number, c in enumerate(candidates, 1)]
    return replace(record, candidates=candidates)


def bounded(text: str, limit: int = MAX_FEEDBACK_CHARS) -> str:
    return clip(text, limit, at="line")


def to_json(record: FixRecord) -> str:
    return json.dumps(asdict(record), indent=1, sort_keys=True) + "\n"


def from_json(text: str) -> FixRecord:
    """A record from its JSON text; raises ``ValueError`` for anything else."""
    data = json.loads(text)
    if not isinstance(data, dict) or not isinstance(data.get("id"), str):
        raise ValueError("not a pytest-trace record")
    known = {name for name in FixRecord.__dataclass_fields__}
    values: dict[str, Any] = {key: value for key, value in data.items() if key in known}
    values["trajectory"] = [IterationScore(**item) for item in data.get("trajectory", [])]
    values["candidates"] = [CandidateRecord(**item) for item in data.get("candidates", [])]
    try:
        return FixRecord(**values)
    except TypeError as error:
        raise ValueError(f"not a pytest-trace record: {error}") from None


def trajectory(steps: Sequence[Step]) -> list[IterationScore]:
    """Per iteration (the loop's ``steps``): how many candidates ran, the most failing
    tests one of them made pass, and the most passing so far."""
    return [
        IterationScore(step.iteration, step.candidates, step.passed or 0, step.best)
        for step in steps
    ]


def rationale(attempts: Sequence[Attempt]) -> str:
    """The reasoning of the accepted candidates, in order."""
    accepted = [a for a in attempts if a.commit]
    if len(accepted) == 1:
        return accepted[0].reasoning.strip()
    return "\n\n".join(f"Iteration {a.iteration}: {a.reasoning.strip()}" for a in accepted)


def candidates(attempts: Sequence[Attempt]) -> list[CandidateRecord]:
    return [
        CandidateRecord(
            number=number,
            iteration=a.iteration,
            verdict=a.verdict,
            passed=a.passed,
            updates=dict(a.updates),
            reasoning=bounded(a.reasoning),
            feedback=bounded(a.feedback),
            commit=a.commit,
            operators=list(a.operators),
            concerns=[concern.reason for concern in a.concerns],
        )
        for number, a in enumerate(attempts, 1)
    ]


def of_result(
    result: GroupResult,
    *,
    id: str,
    base: Base,
    branch: str | None,
    optimizer: str,
    model: str,
    created: str,
    graph: str,
) -> FixRecord:
    """The record of a group's optimization (``result``) on ``base``."""
    from pytest_trace.checks.ambiguity import describe_all

    return FixRecord(
        id=id,
        base=base.sha,
        head=base.head_sha,
        includes_uncommitted=base.includes_uncommitted,
        tests=list(result.group.tests),
        parameters=list(result.group.parameters),
        status=result.status,
        passing=list(result.passing) if result.commit else [],
        changed=result.changed,
        branch=branch,
        commit=result.commit,
        path=[a.commit for a in result.path if a.commit],
        rationale=rationale(result.attempts),
        optimizer=optimizer,
        model=model,
        iterations=result.iterations,
        candidate_count=result.candidates,
        tokens={"prompt": result.tokens.prompt, "completion": result.tokens.completion},
        seconds=round(result.seconds, 3),
        message=result.message,
        created=created,
        trajectory=trajectory(result.steps),
        candidates=candidates(result.attempts),
        graph=graph,
        verdict_reason=result.verdict_reason,
        concerns=[concern.reason for concern in result.concerns],
        alternatives=max(0, len(result.alternatives) - 1),
        disagreements=describe_all(result.disagreements),
    )

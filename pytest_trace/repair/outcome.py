"""The data of a group's optimization loop (pure): what it is given (its callbacks and
budget) and what it gives back (the attempts, the candidates that pass the tests, their
validations by the whole suite, the group's result)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from pytest_trace.checks import Concern
from pytest_trace.checks.ambiguity import Disagreement
from pytest_trace.checks.ranking import RankKey, rank_key
from pytest_trace.model import Step, TestResult, TokenUsage
from pytest_trace.repair.grouping import Group

Status = Literal["fixed", "plausible", "partial", "unfixed", "error"]
Verdict = Literal[
    "rejected",
    "unchanged",
    "repeated",
    "worse",
    "regressed",
    "improved",
    "fixed",
    "plausible",
    "alternative",
]


@dataclass(frozen=True)
class Validation:
    """A candidate run with the whole suite: the tests that passed before and fail with
    it (a regression each), and how many tests the run had."""

    regressions: tuple[TestResult, ...] = ()
    tests: int = 0


@dataclass(frozen=True)
class Ambiguity:
    """What the commit of a fix says about the other candidates that pass the tests:
    how many there are, and the calls on which they disagree."""

    alternatives: int = 0
    disagreements: tuple[Disagreement, ...] = ()


@dataclass
class Alternative:
    """A candidate that makes all of the group's tests pass, none of the tests that
    reach what it changes failing. ``tokens`` it changes; ``blame``: how suspicious the
    lines it changes are; ``order``: when it was found; ``depth``: how deep the failing
    tests call what it changes (``checks.ranking.depth``)."""

    values: dict[str, str]
    attempt: Attempt
    results: dict[str, TestResult] = field(repr=False)
    tokens: int
    blame: float
    order: int
    depth: int = 0

    @property
    def concerns(self) -> tuple[Concern, ...]:
        return self.attempt.concerns

    @property
    def blocking(self) -> bool:
        return any(concern.blocking for concern in self.attempt.concerns)

    @property
    def key(self) -> RankKey:
        return rank_key(self.concerns, self.tokens, self.blame, self.order, self.depth)

    @property
    def reason(self) -> str:
        """The first blocking concern, for the user ("" for a candidate that is fixed)."""
        return next((c.reason for c in self.concerns if c.blocking), "")


@dataclass
class Attempt:
    """One candidate of an iteration: what was proposed and what became of it.

    A candidate that makes all of the group's tests pass is ``fixed``, or ``plausible``
    when a check has a blocking concern about it (``concerns``); one that passes but is
    not committed ends as an ``alternative``. ``passing``: the group's tests that passed
    with it; ``validation``: the whole-suite run, when it had one.
    """

    iteration: int
    verdict: Verdict
    passed: int
    updates: dict[str, str] = field(default_factory=dict)
    reasoning: str = ""
    feedback: str = ""
    commit: str | None = None
    tokens: TokenUsage = field(default_factory=TokenUsage)
    operators: tuple[str, ...] = ()
    concerns: tuple[Concern, ...] = ()
    passing: tuple[str, ...] = ()
    validation: Validation | None = None


@dataclass
class GroupResult:
    """The outcome of optimizing one group.

    ``passed_before`` of the group's tests passed on the unchanged code, ``passed`` with
    the accepted values; ``feedback_before`` is the feedback of the unchanged code,
    ``feedback_after`` that of the accepted values ("" when none was accepted, or when all
    of the group's tests pass); ``steps`` is the convergence, one per iteration.
    ``concerns`` are the checks' concerns about the committed fix; ``alternatives`` the
    candidates that pass the tests, the committed one first; ``disagreements`` where they
    disagree.
    """

    group: Group
    status: Status
    base_values: dict[str, str]
    values: dict[str, str]
    attempts: list[Attempt] = field(default_factory=list)
    iterations: int = 0
    candidates: int = 0
    tokens: TokenUsage = field(default_factory=TokenUsage)
    seconds: float = 0.0
    message: str = ""
    commit: str | None = None
    passed: int = 0
    passed_before: int = 0
    feedback_before: str = ""
    feedback_after: str = ""
    steps: list[Step] = field(default_factory=list)
    passing: list[str] = field(default_factory=list)
    concerns: list[Concern] = field(default_factory=list)
    alternatives: list[Alternative] = field(default_factory=list)
    disagreements: list[Disagreement] = field(default_factory=list)

    @property
    def changed(self) -> list[str]:
        return [name for name, value in self.values.items() if value != self.base_values[name]]

    @property
    def path(self) -> list[Attempt]:
        """The accepted candidates, in order: the commits of the fix branch."""
        return [attempt for attempt in self.attempts if attempt.commit]

    @property
    def verdict_reason(self) -> str:
        """Why a ``plausible`` fix is not called fixed, in one line ("" otherwise)."""
        return next((c.reason for c in self.concerns if c.blocking), "")


Values = Mapping[str, str]
#: Runs the group's tests on several candidates (at once where it can), results in order:
#: the group's tests, then any other test run (a failure of one is a regression).
Evaluate = Callable[[Sequence[Values]], Sequence[Mapping[str, TestResult]]]
#: The whole suite on a candidate: failures among the tests that passed before.
FindRegressions = Callable[[Values], Validation]
#: Records an accepted candidate; returns its commit id.
Commit = Callable[[Values, Attempt, Ambiguity], str]
#: The checks' concerns about candidates that pass the tests, in order.
Check = Callable[[Sequence[Values]], Sequence[Sequence[Concern]]]
#: Where candidates that pass the tests disagree (the committed one first).
Compare = Callable[[Sequence[Values]], Sequence[Disagreement]]


def _no_concerns(batch: Sequence[Values]) -> list[list[Concern]]:
    return [[] for _ in batch]


def _no_disagreements(batch: Sequence[Values]) -> list[Disagreement]:
    return []


def _ignore(item: object) -> None:
    return None


@dataclass(frozen=True)
class Callbacks:
    """What the loop calls: the test runs, the checks, the commit, and the observers.
    ``suspicious`` localizes faults for the current values."""

    evaluate: Evaluate
    find_regressions: FindRegressions
    commit: Commit
    check: Check = _no_concerns
    compare: Compare = _no_disagreements
    suspicious: Callable[[Values], dict[str, dict[int, float]]] | None = None
    on_attempt: Callable[[Attempt], None] = _ignore
    on_iteration: Callable[[str], None] = _ignore


@dataclass(frozen=True)
class Budget:
    """How long a group is optimized: ``max_iterations`` calls of the optimizer (None: no
    limit), ``max_candidates`` candidates tested, ``time_budget`` seconds; and after the
    first candidate that passes the tests, ``alternatives`` more candidates once one
    passes the checks too (while none does, the search goes on within the budget)."""

    max_iterations: int | None = None
    max_candidates: int | None = None
    time_budget: float | None = None
    alternatives: int = 0

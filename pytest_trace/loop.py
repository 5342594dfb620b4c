"""The optimization loop of one group of failing tests (pure: no pytest, git or network).

Each iteration asks the optimizer for new parameter values, tests the candidate on the
group's failing tests, and keeps it only if more of them pass and no test that passed
before fails. An accepted improvement is handed to ``commit`` (the session puts it on
the fix branch); anything else is rolled back and explained to the optimizer in the
next iteration, together with the memory of earlier attempts.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from pytest_trace.feedback import combine_feedback
from pytest_trace.model import HistoryEntry, Parameter, Problem, TestResult, TokenUsage
from pytest_trace.optimizers.base import Optimizer, OptimizerError

Status = Literal["fixed", "partial", "unfixed", "error"]
Verdict = Literal["rejected", "unchanged", "repeated", "worse", "regressed", "improved", "fixed"]

MAX_FEEDBACK_CHARS = 6000


@dataclass(frozen=True)
class Group:
    """Failing tests that reach the same trainable functions, optimized together."""

    tests: tuple[str, ...]
    parameters: tuple[str, ...]

    @property
    def slug(self) -> str:
        return "-".join(name.rsplit(".", 1)[-1] for name in self.parameters[:3])


def group_failures(results: Sequence[TestResult]) -> tuple[list[Group], list[str]]:
    """Group failing tests by the trainables they reach (connected components).

    Two tests land in one group when they reach a common trainable function, so that
    the groups' parameters are disjoint and their fixes cannot conflict. Returns the
    groups and the failing tests that reached no trainable function.
    """
    parent: dict[str, str] = {}

    def find(name: str) -> str:
        while parent.setdefault(name, name) != name:
            name = parent[name]
        return name

    reached: dict[str, list[str]] = {}
    unreached: list[str] = []
    for result in results:
        functions = result.trace.functions if result.trace else []
        if not functions:
            unreached.append(result.nodeid)
            continue
        reached[result.nodeid] = functions
        for other in functions[1:]:
            parent[find(other)] = find(functions[0])
    members: dict[str, tuple[list[str], list[str]]] = {}
    for nodeid, functions in reached.items():
        tests, names = members.setdefault(find(functions[0]), ([], []))
        tests.append(nodeid)
        names.extend(name for name in functions if name not in names)
    groups = [Group(tuple(tests), tuple(names)) for tests, names in members.values()]
    return groups, unreached


@dataclass
class Attempt:
    """One iteration: what was proposed and what became of it."""

    iteration: int
    verdict: Verdict
    passed: int
    updates: dict[str, str] = field(default_factory=dict)
    reasoning: str = ""
    feedback: str = ""
    commit: str | None = None
    tokens: TokenUsage = field(default_factory=TokenUsage)


@dataclass
class GroupResult:
    """The outcome of optimizing one group."""

    group: Group
    status: Status
    base_values: dict[str, str]
    values: dict[str, str]
    attempts: list[Attempt] = field(default_factory=list)
    candidates: int = 0
    tokens: TokenUsage = field(default_factory=TokenUsage)
    seconds: float = 0.0
    message: str = ""
    commit: str | None = None
    passed: int = 0

    @property
    def iterations(self) -> int:
        return len(self.attempts)

    @property
    def changed(self) -> list[str]:
        return [name for name, value in self.values.items() if value != self.base_values[name]]


Evaluate = Callable[[Mapping[str, str]], Mapping[str, TestResult]]
FindRegressions = Callable[[Mapping[str, str]], Sequence[TestResult]]
Commit = Callable[[Mapping[str, str], Attempt], str]


def _passing(group: Group, results: Mapping[str, TestResult]) -> int:
    return sum(1 for nodeid in group.tests if nodeid in results and results[nodeid].ok)


def _failure_feedback(group: Group, results: Mapping[str, TestResult]) -> str:
    items = []
    for nodeid in group.tests:
        result = results.get(nodeid)
        if result is None:
            items.append(f"{nodeid}: not run (an earlier test failed first)")
        elif not result.ok:
            items.append(result.feedback or f"{nodeid}: {result.outcome}")
    return combine_feedback(items, max_chars=MAX_FEEDBACK_CHARS)


def optimize_group(
    group: Group,
    parameters: Mapping[str, Parameter],
    baseline: Mapping[str, TestResult],
    optimizer: Optimizer,
    evaluate: Evaluate,
    find_regressions: FindRegressions,
    commit: Commit,
    *,
    max_iterations: int,
    on_attempt: Callable[[Attempt, str], None] = lambda attempt, line: None,
) -> GroupResult:
    """Optimize the parameters of ``group`` until its tests pass or the budget is spent.

    ``evaluate`` runs the group's tests on candidate values; ``find_regressions`` runs
    the rest of the suite and returns the tests that passed before and fail now;
    ``commit`` records an accepted improvement and returns its commit id; ``on_attempt``
    sees every iteration with a progress line.
    """
    started = time.monotonic()
    base_values = {name: parameters[name].source for name in group.parameters}
    best = dict(base_values)
    best_results = dict(baseline)
    best_score = _passing(group, baseline)
    start_score = best_score
    total = len(group.tests)
    result = GroupResult(group, "unfixed", base_values, dict(best), passed=best_score)
    history: list[HistoryEntry] = []
    tried: dict[tuple[tuple[str, str], ...], str] = {}
    note = ""

    for iteration in range(1, max_iterations + 1):
        problem = Problem(
            parameters=[replace(parameters[name], source=best[name]) for name in group.parameters],
            traces=[
                r.trace for n in group.tests if (r := best_results.get(n)) and r.trace and not r.ok
            ],
            feedback="\n\n".join(filter(None, [note, _failure_feedback(group, best_results)])),
            history=list(history),
        )
        try:
            proposal = optimizer.propose(problem)
        except OptimizerError as error:
            result.status, result.message = "error", str(error)
            break
        result.tokens = result.tokens + proposal.usage
        attempt = Attempt(iteration, "rejected", best_score, dict(proposal.updates))
        attempt.reasoning, attempt.tokens = proposal.reasoning, proposal.usage
        result.attempts.append(attempt)

        candidate = {**best, **proposal.updates}
        key = tuple(sorted(candidate.items()))
        if proposal.rejected:
            note = f"Your previous answer was rejected: {proposal.rejected}"
        elif candidate == best:
            attempt.verdict = "unchanged"
            note = "Your previous answer changed nothing, and the tests still fail."
        elif key in tried:
            attempt.verdict = "repeated"
            note = f"Your previous suggestion was already tried; it failed with:\n{tried[key]}"
        else:
            result.candidates += 1
            outcome = evaluate(candidate)
            score = _passing(group, outcome)
            attempt.passed = score
            feedback = _failure_feedback(group, outcome)
            if score <= best_score:
                attempt.verdict = "worse"
                note = (
                    f"Your previous suggestion was tested: {score} of {total} failing tests "
                    f"pass with it (best so far: {best_score}); it was rolled back. "
                    f"Its failures:\n{feedback}"
                )
            elif regressions := find_regressions(candidate):
                attempt.verdict = "regressed"
                feedback = combine_feedback(
                    [r.feedback or f"{r.nodeid}: {r.outcome}" for r in regressions],
                    max_chars=MAX_FEEDBACK_CHARS,
                )
                note = (
                    f"Your previous suggestion made {len(regressions)} test(s) fail that "
                    f"passed before; it was rolled back. They must keep passing:\n{feedback}"
                )
            else:
                attempt.verdict = "fixed" if score == total else "improved"
                best, best_results, best_score = candidate, dict(outcome), score
                result.values, result.passed = dict(best), best_score
                attempt.commit = result.commit = commit(best, attempt)
                note = "" if score == total else f"{score} of {total} failing tests pass now."
            tried[key] = feedback
            attempt.feedback = feedback
        if attempt.verdict in ("rejected", "unchanged", "repeated"):
            attempt.feedback = note
        on_attempt(
            attempt,
            f"iteration {iteration}/{max_iterations}: {attempt.verdict}, "
            f"{attempt.passed}/{total} failing tests pass (best {best_score}/{total})",
        )
        if attempt.verdict == "fixed":
            result.status = "fixed"
            break
        history.append(
            HistoryEntry(values={n: candidate[n] for n in proposal.updates}, feedback=note)
        )

    if result.status != "fixed" and best_score > start_score:
        result.status = "partial"
    result.seconds = time.monotonic() - started
    return result

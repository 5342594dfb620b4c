"""The optimization loop of one group of failing tests (pure: no pytest, git or network).

Each iteration asks the optimizer for new parameter values, tests the candidate on the
group's failing tests, and keeps it only if more of them pass and no test that passed
before fails. An accepted improvement is handed to ``commit`` (the session puts it on
the fix branch); anything else is rolled back and explained to the optimizer in the
next iteration, together with the memory of earlier attempts.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from pytest_trace.constants import check_update
from pytest_trace.feedback import combine_feedback
from pytest_trace.model import HistoryEntry, Parameter, Problem, Step, TestResult, TokenUsage
from pytest_trace.optimizers.base import Optimizer, OptimizerError
from pytest_trace.tampering import check_update as tampering
from pytest_trace.unusable import summary

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
        return slug_of(self.parameters)


def slug_of(names: Sequence[str]) -> str:
    """A short name for parameters: the last parts of the first three names, joined."""
    return "-".join(name.rsplit(".", 1)[-1] for name in names[:3])


def group_failures(
    results: Sequence[TestResult], related: Mapping[str, Sequence[str]] | None = None
) -> tuple[list[Group], list[str]]:
    """Group failing tests by the trainables they reach (connected components).

    Two tests land in one group when they reach a common trainable function, so that
    the groups' parameters are disjoint and their fixes cannot conflict. ``related``
    maps a function to other parameters that go with it (the constants it declared):
    they join its group, after the functions. Returns the groups and the failing tests
    that reached no trainable function.
    """
    parent: dict[str, str] = {}
    related = related or {}

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
        extra = [other for name in functions for other in related.get(name, ())]
        for other in [*functions[1:], *extra]:
            parent[find(other)] = find(functions[0])
    members: dict[str, tuple[list[str], list[str], list[str]]] = {}
    for nodeid, functions in reached.items():
        tests, names, extra = members.setdefault(find(functions[0]), ([], [], []))
        tests.append(nodeid)
        names.extend(name for name in functions if name not in names)
        extra.extend(o for n in functions for o in related.get(n, ()) if o not in extra)
    groups = [
        Group(tuple(tests), tuple(names + [o for o in extra if o not in names]))
        for tests, names, extra in members.values()
    ]
    return groups, unreached


@dataclass
class Attempt:
    """One candidate of an iteration: what was proposed and what became of it."""

    iteration: int
    verdict: Verdict
    passed: int
    updates: dict[str, str] = field(default_factory=dict)
    reasoning: str = ""
    feedback: str = ""
    commit: str | None = None
    tokens: TokenUsage = field(default_factory=TokenUsage)
    operators: tuple[str, ...] = ()


@dataclass
class GroupResult:
    """The outcome of optimizing one group.

    ``passed_before`` of the group's tests passed on the unchanged code, ``passed`` with
    the accepted values; ``feedback_before`` is the feedback of the unchanged code,
    ``feedback_after`` that of the accepted values ("" when none was accepted, or when all
    of the group's tests pass); ``steps`` is the convergence, one per iteration.
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

    @property
    def changed(self) -> list[str]:
        return [name for name, value in self.values.items() if value != self.base_values[name]]

    @property
    def path(self) -> list[Attempt]:
        """The accepted candidates, in order: the commits of the fix branch."""
        return [attempt for attempt in self.attempts if attempt.commit]


Values = Mapping[str, str]
#: Runs the group's tests on several candidates (at once where it can), results in order.
Evaluate = Callable[[Sequence[Values]], Sequence[Mapping[str, TestResult]]]
#: Failures among the tests that passed before, for a candidate.
FindRegressions = Callable[[Values], Sequence[TestResult]]
#: Records an accepted candidate; returns its commit id.
Commit = Callable[[Values, Attempt], str]

#: Candidates of one batch checked against the whole suite, best first, before giving up
#: on the batch (each check is a full run).
MAX_VALIDATIONS_PER_BATCH = 3


def _passing(group: Group, results: Mapping[str, TestResult]) -> int:
    """The group's tests that no longer fail: passed, or skipped on their own condition."""
    return sum(1 for nodeid in group.tests if nodeid in results and results[nodeid].not_failing)


def failure_feedback(group: Group, results: Mapping[str, TestResult]) -> str:
    """The feedback of the group's tests that did not pass, bounded."""
    items = []
    for nodeid in group.tests:
        result = results.get(nodeid)
        if result is None:
            items.append(f"{nodeid}: not run (an earlier test failed first)")
        elif not result.not_failing:
            items.append(result.feedback or f"{nodeid}: {result.outcome}")
    return combine_feedback(items, max_chars=MAX_FEEDBACK_CHARS)


def _regression_feedback(regressions: Sequence[TestResult]) -> str:
    return combine_feedback(
        [r.feedback or f"{r.nodeid}: {r.outcome}" for r in regressions],
        max_chars=MAX_FEEDBACK_CHARS,
    )


@dataclass
class _State:
    """The best candidate so far and what the optimizer is told next."""

    values: dict[str, str]
    results: dict[str, TestResult]
    score: int
    note: str = ""


def optimize_group(
    group: Group,
    parameters: Mapping[str, Parameter],
    baseline: Mapping[str, TestResult],
    optimizer: Optimizer,
    evaluate: Evaluate,
    find_regressions: FindRegressions,
    commit: Commit,
    *,
    max_iterations: int | None,
    max_candidates: int | None = None,
    time_budget: float | None = None,
    suspicious: Callable[[Values], dict[str, dict[int, float]]] | None = None,
    accept_partial: bool = True,
    on_attempt: Callable[[Attempt], None] = lambda attempt: None,
    on_iteration: Callable[[str], None] = lambda line: None,
) -> GroupResult:
    """Optimize the parameters of ``group`` until its tests pass or a budget is spent.

    Each iteration asks the optimizer for candidates and tests them all with
    ``evaluate``; of those that make more of the group's tests pass than the best so
    far, the best (then the first proposed) that ``find_regressions`` finds nothing
    against is accepted and handed to ``commit``. Everything else is rolled back and
    explained to the optimizer in the next iteration. Budgets: ``max_iterations``
    calls of the optimizer (None: no limit), ``max_candidates`` candidates tested, ``time_budget``
    seconds. ``suspicious`` localizes faults for the current values. Without
    ``accept_partial``, only a candidate that makes all of the group's tests pass is
    accepted (a search that hill-climbs on partial passes overfits).
    """
    started = time.monotonic()
    deadline = None if time_budget is None else started + time_budget
    base_values = {name: parameters[name].source for name in group.parameters}
    total = len(group.tests)
    best = _State(dict(base_values), dict(baseline), _passing(group, baseline))
    start_score = best.score
    result = GroupResult(
        group,
        "unfixed",
        base_values,
        dict(best.values),
        passed=best.score,
        passed_before=best.score,
        feedback_before=failure_feedback(group, baseline),
    )
    history: list[HistoryEntry] = []
    tried: dict[tuple[tuple[str, str], ...], str] = {}
    localization = suspicious(best.values) if suspicious else {}

    for iteration in itertools.count(1) if max_iterations is None else range(1, max_iterations + 1):
        if deadline is not None and time.monotonic() > deadline:
            result.message = f"stopped after the time budget of {time_budget:g} s"
            break
        if max_candidates is not None and result.candidates >= max_candidates:
            result.message = f"stopped after the budget of {max_candidates} candidates"
            break
        problem = Problem(
            parameters=[replace(parameters[n], source=best.values[n]) for n in group.parameters],
            traces=[
                r.trace for n in group.tests if (r := best.results.get(n)) and r.trace and not r.ok
            ],
            feedback="\n\n".join(filter(None, [best.note, failure_feedback(group, best.results)])),
            history=list(history),
            suspicious=localization,
        )
        try:
            proposals = optimizer.propose(problem)
        except OptimizerError as error:
            result.status, result.message = "error", str(error)
            break
        if not proposals:
            result.message = f"the {optimizer.name} optimizer has no more candidates"
            break
        result.iterations = iteration
        if max_candidates is not None:
            proposals = proposals[: max(1, max_candidates - result.candidates)]

        attempts: list[Attempt] = []
        evaluated: list[Attempt] = []
        candidates: list[dict[str, str]] = []
        notes: list[str] = []
        for proposal in proposals:
            result.tokens = result.tokens + proposal.usage
            attempt = Attempt(
                iteration,
                "rejected",
                best.score,
                dict(proposal.updates),
                proposal.reasoning,
                tokens=proposal.usage,
                operators=proposal.operators,
            )
            attempts.append(attempt)
            candidate = {**best.values, **proposal.updates}
            key = tuple(sorted(candidate.items()))
            rejected = proposal.rejected or _violations(parameters, proposal.updates)
            if rejected:
                attempt.feedback = f"Your previous answer was rejected: {rejected}"
            elif candidate == best.values:
                attempt.verdict = "unchanged"
                attempt.feedback = "Your previous answer changed nothing, and the tests still fail."
            elif key in tried:
                attempt.verdict = "repeated"
                attempt.feedback = (
                    f"Your previous suggestion was already tried; it failed with:\n{tried[key]}"
                )
            else:
                tried[key] = ""
                candidates.append(candidate)
                evaluated.append(attempt)
                continue
            notes.append(attempt.feedback)
        outcomes = list(evaluate(candidates)) if candidates else []
        result.candidates += len(candidates)

        ranked = []
        for index, (attempt, candidate, outcome) in enumerate(
            zip(evaluated, candidates, outcomes, strict=True)
        ):
            attempt.passed = _passing(group, outcome)
            attempt.verdict = "worse"
            attempt.feedback = failure_feedback(group, outcome)
            tried[tuple(sorted(candidate.items()))] = attempt.feedback
            if attempt.passed > best.score and (accept_partial or attempt.passed == total):
                ranked.append((-attempt.passed, index, attempt, candidate, outcome))
        accepted = None
        for _, _, attempt, candidate, outcome in sorted(ranked, key=lambda r: r[:2])[
            :MAX_VALIDATIONS_PER_BATCH
        ]:
            regressions = find_regressions(candidate)
            if regressions:
                attempt.verdict = "regressed"
                attempt.feedback = _regression_feedback(regressions)
                continue
            attempt.verdict = "fixed" if attempt.passed == total else "improved"
            accepted = _State(dict(candidate), dict(outcome), attempt.passed)
            result.values, result.passed = dict(candidate), attempt.passed
            result.feedback_after = failure_feedback(group, outcome)
            attempt.commit = result.commit = commit(candidate, attempt)
            break

        result.attempts.extend(attempts)
        for attempt in attempts:
            on_attempt(attempt)
        if accepted is not None:
            best = accepted
            best.note = (
                "" if best.score == total else f"{best.score} of {total} failing tests pass now."
            )
            if best.score < total and suspicious:
                localization = suspicious(best.values)
        else:
            best.note = _explain(attempts, best.score, total, notes)
        for attempt in attempts:
            if attempt.verdict not in ("fixed", "improved"):
                history.append(
                    HistoryEntry(
                        values=dict(attempt.updates),
                        feedback=attempt.feedback,
                    )
                )
        tested = [a.passed for a in evaluated]
        result.steps.append(Step(iteration, len(tested), max(tested, default=None), best.score))
        on_iteration(
            _progress(iteration, max_iterations, attempts, best.score, total, result.candidates)
        )
        if best.score == total:
            result.status = "fixed"
            break

    if result.status != "fixed" and best.score > start_score:
        result.status = "partial"
    if result.candidates == 0 and result.attempts:  # say why nothing was tested
        unusable = summary([(a.verdict, a.feedback) for a in result.attempts])
        result.message = "\n".join(filter(None, [result.message, unusable]))
    result.seconds = time.monotonic() - started
    return result


def _violations(parameters: Mapping[str, Parameter], updates: Mapping[str, str]) -> str:
    """Why ``updates`` break the rules of their parameters (constants stay literals,
    constants-only functions keep their structure, no tampering); "" when they do not."""
    problems = [
        problem
        for name, value in updates.items()
        if name in parameters
        and (problem := check_update(parameters[name], value) or tampering(parameters[name], value))
    ]
    return "; ".join(problems)


def _explain(attempts: Sequence[Attempt], best: int, total: int, notes: Sequence[str]) -> str:
    """What the optimizer is told about an iteration that changed nothing."""
    if len(attempts) == 1:
        attempt = attempts[0]
        if attempt.verdict == "worse":
            return (
                f"Your previous suggestion was tested: {attempt.passed} of {total} failing "
                f"tests pass with it (best so far: {best}); it was rolled back. "
                f"Its failures:\n{attempt.feedback}"
            )
        if attempt.verdict == "regressed":
            return (
                "Your previous suggestion made test(s) fail that passed before; it was "
                f"rolled back. They must keep passing:\n{attempt.feedback}"
            )
        return attempt.feedback
    tested = [a for a in attempts if a.verdict in ("worse", "regressed")]
    return f"{len(tested)} candidates were tested; none was better than the current code." + (
        "\n" + notes[0] if notes else ""
    )


def _progress(
    iteration: int,
    max_iterations: int | None,
    attempts: Sequence[Attempt],
    best: int,
    total: int,
    tried: int,
) -> str:
    """One line of live progress: the iteration, its outcome, the best so far."""
    step = f"iteration {iteration}" + (f"/{max_iterations}" if max_iterations else "")
    if len(attempts) == 1:
        attempt = attempts[0]
        return (
            f"{step}: {attempt.verdict}, "
            f"{attempt.passed}/{total} failing tests pass (best {best}/{total})"
        )
    verdicts = [a.verdict for a in attempts]
    outcome = next((v for v in ("fixed", "improved") if v in verdicts), "no improvement")
    return (
        f"{step}: {len(attempts)} candidates ({tried} tested in all), {outcome} "
        f"(best {best}/{total} failing tests pass)"
    )

"""The optimization loop of one group of failing tests (pure: no pytest, git or network).

Each iteration asks the optimizer for new parameter values, tests the candidate on the
group's failing tests, and keeps it only if more of them pass and no test that passed
before fails. An accepted improvement is handed to ``commit`` (the session puts it on
the fix branch); anything else is rolled back and explained to the optimizer in the
next iteration, together with the memory of earlier attempts. A candidate that makes
all of the group's tests pass is checked (``check``: is it right, or only plausible?)
and the search goes on for a bounded extra budget; the best ranked of the candidates
that pass is committed (:mod:`pytest_trace.repair.alternatives`).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from pytest_trace.checks.ranking import blame, call_depths, changed_tokens, depth
from pytest_trace.checks.tampering import check_update as tampering
from pytest_trace.model import HistoryEntry, Parameter, Problem, Step, TestResult
from pytest_trace.optimizers.base import Optimizer, OptimizerError
from pytest_trace.repair.alternatives import (
    commit_best,
    explain_plausible,
    plausible_feedback,
    settled,
    validate,
)
from pytest_trace.repair.constant_edits import check_update
from pytest_trace.repair.group_feedback import failure_feedback, regression_feedback
from pytest_trace.repair.grouping import Group, group_failures, slug_of
from pytest_trace.repair.outcome import (
    Alternative,
    Ambiguity,
    Attempt,
    Budget,
    Callbacks,
    GroupResult,
)
from pytest_trace.repair.unusable import summary

__all__ = [
    "Attempt",
    "Budget",
    "Callbacks",
    "Group",
    "GroupResult",
    "group_failures",
    "optimize_group",
    "slug_of",
]

#: Candidates of one batch checked against the whole suite, best first, before giving up
#: on the batch (each check is a full run).
MAX_VALIDATIONS_PER_BATCH = 3


def _passing(group: Group, results: Mapping[str, TestResult]) -> int:
    """The group's tests that no longer fail: passed, or skipped on their own condition."""
    return sum(1 for nodeid in group.tests if nodeid in results and results[nodeid].not_failing)


def _broken(group: Group, results: Mapping[str, TestResult]) -> list[TestResult]:
    """Tests beyond the group's that were run on a candidate and did not pass."""
    return [r for nodeid, r in results.items() if nodeid not in group.tests and not r.ok]


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
    callbacks: Callbacks,
    budget: Budget,
    *,
    accept_partial: bool = True,
) -> GroupResult:
    """Optimize the parameters of ``group`` until its tests pass or a budget is spent.

    Each iteration asks the optimizer for candidates and tests them all with
    ``evaluate``; of those that make more of the group's tests pass than the best so
    far, the best (then the first proposed) that ``find_regressions`` finds nothing
    against is accepted and handed to ``commit``. Candidates that make all of them pass
    are checked and collected as alternatives until the budget for alternatives is
    spent; the best ranked is committed. Everything else is rolled back and explained to
    the optimizer in the next iteration. Without ``accept_partial``, only a candidate that
    makes all of the group's tests pass is accepted (a search that hill-climbs on partial
    passes overfits).
    """
    started = time.monotonic()
    time_budget, max_candidates = budget.time_budget, budget.max_candidates
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
    suspicious = callbacks.suspicious
    localization = suspicious(best.values) if suspicious else {}
    depths = call_depths(r.trace for n in group.tests if (r := baseline.get(n)) and r.trace)
    alternatives: list[Alternative] = []
    found: Alternative | None = None  # the first that passes, validated by the whole suite
    found_at = 0  # candidates tested when it was found
    found_after = 0.0  # seconds the search took to find it

    iterations = budget.max_iterations
    for iteration in itertools.count(1) if iterations is None else range(1, iterations + 1):
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
        if found is not None and any(not a.blocking for a in alternatives):
            extra = budget.alternatives - (result.candidates - found_at)
            proposals = proposals[: max(1, extra)]

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
        outcomes = list(callbacks.evaluate(candidates)) if candidates else []
        result.candidates += len(candidates)

        ranked = []
        passing: list[Alternative] = []
        for index, (attempt, candidate, outcome) in enumerate(
            zip(evaluated, candidates, outcomes, strict=True)
        ):
            attempt.passed = _passing(group, outcome)
            attempt.passing = tuple(n for n in group.tests if n in outcome and outcome[n].ok)
            attempt.verdict = "worse"
            attempt.feedback = failure_feedback(group, outcome)
            tried[tuple(sorted(candidate.items()))] = attempt.feedback
            if attempt.passed > best.score and (broken := _broken(group, outcome)):
                attempt.verdict = "regressed"
                attempt.feedback = regression_feedback(broken)
            elif attempt.passed == total:
                tokens = changed_tokens(best.values, candidate, group.parameters)
                where = blame(best.values, candidate, localization)
                order = len(alternatives) + len(passing)
                deep = depth(best.values, candidate, depths)
                passing.append(
                    Alternative(dict(candidate), attempt, dict(outcome), tokens, where, order, deep)
                )
            elif attempt.passed > best.score and accept_partial and found is None:
                ranked.append((-attempt.passed, index, attempt, candidate, outcome))
        if passing:
            for alternative, concerns in zip(
                passing, callbacks.check([a.values for a in passing]), strict=True
            ):
                alternative.attempt.concerns = tuple(concerns)
                alternative.attempt.verdict = "plausible" if alternative.blocking else "fixed"
                alternative.attempt.feedback = plausible_feedback(alternative, total)
            alternatives.extend(passing)
            if found is None:
                found = validate(
                    sorted(passing, key=lambda a: a.key),
                    callbacks.find_regressions,
                    limit=MAX_VALIDATIONS_PER_BATCH,
                    explain=regression_feedback,
                )
                alternatives = [a for a in alternatives if a.attempt.verdict != "regressed"]
                found_at, found_after = result.candidates, time.monotonic() - started
        accepted = None
        for _, _, attempt, candidate, outcome in sorted(ranked, key=lambda r: r[:2])[
            : MAX_VALIDATIONS_PER_BATCH if found is None else 0
        ]:
            validation = attempt.validation = callbacks.find_regressions(candidate)
            if validation.regressions:
                attempt.verdict = "regressed"
                attempt.feedback = regression_feedback(validation.regressions)
                continue
            attempt.verdict = "improved"
            accepted = _State(dict(candidate), dict(outcome), attempt.passed)
            result.values, result.passed = dict(candidate), attempt.passed
            result.passing = list(attempt.passing)
            result.feedback_after = failure_feedback(group, outcome)
            attempt.commit = result.commit = callbacks.commit(candidate, attempt, Ambiguity())
            break

        result.attempts.extend(attempts)
        for attempt in attempts:
            callbacks.on_attempt(attempt)
        if accepted is not None:
            best = accepted
            best.note = f"{best.score} of {total} failing tests pass now."
            if suspicious:
                localization = suspicious(best.values)
        elif found is not None:
            best.note = explain_plausible(alternatives, total)
        else:
            best.note = _explain(attempts, best.score, total, notes)
        for attempt in attempts:
            if attempt.verdict not in ("fixed", "improved", "alternative"):
                history.append(
                    HistoryEntry(values=dict(attempt.updates), feedback=attempt.feedback)
                )
        tested = [a.passed for a in evaluated]
        score = total if found is not None else best.score
        result.steps.append(Step(iteration, len(tested), max(tested, default=None), score))
        callbacks.on_iteration(
            _progress(iteration, iterations, attempts, score, total, result.candidates)
        )
        if found is not None and settled(
            alternatives,
            result.candidates - found_at,
            budget,
            seconds=time.monotonic() - started - found_after,
            found_after=found_after,
        ):
            break

    if found is not None:
        commit_best(result, found, alternatives, callbacks)
    elif result.status != "fixed" and best.score > start_score:
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

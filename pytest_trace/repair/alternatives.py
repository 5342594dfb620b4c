"""The candidates of a group that pass its tests, and the one that is committed (pure).

The loop does not stop at the first candidate that makes all of a group's tests pass:
it keeps searching for a bounded extra budget, collects every candidate that passes as
an :class:`Alternative`, runs the checks on them, and at the end commits the best
ranked (``checks.ranking``) that the whole suite validates (:func:`commit_best`; of
alternatives that rank alike, the one that keeps the original's behaviour where they
disagree). The others, and where they disagree, are reported: a choice between fixes
the tests cannot tell apart is the user's to make, with the test that would settle it.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping, Sequence

from pytest_trace.checks.ambiguity import Disagreement, ambiguous
from pytest_trace.model import Parameter, TestResult
from pytest_trace.repair.group_feedback import regression_feedback
from pytest_trace.repair.outcome import (
    Alternative,
    Ambiguity,
    Budget,
    Callbacks,
    GroupResult,
    Validation,
)
from pytest_trace.reports.run import AlternativeReport

#: Candidates validated by a run of the whole suite when the alternatives are ranked,
#: besides the first candidate that passed (each is a full run).
MAX_VALIDATIONS = 3


def validate(
    ranked: Sequence[Alternative],
    find_regressions: Callable[[Mapping[str, str]], Validation],
    *,
    limit: int = MAX_VALIDATIONS,
    better_than: Alternative | None = None,
    explain: Callable[[Sequence[TestResult]], str] = lambda failures: "",
) -> Alternative | None:
    """The first of ``ranked`` (at most ``limit`` tried) that the whole suite validates;
    None if none. With ``better_than``, only those that rank before it are tried. A
    candidate with regressions gets the verdict ``regressed``."""
    for alternative in ranked[:limit] if better_than is None else ranked:
        if better_than is not None and (
            alternative is better_than or alternative.key >= better_than.key or limit <= 0
        ):
            return None
        limit -= 1
        validation = find_regressions(alternative.values)
        alternative.attempt.validation = validation
        if not validation.regressions:
            return alternative
        alternative.attempt.verdict = "regressed"
        alternative.attempt.feedback = explain(validation.regressions)
    return None


#: The search for alternatives may always take this long, however fast the first fix came.
MIN_ALTERNATIVE_SECONDS = 5.0


def settled(
    alternatives: Sequence[Alternative],
    extra: int,
    budget: Budget,
    *,
    seconds: float = 0.0,
    found_after: float = float("inf"),
) -> bool:
    """Whether the search for alternatives is over: one passes the checks, and ``extra``
    candidates were tested after the first that passed (the budget for alternatives), or
    the ``seconds`` since then exceed what finding the first took (``found_after``, at
    least :data:`MIN_ALTERNATIVE_SECONDS`): alternatives never cost more than the fix."""
    if not any(not a.blocking for a in alternatives):
        return False
    return extra >= budget.alternatives or seconds > max(MIN_ALTERNATIVE_SECONDS, found_after)


def plausible_feedback(alternative: Alternative, total: int) -> str:
    if not alternative.blocking:
        return ""
    return (
        f"It makes all {total} failing tests pass, but it is only plausible, not a fix: "
        f"it {alternative.reason}."
    )


def explain_plausible(alternatives: Sequence[Alternative], total: int) -> str:
    """What the optimizer is told while only plausible candidates pass the tests."""
    if any(not a.blocking for a in alternatives):
        return ""
    reasons = list(dict.fromkeys(a.reason for a in alternatives))
    return (
        f"A candidate made all {total} failing tests pass but is only plausible, not a "
        f"fix: it {'; it '.join(reasons[:3])}. It is kept in case nothing better is found. "
        "Propose a general fix of the faulty code instead: one that is right for every "
        "input, not only for the tests' particular values."
    )


def alternative_reports(
    alternatives: Sequence[Alternative], parameters: Mapping[str, Parameter]
) -> list[AlternativeReport]:
    """What the reports show of each alternative: what it changes, how much, the
    checks' concerns, its diff against the original source, whether it was committed."""
    return [
        AlternativeReport(
            changed=[n for n, v in a.values.items() if v != parameters[n].source],
            tokens=a.tokens,
            concerns=[concern.reason for concern in a.concerns],
            diff=_source_diff(parameters, a.values),
            chosen=a.attempt.commit is not None,
        )
        for a in alternatives
    ]


def _source_diff(parameters: Mapping[str, Parameter], values: Mapping[str, str]) -> str:
    """A unified diff of the parameters ``values`` changes, source against source."""
    lines: list[str] = []
    for name, source in values.items():
        before = parameters[name].source
        if source != before:
            lines += difflib.unified_diff(
                before.splitlines(), source.splitlines(), name, name, lineterm=""
            )
    return "\n".join(lines)


#: Times the choice of the fix to commit may move on to an alternative that ranks as well
#: and keeps the original's behaviour where they disagree (each move is a comparison and,
#: for an alternative not validated yet, a run of the whole suite).
MAX_RECHOICES = 3


def commit_best(
    result: GroupResult, found: Alternative, alternatives: list[Alternative], callbacks: Callbacks
) -> None:
    """Commit the best ranked of the ``alternatives`` that the whole suite validates
    (``found`` is); the others become ``alternative``s, and where they disagree is asked."""
    ranked = sorted(alternatives, key=lambda a: a.key)
    chosen = (
        validate(ranked, callbacks.find_regressions, better_than=found, explain=regression_feedback)
        or found
    )
    considered = [chosen]
    while True:
        survivors = [
            chosen,
            *(a for a in ranked if a is not chosen and a.attempt.verdict != "regressed"),
        ]
        # Where the chosen fix passes the checks, the alternatives that pass them too are
        # asked where they disagree: any disagreement leaves the fix only plausible, since
        # the tests cannot tell which one is right (the settling test says how to).
        compared = (
            survivors
            if chosen.blocking
            else [chosen, *(a for a in survivors[1:] if not a.blocking)]
        )
        disagreements = (
            list(callbacks.compare([a.values for a in compared])) if len(compared) > 1 else []
        )
        keeper = _keeper(compared, disagreements)
        if keeper is None or any(keeper is c for c in considered):
            break
        if len(considered) > MAX_RECHOICES:
            break
        considered.append(keeper)
        if keeper.attempt.validation is None:
            validation = keeper.attempt.validation = callbacks.find_regressions(keeper.values)
            if validation.regressions:
                keeper.attempt.verdict = "regressed"
                keeper.attempt.feedback = regression_feedback(validation.regressions)
                continue
        chosen = keeper
    for other in survivors[1:]:
        other.attempt.verdict = "alternative"
    attempt = chosen.attempt
    if disagreements and not chosen.blocking:
        attempt.concerns = (*attempt.concerns, ambiguous(disagreements[0]))
    attempt.verdict = "plausible" if chosen.blocking else "fixed"
    ambiguity = Ambiguity(len(survivors) - 1, tuple(disagreements))
    result.status = attempt.verdict
    if result.status == "fixed":
        result.message = ""
    result.values, result.passed = dict(chosen.values), attempt.passed
    result.passing, result.feedback_after = list(attempt.passing), ""
    result.concerns = list(chosen.concerns)
    result.alternatives, result.disagreements = survivors, disagreements
    attempt.commit = result.commit = callbacks.commit(chosen.values, attempt, ambiguity)


def _keeper(
    compared: Sequence[Alternative], disagreements: Sequence[Disagreement]
) -> Alternative | None:
    """An alternative that ranks as well as the first of ``compared`` (every criterion
    but the order they were found in) and, on an input where they disagree, does what
    the original code did where the first does not: the fix that changes no more than
    the failing tests ask for is preferred."""
    first = compared[0]
    for disagreement in disagreements:
        keeps = disagreement.keeps
        if len(keeps) != len(compared) or keeps[0]:
            continue
        for index in range(1, len(compared)):
            if keeps[index] and compared[index].key[:-1] == first.key[:-1]:
                return compared[index]
    return None

"""Generated inputs near the recorded ones: new crashes, and alternatives that disagree.

From the arguments a function was called with while the tests ran
(:class:`~pytest_trace.checks.calls.Call`), ``strategies.call_strategy`` builds a
Hypothesis strategy of calls nearby. :func:`check_function` runs the original function
and each candidate side by side on those inputs (each call on a deep copy,
``calls.run_call``) and, with Hypothesis's shrinking, finds the smallest input on which

- a candidate raises where the original returned: a blocking ``new-crash``
  :class:`~pytest_trace.checks.Concern`, unless the failing tests expect that
  exception (``expected``: names of exception classes);
- two candidates both return, and return different values, or, where the original
  raised, one raises as it did and the other returns: a
  :class:`~pytest_trace.checks.ambiguity.Disagreement`, with the assertion (or the
  ``pytest.raises`` block) that would settle it.

Inputs on which the original raises are skipped by the search for new crashes.
Everything is bounded: a time budget per search, a number of examples, and a time
limit per call (``SIGALRM``, where it can be used). Pure: no pytest; candidate code is
expected to run in a forked child.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence

from hypothesis import HealthCheck, Phase, Verbosity, find, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample

from pytest_trace.checks import SEARCH_SECONDS, Concern, Deadline
from pytest_trace.checks.ambiguity import Disagreement
from pytest_trace.checks.calls import (
    CALL_SECONDS,
    HANG,
    Call,
    Function,
    Outcome,
    canonical,
    describe_call,
    run_call,
)
from pytest_trace.checks.strategies import call_strategy

#: Examples Hypothesis generates per search, at most.
MAX_EXAMPLES = 150


class _OutOfTime(BaseException):
    """Raised through Hypothesis to end a search at its deadline (Hypothesis lets a
    BaseException that is not an Exception through at once)."""


class _Runner:
    """Runs the original and the candidates on calls, once per call (memoized), within
    a deadline after which no more code runs."""

    def __init__(self, original: Function, candidates: Sequence[Function]) -> None:
        self.functions = [original, *candidates]
        self.memo: dict[tuple[int, str], Outcome] = {}
        self.deadline = Deadline()

    def outcome(self, which: int, call: Call, key: str) -> Outcome | None:
        """``which`` 0 is the original, ``i`` the ``i``-th candidate; None past the
        deadline (for a call not run before)."""
        found = self.memo.get((which, key))
        if found is None and not self.deadline.passed():
            found = self.memo[(which, key)] = run_call(self.functions[which], call)
        return found

    def search(
        self,
        strategy: st.SearchStrategy[Call],
        seconds: float,
        condition: Callable[[Call, str], bool],
    ) -> Call | None:
        """The smallest call that ``condition`` holds for, found within ``seconds``
        (:class:`~pytest_trace.checks.Deadline`)."""
        self.deadline = Deadline(seconds)
        verdicts: dict[str, bool] = {}
        latest: list[Call] = []  # while shrinking, each call found is smaller

        def holds(call: Call) -> bool:
            key = canonical((call.args, dict(call.kwargs)))
            if key not in verdicts:
                if self.deadline.passed():
                    raise _OutOfTime
                verdicts[key] = condition(call, key)
                if verdicts[key]:
                    latest[:] = [call]
            return verdicts[key]

        try:
            return find(strategy, holds, settings=_SETTINGS)
        except _OutOfTime:
            return latest[0] if latest else None
        except NoSuchExample:
            return None
        except Exception:  # Hypothesis gave up (unsatisfiable, flaky): no finding
            return latest[0] if latest else None


_SETTINGS = settings(
    database=None,
    deadline=None,
    derandomize=True,
    max_examples=MAX_EXAMPLES,
    phases=(Phase.generate, Phase.shrink),
    suppress_health_check=list(HealthCheck),
    verbosity=Verbosity.quiet,
    report_multiple_bugs=False,
    print_blob=False,
)


def _crashes(outcome: Outcome | None, original: Outcome, expected: Collection[str]) -> bool:
    if outcome is None or not outcome.raised:
        return False
    if outcome.raised[0] == HANG:  # only when clearly slower than the original
        return original.seconds < CALL_SECONDS / 10
    return not set(outcome.raised) & set(expected)


def check_function(
    name: str,
    original: Function,
    candidates: Sequence[Function],
    calls: Sequence[Call],
    *,
    expected: Collection[str] = (),
    method: bool = False,
    module: str = "",
    seconds: float = SEARCH_SECONDS,
    ranks: Sequence[int] = (),
    crashes: bool = True,
    changing: Sequence[bool] = (),
) -> tuple[list[list[Concern]], list[Disagreement]]:
    """Run ``original`` and ``candidates`` (in rank order) on calls near ``calls``.

    Returns, per candidate, its ``new-crash`` concerns, and the disagreements between
    the first candidate that does not crash and each other one that does not. ``name``
    is the function's qualname (``method``: the first argument is the receiver),
    ``module`` the module to import it from in the settling test. Each search takes
    at most ``seconds`` (plus one call). ``ranks`` numbers the candidates in the
    settling test's comment (default: 1, 2, ...). Without ``crashes``, only the
    disagreements are looked for, between the first candidate and each other one.
    ``changing`` tells, per candidate, whether it changes this function (default: all do).
    """
    concerns: list[list[Concern]] = [[] for _ in candidates]
    if not calls or not candidates:
        return concerns, []
    strategy = call_strategy(calls)
    runner = _Runner(original, candidates)

    def returned(call: Call, key: str) -> Outcome | None:
        before = runner.outcome(0, call, key)
        return before if before is not None and not before.raised else None

    for index in range(len(candidates) if crashes else 0):

        def raises(call: Call, key: str, which: int = index + 1) -> bool:
            before = returned(call, key)
            return before is not None and _crashes(
                runner.outcome(which, call, key), before, expected
            )

        found = runner.search(strategy, seconds, raises)
        if found is not None:
            key = canonical((found.args, dict(found.kwargs)))
            after = runner.memo[(index + 1, key)]
            what = "does not return" if after.raised[0] == HANG else f"raises {after.raised[0]}"
            text = describe_call(name, found, method=method)
            reason = f"{what} on an input the original handled: {text}"
            concerns[index].append(Concern("new-crash", reason))
    survivors = [i for i, found in enumerate(concerns) if not found]
    disagreements: dict[str, Disagreement] = {}
    changes = list(changing) if len(changing) == len(candidates) else [True] * len(candidates)
    for other in survivors[1:]:
        first = survivors[0]

        def differ(
            call: Call,
            key: str,
            a: int = first + 1,
            b: int = other + 1,
            chose: bool = changes[first],
            theirs: bool = changes[other],
        ) -> bool:
            before = runner.outcome(0, call, key)
            x, y = runner.outcome(a, call, key), runner.outcome(b, call, key)
            return (
                before is not None
                and x is not None
                and y is not None
                and _differ(before, x, y, chose=chose, theirs=theirs)
            )

        found = runner.search(strategy, seconds, differ)
        if found is not None:
            runner.deadline = Deadline(seconds)  # the others' results on it
            rank = ranks[other] if len(ranks) == len(candidates) else other + 1
            disagreement = _disagreement(name, found, runner, first, (other, rank), method, module)
            disagreements.setdefault(disagreement.call, disagreement)
    return concerns, list(disagreements.values())


def _differ(
    before: Outcome, x: Outcome, y: Outcome, *, chose: bool = True, theirs: bool = True
) -> bool:
    """Whether the first candidate (``x``) is in doubt against another (``y``) on a call
    the original made ``before``: both return, different values; or the original raised,
    ``y`` raises as it did and ``x`` returns (``x`` takes for valid an input that the
    original and ``y`` refuse), unless ``y`` leaves this function as it was
    (``theirs``: its refusal is the original's code, not a choice); or ``x`` raises as
    the original did where ``y`` returns, unless ``x`` changes this function
    (``chose``): then it keeps the original's refusal by choice, as the new-crash check
    asks of every candidate, while a first candidate that leaves the function as it was
    (the other fixes it, this one a caller) leaves in doubt where the fault is."""
    if not x.raised and not y.raised:
        return not before.raised and x.value != y.value
    if not before.raised or before.raised[0] == HANG:
        return False
    if not x.raised:
        return theirs and y.raised[:1] == before.raised[:1]
    return not chose and not y.raised and x.raised[:1] == before.raised[:1]


def _disagreement(
    name: str,
    call: Call,
    runner: _Runner,
    first: int,
    other: tuple[int, int],
    method: bool,
    module: str,
) -> Disagreement:
    key = canonical((call.args, dict(call.kwargs)))
    outcomes = [runner.outcome(i + 1, call, key) for i in range(len(runner.functions) - 1)]
    results = tuple(o.describe() if o else "not run" for o in outcomes)
    before = runner.outcome(0, call, key)
    keeps = tuple(_same(o, before) for o in outcomes)
    text = describe_call(name, call, method=method)
    theirs = outcomes[other[0]]
    says = results[other[0]] if theirs and theirs.raised else f"returns {results[other[0]]}"
    comment = f"# the alternative ranked {other[1]} {says}"
    ours = outcomes[first]
    if ours is not None and ours.raised:  # the first raises as the original did
        test = f"with pytest.raises({ours.raised[0]}):\n    {text}  {comment}"
        imports = ["import pytest"]
    else:
        test = f"assert {text} == {results[first]}  {comment}"
        imports = []
    if module:
        imports.append(f"from {module} import {name.split('.')[0]}")
    test = "\n".join([*imports, test])
    function = f"{module}.{name}" if module else name
    return Disagreement(function, text, results, test, other[0], keeps)


def _same(outcome: Outcome | None, before: Outcome | None) -> bool:
    """Whether a candidate did what the original did: returned an equal value, or raised
    the same exception."""
    if outcome is None or before is None:
        return False
    if outcome.raised or before.raised:
        return outcome.raised[:1] == before.raised[:1]
    return outcome.value == before.value

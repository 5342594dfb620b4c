"""Generated inputs near the recorded ones: new crashes, and alternatives that disagree.

From the arguments a function was called with while the tests ran (:class:`Call`),
:func:`call_strategy` builds a Hypothesis strategy of calls nearby: neighbouring
integers and floats, boundary values (0, -1, the empty string), shorter, longer and
empty containers whose elements are drawn from the recorded elements and their
neighbours, strings edited with their own characters; positional and keyword
arguments as recorded, other objects as they were. :func:`check_function` runs the
original function and each candidate side by side on those inputs (each call on a deep
copy) and, with Hypothesis's shrinking, finds the smallest input on which

- a candidate raises where the original returned: a blocking ``new-crash``
  :class:`~pytest_trace.checks.Concern`, unless the failing tests expect that
  exception (``expected``: names of exception classes);
- two candidates both return, and return different values: a
  :class:`~pytest_trace.checks.ambiguity.Disagreement`, with the assertion that
  would settle it.

Inputs on which the original raises are skipped. Everything is bounded: a time budget
per search, a number of examples, and a time limit per call (``SIGALRM``, where it
can be used). Pure: no pytest; candidate code is expected to run in a forked child.
"""

from __future__ import annotations

import ast
import copy
import math
import signal
import threading
import time
from collections.abc import Callable, Collection, Generator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity, find, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample

from pytest_trace.checks import Concern
from pytest_trace.checks.ambiguity import Disagreement

#: Seconds a search (one candidate's crashes, one pair's disagreement) may take.
SEARCH_SECONDS = 0.3
#: Examples Hypothesis generates per search, at most.
MAX_EXAMPLES = 150
#: Seconds one call may take; a candidate that takes longer where the original took
#: under a tenth of it "does not return".
CALL_SECONDS = 1.0
#: At most this many distinct recorded values are used per argument or element.
MAX_VALUES = 8
#: Containers nest at most this deep in generated values; deeper ones stay as recorded.
MAX_DEPTH = 3
MAX_SHOWN = 160
_HANG = "Timeout"

Function = Callable[..., Any]


@dataclass(frozen=True)
class Call:
    """The arguments of one call: positional, then keyword."""

    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    """What one call did: returned ``value`` (canonical text, ``shown`` for people), or
    raised an exception whose classes (the MRO's names) are ``raised``."""

    value: str = ""
    shown: str = ""
    raised: tuple[str, ...] = ()
    seconds: float = 0.0

    def describe(self) -> str:
        if not self.raised:
            return self.shown
        if self.raised[0] == _HANG:
            return "does not return"
        return f"raises {self.raised[0]}"


class _OutOfTime(BaseException):
    """Raised through Hypothesis to end a search at its deadline (Hypothesis lets a
    BaseException that is not an Exception through at once)."""


class _Hang(BaseException):
    """A call took longer than its limit (a BaseException: ``except Exception`` in the
    code under test cannot swallow it)."""


# -- strategies --------------------------------------------------------------------------


def _distinct(values: Sequence[Any]) -> list[Any]:
    seen: dict[str, Any] = {}
    for value in values:
        seen.setdefault(canonical(value), value)
        if len(seen) >= MAX_VALUES:
            break
    return list(seen.values())


def _one_of(values: Sequence[Any], depth: int) -> st.SearchStrategy[Any]:
    return st.one_of([neighbours(value, depth) for value in _distinct(values)])


def _integers(value: int) -> st.SearchStrategy[Any]:
    far = st.sampled_from(list(dict.fromkeys([value * 2, value // 2, -value])))
    return st.one_of(st.integers(-2, 2), st.integers(value - 3, value + 3), far)


def _floats(value: float) -> st.SearchStrategy[Any]:
    if not math.isfinite(value):
        return st.just(value)
    small = st.sampled_from([0.0, 1.0, -1.0])
    near = st.floats(value - 1, value + 1, allow_nan=False, allow_infinity=False)
    far = st.sampled_from(list(dict.fromkeys([value / 2, value * 2, -value])))
    return st.one_of(small, near, far)


def _strings(value: str) -> st.SearchStrategy[Any]:
    edits = ["", value, value[1:], value[:-1], value + value[-1:], value.upper(), value.lower()]
    alphabet = sorted(set(value)) or ["a"]
    return st.sampled_from(list(dict.fromkeys(edits))) | st.text(
        st.sampled_from(alphabet), max_size=len(value) + 2
    )


def _bytes(value: bytes) -> st.SearchStrategy[Any]:
    edits = [b"", value, value[1:], value[:-1], value + value[-1:]]
    alphabet = sorted(set(value)) or [0]
    return st.sampled_from(list(dict.fromkeys(edits))) | st.lists(
        st.sampled_from(alphabet), max_size=len(value) + 2
    ).map(bytes)


def neighbours(value: Any, depth: int = 0) -> st.SearchStrategy[Any]:
    """Values near ``value``: of its type, simplest first (Hypothesis shrinks to them)."""
    kind = type(value)
    if value is None or kind is bool:
        return st.just(value) if value is None else st.booleans()
    if kind is int:
        return _integers(value)
    if kind is float:
        return _floats(value)
    if kind is str:
        return _strings(value)
    if kind is bytes:
        return _bytes(value)
    if depth >= MAX_DEPTH:
        return st.just(value)
    if kind is list or kind in (set, frozenset):
        elements = _one_of(list(value), depth + 1) if value else st.integers(-1, 2)
        size = len(value) + 2
        if kind is list:
            return st.lists(elements, max_size=size)
        return st.lists(elements, max_size=size).map(kind)
    if kind is tuple or (isinstance(value, tuple) and hasattr(value, "_make")):
        parts = st.tuples(*(neighbours(item, depth + 1) for item in value))
        return parts if kind is tuple else parts.map(kind._make)
    if kind is dict:
        optional = {key: neighbours(item, depth + 1) for key, item in value.items()}
        return st.fixed_dictionaries({}, optional=optional)
    return st.just(value)  # deep-copied for every call


def call_strategy(calls: Sequence[Call]) -> st.SearchStrategy[Call]:
    """Calls near the recorded ``calls``: one strategy per shape of call (how many
    positional arguments, which keywords), each argument near the values recorded for
    it in calls of that shape."""
    shapes: dict[tuple[int, tuple[str, ...]], list[Call]] = {}
    for call in calls:
        shapes.setdefault((len(call.args), tuple(call.kwargs)), []).append(call)
    strategies = []
    for (count, keywords), group in shapes.items():
        args = st.tuples(*(_one_of([c.args[i] for c in group], 0) for i in range(count)))
        kwargs = st.fixed_dictionaries(
            {k: _one_of([c.kwargs[k] for c in group], 0) for k in keywords}
        )
        strategies.append(st.builds(Call, args, kwargs))
    return st.one_of(strategies)


# -- running one call --------------------------------------------------------------------


def canonical(value: Any, depth: int = 0) -> str:
    """A text that is equal for equal values: containers element by element (sets and
    dicts in sorted order), objects with the default repr by their attributes, floats
    by repr (so NaN equals NaN), anything else by repr."""
    if depth > 8:
        return "..."
    kind = type(value)
    if kind in (list, tuple) or isinstance(value, tuple):
        inner = ", ".join(canonical(item, depth + 1) for item in value)
        return f"{kind.__qualname__}[{inner}]"
    if isinstance(value, (set, frozenset)):
        inner = ", ".join(sorted(canonical(item, depth + 1) for item in value))
        return f"{kind.__qualname__}{{{inner}}}"
    if isinstance(value, dict):
        items = sorted(
            f"{canonical(k, depth + 1)}: {canonical(v, depth + 1)}" for k, v in value.items()
        )
        return f"{kind.__qualname__}{{{', '.join(items)}}}"
    try:
        if _default_repr(kind) and hasattr(value, "__dict__"):
            return f"{kind.__qualname__}({canonical(vars(value), depth + 1)})"
        return repr(value)
    except Exception:  # a broken __repr__
        return f"<{kind.__qualname__}>"


def shown(value: Any, limit: int = MAX_SHOWN) -> str:
    """``repr(value)``, clipped; the canonical text where repr shows only an address."""
    try:
        kind = type(value)
        text = canonical(value) if _default_repr(kind) else repr(value)
    except Exception:
        text = f"<{type(value).__qualname__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _default_repr(kind: type) -> bool:
    return getattr(kind, "__repr__", None) is object.__repr__


@contextmanager
def _time_limit(seconds: float) -> Generator[None, None, None]:
    usable = (
        seconds > 0
        and hasattr(signal, "SIGALRM")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return

    def expire(signum: int, frame: FrameType | None) -> None:
        raise _Hang

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_call(function: Function, call: Call, limit: float = CALL_SECONDS) -> Outcome:
    """Call ``function`` on a deep copy of ``call``'s arguments; what it did."""
    try:
        args, kwargs = copy.deepcopy((call.args, dict(call.kwargs)))
    except Exception as error:
        return Outcome(raised=_names(error))
    start = time.perf_counter()
    try:
        with _time_limit(limit):
            result = function(*args, **kwargs)
    except _Hang:
        return Outcome(raised=(_HANG,), seconds=time.perf_counter() - start)
    except KeyboardInterrupt:
        raise
    except BaseException as error:  # SystemExit too: the candidate's, not ours
        return Outcome(raised=_names(error), seconds=time.perf_counter() - start)
    seconds = time.perf_counter() - start
    return Outcome(canonical(result), shown(result), seconds=seconds)


def _names(error: BaseException) -> tuple[str, ...]:
    return tuple(cls.__name__ for cls in type(error).__mro__)


def describe_call(name: str, call: Call, *, method: bool = False) -> str:
    """The call as Python: ``f(1, [2], key='a')``; a method as ``receiver.f(...)``."""
    args = list(call.args)
    prefix = ""
    if method and args:
        prefix = shown(args.pop(0), 80) + "."
        name = name.rpartition(".")[2]
    parts = [shown(arg) for arg in args] + [f"{k}={shown(v)}" for k, v in call.kwargs.items()]
    return f"{prefix}{name}({', '.join(parts)})"


_RAISES = ("raises", "assertRaises", "assertRaisesRegex", "failUnlessRaises")


def expected_exceptions(source: str) -> set[str]:
    """The exception classes that test source expects: ``pytest.raises(X)``,
    ``self.assertRaises((X, Y))``, also as context managers (by name; a dotted name by
    its last part)."""
    import textwrap

    try:
        tree = ast.parse(textwrap.dedent(source))
    except (SyntaxError, ValueError):
        return set()
    names: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if called not in _RAISES:
            continue
        first = node.args[0]
        for item in first.elts if isinstance(first, ast.Tuple) else [first]:
            if isinstance(item, ast.Attribute):
                names.add(item.attr)
            elif isinstance(item, ast.Name):
                names.add(item.id)
    return names


# -- the searches ------------------------------------------------------------------------


class _Runner:
    """Runs the original and the candidates on calls, once per call (memoized), within
    a deadline after which no more code runs."""

    def __init__(self, original: Function, candidates: Sequence[Function]) -> None:
        self.functions = [original, *candidates]
        self.memo: dict[tuple[int, str], Outcome] = {}
        self.deadline = 0.0

    def outcome(self, which: int, call: Call, key: str) -> Outcome | None:
        """``which`` 0 is the original, ``i`` the ``i``-th candidate; None past the
        deadline (for a call not run before)."""
        found = self.memo.get((which, key))
        if found is None and time.monotonic() < self.deadline:
            found = self.memo[(which, key)] = run_call(self.functions[which], call)
        return found

    def search(
        self,
        strategy: st.SearchStrategy[Call],
        seconds: float,
        condition: Callable[[Call, str], bool],
    ) -> Call | None:
        """The smallest call that ``condition`` holds for, found within ``seconds``."""
        self.deadline = time.monotonic() + seconds
        verdicts: dict[str, bool] = {}
        latest: list[Call] = []  # while shrinking, each call found is smaller

        def holds(call: Call) -> bool:
            key = canonical((call.args, dict(call.kwargs)))
            if key not in verdicts:
                if time.monotonic() >= self.deadline:
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
    if outcome.raised[0] == _HANG:  # only when clearly slower than the original
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
) -> tuple[list[list[Concern]], list[Disagreement]]:
    """Run ``original`` and ``candidates`` (in rank order) on calls near ``calls``.

    Returns, per candidate, its ``new-crash`` concerns, and the disagreements between
    the first candidate that does not crash and each other one that does not. ``name``
    is the function's qualname (``method``: the first argument is the receiver),
    ``module`` the module to import it from in the settling test. Each search takes
    at most ``seconds`` (plus one call). ``ranks`` numbers the candidates in the
    settling test's comment (default: 1, 2, ...). Without ``crashes``, only the
    disagreements are looked for, between the first candidate and each other one.
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
            what = "does not return" if after.raised[0] == _HANG else f"raises {after.raised[0]}"
            text = describe_call(name, found, method=method)
            reason = f"{what} on an input the original handled: {text}"
            concerns[index].append(Concern("new-crash", reason))
    survivors = [i for i, found in enumerate(concerns) if not found]
    disagreements: dict[str, Disagreement] = {}
    for other in survivors[1:]:
        first = survivors[0]

        def differ(call: Call, key: str, a: int = first + 1, b: int = other + 1) -> bool:
            if returned(call, key) is None:
                return False
            x, y = runner.outcome(a, call, key), runner.outcome(b, call, key)
            return bool(x and y and not x.raised and not y.raised and x.value != y.value)

        found = runner.search(strategy, seconds, differ)
        if found is not None:
            runner.deadline = time.monotonic() + seconds  # the others' results on it
            rank = ranks[other] if len(ranks) == len(candidates) else other + 1
            disagreement = _disagreement(name, found, runner, first, (other, rank), method, module)
            disagreements.setdefault(disagreement.call, disagreement)
    return concerns, list(disagreements.values())


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
    text = describe_call(name, call, method=method)
    comment = f"# the alternative ranked {other[1]} returns {results[other[0]]}"
    test = f"assert {text} == {results[first]}  {comment}"
    if module:
        test = f"from {module} import {name.split('.')[0]}\n{test}"
    return Disagreement(f"{module}.{name}" if module else name, text, results, test)

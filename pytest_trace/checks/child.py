"""The checks that run candidate code, in a forked child of the fork server.

:func:`run_probe` gets the changed trainable functions as found in the child (the
innermost of their ``functools.wraps`` layers) and the candidates of one group (their
patched files). It runs the group's tests once on the original code while
:class:`Capture` keeps deep copies of the arguments of those functions' calls; it
compiles each candidate's functions (``swap.compile_functions``, checked the way
``swap`` checks a swap); then, switching the functions' ``__code__`` between the
original and each candidate before each call, it runs the docstring examples
(``doctests``) and the generated nearby inputs (``nearby``). The answer is plain JSON:
per candidate its concerns, and the disagreements between candidates. Nothing here
imports pytest; the worker passes a function that runs the tests.
"""

from __future__ import annotations

import copy
import sys
import time
import types
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_trace.checks import SEARCH_SECONDS, Concern, Deadline
from pytest_trace.checks import doctests as doctest_checks
from pytest_trace.checks.ambiguity import Disagreement
from pytest_trace.checks.answer import to_answer
from pytest_trace.checks.calls import Call, canonical
from pytest_trace.checks.nearby import check_function

#: Recorded calls kept per function (distinct arguments), at most.
MAX_CALLS = 24
_UNCALLABLE = 0x20 | 0x80 | 0x100 | 0x200  # generator, coroutine, iterable coroutine, async gen


@dataclass
class ProbeJob:
    """What the controller asks: run ``tests`` on the original code, recording calls of
    ``functions`` (qualified names); then check each candidate (``files``: absolute
    path → text; ``changes``: module → changed qualnames, as in a run), each search
    within ``seconds``, all the searches within ``budget`` seconds. The exceptions that
    the tests in ``expecting`` expect (``pytest.raises``) are no new crash. With
    ``compare_only``, only where the candidates disagree is looked for."""

    output: str
    tests: list[str] = field(default_factory=list)
    functions: list[str] = field(default_factory=list)
    candidates: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = SEARCH_SECONDS
    budget: float = 10.0
    timeout: float = 0.0
    cpu_timeout: float = 0.0
    cpu_tests: list[str] = field(default_factory=list)
    expecting: list[str] = field(default_factory=list)
    compare_only: bool = False


class Capture:
    """Deep copies of the arguments of calls of some code objects (``sys.settrace``, with
    no tracing inside any frame: only calls of Python functions cost a check),
    at most :data:`MAX_CALLS` distinct ones per function; un-copyable ones are skipped."""

    def __init__(self, codes: Mapping[types.CodeType, str]) -> None:
        self.codes = dict(codes)
        self.calls: dict[str, list[Call]] = {name: [] for name in codes.values()}
        self.seen: dict[str, set[str]] = {name: set() for name in codes.values()}
        self.previous: Any = None

    def __enter__(self) -> Capture:
        self.previous = sys.gettrace()
        sys.settrace(self._call)
        return self

    def __exit__(self, *exc_info: object) -> None:
        try:
            sys.settrace(self.previous)
        except TypeError:  # a tracer set from C cannot be set back from Python
            sys.settrace(None)

    def _call(self, frame: types.FrameType, event: str, arg: object) -> None:
        if event != "call":
            return
        name = self.codes.get(frame.f_code)
        if name is None or len(self.calls[name]) >= MAX_CALLS:
            return
        try:
            call = copy.deepcopy(arguments(frame.f_code, frame.f_locals))
            key = canonical((call.args, dict(call.kwargs)))
        except Exception:  # un-copyable arguments: not a sample
            return
        if key not in self.seen[name]:
            self.seen[name].add(key)
            self.calls[name].append(call)


def arguments(code: types.CodeType, values: Mapping[str, Any]) -> Call:
    """The call that binds ``code``'s parameters to ``values``: positional parameters
    (and ``*args``) positionally, keyword-only ones (and ``**kwargs``) by keyword."""
    names = code.co_varnames
    positional = names[: code.co_argcount]
    keyword = names[code.co_argcount : code.co_argcount + code.co_kwonlyargcount]
    index = code.co_argcount + code.co_kwonlyargcount
    args = [values[name] for name in positional]
    kwargs = {name: values[name] for name in keyword if name in values}
    if code.co_flags & 0x04:  # *args
        args.extend(values[names[index]])
        index += 1
    if code.co_flags & 0x08:  # **kwargs
        kwargs.update(values[names[index]])
    return Call(tuple(args), kwargs)


def _codes(
    candidate: Mapping[str, Any], targets: Mapping[str, types.FunctionType]
) -> dict[str, types.CodeType] | str:
    """The candidate's code for each of its changed functions, or why it cannot be had."""
    from pytest_trace.runner.swap import SwapError, compile_functions, swap

    files: Mapping[str, str] = candidate.get("files", {})
    changed = [
        f"{m}.{q}" for m, qualnames in candidate.get("changes", {}).items() for q in qualnames
    ]
    unknown = [name for name in changed if name not in targets]
    if unknown:
        return f"not a function known here: {', '.join(unknown)} (a constant?)"
    codes: dict[str, types.CodeType] = {}
    for name in changed:
        function = targets[name]
        filename = function.__code__.co_filename
        text = files.get(str(Path(filename).resolve()))
        if text is None:
            return f"no candidate text for {filename}"
        qualname = function.__qualname__
        try:
            freevars = {qualname: function.__code__.co_freevars}
            new = compile_functions(text, filename, [qualname], freevars=freevars)[qualname]
            original = function.__code__
            swap({qualname: function}, {qualname: new})  # checks it, as a real swap would
            swap({qualname: function}, {qualname: original})
        except SwapError as error:
            return str(error)
        codes[name] = new
    return codes


class Variants:
    """The original code (variant 0) and each candidate's, switched in before a call."""

    def __init__(self, targets: Mapping[str, types.FunctionType]) -> None:
        self.targets = dict(targets)
        self.original = {name: f.__code__ for name, f in targets.items()}
        self.codes: list[dict[str, types.CodeType]] = [self.original]
        # A memoizing wrapper (functools.cache) must not answer for another variant.
        wrappers = [f.__globals__.get(f.__name__) for f in targets.values()]
        self.caches = [
            clear for w in wrappers if callable(clear := getattr(w, "cache_clear", None))
        ]

    def add(self, codes: Mapping[str, types.CodeType]) -> int:
        self.codes.append({**self.original, **codes})
        return len(self.codes) - 1

    def use(self, variant: int) -> None:
        switched = False
        for name, code in self.codes[variant].items():
            function = self.targets[name]
            if function.__code__ is not code:
                function.__code__ = code
                switched = True
        if switched:
            for clear in self.caches:
                clear()

    def caller(self, name: str, variant: int) -> Callable[..., Any]:
        function = self.targets[name]

        def call(*args: Any, **kwargs: Any) -> Any:
            self.use(variant)
            return function(*args, **kwargs)

        return call


def run_probe(
    job: ProbeJob,
    targets: Mapping[str, types.FunctionType],
    run_tests: Callable[[], None],
    test_sources: Sequence[str],
) -> dict[str, Any]:
    """Run the checks; the answer as JSON-ready data (see :func:`to_answer`).
    ``test_sources`` are the sources of the tests in ``job.expecting``."""
    from pytest_trace.checks.calls import expected_exceptions

    functions = {n: f for n, f in targets.items() if not f.__code__.co_flags & _UNCALLABLE}
    codes = {f.__code__: name for name, f in functions.items()}
    with Capture(codes) as capture:
        run_tests()
    started = time.process_time()
    variants = Variants(targets)
    concerns: list[list[Concern]] = [[] for _ in job.candidates]
    notes: list[str] = []
    ids: dict[int, int] = {}  # candidate index → variant
    changed: dict[int, list[str]] = {}
    for index, candidate in enumerate(job.candidates):
        found = _codes(candidate, targets)
        if isinstance(found, str):
            notes.append(f"candidate {index + 1} not checked: {found}")
            continue
        ids[index] = variants.add(found)
        changed[index] = list(found)
    try:
        for index, variant in ids.items():
            for name in changed[index] if not job.compare_only else ():
                concerns[index] += _doctests(name, targets[name], variants, variant)
        expected: set[str] = set()
        for source in test_sources:
            expected |= expected_exceptions(source)
        deadline = Deadline(job.budget - (time.process_time() - started))
        disagreements: list[Disagreement] = []
        checked = list(ids)
        for name, calls in capture.calls.items():
            searches = len(checked) * (1 if job.compare_only else 2)
            seconds = min(job.seconds, deadline.left() / (searches or 1))
            if not calls or not checked or seconds <= 0.01:
                continue
            function = functions[name]
            crashes, disagree = check_function(
                function.__qualname__,
                variants.caller(name, 0),
                [variants.caller(name, ids[i]) for i in checked],
                calls,
                expected=expected,
                method=_is_method(function),
                module=function.__module__,
                seconds=seconds,
                ranks=[i + 1 for i in checked],
                crashes=not job.compare_only,
                changing=[name in changed[i] for i in checked],
            )
            for index, more in zip(checked, crashes, strict=True):
                concerns[index] += more
            disagreements += [_renumber(d, checked, len(job.candidates)) for d in disagree]
    finally:
        variants.use(0)
    if not any(capture.calls.values()):
        notes.append("no call of the changed functions was recorded")
    return to_answer(concerns, disagreements, notes)


def _doctests(
    name: str, function: types.FunctionType, variants: Variants, variant: int
) -> list[Concern]:
    test = doctest_checks.docstring_test(
        function.__doc__, name, function.__globals__, function.__code__.co_filename
    )
    if test is None:
        return []
    variants.use(0)
    before = doctest_checks.failures(test, function.__globals__, code=function.__code__)
    variants.use(variant)
    after = doctest_checks.failures(test, function.__globals__, code=function.__code__)
    variants.use(0)
    return doctest_checks.example_concerns(test, before, after)


def _is_method(function: types.FunctionType) -> bool:
    code = function.__code__
    return (
        "." in function.__qualname__
        and code.co_argcount > 0
        and code.co_varnames[0] in ("self", "cls")
    )


def _renumber(disagreement: Disagreement, checked: Sequence[int], count: int) -> Disagreement:
    """Results for every candidate of the job, "not checked" for those left out."""
    results = ["not checked"] * count
    keeps = [False] * count
    for index, result, kept in zip(
        checked, disagreement.results, disagreement.keeps or [False] * len(checked), strict=True
    ):
        results[index], keeps[index] = result, kept
    return Disagreement(
        disagreement.function,
        disagreement.call,
        tuple(results),
        disagreement.test,
        checked[disagreement.other],
        tuple(keeps),
    )

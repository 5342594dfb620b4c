"""Examples in docstrings are specifications.

The examples of a function's docstring (``>>> f(2)`` followed by the output) are run
with the standard library's :mod:`doctest`, in a copy of the function's module
globals, once with the original code and once with a candidate's: an example that
fails with the candidate is a blocking ``doctest`` :class:`~pytest_trace.checks.Concern`,
whether it passed with the original (the candidate breaks it) or not (the candidate
leaves the function's own specification unmet; a stale example is named in the
reason). This does not depend on the user's run collecting doctests. Each example gets
a time limit (``SIGALRM``, where it can be used). Pure: no pytest; candidate code is
expected to run in a forked child.
"""

from __future__ import annotations

import doctest
import signal
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from types import CodeType, FrameType
from typing import Any

from pytest_trace.checks import Concern
from pytest_trace.text.clip import clip

#: Seconds one example may take.
EXAMPLE_SECONDS = 1.0
MAX_SHOWN = 120


class _Hang(BaseException):
    """An example took longer than its limit."""


def docstring_test(
    docstring: str | None, name: str, globs: Mapping[str, Any], filename: str = ""
) -> doctest.DocTest | None:
    """The examples of ``docstring`` as a :class:`doctest.DocTest`, or None without any."""
    if not docstring or ">>>" not in docstring:
        return None
    try:
        test = doctest.DocTestParser().get_doctest(docstring, dict(globs), name, filename, 0)
    except ValueError:  # a malformed example: doctest itself would refuse it
        return None
    return test if test.examples else None


class _Runner(doctest.DocTestRunner):
    """Notes which examples fail; arms a time limit before each one."""

    def __init__(self, limit: float) -> None:
        super().__init__(verbose=False, optionflags=0)
        self.limit = limit
        self.failed: set[int] = set()
        self.reached: set[int] = set()  # examples that called the watched code
        self.index: dict[int, int] = {}
        self.current = -1
        self.timed = (
            limit > 0
            and hasattr(signal, "SIGALRM")
            and threading.current_thread() is threading.main_thread()
        )

    def report_start(self, out: Any, test: doctest.DocTest, example: doctest.Example) -> None:
        self.current = self.index[id(example)]
        if self.timed:
            signal.setitimer(signal.ITIMER_REAL, self.limit)

    def _disarm(self) -> None:
        if self.timed:
            signal.setitimer(signal.ITIMER_REAL, 0)

    def report_success(
        self, out: Any, test: doctest.DocTest, example: doctest.Example, got: str
    ) -> None:
        self._disarm()

    def report_failure(
        self, out: Any, test: doctest.DocTest, example: doctest.Example, got: str
    ) -> None:
        self._disarm()
        self.failed.add(self.index[id(example)])

    def report_unexpected_exception(
        self, out: Any, test: doctest.DocTest, example: doctest.Example, exc_info: Any
    ) -> None:
        self._disarm()
        self.failed.add(self.index[id(example)])


@dataclass(frozen=True)
class Examples:
    """What running a docstring's examples told: the indices of those that failed, and
    of those that called the watched function (``code``) at least once."""

    failed: frozenset[int]
    reached: frozenset[int]


def failures(
    test: doctest.DocTest,
    globs: Mapping[str, Any],
    limit: float = EXAMPLE_SECONDS,
    code: CodeType | None = None,
) -> Examples:
    """Run the examples of ``test`` in a copy of ``globs``: which fail, and which call
    ``code`` (a profile function watches calls while they run)."""
    runner = _Runner(limit)
    runner.index = {id(example): i for i, example in enumerate(test.examples)}
    test.globs = dict(globs)
    previous = None
    if runner.timed:

        def expire(signum: int, frame: FrameType | None) -> None:
            raise _Hang

        previous = signal.signal(signal.SIGALRM, expire)
    profiler = sys.getprofile()

    def watch(frame: FrameType, event: str, arg: object) -> None:
        if event == "call" and frame.f_code is code:
            runner.reached.add(runner.current)

    if code is not None:
        sys.setprofile(watch)
    try:
        runner.run(test, out=lambda text: None, clear_globs=True)
    except _Hang:  # past the example, in doctest's own code: count the rest as failed
        runner.failed.update(range(len(test.examples)))
    finally:
        sys.setprofile(profiler)
        if runner.timed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    return Examples(frozenset(runner.failed), frozenset(runner.reached))


def example_concerns(test: doctest.DocTest, before: Examples, after: Examples) -> list[Concern]:
    """A blocking concern when examples fail with the candidate (``after``): for the first
    one that passed with the original (``before``), or else for the first that failed
    with it too after calling the function: a fix that leaves its own function's example
    failing is not shown to be right (the example may be stale: the reason says which).
    An example that failed with the original without calling the function (a name the
    module's globals lack, say) tells nothing about it."""
    broken = sorted(after.failed - before.failed)
    still = sorted(after.failed & before.failed & before.reached)
    if broken:
        return [Concern("doctest", _shown("breaks its docstring example", test, broken))]
    if still:
        return [Concern("doctest", _shown("its docstring example still fails", test, still))]
    return []


def _shown(what: str, test: doctest.DocTest, failing: list[int]) -> str:
    source = test.examples[failing[0]].source.strip().splitlines()[0]
    more = f" (and {len(failing) - 1} more)" if len(failing) > 1 else ""
    return f"{what}: >>> {clip(source, MAX_SHOWN)}{more}"

"""One call of a function on recorded or generated arguments: running it, comparing
and showing what it did.

A :class:`Call` holds the arguments; :func:`run_call` runs a function on a deep copy of
them, within a time limit (``SIGALRM``, where it can be used), and tells what it did
(:class:`Outcome`); :func:`canonical` makes results comparable, :func:`shown` and
:func:`describe_call` make them readable as Python; :func:`expected_exceptions` reads
the exceptions a test expects. Pure: no pytest.
"""

from __future__ import annotations

import ast
import copy
import re
import signal
import textwrap
import threading
import time
from collections.abc import Callable, Generator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

from pytest_trace.text.clip import clip

#: Seconds one call may take; a candidate that takes longer where the original took
#: under a tenth of it "does not return".
CALL_SECONDS = 1.0
MAX_SHOWN = 160
MAX_ITEMS = 1000
#: The name an :class:`Outcome` gives a call that did not return in time.
HANG = "Timeout"
#: " at 0x7f..." in a repr: where an object lives, not what it is.
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")

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
        if self.raised[0] == HANG:
            return "does not return"
        return f"raises {self.raised[0]}"


class _Hang(BaseException):
    """A call took longer than its limit (a BaseException: ``except Exception`` in the
    code under test cannot swallow it)."""


def canonical(value: Any, depth: int = 0) -> str:
    """A text that is equal for equal values: containers element by element (sets and
    dicts in sorted order), objects with the default repr by their attributes, floats
    by repr (so NaN equals NaN), anything else by repr without the addresses it shows
    (``<function f.<locals>.<lambda>>``). Of a long list or tuple, the first
    :data:`MAX_ITEMS` items and the length."""
    if depth > 8:
        return "..."
    kind = type(value)
    if kind in (list, tuple) or isinstance(value, tuple):
        inner = ", ".join(canonical(item, depth + 1) for item in value[:MAX_ITEMS])
        more = f", ... {len(value)} items" if len(value) > MAX_ITEMS else ""
        return f"{kind.__qualname__}[{inner}{more}]"
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
        # An address is no part of a value: two functions, generators or iterators of
        # the same kind compare equal, as nothing tells them apart.
        return _ADDRESS.sub("", repr(value))
    except Exception:  # a broken __repr__
        return f"<{kind.__qualname__}>"


def shown(value: Any, limit: int = MAX_SHOWN) -> str:
    """``repr(value)``, clipped; the canonical text where repr shows only an address."""
    try:
        kind = type(value)
        text = canonical(value) if _default_repr(kind) else repr(value)
    except Exception:
        text = f"<{type(value).__qualname__}>"
    return clip(text, limit)


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
        return Outcome(raised=(HANG,), seconds=time.perf_counter() - start)
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
        receiver = args.pop(0)
        # a class method's receiver is the class: by its name, as Python code names it
        prefix = (
            receiver.__qualname__ if isinstance(receiver, type) else shown(receiver, 80)
        ) + "."
        name = name.rpartition(".")[2]
    parts = [shown(arg) for arg in args] + [f"{k}={shown(v)}" for k, v in call.kwargs.items()]
    return f"{prefix}{name}({', '.join(parts)})"


_RAISES = ("raises", "assertRaises", "assertRaisesRegex", "failUnlessRaises")


def expected_exceptions(source: str) -> set[str]:
    """The exception classes that test source expects: ``pytest.raises(X)``,
    ``self.assertRaises((X, Y))``, also as context managers (by name; a dotted name by
    its last part)."""
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

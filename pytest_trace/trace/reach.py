"""Which trainable functions a test reaches: the cheap cousin of the recorder.

Two tools. :class:`Reach` (``with Reach(codes) as reach:``) is the worker's: a global
trace function notes the name of a trainable code object when one of its frames starts
and returns ``None``, so that no frame is traced line by line.

:class:`ReachMonitor` is cheaper, for the user's own run of the suite: it watches only
the trainables' code objects. On CPython 3.12+ it uses ``sys.monitoring``: a ``PY_START``
event is enabled (``set_local_events``) on those code objects alone, and switched off for
a code object once it fired, until the next test; no other function pays anything. Before
3.12 a global trace function (``sys.settrace``) runs only while watched (around the
setup of each fixture and the call of each test: :meth:`ReachMonitor.watching`; not
pytest's own machinery around them) and checks the code object of each new frame; it
steps aside when another tool (a debugger, coverage.py) already traces, and says so
(:attr:`ReachMonitor.blind`).
"""

from __future__ import annotations

import inspect
import sys
import types
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

#: ``sys.monitoring`` tool ids tried in turn (3 and 4 are free for any tool).
_TOOL_IDS = (4, 3, 2, 5)
_TOOL_NAME = "pytest-trace"


def code_of(function: types.FunctionType) -> types.CodeType:
    """The code object that runs when ``function`` is called: through ``functools.wraps``
    layers, the innermost function's."""
    inner = inspect.unwrap(function)
    code = getattr(inner, "__code__", None)
    return code if isinstance(code, types.CodeType) else function.__code__


class Reach:
    """``with Reach(codes) as reach:`` collects ``reach.names`` in the current thread."""

    def __init__(self, codes: Mapping[types.CodeType, str]) -> None:
        self.codes = codes
        self.names: dict[str, None] = {}
        self._previous: Any = None

    def __enter__(self) -> Reach:
        codes, names = self.codes, self.names

        def trace(frame: types.FrameType, event: str, arg: Any) -> None:
            name = codes.get(frame.f_code)
            if name is not None:
                names[name] = None

        self._previous = sys.gettrace()
        sys.settrace(trace)
        return self

    def __exit__(self, *exc_info: object) -> None:
        sys.settrace(self._previous)


def monitoring_available() -> bool:
    return hasattr(sys, "monitoring")


class ReachMonitor:
    """Notes the trainables (by code object) each test reaches, at the least cost.

    ``add(functions)`` announces trainables, ``start()`` begins, then for each test
    ``reset()`` at its start, ``with watching():`` around each of its phases, and
    ``names`` (the trainables it reached, in order) at its end; ``stop()`` ends.
    """

    def __init__(self, *, use_monitoring: bool | None = None) -> None:
        """``use_monitoring``: ``sys.monitoring`` where it exists (None), or not."""
        self.codes: dict[types.CodeType, str] = {}
        self.names: dict[str, None] = {}
        #: Set when the monitor could not watch a test: its ``names`` are not known.
        self.blind = ""
        self._tool = -1
        self._tracer: Any = None
        self._fired: list[types.CodeType] = []
        #: ``sys.monitoring`` (typed loosely: mypy may check for a Python before 3.12).
        self._api: Any = None if use_monitoring is False else getattr(sys, "monitoring", None)

    # -- trainables ---------------------------------------------------------------------

    def add(self, functions: Iterable[tuple[str, types.FunctionType]]) -> None:
        for name, function in functions:
            code = code_of(function)
            if code in self.codes:
                continue
            self.codes[code] = name
            self._tracer = None  # made again with the new code objects
            if self._tool >= 0:
                self._api.set_local_events(self._tool, code, self._api.events.PY_START)

    # -- life cycle ---------------------------------------------------------------------

    def start(self) -> None:
        monitoring = self._api
        if monitoring is None or self._tool >= 0:
            return
        for tool in _TOOL_IDS:
            if monitoring.get_tool(tool) is None:
                monitoring.use_tool_id(tool, _TOOL_NAME)
                self._tool = tool
                break
        else:
            self._api = None  # every id taken: the tracer instead
            return
        codes, names, fired = self.codes, self.names, self._fired
        set_local_events = monitoring.set_local_events
        tool = self._tool

        def started(code: types.CodeType, offset: int) -> None:
            name = codes.get(code)
            if name is not None:
                names[name] = None
                fired.append(code)
                set_local_events(tool, code, 0)  # once per test is enough

        monitoring.register_callback(tool, monitoring.events.PY_START, started)
        for code in codes:
            set_local_events(tool, code, monitoring.events.PY_START)

    def stop(self) -> None:
        if self._tool < 0:
            return
        monitoring = self._api
        for code in self.codes:
            monitoring.set_local_events(self._tool, code, 0)
        monitoring.register_callback(self._tool, monitoring.events.PY_START, None)
        monitoring.free_tool_id(self._tool)
        self._tool = -1

    def reset(self) -> None:
        """A new test starts: forget what the last one reached."""
        self.names.clear()
        self.blind = ""
        if self._tool >= 0 and self._fired:
            start = self._api.events.PY_START
            for code in self._fired:
                self._api.set_local_events(self._tool, code, start)
            self._fired.clear()

    @contextmanager
    def watching(self) -> Iterator[None]:
        """Around one phase of a test (``sys.monitoring`` watches all the time)."""
        current = sys.gettrace()
        if self._api is not None or not self.codes or (current and current is self._tracer):
            yield  # nothing to do, or watching already (a phase within a phase)
            return
        if current is not None:
            self.blind = "another tool traces this process (sys.settrace)"
            yield
            return
        if self._tracer is None:
            self._tracer = self._make_tracer()
        sys.settrace(self._tracer)
        try:
            yield
        finally:
            sys.settrace(None)

    def _make_tracer(self) -> Any:
        """The trace function: notes a trainable's frame, traces no frame line by line."""
        # By id: a code object's hash is computed from its contents on every call.
        ids = {id(code): name for code, name in self.codes.items()}
        names = self.names

        def trace(frame: types.FrameType, event: str, arg: Any) -> None:
            name = ids.get(id(frame.f_code))
            if name is not None:
                names[name] = None

        return trace

"""Recording the calls of trainable functions while a test runs.

``with Recorder(codes): run_the_test()`` records, in the current thread, every call of
the functions whose code objects are keys of ``codes``, as :class:`CallNode` objects:
arguments and result (or exception, and the line it passed) as bounded values, the
enclosing recorded call (``parent``) and the data flow (``inputs_from``: an argument that
*is* the object an earlier recorded call returned). :meth:`Recorder.graph` turns them
into the :class:`TraceGraph` of a test. Beyond that (see ``docs/trace.md``):

- operators: with ``project_root``, calls of the project's other functions (not test
  files, not installed packages) made directly inside a trainable call, or whose value a
  recorded call receives, with the first paragraph of their docstring;
- line by line: the local variables of the first calls of each trainable function, and
  of its latest calls while a budget of line events lasts (:mod:`~pytest_trace.trace.lines`:
  bounded, loops summarized; a call that raised shows every local at the raising line);
- methods: the attributes of ``self`` the method uses, before and after.

Two ways to get the events, with the same records: on CPython 3.12+ ``sys.monitoring``
(:mod:`~pytest_trace.trace.monitor`: events on the recorded code objects alone, other
code pays nothing once seen; another tool's ``sys.settrace`` keeps working), else, or
when no ``sys.monitoring`` tool id is free, ``sys.settrace``
(:mod:`~pytest_trace.trace.settrace`). This module holds what both share: the records,
the bounds, and the work off the hot path (detailed calls, generators, exceptions).

Bounds. At most ``max_calls`` calls are stored: the first half, and a ring of the latest
(closest to the failure); the others are counted in :attr:`Recorder.dropped_calls`. At
most twice :data:`MAX_LINKED_OBJECTS` returned objects are kept alive for the data flow (an
id must not be reused while it can link): memory does not grow with the number of calls.

A generator or coroutine is one call (resumptions make no node); a generator's
``result`` summarizes what it yielded.

Robustness. Nothing raised inside the recorder reaches user code: the recorder stops, keeps
what it recorded and says why in :attr:`Recorder.error`. Values are never wrapped.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from pytest_trace.model import CallNode, TraceGraph
from pytest_trace.trace import codeinfo
from pytest_trace.trace.assembly import assemble, operator_docs
from pytest_trace.trace.codeinfo import codes_of
from pytest_trace.trace.lines import DEFAULT_LINE_LIMITS, LOCALS_LIMITS, LineLimits, LineLog
from pytest_trace.trace.records import (
    DEFERRED_TYPES,
    EXCEPTION,
    ID,
    LINES,
    MAX_LINKED_OBJECTS,
    MAX_OPERATOR_CALLS,
    OPERATOR,
    RAISED_LINE,
    RESULT,
    RESULT_DEFERRED_TYPES,
    SELF_AFTER,
    SELF_BEFORE,
    TRAINABLE,
    UNLINKED_TYPES,
    CallStore,
    CodeFacts,
    Detail,
    LatestLogs,
    Producers,
    Raw,
    Record,
    Suspendable,
    deferred,
    forget_oldest,
    new_record,
)
from pytest_trace.trace.values import DEFAULT_LIMITS, Renderer, ReprLimits

__all__ = ["MAX_LINKED_OBJECTS", "MAX_OPERATOR_CALLS", "Recorder", "codes_of"]

Frame = types.FrameType
State = Suspendable | Detail | None


class Recorder:
    """Records calls of the functions whose code objects are keys of ``codes``.

    ``codes`` maps each code object to the parameter name of its function (see
    :func:`codes_of`). At most ``max_calls`` calls are stored: the first half and the
    most recent ones; the rest are counted, in :attr:`dropped_calls`. With
    ``project_root`` (one directory or several), the project's other functions are
    recorded as operators. ``use_monitoring``: ``sys.monitoring`` where it exists and
    a tool id is free (None), or ``sys.settrace`` (False). Use it once, as a context
    manager, in the recorded thread.
    """

    def __init__(
        self,
        codes: Mapping[types.CodeType, str],
        *,
        max_calls: int = 1000,
        limits: ReprLimits = DEFAULT_LIMITS,
        project_root: str | Path | Sequence[str | Path] | None = None,
        lines: LineLimits = DEFAULT_LINE_LIMITS,
        use_monitoring: bool | None = None,
    ) -> None:
        if max_calls < 0:
            raise ValueError("max_calls must not be negative")
        # By id (a code object's hash is computed from its contents on every call);
        # _code_objects keeps those code objects alive: no id is reused.
        self._codes: dict[int, CodeFacts | Literal[False]] = {
            id(code): CodeFacts(code, name, line_calls=lines.calls_per_function)
            for code, name in codes.items()
        }
        self._code_objects: list[types.CodeType] = list(codes)
        roots = [project_root] if isinstance(project_root, (str, Path)) else project_root
        self._user = codeinfo.UserCode(roots) if roots else None
        self._max_calls = max_calls
        self._store = CallStore(max_calls)
        self._limits = limits
        self._line_limits = lines
        self._line_events = [lines.events]  # line events left before later calls go unlogged
        self._latest_logs = LatestLogs(lines.latest)
        self._renderer = Renderer(limits)
        self._locals_renderer = Renderer(LOCALS_LIMITS)
        self._error: str | None = None
        self._active = False
        self._used = False
        self._use_monitoring = use_monitoring
        self._backend: Any = None  # settrace.Tracer or monitor.Monitor while recording
        # While recording: the recorded frames now running, innermost last, with their
        # record and (for generators, coroutines and detailed calls) their state.
        self._stack: list[tuple[Frame, Record, State]] = []
        self._suspendables: dict[Frame, Suspendable] = {}
        # Data flow of the values rendered during the call: id of a returned object -> the
        # call that returned it, and the object (kept alive, so that no other object
        # reuses the id). Values stored as they are get theirs when the test ends, with
        # the ids of the coroutines that returned one and the call that started next.
        self._producers: Producers = {}
        self._late_results: dict[int, int] = {}

    # -- public --

    @property
    def calls(self) -> list[CallNode]:
        """The calls kept so far, in call order."""
        for state in self._suspendables.values():
            state.record[RESULT] = state.summary(self._limits)
        return assemble(self._store.records(), self._renderer, self._late_results)

    @property
    def dropped_calls(self) -> int:
        """Calls not stored because ``max_calls`` calls had been recorded."""
        return self._store.dropped

    @property
    def error(self) -> str | None:
        """Why recording stopped early (a failure inside the recorder), else None."""
        return self._error

    @property
    def events(self) -> str:
        """Where the events come from: ``sys.monitoring``, ``sys.settrace`` (or ``""``
        before recording)."""
        return "" if self._backend is None else str(self._backend.NAME)

    def graph(self, test: str, test_source: str = "") -> TraceGraph:
        """The trace of ``test``: the calls kept, in call order."""
        calls = self.calls
        return TraceGraph(
            test=test,
            test_source=test_source,
            calls=calls,
            dropped_calls=self._store.dropped,
            dropped_at=self._store.dropped_at(calls),
            docs=operator_docs(self._codes.values(), calls),
        )

    def __enter__(self) -> Recorder:
        if self._used:
            raise RuntimeError("a Recorder records once: make a new one")
        self._used = self._active = True
        if self._use_monitoring is not False and hasattr(sys, "monitoring"):
            from pytest_trace.trace.monitor import Monitor

            monitor = Monitor(self)
            if monitor.start():
                self._backend = monitor
                return self
        from pytest_trace.trace.settrace import Tracer

        self._backend = Tracer(self)
        self._backend.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._active:
            self._stop()

    # -- life cycle --

    def _stop(self, error: str | None = None) -> None:
        """Stop the events; release frames and returned objects."""
        self._active = False
        problem = self._backend.stop()
        if self._error is None:
            self._error = error or problem
        for frame, _record, _state in self._stack:
            frame.f_trace = None
        for frame, state in self._suspendables.items():
            frame.f_trace = None
            state.record[RESULT] = state.summary(self._limits)
        self._stack.clear()
        self._suspendables.clear()
        self._producers.clear()

    def _fail(self, exc: BaseException) -> None:
        """Stop recording after a failure inside the recorder (never raises)."""
        try:
            if self._error is None:
                self._error = f"recording stopped: {type(exc).__name__}: {exc}"
            if self._active:
                self._stop()
        except Exception:  # pragma: no cover - last resort: stop at any price
            sys.settrace(None)

    def _storing(self) -> tuple[Callable[[Any], str], int, int, frozenset[type], frozenset[type]]:
        """What the backends' hot paths store values with (:func:`records.deferred`,
        written out inline there): the renderer, the limits of the ints and strings stored
        as they are, and the other types stored as they are as arguments and as results."""
        renderer, max_string = self._renderer, self._limits.max_string
        return renderer.repr, renderer.int_limit, max_string, DEFERRED_TYPES, RESULT_DEFERRED_TYPES

    # -- calls off the hot path (both backends) --

    def _classify(self, code: types.CodeType, module: str) -> CodeFacts | None:
        """The first call of a code object that is not trainable: an operator or not
        (None; remembered as such)."""
        assert self._user is not None
        self._code_objects.append(code)
        if not self._user.owns(code):
            self._codes[id(code)] = False
            return None
        facts = CodeFacts(code, self._user.name(code, module), operator=True)
        if facts.kind is not None:  # generators and coroutines are not operators
            self._codes[id(code)] = False
            return None
        self._codes[id(code)] = facts
        return facts

    def _new_record(self, f_locals: Mapping[str, Any], code: CodeFacts, kind: str) -> Record:
        renderer = self._renderer
        producer_of = self._producers.get
        args: dict[str, Any] = {}
        inputs: dict[str, int] = {}
        for name in code.args:
            obj = f_locals[name]
            if deferred(obj, renderer):
                args[name] = obj  # linked when the test ends (assembly.link_stored)
                continue
            args[name] = self._raw(obj)
            source = producer_of(id(obj))
            if source is not None:
                inputs[name] = source[0]
        parent = self._stack[-1][1][ID] if self._stack else None
        record = new_record(-1, code.name, args, parent, inputs, kind)
        self._store.add(record)
        return record

    def _raw(self, obj: object) -> Raw:
        return type(obj).__qualname__, self._renderer.repr(obj)

    def _begin_detailed(self, frame: Frame, code: CodeFacts) -> Detail | None:
        """Start a plain call off the hot path (operators, methods, line by line, the
        ring): pushed with its state, or None when it is not recorded (an operator
        over its cap). Generators: :meth:`_begin_suspendable`."""
        if code.operator:
            caller = self._stack[-1] if self._stack else None
            inside = caller is not None and caller[0] is frame.f_back and caller[1][-1] == TRAINABLE
            if not inside:
                if code.operator_calls >= MAX_OPERATOR_CALLS:
                    return None
                code.operator_calls += 1
        f_locals = frame.f_locals  # (each read copies the frame's variables, on 3.11 and 3.12)
        record = self._new_record(f_locals, code, OPERATOR if code.operator else TRAINABLE)
        log = None
        first, later = code.line_calls > 0, code.more_lines and self._line_events[0] > 0
        if first or later:
            log = LineLog(code.def_line, self._locals_renderer, self._line_limits)
            log.start(f_locals)
            record[LINES] = log
            if first:
                code.line_calls -= 1
            else:
                self._latest_logs.add(code, record)
        elif code.more_lines:  # the budget of line events is spent
            code.more_lines = False
            code.update()
        if code.self_attributes:
            record[SELF_BEFORE] = code.self_values(frame, self._locals_renderer)
        detail = Detail(record, code, log)
        self._stack.append((frame, record, detail))
        return detail

    def _begin_suspendable(self, frame: Frame, code: CodeFacts) -> Suspendable:
        """The first start of a generator or coroutine frame: its record, pushed."""
        state = Suspendable(self._new_record(frame.f_locals, code, TRAINABLE), code)
        self._suspendables[frame] = state
        self._stack.append((frame, state.record, state))
        return state

    def _returned_value(self, record: Record, obj: Any) -> None:
        if deferred(obj, self._renderer, result=True):
            record[RESULT] = obj  # linked when the test ends (assembly.link_stored)
            return
        record[RESULT] = self._raw(obj)
        if type(obj) not in UNLINKED_TYPES:
            self._producers[id(obj)] = (record[ID], obj)
            if len(self._producers) > 2 * MAX_LINKED_OBJECTS:
                forget_oldest(self._producers)

    def _detail_ends(self, frame: Frame, detail: Detail) -> None:
        """A detailed call returns or raises: ``self`` after it."""
        if detail.code.self_attributes:
            detail.record[SELF_AFTER] = detail.code.self_values(frame, self._locals_renderer)

    def _yielded(self, state: Suspendable, value: Any) -> None:
        """A generator or coroutine suspended (a yield, or an await)."""
        if state.code.kind != "coroutine":
            state.yielded += 1
            if len(state.yields) < self._limits.max_items:
                state.yields.append(self._renderer.repr(value))

    def _generator_returned(self, frame: Frame, state: Suspendable, value: Any) -> None:
        state.finished = True
        self._suspendables.pop(frame, None)
        if state.code.kind == "coroutine":
            self._returned_value(state.record, value)
            # A coroutine returns after calls that started later: from this call on.
            self._late_results[state.record[ID]] = self._store.next_call_id
        else:
            if value is not None:
                state.returned = self._renderer.repr(value)
            state.record[RESULT] = state.summary(self._limits)

    def _exception_left(
        self,
        frame: Frame,
        record: Record,
        code: CodeFacts,
        state: Suspendable | None,
        exc: BaseException,
        line: int,
    ) -> None:
        """``exc`` left the recorded call of ``frame``, passing ``line``."""
        record[RAISED_LINE] = line - code.def_line + 1
        if record[LINES] is not None:
            record[LINES].raised(frame.f_locals)
        elif not code.operator:  # the locals as it raised
            record[LINES] = LineLog(code.def_line, self._locals_renderer, self._line_limits)
            record[LINES].end(line, frame.f_locals)
        if state is not None:
            state.finished = True
            self._suspendables.pop(frame, None)
            if isinstance(exc, GeneratorExit):
                state.closed = True
                record[RESULT] = state.summary(self._limits)
                return
            if state.code.kind != "coroutine":
                record[RESULT] = state.summary(self._limits)
        record[EXCEPTION] = self._raw(exc)

"""Recording the calls of trainable functions while a test runs, with ``sys.settrace``.

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

Cost. For code not recorded, the global trace function does one dict lookup, by the code
object's id (its hash would be computed from its contents on every call). Recorded frames
get line events only when recorded line by line. The common case (a plain trainable call)
is inline; the rest goes through methods.

Bounds. At most ``max_calls`` calls are stored: the first half, and a ring of the latest
(closest to the failure); the others are counted in :attr:`Recorder.dropped_calls`. At
most :data:`MAX_LINKED_OBJECTS` returned objects are kept alive for the data flow (an id
must not be reused while it can link): memory does not grow with the number of calls.

Return versus exception: a ``return`` event with ``None`` after an ``exception`` event is
an exception leaving the call unless the frame stopped at a ``return`` instruction. A
generator or coroutine is one call (resumptions make no node); a generator's ``result``
summarizes what it yielded. Events of other frames are not forwarded to the previous
trace function, so coverage.py misses the lines of frames started while recording.

Robustness. Nothing raised inside the tracer reaches user code: the recorder stops, keeps
what it recorded and says why in :attr:`Recorder.error`. Values are never wrapped.
"""

from __future__ import annotations

import sys
import types
from collections import deque
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from pytest_trace.model import CallNode, TraceGraph
from pytest_trace.trace import codeinfo
from pytest_trace.trace.codeinfo import codes_of
from pytest_trace.trace.lines import DEFAULT_LINE_LIMITS, LOCALS_LIMITS, LineLimits, LineLog
from pytest_trace.trace.records import (
    EXCEPTION,
    ID,
    LINES,
    OPERATOR,
    RAISED_LINE,
    RESULT,
    RETURN_OPS,
    SELF_AFTER,
    SELF_BEFORE,
    SUSPEND_OPS,
    TRAINABLE,
    UNLINKED_TYPES,
    CallStore,
    CodeFacts,
    Detail,
    LatestLogs,
    Raw,
    Record,
    Suspendable,
    assemble,
    new_record,
    operator_docs,
)
from pytest_trace.trace.values import DEFAULT_LIMITS, Renderer, ReprLimits

__all__ = ["MAX_LINKED_OBJECTS", "MAX_OPERATOR_CALLS", "Recorder", "codes_of"]

TraceFunction = Any  # what sys.settrace takes: (frame, event, arg) -> TraceFunction | None

#: Returned objects kept alive for the data flow (their ids must stay unique).
MAX_LINKED_OBJECTS = 256
#: Calls of one operator recorded outside trainable calls (a test's helpers).
MAX_OPERATOR_CALLS = 50


class Recorder:
    """Records calls of the functions whose code objects are keys of ``codes``.

    ``codes`` maps each code object to the parameter name of its function (see
    :func:`codes_of`). At most ``max_calls`` calls are stored: the first half and the
    most recent ones; the rest are counted, in :attr:`dropped_calls`. With
    ``project_root`` (one directory or several), the project's other functions are
    recorded as operators. Use it once, as a context manager, in the recorded thread.
    """

    def __init__(
        self,
        codes: Mapping[types.CodeType, str],
        *,
        max_calls: int = 1000,
        limits: ReprLimits = DEFAULT_LIMITS,
        project_root: str | Path | Sequence[str | Path] | None = None,
        lines: LineLimits = DEFAULT_LINE_LIMITS,
    ) -> None:
        if max_calls < 0:
            raise ValueError("max_calls must not be negative")
        # By id (see Cost); _code_objects keeps those code objects alive: no id is reused.
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
        self._previous: TraceFunction = None
        self._tracer: TraceFunction = None
        self._line_tracer: TraceFunction = None
        # While recording: the recorded frames now running, innermost last, with their
        # record and (for generators, coroutines and detailed calls) their state.
        self._stack: list[tuple[types.FrameType, Record, Suspendable | Detail | None]] = []
        self._suspendables: dict[types.FrameType, Suspendable] = {}
        # The exception last seen in a running recorded frame: offset and line it was at.
        self._pending: dict[types.FrameType, tuple[BaseException, int, int]] = {}
        # Data flow: id of a returned object -> id of the call that returned it. The
        # last objects are kept alive in _returned, so that no other object reuses the id.
        self._producers: dict[int, int] = {}
        self._returned: deque[tuple[int, object, int]] = deque()

    # -- public --

    @property
    def calls(self) -> list[CallNode]:
        """The calls kept so far, in call order."""
        for state in self._suspendables.values():
            state.record[RESULT] = state.summary(self._limits)
        return assemble(self._store.records())

    @property
    def dropped_calls(self) -> int:
        """Calls not stored because ``max_calls`` calls had been recorded."""
        return self._store.dropped

    @property
    def error(self) -> str | None:
        """Why recording stopped early (a failure inside the recorder), else None."""
        return self._error

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
        self._previous = sys.gettrace()
        self._tracer = self._make_tracer()
        sys.settrace(self._tracer)
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._active:
            self._stop()

    # -- recording --

    def _stop(self) -> None:
        """Restore the previous trace function; release frames and returned objects."""
        self._active = False
        if sys.gettrace() is not self._tracer and self._error is None:
            # Python removes a trace function that raises (a RecursionError when calling
            # it, at the recursion limit); a debugger or a test may have replaced it.
            self._error = (
                "recording stopped: the trace function was removed or replaced while"
                " recording (a RecursionError in it, a debugger, or a call of sys.settrace)"
            )
        sys.settrace(self._previous)
        self._tracer = self._line_tracer = None
        for frame, _record, _state in self._stack:
            frame.f_trace = None
        for frame, state in self._suspendables.items():
            frame.f_trace = None
            state.record[RESULT] = state.summary(self._limits)
        self._stack.clear()
        self._suspendables.clear()
        self._pending.clear()
        self._producers.clear()
        self._returned.clear()

    def _fail(self, exc: Exception) -> None:
        """Stop recording after a failure inside the tracer (never raises)."""
        try:
            if self._error is None:
                self._error = f"recording stopped: {type(exc).__name__}: {exc}"
            if self._active:
                self._stop()
        except Exception:  # pragma: no cover - last resort: stop tracing at any price
            sys.settrace(None)

    def _make_tracer(self) -> TraceFunction:
        """The global trace function, with what its hot path uses bound to locals.

        The hot path (a plain trainable function's call, stored among the first calls,
        and its return without exception) is written out inline; everything else goes
        to methods. Records are laid out as in :mod:`~pytest_trace.trace.records`
        (indices written as literals here).
        """
        codes_get = self._codes.get
        id_of = id
        records = self._store.head
        add_record = records.append
        stack = self._stack
        push = stack.append
        pop = stack.pop
        pending = self._pending
        producers = self._producers
        producer_of = producers.get
        returned = self._returned
        keep = returned.append
        max_linked = MAX_LINKED_OBJECTS
        forget = returned.popleft
        render = self._renderer.repr
        # Small ints and floats are rendered inline (their repr is short); with limits
        # too small for that, every value goes through the renderer.
        int_limit = self._renderer.int_limit
        fast_float = float if self._limits.max_total >= 32 else None
        head_size = self._store.head_size
        add_latest = self._store.tail.append
        next_id = self._store.next_id
        unlinked = UNLINKED_TYPES
        start_detailed = self._start_detailed
        classify = self._classify if self._user is not None else None
        finish = self._finish
        fail = self._fail
        line_events = self._line_events

        def local_trace(frame: types.FrameType, event: str, arg: Any) -> TraceFunction:
            try:
                if event == "return":
                    top, record, state = pop()
                    raised = pending.pop(frame, None) if pending else None
                    if top is not frame:
                        raise RuntimeError("recorded frames out of step")
                    if state is None and raised is None:
                        kind = type(arg)
                        if (kind is int and -int_limit < arg < int_limit) or kind is fast_float:
                            record[3] = (kind.__qualname__, repr(arg))
                        else:
                            record[3] = (kind.__qualname__, render(arg))
                        if kind not in unlinked and not (kind is int and -6 < arg < 257):
                            key = id(arg)
                            producers[key] = call_id = record[0]
                            keep((key, arg, call_id))
                            if len(returned) > max_linked:  # let the oldest go
                                old, _obj, old_call = forget()
                                if producer_of(old) == old_call:
                                    del producers[old]
                    else:
                        finish(frame, record, state, arg, raised)
                elif event == "exception":
                    pending[frame] = (arg[1], frame.f_lasti, frame.f_lineno)
            except Exception as exc:
                fail(exc)
                return None
            return local_trace

        def line_trace(frame: types.FrameType, event: str, arg: Any) -> TraceFunction:
            try:
                state = stack[-1][2] if stack else None
                if isinstance(state, Detail) and stack[-1][0] is frame and state.log is not None:
                    if event == "line":
                        state.log.line(frame.f_lineno, frame.f_locals)
                        line_events[0] -= 1
                        return line_trace
                    if event == "return":
                        state.log.end(frame.f_lineno, frame.f_locals)
            except Exception as exc:
                fail(exc)
                return None
            return line_trace if local_trace(frame, event, arg) is not None else None

        def global_trace(frame: types.FrameType, event: str, arg: Any) -> TraceFunction:
            try:
                code = codes_get(id_of(frame.f_code))
                if code is None:
                    return None if classify is None else classify(frame, local_trace)
                if code is False:
                    return None
                if code.detailed:
                    return start_detailed(frame, code, local_trace)
                call_id = len(records)
                store = add_record
                if call_id >= head_size:  # past the first calls: into the ring
                    call_id = next_id[0]
                    next_id[0] = call_id + 1
                    store = add_latest
                frame.f_trace_lines = False
                f_locals = frame.f_locals
                args = {}
                inputs = None  # made only when an argument has a producer
                for name in code.args:
                    obj = f_locals[name]
                    kind = type(obj)
                    if (kind is int and -int_limit < obj < int_limit) or kind is fast_float:
                        args[name] = (kind.__qualname__, repr(obj))
                    else:
                        args[name] = (kind.__qualname__, render(obj))
                    source = producer_of(id(obj))
                    if source is not None:
                        if inputs is None:
                            inputs = {}
                        inputs[name] = source
                parent = stack[-1][1][0] if stack else None
                record = [
                    call_id, code.name, args, None, None, parent, inputs,
                    None, None, None, None, "trainable",
                ]  # fmt: skip
                store(record)
                push((frame, record, None))
                return local_trace
            except Exception as exc:
                fail(exc)
                return None

        self._line_tracer = line_trace
        return global_trace

    def _classify(self, frame: types.FrameType, local_trace: TraceFunction) -> TraceFunction:
        """The first call of a code object that is not trainable: an operator or not."""
        code = frame.f_code
        assert self._user is not None
        self._code_objects.append(code)
        if not self._user.owns(code):
            self._codes[id(code)] = False
            return None
        module = frame.f_globals.get("__name__", "")
        facts = CodeFacts(code, self._user.name(code, str(module)), operator=True)
        if facts.kind is not None:  # generators and coroutines are not operators
            self._codes[id(code)] = False
            return None
        self._codes[id(code)] = facts
        return self._start_detailed(frame, facts, local_trace)

    def _new_record(self, frame: types.FrameType, code: CodeFacts, kind: str) -> Record:
        f_locals = frame.f_locals
        args: dict[str, Raw] = {}
        inputs: dict[str, int] = {}
        for name in code.args:
            obj = f_locals[name]
            args[name] = self._raw(obj)
            source = self._producers.get(id(obj))
            if source is not None:
                inputs[name] = source
        parent = self._stack[-1][1][ID] if self._stack else None
        return self._store.add(
            lambda call_id: new_record(call_id, code.name, args, parent, inputs, kind)
        )

    def _raw(self, obj: object) -> Raw:
        return type(obj).__qualname__, self._renderer.repr(obj)

    def _start_detailed(
        self, frame: types.FrameType, code: CodeFacts, local_trace: TraceFunction
    ) -> TraceFunction:
        """A call off the hot path: generators, operators, methods, line by line, the ring."""
        if code.kind is not None:
            return self._start_suspendable(frame, code, local_trace)
        if code.operator:
            caller = self._stack[-1] if self._stack else None
            inside = caller is not None and caller[0] is frame.f_back and caller[1][-1] == TRAINABLE
            if not inside:
                if code.operator_calls >= MAX_OPERATOR_CALLS:
                    return None
                code.operator_calls += 1
        record = self._new_record(frame, code, OPERATOR if code.operator else TRAINABLE)
        log = None
        first, later = code.line_calls > 0, code.more_lines and self._line_events[0] > 0
        if first or later:
            log = LineLog(code.def_line, self._locals_renderer, self._line_limits)
            log.start(frame.f_locals)
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
        frame.f_trace_lines = log is not None
        self._stack.append((frame, record, Detail(record, code, log)))
        return self._line_tracer if log is not None else local_trace

    def _start_suspendable(
        self, frame: types.FrameType, code: CodeFacts, local_trace: TraceFunction
    ) -> TraceFunction:
        """The 'call' event of a generator or coroutine frame: a first call or a resumption."""
        state = self._suspendables.get(frame)
        if state is None:
            if frame.f_lasti > code.first_resume:
                return None  # resumption of a call not recorded (dropped, or begun earlier)
            state = Suspendable(self._new_record(frame, code, TRAINABLE), code)
            self._suspendables[frame] = state
        frame.f_trace_lines = False
        self._stack.append((frame, state.record, state))
        return local_trace

    def _finish(
        self,
        frame: types.FrameType,
        record: Record,
        state: Suspendable | Detail | None,
        arg: Any,
        raised: tuple[BaseException, int, int] | None,
    ) -> None:
        """A 'return' event off the hot path: after an exception, of a detailed call, or
        of a generator."""
        if isinstance(state, Detail):
            if state.code.self_attributes:
                record[SELF_AFTER] = state.code.self_values(frame, self._locals_renderer)
            code, suspendable = state.code, None
        else:
            facts = state.code if state is not None else self._codes[id(frame.f_code)]
            assert facts, "a recorded frame has code facts"
            code, suspendable = facts, state
        offset = frame.f_lasti
        op = code.op_at(offset)
        if raised is not None and arg is None and op not in RETURN_OPS:
            exc, raised_at, line = raised
            if suspendable is None or op not in SUSPEND_OPS or offset == raised_at:
                record[RAISED_LINE] = line - code.def_line + 1
                if record[LINES] is not None:
                    record[LINES].raised(frame.f_locals)
                elif not code.operator:  # the locals as it raised
                    record[LINES] = LineLog(code.def_line, self._locals_renderer, self._line_limits)
                    record[LINES].end(line, frame.f_locals)
                self._raised(frame, record, suspendable, exc)
                return
        if suspendable is None:
            self._returned_value(record, arg)
        elif op not in RETURN_OPS:  # suspended: a yield, or an await
            if suspendable.code.kind != "coroutine":
                suspendable.yielded += 1
                if len(suspendable.yields) < self._limits.max_items:
                    suspendable.yields.append(self._renderer.repr(arg))
        else:
            suspendable.finished = True
            del self._suspendables[frame]
            if suspendable.code.kind == "coroutine":
                self._returned_value(record, arg)
            else:
                if arg is not None:
                    suspendable.returned = self._renderer.repr(arg)
                record[RESULT] = suspendable.summary(self._limits)

    def _returned_value(self, record: Record, obj: Any) -> None:
        record[RESULT] = self._raw(obj)
        if type(obj) not in UNLINKED_TYPES and not (type(obj) is int and -6 < obj < 257):
            self._producers[id(obj)] = record[ID]
            self._returned.append((id(obj), obj, record[ID]))
            if len(self._returned) > MAX_LINKED_OBJECTS:  # let the oldest go
                old, _obj, old_call = self._returned.popleft()
                if self._producers.get(old) == old_call:
                    del self._producers[old]

    def _raised(
        self,
        frame: types.FrameType,
        record: Record,
        state: Suspendable | None,
        exc: BaseException,
    ) -> None:
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

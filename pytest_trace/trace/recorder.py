"""Recording the calls of trainable functions while a test runs, with ``sys.settrace``.

``with Recorder(codes): run_the_test()`` records, in the current thread, every call of
the functions whose code objects are keys of ``codes``, as :class:`CallNode` objects:
arguments and result (or exception) as bounded :class:`Value` objects, the enclosing
recorded call (``parent``) and the data flow (``inputs_from``: an argument that *is* the
object an earlier recorded call returned). :meth:`Recorder.graph` turns them into the
:class:`TraceGraph` of a test.

Cost. The global trace function runs for every new frame in the thread and, for code
that is not trainable, does one dict lookup and returns ``None``, so only trainable
frames get a local trace function, and line events are switched off for them
(``frame.f_trace_lines``): the local tracer sees only ``return`` and ``exception``
events. Outside ``with recorder:`` nothing is installed and trainable functions cost
what any function costs. While recording, a call of any other function costs about
0.2 µs more (the global trace function) and a recorded call with small arguments about
1.8 µs (CPython 3.11; 2.6 µs on 3.12, whose ``sys.settrace`` is slower); see
``benchmarks/trainable_overhead.py``.

Return versus exception. A ``return`` event with ``None`` after an ``exception``
event means the exception propagated out of the call, unless the frame stopped at a
``return`` instruction (the exception was caught inside and the function returned
``None``): the recorder looks at the instruction at ``frame.f_lasti``.

Generators and coroutines. A generator's frame gets a ``call`` event each time it is
resumed and a ``return`` event each time it yields. The first ``call`` is the recorded
call (its arguments, its parent); resumptions create no new node. Its ``result`` is a
summary, ``Value("generator", "<generator: yielded [1, 2, 3]>")`` (the first
``max_items`` values yielded, then a count; ``, returned X`` when it returned a value;
``, closed`` when closed early; ``, suspended`` when still suspended when recording
ended), plus ``exception`` if an exception other than ``GeneratorExit`` propagated out.
Async generators are summarized the same way. A coroutine's ``result`` is the value it
returned (what ``await`` gave its caller, which takes part in the data flow); its
suspensions at ``await`` are not recorded.

Other tracers. Entering replaces the thread's trace function and exiting restores it
(as does a failure inside the recorder). The recorder does not forward events of
other frames to the previous trace function: coverage.py's C tracer, called as a
Python trace function on a ``call`` event, re-installs itself as the thread's tracer,
which would silently end the recording. So a coverage measurement misses the lines of
frames started while recording (frames it was already tracing keep reporting lines),
which is acceptable for the re-runs of failing tests that are recorded.

Robustness. Nothing raised inside the tracer reaches user code: the recorder stops
(restores the previous trace function, keeps what it recorded) and says why in
:attr:`Recorder.error`. Values returned and raised are never wrapped or copied; the
recorder only keeps references to returned objects while recording, so that object
ids stay unique for the data flow.
"""

from __future__ import annotations

import dis
import inspect
import sys
import types
from collections.abc import Iterable, Mapping
from typing import Any

from pytest_trace.model import CallNode, TraceGraph, Value
from pytest_trace.trace.values import DEFAULT_LIMITS, Renderer, ReprLimits, clip

TraceFunction = Any  # what sys.settrace takes: (frame, event, arg) -> TraceFunction | None

_RETURN_OPS = frozenset(
    dis.opmap[name] for name in ("RETURN_VALUE", "RETURN_CONST") if name in dis.opmap
)
# Where a suspended frame stands: YIELD_VALUE (YIELD_FROM on 3.10; on 3.13, the RESUME after it).
_SUSPEND_OPS = frozenset(
    dis.opmap[name] for name in ("YIELD_VALUE", "YIELD_FROM", "RESUME") if name in dis.opmap
)
# Returned objects that say nothing about data flow: never linked.
_UNLINKED_TYPES = frozenset({type(None), bool, type(NotImplemented), type(...)})

# While recording, a call is a list, cheaper to build than a CallNode, with values as
# (type name, repr) pairs and inputs_from None while empty; graph() builds the model
# objects.
_Raw = tuple[str, str]
_Record = list[Any]
_ID, _FUNCTION, _ARGS, _RESULT, _EXCEPTION, _PARENT, _INPUTS = range(7)


def codes_of(functions: Iterable[tuple[str, types.FunctionType]]) -> dict[types.CodeType, str]:
    """The ``codes`` argument of :class:`Recorder`, from ``(name, function)`` pairs.

    A function made by a decorator with ``functools.wraps`` is recorded through the
    function it wraps (its own code is the decorator's, shared by every function the
    decorator wrapped).
    """
    codes: dict[types.CodeType, str] = {}
    for name, function in functions:
        inner = inspect.unwrap(function)
        code = getattr(inner, "__code__", None)
        codes[code if isinstance(code, types.CodeType) else function.__code__] = name
    return codes


class _Code:
    """What the recorder needs to know about one trainable code object."""

    __slots__ = ("args", "first_resume", "kind", "name", "ops")

    def __init__(self, code: types.CodeType, name: str) -> None:
        flags = code.co_flags
        count = code.co_argcount + code.co_kwonlyargcount
        count += bool(flags & inspect.CO_VARARGS) + bool(flags & inspect.CO_VARKEYWORDS)
        self.name = name
        self.args: tuple[str, ...] = code.co_varnames[:count]
        self.ops = code.co_code  # co_code is rebuilt on each access (3.11+): read it once
        self.kind: str | None = None
        if flags & inspect.CO_ASYNC_GENERATOR:
            self.kind = "async_generator"
        elif flags & inspect.CO_COROUTINE:
            self.kind = "coroutine"
        elif flags & inspect.CO_GENERATOR:
            self.kind = "generator"
        # A generator's first 'call' stands at or before its first RESUME (3.11+) or at
        # f_lasti -1 (3.10); a resumption stands further on.
        self.first_resume = next(
            (ins.offset for ins in dis.get_instructions(code) if ins.opname == "RESUME"), -1
        )

    def op_at(self, offset: int) -> int:
        return self.ops[offset] if 0 <= offset < len(self.ops) else -1


class _Suspendable:
    """The state of one recorded generator, coroutine or async generator call."""

    __slots__ = ("closed", "code", "finished", "record", "returned", "yielded", "yields")

    def __init__(self, record: _Record, code: _Code) -> None:
        self.record = record
        self.code = code
        self.yields: list[str] = []
        self.yielded = 0
        self.returned: str | None = None
        self.finished = False
        self.closed = False

    def summary(self, limits: ReprLimits) -> _Raw:
        kind = self.code.kind or "generator"
        shown = ", ".join(self.yields)
        if self.yielded > len(self.yields):
            shown += f", ... ({self.yielded} values)"
        text = f"<{kind}: yielded [{shown}]"
        if self.returned is not None:
            text += f", returned {self.returned}"
        if self.closed:
            text += ", closed"
        elif not self.finished:
            text += ", suspended"
        return kind, clip(text + ">", limits.max_total)


class Recorder:
    """Records calls of the functions whose code objects are keys of ``codes``.

    ``codes`` maps each code object to the parameter name of its function (see
    :func:`codes_of`). At most ``max_calls`` calls are stored; further calls are only
    counted, in :attr:`dropped_calls`. Use it once, as a context manager, in the thread
    that runs the code to record.
    """

    def __init__(
        self,
        codes: Mapping[types.CodeType, str],
        *,
        max_calls: int = 1000,
        limits: ReprLimits = DEFAULT_LIMITS,
    ) -> None:
        if max_calls < 0:
            raise ValueError("max_calls must not be negative")
        self._codes = {code: _Code(code, name) for code, name in codes.items()}
        self._max_calls = max_calls
        self._limits = limits
        self._renderer = Renderer(limits)
        self._records: list[_Record] = []
        self._dropped = 0
        self._error: str | None = None
        self._active = False
        self._used = False
        self._previous: TraceFunction = None
        self._tracer: TraceFunction = None
        # While recording: the recorded frames now running, innermost last, with their
        # record and (for generators and coroutines) their state.
        self._stack: list[tuple[types.FrameType, _Record, _Suspendable | None]] = []
        self._suspendables: dict[types.FrameType, _Suspendable] = {}
        # The exception last seen in a running recorded frame, and the offset it was at.
        self._pending: dict[types.FrameType, tuple[BaseException, int]] = {}
        # Data flow: id of a returned object -> id of the call that returned it. The
        # objects are kept alive in _returned, so that no other object reuses the id.
        self._producers: dict[int, int] = {}
        self._returned: list[object] = []

    # -- public --

    @property
    def calls(self) -> list[CallNode]:
        """The calls recorded so far, in call order."""
        for state in self._suspendables.values():
            state.record[_RESULT] = state.summary(self._limits)
        return [_call_node(record) for record in self._records]

    @property
    def dropped_calls(self) -> int:
        """Calls not stored because ``max_calls`` calls had been recorded."""
        return self._dropped

    @property
    def error(self) -> str | None:
        """Why recording stopped early (a failure inside the recorder), else None."""
        return self._error

    def graph(self, test: str, test_source: str = "") -> TraceGraph:
        """The trace of ``test``: the calls recorded, in call order."""
        return TraceGraph(
            test=test, test_source=test_source, calls=self.calls, dropped_calls=self._dropped
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
        self._tracer = None
        for frame, _record, _state in self._stack:
            frame.f_trace = None
        for frame, state in self._suspendables.items():
            frame.f_trace = None
            state.record[_RESULT] = state.summary(self._limits)
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

        The hot path (a plain function's call and its return without exception) is
        written out inline; generators, coroutines and exceptions go to methods.
        Records are lists laid out as ``_ID, _FUNCTION, ...`` (indices written as
        literals here).
        """
        codes_get = self._codes.get
        records = self._records
        add_record = records.append
        stack = self._stack
        push = stack.append
        pop = stack.pop
        pending = self._pending
        producers = self._producers
        producer_of = producers.get
        keep = self._returned.append
        render = self._renderer.repr
        # Small ints and floats are rendered inline (their repr is short); with limits
        # too small for that, every value goes through the renderer.
        int_limit = self._renderer.int_limit
        fast_float = float if self._limits.max_total >= 32 else None
        max_calls = self._max_calls
        unlinked = _UNLINKED_TYPES
        start_suspendable = self._start_suspendable
        finish = self._finish
        fail = self._fail
        recorder = self

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
                        if kind not in unlinked:
                            producers[id(arg)] = record[0]
                            keep(arg)
                    else:
                        finish(frame, record, state, arg, raised)
                elif event == "exception":
                    pending[frame] = (arg[1], frame.f_lasti)
            except Exception as exc:
                fail(exc)
                return None
            return local_trace

        def global_trace(frame: types.FrameType, event: str, arg: Any) -> TraceFunction:
            try:
                code = codes_get(frame.f_code)
                if code is None:
                    return None
                if code.kind is not None:
                    return start_suspendable(frame, code, local_trace)
                call_id = len(records)
                if call_id >= max_calls:
                    recorder._dropped += 1
                    return None
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
                record = [call_id, code.name, args, None, None, parent, inputs]
                add_record(record)
                push((frame, record, None))
                return local_trace
            except Exception as exc:
                fail(exc)
                return None

        return global_trace

    def _new_record(self, frame: types.FrameType, code: _Code) -> _Record:
        f_locals = frame.f_locals
        args: dict[str, _Raw] = {}
        inputs: dict[str, int] = {}
        for name in code.args:
            obj = f_locals[name]
            args[name] = self._raw(obj)
            source = self._producers.get(id(obj))
            if source is not None:
                inputs[name] = source
        parent = self._stack[-1][1][_ID] if self._stack else None
        record: _Record = [len(self._records), code.name, args, None, None, parent, inputs]
        self._records.append(record)
        return record

    def _raw(self, obj: object) -> _Raw:
        return type(obj).__qualname__, self._renderer.repr(obj)

    def _start_suspendable(
        self, frame: types.FrameType, code: _Code, local_trace: TraceFunction
    ) -> TraceFunction:
        """The 'call' event of a generator or coroutine frame: a first call or a resumption."""
        state = self._suspendables.get(frame)
        if state is None:
            if frame.f_lasti > code.first_resume:
                return None  # resumption of a call not recorded (dropped, or begun earlier)
            if len(self._records) >= self._max_calls:
                self._dropped += 1
                return None
            state = _Suspendable(self._new_record(frame, code), code)
            self._suspendables[frame] = state
        frame.f_trace_lines = False
        self._stack.append((frame, state.record, state))
        return local_trace

    def _finish(
        self,
        frame: types.FrameType,
        record: _Record,
        state: _Suspendable | None,
        arg: Any,
        raised: tuple[BaseException, int] | None,
    ) -> None:
        """A 'return' event off the hot path: after an exception, or of a generator."""
        code = state.code if state is not None else self._codes[frame.f_code]
        offset = frame.f_lasti
        op = code.op_at(offset)
        if raised is not None and arg is None and op not in _RETURN_OPS:
            exc, raised_at = raised
            if state is None or op not in _SUSPEND_OPS or offset == raised_at:
                self._raised(frame, record, state, exc)
                return
        if state is None:
            self._returned_value(record, arg)
        elif op not in _RETURN_OPS:  # suspended: a yield, or an await
            if state.code.kind != "coroutine":
                state.yielded += 1
                if len(state.yields) < self._limits.max_items:
                    state.yields.append(self._renderer.repr(arg))
        else:
            state.finished = True
            del self._suspendables[frame]
            if state.code.kind == "coroutine":
                self._returned_value(record, arg)
            else:
                if arg is not None:
                    state.returned = self._renderer.repr(arg)
                record[_RESULT] = state.summary(self._limits)

    def _returned_value(self, record: _Record, obj: Any) -> None:
        record[_RESULT] = self._raw(obj)
        if type(obj) not in _UNLINKED_TYPES:
            self._producers[id(obj)] = record[_ID]
            self._returned.append(obj)

    def _raised(
        self,
        frame: types.FrameType,
        record: _Record,
        state: _Suspendable | None,
        exc: BaseException,
    ) -> None:
        if state is not None:
            state.finished = True
            self._suspendables.pop(frame, None)
            if isinstance(exc, GeneratorExit):
                state.closed = True
                record[_RESULT] = state.summary(self._limits)
                return
            if state.code.kind != "coroutine":
                record[_RESULT] = state.summary(self._limits)
        record[_EXCEPTION] = self._raw(exc)


def _call_node(record: _Record) -> CallNode:
    result, exception = record[_RESULT], record[_EXCEPTION]
    return CallNode(
        id=record[_ID],
        function=record[_FUNCTION],
        args={name: Value(*raw) for name, raw in record[_ARGS].items()},
        result=None if result is None else Value(*result),
        exception=None if exception is None else Value(*exception),
        parent=record[_PARENT],
        inputs_from=dict(record[_INPUTS] or {}),
    )

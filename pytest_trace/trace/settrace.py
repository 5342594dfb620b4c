"""The recorder's events from ``sys.settrace`` (CPython before 3.12, or when no
``sys.monitoring`` tool id is free).

Cost. For code not recorded, the global trace function does one dict lookup, by the code
object's id (its hash would be computed from its contents on every call). Recorded frames
get line events only when recorded line by line. The common case (a plain trainable call)
is inline; the rest goes through the recorder's methods.

Return versus exception: a ``return`` event with ``None`` after an ``exception`` event is
an exception leaving the call unless the frame stopped at a ``return`` instruction. A
generator's ``call`` event past its first ``RESUME`` is a resumption. Events of other
frames are not forwarded to the previous trace function, so coverage.py misses the lines
of frames started while recording. Python removes a trace function that raises (a
``BaseException``, or a ``RecursionError`` when calling it): the recorder then stops and
says so.
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

from pytest_trace.trace.records import (
    MAX_LINKED_OBJECTS,
    RETURN_OPS,
    SUSPEND_OPS,
    UNLINKED_TYPES,
    Detail,
    Record,
    forget_oldest,
)

if TYPE_CHECKING:
    from pytest_trace.trace.recorder import Recorder, State

TraceFunction = Any  # what sys.settrace takes: (frame, event, arg) -> TraceFunction | None


class Tracer:
    """The trace functions of one :class:`~pytest_trace.trace.recorder.Recorder`."""

    NAME = "sys.settrace"

    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder
        self.previous: TraceFunction = None
        self.tracer: TraceFunction = None
        # The exception last seen in a running recorded frame: offset and line it was at.
        self.pending: dict[types.FrameType, tuple[BaseException, int, int]] = {}

    def start(self) -> None:
        self.previous = sys.gettrace()
        self.tracer = self._make_tracer()
        sys.settrace(self.tracer)

    def stop(self) -> str | None:
        """Restore the previous trace function; what went wrong, if anything did."""
        problem = None
        if sys.gettrace() is not self.tracer:
            # Python removes a trace function that raises (a RecursionError when calling
            # it, at the recursion limit); a debugger or a test may have replaced it.
            problem = (
                "recording stopped: the trace function was removed or replaced while"
                " recording (a RecursionError in it, a debugger, or a call of sys.settrace)"
            )
        sys.settrace(self.previous)
        self.tracer = None
        self.pending.clear()
        return problem

    def _make_tracer(self) -> TraceFunction:
        """The global trace function, with what its hot path uses bound to locals.

        The hot path (a plain trainable function's call, stored among the first calls,
        and its return without exception) is written out inline; everything else goes
        to methods. Records are laid out as in :mod:`~pytest_trace.trace.records`
        (indices written as literals here).
        """
        rec = self.recorder
        codes_get = rec._codes.get
        id_of = id
        records = rec._store.head
        add_record = records.append
        stack = rec._stack
        push = stack.append
        pop = stack.pop
        pending = self.pending
        producers = rec._producers
        producer_of = producers.get
        max_linked = 2 * MAX_LINKED_OBJECTS
        # Short immutable values are stored as they are, rendered when the test ends;
        # other values are rendered now.
        render, int_limit, max_string, scalars, result_scalars = rec._storing()
        head_size = rec._store.head_size
        add_latest = rec._store.tail.append
        next_id = rec._store.next_id
        unlinked = UNLINKED_TYPES
        start_detailed = self._start_detailed
        classify = self._classify if rec._user is not None else None
        finish = self._finish
        fail = rec._fail
        line_events = rec._line_events

        def local_trace(frame: types.FrameType, event: str, arg: Any) -> TraceFunction:
            try:
                if event == "return":
                    top, record, state = pop()
                    raised = pending.pop(frame, None) if pending else None
                    if top is not frame:
                        raise RuntimeError("recorded frames out of step")
                    if state is None and raised is None:
                        kind = type(arg)
                        if (
                            kind in result_scalars
                            or (kind is int and -int_limit < arg < int_limit)
                            or (kind is str and len(arg) <= max_string)
                        ):
                            record[3] = arg  # linked when the test ends
                        else:
                            record[3] = (kind.__qualname__, render(arg))
                            if kind not in unlinked:
                                producers[id(arg)] = (record[0], arg)
                                if len(producers) > max_linked:
                                    forget_oldest(producers)
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
                    return None if classify is None else classify(frame)
                if code is False:
                    return None
                if code.detailed:
                    return start_detailed(frame, code)
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
                    if (
                        kind in scalars
                        or (kind is int and -int_limit < obj < int_limit)
                        or (kind is str and len(obj) <= max_string)
                    ):
                        args[name] = obj  # linked when the test ends (assembly.link_stored)
                        continue
                    args[name] = (kind.__qualname__, render(obj))
                    source = producer_of(id(obj))
                    if source is not None:
                        if inputs is None:
                            inputs = {}
                        inputs[name] = source[0]
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

        self.local_trace = local_trace
        self.line_trace = line_trace
        return global_trace

    def _classify(self, frame: types.FrameType) -> TraceFunction:
        """The first call of a code object that is not trainable: an operator or not."""
        module = frame.f_globals.get("__name__", "")
        facts = self.recorder._classify(frame.f_code, str(module))
        return None if facts is None else self._start_detailed(frame, facts)

    def _start_detailed(self, frame: types.FrameType, code: Any) -> TraceFunction:
        """A call off the hot path: generators, operators, methods, line by line, the ring."""
        rec = self.recorder
        if code.kind is not None:
            state = rec._suspendables.get(frame)
            if state is None:
                if frame.f_lasti > code.first_resume:
                    return None  # resumption of a call not recorded (dropped, or begun earlier)
                rec._begin_suspendable(frame, code)
            else:
                rec._stack.append((frame, state.record, state))
            frame.f_trace_lines = False
            return self.local_trace
        detail = rec._begin_detailed(frame, code)
        if detail is None:
            return None
        frame.f_trace_lines = detail.log is not None
        return self.line_trace if detail.log is not None else self.local_trace

    def _finish(
        self,
        frame: types.FrameType,
        record: Record,
        state: State,
        arg: Any,
        raised: tuple[BaseException, int, int] | None,
    ) -> None:
        """A 'return' event off the hot path: after an exception, of a detailed call, or
        of a generator."""
        rec = self.recorder
        if isinstance(state, Detail):
            if state.code.self_attributes:
                rec._detail_ends(frame, state)
            if raised is None:
                rec._returned_value(record, arg)
                return
            code, suspendable = state.code, None
        else:
            facts = state.code if state is not None else rec._codes[id(frame.f_code)]
            assert facts, "a recorded frame has code facts"
            code, suspendable = facts, state
        offset = frame.f_lasti
        op = code.op_at(offset)
        if raised is not None and arg is None and op not in RETURN_OPS:
            exc, raised_at, line = raised
            if suspendable is None or op not in SUSPEND_OPS or offset == raised_at:
                rec._exception_left(frame, record, code, suspendable, exc, line)
                return
        if suspendable is None:
            rec._returned_value(record, arg)
        elif op not in RETURN_OPS:  # suspended: a yield, or an await
            rec._yielded(suspendable, arg)
        else:
            rec._generator_returned(frame, suspendable, arg)

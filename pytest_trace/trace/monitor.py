"""The recorder's events from ``sys.monitoring`` (CPython 3.12+).

Events, for the recording thread only (other threads are ignored, as with
``sys.settrace``, which is per thread):

- ``PY_START``: on the trainables' code objects alone (``set_local_events``); with a
  project root, on every code object, to find the operators: a code object that is
  not the project's (or a generator, or a test file's) answers ``DISABLE`` at its first
  call and costs nothing afterwards;
- ``PY_RETURN``, and ``PY_YIELD`` and ``PY_RESUME`` for generators and coroutines: on the
  recorded code objects alone; ``LINE`` on those still recorded line by line (switched
  off when their budget is spent);
- ``PY_UNWIND`` (an exception leaves a frame) and ``PY_THROW`` (an exception thrown
  into a generator): global events (``sys.monitoring`` has no local ones), which return at
  once for frames not recorded.

The callbacks get the code object; the frame is ``sys._getframe(1)``. A ``PY_START``
fires once per call (a resumption is a ``PY_RESUME``); ``PY_UNWIND`` says an exception
left the frame, at its ``f_lineno``: no guess from the instruction it stopped at.

Tool id: the first free of 3, 4, 2 and 5 (0 is a debugger's, 1 coverage.py's); when none
is free, the recorder uses ``sys.settrace``. ``restart_events`` at the start undoes the
``DISABLE`` of earlier recordings. Other tools (``sys.settrace`` included) keep their
events. A callback that raises stops the recording; one that cannot even be called (at
the recursion limit) is noticed when the ``RecursionError`` leaves a recorded frame
whose recorded callee never started.
"""

from __future__ import annotations

import sys
import threading
import types
from typing import TYPE_CHECKING, Any

from pytest_trace.trace.records import (
    MAX_LINKED_OBJECTS,
    UNLINKED_TYPES,
    CodeFacts,
    Detail,
    forget_oldest,
)

if TYPE_CHECKING:
    from pytest_trace.trace.recorder import Recorder

#: ``sys.monitoring`` tool ids tried in turn.
TOOL_IDS = (3, 4, 2, 5)
TOOL_NAME = "pytest-trace recorder"


class Monitor:
    """The ``sys.monitoring`` callbacks of one :class:`~pytest_trace.trace.recorder.Recorder`."""

    NAME = "sys.monitoring"

    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder
        #: ``sys.monitoring`` (typed loosely: mypy may check for a Python before 3.12).
        self.api: Any = sys.monitoring  # type: ignore[attr-defined,unused-ignore]
        self.tool = -1
        self.local: dict[types.CodeType, int] = {}  # local events set, by code object
        self.thread = threading.get_ident()
        self.unwound: types.FrameType | None = None  # the last recorded frame an exception left
        self.callbacks: dict[int, Any] = {}

    # -- life cycle --

    def start(self) -> bool:
        """Take a tool id and switch the events on; False when every id is taken."""
        api = self.api
        for tool in TOOL_IDS:
            if api.get_tool(tool) is None:
                try:
                    api.use_tool_id(tool, TOOL_NAME)
                except ValueError:  # taken by another thread meanwhile
                    continue
                self.tool = tool
                break
        else:
            return False
        events = api.events
        api.restart_events()
        started, returned, yielded, resumed, unwound, line = self._make_callbacks()
        self.callbacks = {
            events.PY_START: started,
            events.PY_RETURN: returned,
            events.PY_YIELD: yielded,
            events.PY_RESUME: resumed,
            events.PY_THROW: resumed,
            events.PY_UNWIND: unwound,
            events.LINE: line,
        }
        for event, callback in self.callbacks.items():
            api.register_callback(tool, event, callback)
        every_start = events.PY_START if self.recorder._user is not None else 0  # operators
        api.set_events(tool, events.PY_UNWIND | events.PY_THROW | every_start)
        for facts in list(self.recorder._codes.values()):
            if facts:
                self.watch(facts, start=not every_start)
        return True

    def stop(self) -> str | None:
        if self.tool < 0:
            return None
        api, tool = self.api, self.tool
        self.tool = -1
        if api.get_tool(tool) != TOOL_NAME:
            return "recording stopped: the recorder's sys.monitoring tool id was taken over"
        api.set_events(tool, 0)
        for code in self.local:
            api.set_local_events(tool, code, 0)
        self.local.clear()
        for event in self.callbacks:
            api.register_callback(tool, event, None)
        api.free_tool_id(tool)
        return None

    def watch(self, facts: CodeFacts, *, start: bool = False) -> None:
        """Set the local events of a recorded code object (LINE while it needs lines)."""
        events = self.api.events
        wanted = events.PY_RETURN | (events.PY_START if start else 0)
        if facts.kind is not None:
            wanted |= events.PY_YIELD | events.PY_RESUME
        if self._needs_lines(facts):
            wanted |= events.LINE
        if self.local.get(facts.code) != wanted:
            self.local[facts.code] = wanted
            self.api.set_local_events(self.tool, facts.code, wanted)

    # -- callbacks --

    def _make_callbacks(self) -> tuple[Any, ...]:
        """The callbacks, with what their hot path uses bound to locals (records laid out
        as in :mod:`~pytest_trace.trace.records`, indices written as literals)."""
        rec = self.recorder
        codes_get = rec._codes.get
        records = rec._store.head
        add_record = records.append
        stack = rec._stack
        push = stack.append
        pop = stack.pop
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
        suspendables = rec._suspendables
        line_events = rec._line_events
        fail = self._fail
        getframe = sys._getframe
        get_ident = threading.get_ident
        thread = self.thread
        start_other = self._start_other
        lines_done = self._lines_done
        not_top = self._not_top

        def started(code: types.CodeType, offset: int) -> Any:
            try:
                facts = codes_get(id(code))
                if facts is None or facts is False or facts.detailed:
                    return start_other(code, facts)
                if get_ident() != thread:
                    return None
                frame = getframe(1)
                f_locals = frame.f_locals
                call_id = len(records)
                store = add_record
                if call_id >= head_size:  # past the first calls: into the ring
                    call_id = next_id[0]
                    next_id[0] = call_id + 1
                    store = add_latest
                args = {}
                inputs = None  # made only when an argument has a producer
                for name in facts.args:
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
                    call_id, facts.name, args, None, None, parent, inputs,
                    None, None, None, None, "trainable",
                ]  # fmt: skip
                store(record)
                push((frame, record, None))
            except Exception as exc:
                fail(exc)
            except BaseException as exc:
                fail(exc, passing=True)
                raise
            return None

        def returned_(code: types.CodeType, offset: int, value: Any) -> Any:
            try:
                if not stack:  # (a frame on the stack is of the recording thread)
                    return None
                frame = getframe(1)
                top, record, state = stack[-1]
                if top is not frame:
                    return not_top(frame)
                pop()
                if state is None:
                    kind = type(value)
                    if (
                        kind in result_scalars
                        or (kind is int and -int_limit < value < int_limit)
                        or (kind is str and len(value) <= max_string)
                    ):
                        record[3] = value  # linked when the test ends
                    else:
                        record[3] = (kind.__qualname__, render(value))
                        if kind not in unlinked:
                            producers[id(value)] = (record[0], value)
                            if len(producers) > max_linked:
                                forget_oldest(producers)
                elif isinstance(state, Detail):
                    facts = state.code
                    if state.log is not None:
                        state.log.end(frame.f_lineno, frame.f_locals)
                        if not facts.line_calls and (not facts.more_lines or line_events[0] <= 0):
                            lines_done(facts)
                    if facts.self_attributes:
                        rec._detail_ends(frame, state)
                    rec._returned_value(record, value)
                else:
                    rec._generator_returned(frame, state, value)
            except Exception as exc:
                fail(exc)
            except BaseException as exc:
                fail(exc, passing=True)
                raise
            return None

        def yielded(code: types.CodeType, offset: int, value: Any) -> Any:
            try:
                if not stack:  # (a frame on the stack is of the recording thread)
                    return None
                frame = getframe(1)
                top, _record, state = stack[-1]
                if top is not frame:
                    return not_top(frame)
                pop()
                if state is not None and not isinstance(state, Detail):
                    rec._yielded(state, value)
            except Exception as exc:
                fail(exc)
            except BaseException as exc:
                fail(exc, passing=True)
                raise
            return None

        def resumed(code: types.CodeType, offset: int, *exception: Any) -> Any:
            try:
                if not suspendables or get_ident() != thread:
                    return None
                frame = getframe(1)
                state = suspendables.get(frame)
                if state is not None:
                    push((frame, state.record, state))
            except Exception as exc:
                fail(exc)
            except BaseException as exc:
                fail(exc, passing=True)
                raise
            return None

        def unwound(code: types.CodeType, offset: int, exc: BaseException) -> Any:
            try:
                if not stack or stack[-1][0].f_code is not code:
                    return None
                frame = getframe(1)
                top, record, state = stack[-1]
                if top is not frame:
                    return not_top(frame)
                if isinstance(exc, RecursionError):
                    self._check_missed(frame, exc)
                pop()
                self.unwound = frame
                facts = state.code if state is not None else codes_get(id(code))
                assert facts, "a recorded frame has code facts"
                if isinstance(state, Detail):
                    if state.log is not None:
                        state.log.end(frame.f_lineno, frame.f_locals)
                        lines_done(state.code)
                    rec._detail_ends(frame, state)
                    state = None
                rec._exception_left(frame, record, facts, state, exc, frame.f_lineno)
            except Exception as error:
                fail(error)
            except BaseException as error:
                fail(error, passing=True)
                raise
            return None

        def line(code: types.CodeType, lineno: int) -> Any:
            try:
                if not stack:  # (a frame on the stack is of the recording thread)
                    return None
                frame = getframe(1)
                top, _record, state = stack[-1]
                if top is frame and isinstance(state, Detail) and state.log is not None:
                    state.log.line(lineno, frame.f_locals)
                    line_events[0] -= 1
            except Exception as exc:
                fail(exc)
            except BaseException as exc:
                fail(exc, passing=True)
                raise
            return None

        return started, returned_, yielded, resumed, unwound, line

    # -- off the hot path --

    def _start_other(self, code: types.CodeType, facts: CodeFacts | bool | None) -> Any:
        """A ``PY_START`` that is not a plain trainable call: a code object seen for the
        first time, a generator, a detailed call."""
        rec = self.recorder
        if facts is None:
            if rec._user is None:
                return None  # a trainable's local event from an earlier recording
            frame = sys._getframe(2)
            facts = rec._classify(code, str(frame.f_globals.get("__name__", "")))
            if facts is None:
                return self.api.DISABLE
            self.watch(facts)
        elif facts is False or not isinstance(facts, CodeFacts):
            return self.api.DISABLE
        if threading.get_ident() != self.thread:
            return None
        frame = sys._getframe(2)
        if facts.kind is not None:
            rec._begin_suspendable(frame, facts)
            return None
        more_lines = facts.more_lines
        detail = rec._begin_detailed(frame, facts)
        if detail is not None and detail.log is None and more_lines and not facts.more_lines:
            self._lines_done(facts)  # the budget is spent: no LINE events for this code
        return None

    def _lines_done(self, facts: CodeFacts) -> None:
        """Switch LINE events off for a code object whose line budget is spent, unless a
        call of it on the stack is still recorded line by line."""
        if self._needs_lines(facts):
            return
        for _frame, _record, state in self.recorder._stack:
            if isinstance(state, Detail) and state.code is facts and state.log is not None:
                return
        self.watch(facts, start=self.recorder._user is None)

    def _needs_lines(self, facts: CodeFacts) -> bool:
        return bool(facts.line_calls or (facts.more_lines and self.recorder._line_events[0] > 0))

    def _not_top(self, frame: types.FrameType) -> None:
        """An event of a frame that is not the innermost recorded one: a call not
        recorded (an operator over its cap, begun before recording), or events missed."""
        if any(entry[0] is frame for entry in self.recorder._stack):
            raise RuntimeError("recorded frames out of step")

    def _check_missed(self, frame: types.FrameType, exc: BaseException) -> None:
        """At the recursion limit the callbacks themselves cannot be called: a recorded
        callee the ``RecursionError`` came through that never started means events were
        missed."""
        tb = exc.__traceback__
        while tb is not None and tb.tb_frame is not frame:
            tb = tb.tb_next
        callee = tb.tb_next.tb_frame if tb is not None and tb.tb_next is not None else None
        if callee is None or callee is self.unwound:
            return
        facts = self.recorder._codes.get(id(callee.f_code))
        if facts and not facts.operator:
            raise RecursionError("a recorded call at the recursion limit was missed")

    def _fail(self, exc: BaseException, *, passing: bool = False) -> None:
        """Stop recording after a failure in a callback (``passing``: an exception that is
        not an ``Exception``, which goes on to the code, as a timeout must)."""
        rec = self.recorder
        if passing and rec._error is None:
            rec._error = (
                "recording stopped: the recorder's callbacks were removed or replaced"
                f" while recording ({type(exc).__name__} raised in them)"
            )
        rec._fail(exc)

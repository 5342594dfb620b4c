"""The recorder's working data: facts about each recorded code object, and the raw
records of calls.

While recording, a call is a list (cheaper to build than a dataclass) laid out as
``_ID, _FUNCTION, ...`` below, with values as ``(type name, repr)`` pairs, or as the
objects themselves when they are short immutable scalars (:func:`deferred`), and
``inputs_from`` None while empty. :mod:`~pytest_trace.trace.assembly` builds the model
objects once the test has ended.
"""

from __future__ import annotations

import dis
import inspect
import types
from collections import deque
from collections.abc import Sequence
from itertools import islice
from typing import Any

from pytest_trace.model import CallNode
from pytest_trace.text.clip import clip
from pytest_trace.trace import codeinfo
from pytest_trace.trace.lines import LineLog
from pytest_trace.trace.values import Renderer, ReprLimits

Raw = tuple[str, str]
Record = list[Any]
(
    ID,
    FUNCTION,
    ARGS,
    RESULT,
    EXCEPTION,
    PARENT,
    INPUTS,
    RAISED_LINE,
    LINES,
    SELF_BEFORE,
    SELF_AFTER,
    KIND,
) = range(12)
TRAINABLE, OPERATOR = "trainable", "operator"

#: Instructions a frame stands at when it returns.
RETURN_OPS = frozenset(
    dis.opmap[name] for name in ("RETURN_VALUE", "RETURN_CONST") if name in dis.opmap
)
#: Where a suspended frame stands: YIELD_VALUE (YIELD_FROM on 3.10; on 3.13, the RESUME
#: after it).
SUSPEND_OPS = frozenset(
    dis.opmap[name] for name in ("YIELD_VALUE", "YIELD_FROM", "RESUME") if name in dis.opmap
)
#: Returned objects that say nothing about data flow: never linked; nor are the small
#: ints CPython caches (-5 to 256), which are the same object wherever they come from.
UNLINKED_TYPES = frozenset({type(None), bool, type(NotImplemented), type(...)})
#: Values the hot paths store as the objects themselves, rendered when the test ends
#: (rendering them while recording was most of a recorded call's cost): immutable, so
#: their repr cannot change meanwhile. Ints and strings too, when short (the hot paths
#: check the renderer's limits), so that what stays alive is small. A result of None
#: is rendered at once: None in a record's result means it has none (yet).
DEFERRED_TYPES: frozenset[type] = frozenset({float, bool, type(None)})
RESULT_DEFERRED_TYPES: frozenset[type] = frozenset({float, bool})
#: Returned objects kept alive for the data flow (their ids must stay unique): the
#: latest ones, trimmed to this many once twice as many are held.
MAX_LINKED_OBJECTS = 256
#: Calls of one operator recorded outside trainable calls (a test's helpers).
MAX_OPERATOR_CALLS = 50


class CodeFacts:
    """What the recorder needs to know about one recorded code object.

    ``detailed`` sends its calls off the recorder's hot path: generators and
    coroutines, operators, methods (``self`` attributes), and trainable functions
    still recorded line by line (``line_calls``: first calls left; ``more_lines``: later
    calls while the recorder's budget of line events lasts).
    """

    __slots__ = (
        "_def_line",
        "args",
        "code",
        "detailed",
        "first_resume",
        "kind",
        "line_calls",
        "more_lines",
        "name",
        "operator",
        "operator_calls",
        "ops",
        "self_attributes",
    )

    def __init__(
        self, code: types.CodeType, name: str, *, operator: bool = False, line_calls: int = 0
    ) -> None:
        flags = code.co_flags
        count = code.co_argcount + code.co_kwonlyargcount
        count += bool(flags & inspect.CO_VARARGS) + bool(flags & inspect.CO_VARKEYWORDS)
        self.code = code
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
        self.operator = operator
        self.operator_calls = 0
        self.line_calls = 0 if self.kind is not None or operator else line_calls
        self.more_lines = bool(self.line_calls)
        self.self_attributes = () if operator else codeinfo.self_attributes(code)
        self._def_line: int | None = None
        self.update()

    def update(self) -> None:
        self.detailed = bool(
            self.kind is not None
            or self.operator
            or self.line_calls
            or self.more_lines
            or self.self_attributes
        )

    @property
    def def_line(self) -> int:
        if self._def_line is None:
            self._def_line = codeinfo.def_line(self.code)
        return self._def_line

    def self_values(self, frame: types.FrameType, renderer: Renderer) -> dict[str, Raw]:
        """The attributes of ``self`` the method uses, in its frame, rendered."""
        target = frame.f_locals.get("self")
        return codeinfo.attribute_values(target, self.self_attributes, renderer)

    def op_at(self, offset: int) -> int:
        return self.ops[offset] if 0 <= offset < len(self.ops) else -1


class Suspendable:
    """The state of one recorded generator, coroutine or async generator call."""

    __slots__ = ("closed", "code", "finished", "record", "returned", "yielded", "yields")

    def __init__(self, record: Record, code: CodeFacts) -> None:
        self.record = record
        self.code = code
        self.yields: list[str] = []
        self.yielded = 0
        self.returned: str | None = None
        self.finished = False
        self.closed = False

    def summary(self, limits: ReprLimits) -> Raw:
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


class CallStore:
    """The records kept: the first ``max_calls - max_calls // 2`` calls in ``head``, then
    a ring of the most recent ones (``tail``); the calls pushed out of it are counted.
    ``next_id`` (a one-item list, cheap to update inline) is the id of the next call past
    the head."""

    def __init__(self, max_calls: int) -> None:
        self.head_size = max_calls - max_calls // 2
        self.head: list[Record] = []
        self.tail: deque[Record] = deque(maxlen=max_calls // 2)
        self.next_id = [self.head_size]

    def add(self, record: Record) -> None:
        """Give ``record`` the next id, and keep it."""
        if len(self.head) < self.head_size:
            record[ID] = len(self.head)
            self.head.append(record)
            return
        record[ID] = self.next_id[0]
        self.next_id[0] += 1
        self.tail.append(record)

    @property
    def dropped(self) -> int:
        return self.next_id[0] - self.head_size - len(self.tail)

    @property
    def next_call_id(self) -> int:
        """The id the next call will get."""
        return len(self.head) if len(self.head) < self.head_size else self.next_id[0]

    def records(self) -> list[Record]:
        return [*self.head, *self.tail]

    def dropped_at(self, calls: Sequence[CallNode]) -> int | None:
        """The index in ``calls`` of the first call after the dropped ones."""
        if not self.dropped or not self.tail:
            return None
        first_late = self.tail[0][ID]
        return next((i for i, call in enumerate(calls) if call.id >= first_late), None)


class LatestLogs:
    """The line logs of the latest calls of each function, beyond its first calls: a
    log pushed out by a newer call of the same function is dropped, unless that call
    raised."""

    def __init__(self, latest: int) -> None:
        self._latest = max(latest, 0)
        self._rings: dict[CodeFacts, deque[Record]] = {}

    def add(self, code: CodeFacts, record: Record) -> None:
        ring = self._rings.get(code)
        if ring is None:
            ring = self._rings[code] = deque()
        ring.append(record)
        if len(ring) > self._latest:
            old = ring.popleft()
            if old[EXCEPTION] is None:
                old[LINES] = None


class Detail:
    """The state of a detailed plain call: its line log and the ``self`` it watches."""

    __slots__ = ("code", "log", "record")

    def __init__(self, record: Record, code: CodeFacts, log: LineLog | None) -> None:
        self.record = record
        self.code = code
        self.log = log


Producers = dict[int, tuple[int, object]]
"""The data flow: id of a returned object -> (the call that returned it, the object,
kept alive so that no other object takes its id), oldest first."""


def forget_oldest(producers: Producers) -> None:
    """Keep the latest :data:`MAX_LINKED_OBJECTS` of ``producers`` (the hot paths call
    this when it holds twice as many: a trim now and then costs less than one per call)."""
    for key in list(islice(producers, len(producers) - MAX_LINKED_OBJECTS)):
        del producers[key]


def new_record(
    call_id: int, name: str, args: dict[str, Any], parent: int | None, inputs: Any, kind: str
) -> Record:
    """A record (values in ``args``: ``(type name, repr)`` pairs, or stored as they are)."""
    return [call_id, name, args, None, None, parent, inputs, None, None, None, None, kind]


def deferred(obj: object, renderer: Renderer, *, result: bool = False) -> bool:
    """Whether the hot paths store ``obj`` itself (as an argument, or as a ``result``),
    to be rendered by :func:`.assembly.call_node` (the same test, inline there)."""
    kind = type(obj)
    if kind is int:
        return -renderer.int_limit < obj < renderer.int_limit  # type: ignore[operator]
    if kind is str:
        return len(obj) <= renderer.limits.max_string  # type: ignore[arg-type]
    return kind in (RESULT_DEFERRED_TYPES if result else DEFERRED_TYPES)

"""From the recorder's raw records to the :class:`~pytest_trace.model.CallNode` objects of
a test's trace, once the test has ended: the values stored as they are are rendered, their
data flow is found (:func:`link_stored`), and the operator calls that say nothing about the
failure are left out (:func:`assemble`).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pytest_trace.model import CallNode, Value
from pytest_trace.trace import codeinfo
from pytest_trace.trace.lines import LineLog
from pytest_trace.trace.records import (
    ARGS,
    EXCEPTION,
    FUNCTION,
    ID,
    INPUTS,
    KIND,
    LINES,
    OPERATOR,
    PARENT,
    RAISED_LINE,
    RESULT,
    SELF_AFTER,
    SELF_BEFORE,
    TRAINABLE,
    UNLINKED_TYPES,
    CodeFacts,
    Record,
)
from pytest_trace.trace.values import Renderer


def call_node(record: Record, renderer: Renderer) -> CallNode:
    """The model of ``record``; values stored as objects are rendered by ``renderer``."""
    result, exception = record[RESULT], record[EXCEPTION]
    log: LineLog | None = record[LINES]
    return CallNode(
        id=record[ID],
        function=record[FUNCTION],
        args=_values(record[ARGS], renderer),
        result=None if result is None else _value(result, renderer),
        exception=None if exception is None else Value(*exception),
        parent=record[PARENT],
        inputs_from=dict(record[INPUTS] or {}),
        kind=record[KIND],
        raised_line=record[RAISED_LINE],
        lines=log.steps() if log is not None else [],
        self_before=_values(record[SELF_BEFORE], renderer),
        self_after=_values(record[SELF_AFTER], renderer),
    )


def _value(raw: Any, renderer: Renderer) -> Value:
    """A ``(type name, repr)`` pair, or an object stored itself, as a :class:`Value`."""
    if type(raw) is tuple:
        return Value(*raw)
    return renderer.value(raw)


def _values(raw: dict[str, Any] | None, renderer: Renderer) -> dict[str, Value]:
    return {name: _value(value, renderer) for name, value in (raw or {}).items()}


def link_stored(records: Sequence[Record], late: Mapping[int, int] | None = None) -> None:
    """The data flow of the values stored as they are (:func:`.records.deferred`): an
    argument that *is* the object an earlier call returned gets that call in its
    ``inputs``.

    The hot paths store such values without looking anything up; this replays the
    calls in the order they started (ids grow in that order), with a stack of the calls
    still running: a call starting inside ``parent`` comes after the return of every
    call on the stack that started after ``parent``. Those results are offered as they
    return, innermost first, the latest offer of an object winning. A coroutine returns
    after calls that started later: ``late`` maps its id to the id of the first call
    that started after it returned. Objects are compared by ``id``: every object
    compared is held by the records, so no two share one.
    """
    late = late or {}
    producers: dict[int, int] = {}
    pending: list[tuple[int, int, Record]] = []  # (first call after, id, record): a heap
    running: list[Record] = []

    def offer(record: Record) -> None:
        result = record[RESULT]
        kind = type(result)
        if kind is tuple or kind in UNLINKED_TYPES or (kind is int and -6 < result < 257):
            return  # rendered (linked while recording), or the same object everywhere
        producers[id(result)] = record[ID]

    for record in records:
        call = record[ID]
        parent = record[PARENT]
        bound = -1 if parent is None else parent
        while running and running[-1][ID] > bound:
            returned = running.pop()
            if returned[ID] in late:
                heapq.heappush(pending, (late[returned[ID]], returned[ID], returned))
            else:
                offer(returned)
        while pending and pending[0][0] <= call:
            offer(heapq.heappop(pending)[2])
        if producers:
            for name, value in record[ARGS].items():
                if type(value) is not tuple:
                    source = producers.get(id(value))
                    if source is not None:
                        if record[INPUTS] is None:
                            record[INPUTS] = {}
                        record[INPUTS][name] = source
        running.append(record)


def assemble(
    records: Sequence[Record], renderer: Renderer, late: Mapping[int, int] | None = None
) -> list[CallNode]:
    """The calls to keep, in call order (``late``: see :func:`link_stored`).

    An operator call is kept when it ran inside a trainable call, when a recorded call
    received its value, or when it called a trainable function (it stands between the
    test and the trainable); the others are dropped, and calls made inside them are
    attached to the nearest kept caller.
    """
    link_stored(records, late)
    nodes = [call_node(record, renderer) for record in records]
    if all(node.kind == TRAINABLE for node in nodes):
        return nodes
    by_id = {node.id: node for node in nodes}
    consumed = {source for node in nodes for source in node.inputs_from.values()}

    def inside_trainable(node: CallNode) -> bool:
        seen = 0
        parent = node.parent
        while parent is not None and seen < len(by_id):
            caller = by_id.get(parent)
            if caller is None:
                return False
            if caller.kind == TRAINABLE:
                return True
            parent, seen = caller.parent, seen + 1
        return False

    callers: set[int] = set()  # the calls that have a trainable call inside
    for node in nodes:
        parent, hops = node.parent if node.kind == TRAINABLE else None, 0
        while parent is not None and parent not in callers and hops < len(by_id):
            callers.add(parent)
            caller = by_id.get(parent)
            parent, hops = (caller.parent if caller else None), hops + 1
    dropped = {
        node.id
        for node in nodes
        if node.kind == OPERATOR
        and node.id not in consumed
        and node.id not in callers
        and not inside_trainable(node)
    }
    kept = [node for node in nodes if node.id not in dropped]
    for node in kept:
        hops = 0
        while node.parent in dropped and hops < len(by_id):
            node.parent = by_id[node.parent].parent
            hops += 1
    return kept


def operator_docs(facts: Iterable[object], calls: Sequence[CallNode]) -> dict[str, str]:
    """The docstrings of the operators among ``calls`` (first paragraph, one line)."""
    names = {call.function for call in calls if call.kind == OPERATOR}
    return {
        code.name: codeinfo.docstring(code.code)
        for code in facts
        if isinstance(code, CodeFacts) and code.operator and code.name in names
    }

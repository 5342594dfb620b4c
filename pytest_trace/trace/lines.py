"""Local variables line by line inside one recorded call, bounded and summarized.

The recorder switches line events on for the first few calls of each trainable
function (:attr:`LineLimits.calls_per_function`), and for its later calls while a budget
of line events lasts (keeping the logs of the latest ones), and feeds every ``line`` event to a
:class:`LineLog`: the locals as they stand before the new line runs are compared with
the previous state, and what changed is attributed to the line that just ran (a
:class:`~pytest_trace.model.LineStep`).

A loop would make thousands of steps: the log keeps

- the first two runs of each line (a loop's first iterations),
- the steps where a value changed *unexpectedly*: a variable took another type
  (``int`` to ``float``, a list to ``None``), became ``None``, or a number changed sign,
- the last :attr:`LineLimits.tail` steps before each step kept, and before the end of
  the call (a loop's last iteration; where the call returned or raised),

at most :attr:`LineLimits.max_steps` steps besides the tail; the others are counted
(``omitted`` on the next step shown). Every value is a bounded ``repr``
(:class:`~pytest_trace.trace.values.ReprLimits`), so a call's log has a fixed size
whatever the loop does.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import islice
from typing import Any

from pytest_trace.model import LineStep, Value
from pytest_trace.trace.values import Renderer, ReprLimits

#: How locals are shown: shorter than arguments, as there are many.
LOCALS_LIMITS = ReprLimits(max_string=60, max_items=5, max_depth=2, max_total=120)


@dataclass(frozen=True)
class LineLimits:
    """How much line-level detail the recorder keeps.

    ``calls_per_function``: the first calls of each trainable function recorded line by
    line; then, while the test's line events stay under ``events``, its later calls too,
    of which the logs of the ``latest`` calls of each function (and of those that
    raised) are kept: the calls nearest the failure;
    ``max_steps``: steps kept per call besides the last ``tail`` ones;
    ``max_variables``: local variables compared per step (the first ones).
    """

    calls_per_function: int = 3
    events: int = 1_000
    latest: int = 3
    max_steps: int = 40
    tail: int = 6
    max_variables: int = 20


DEFAULT_LINE_LIMITS = LineLimits()
_Entry = tuple[type, str | None, object]  # type, text (None: not rendered yet), value
Raw = tuple[str, str]
_Step = tuple[int, dict[str, Raw], int, int]  # line, changes, visit, omitted
#: Values that cannot change in place: the same object means the same value.
_IMMUTABLE = frozenset({int, float, complex, str, bytes, bool, type(None), range})


class LineLog:
    """The line-by-line log of one call.

    While recording, steps are plain tuples ``(line, changes, visit, omitted)`` with
    changes as ``(type name, repr)`` pairs: most logs of later calls are dropped (only the
    latest calls of each function keep theirs), so the model objects are made by
    :meth:`steps` only, for the logs kept.
    """

    __slots__ = (
        "_def_line",
        "_fast_float",
        "_int_limit",
        "_kept",
        "_limits",
        "_previous",
        "_render",
        "_skipped",
        "_state",
        "_tail",
        "_visits",
    )

    def __init__(self, def_line: int, renderer: Renderer, limits: LineLimits) -> None:
        self._def_line = def_line
        self._render = renderer.repr
        self._int_limit = renderer.int_limit
        self._fast_float = float if renderer.limits.max_total >= 32 else None
        self._limits = limits
        self._previous: int | None = None
        self._state: dict[str, _Entry] = {}
        self._visits: dict[int, int] = {}
        self._kept: list[_Step] = []
        self._tail: deque[_Step] | None = None  # made at the first step not kept
        self._skipped = 0

    def start(self, f_locals: Mapping[str, Any]) -> None:
        """The state at the call: the arguments (shown elsewhere) are not steps. Values
        that cannot change are rendered only if a step needs their text (most do not)."""
        state = self._state
        render = self._render
        items: Iterable[tuple[str, Any]] = f_locals.items()
        if len(f_locals) > self._limits.max_variables:
            items = islice(items, self._limits.max_variables)
        for name, obj in items:
            kind = type(obj)
            state[name] = (kind, None if kind in _IMMUTABLE else render(obj), obj)

    def line(self, lineno: int, f_locals: Mapping[str, Any]) -> None:
        """A ``line`` event: ``lineno`` is about to run; the previous line has run."""
        if self._previous is not None:
            self._step(self._previous, f_locals)
        self._previous = lineno

    def end(self, lineno: int, f_locals: Mapping[str, Any]) -> None:
        """The call returns or raises at ``lineno``: the last line's changes."""
        self._step(self._previous if self._previous is not None else lineno, f_locals)
        self._previous = None

    def raised(self, f_locals: Mapping[str, Any]) -> None:
        """The call raised after its last step: that step shows every local variable as
        it was then, not only what the line changed (what the failing line worked on)."""
        steps: deque[_Step] | list[_Step] | None = self._tail or self._kept
        if not steps:
            return
        line, _changes, visit, omitted = steps[-1]
        names = list(f_locals)[: self._limits.max_variables]
        changes = {
            name: (type(f_locals[name]).__qualname__, self._render(f_locals[name]))
            for name in names
        }
        steps[-1] = (line, changes, visit, omitted)

    def steps(self) -> list[LineStep]:
        """The steps kept, in order, with the count of omitted steps before each (none
        for a call of one line that changed no local: its arguments and result say it)."""
        steps = list(self._kept)
        tail = list(self._tail or ())
        if tail:
            line, changes, visit, _omitted = tail[0]
            tail[0] = (line, changes, visit, self._skipped - len(tail))
        steps += tail
        if len(steps) == 1 and not steps[0][1]:
            return []
        return [
            LineStep(line, {name: Value(*raw) for name, raw in changes.items()}, visit, omitted)
            for line, changes, visit, omitted in steps
        ]

    # -- internals --

    def _changes(self, f_locals: Mapping[str, Any]) -> tuple[dict[str, Raw], bool]:
        changes: dict[str, Raw] = {}
        unexpected = False
        state = self._state
        render = self._render
        int_limit, fast_float = self._int_limit, self._fast_float
        items: Iterable[tuple[str, Any]] = f_locals.items()
        if len(f_locals) > self._limits.max_variables:
            items = islice(items, self._limits.max_variables)
        for name, obj in items:
            kind = type(obj)
            old = state.get(name)
            if old is not None and old[2] is obj and kind in _IMMUTABLE:
                continue  # the same immutable object: not rendered again
            # small ints and floats inline (the renderer's own fast path, without a call)
            if kind is fast_float or (kind is int and -int_limit < obj < int_limit):
                text = repr(obj)
            else:
                text = render(obj)
            if old is not None:
                old_kind, old_text, old_obj = old
                if old_text is None:  # an immutable value from the start, not rendered yet
                    old_text = render(old_obj)
                if old_kind is kind and old_text == text:
                    continue
                if not unexpected and _unexpected(old_kind, old_text, kind, text):
                    unexpected = True
            changes[name] = (kind.__qualname__, text)
            state[name] = (kind, text, obj)
        return changes, unexpected

    def _step(self, lineno: int, f_locals: Mapping[str, Any]) -> None:
        changes, unexpected = self._changes(f_locals)
        line = lineno - self._def_line + 1
        visit = self._visits.get(line, 0) + 1
        self._visits[line] = visit
        kept = self._kept
        if (visit <= 2 or unexpected) and len(kept) < self._limits.max_steps:
            tail = self._tail
            if tail:  # the steps just before: a loop's last iteration
                first_line, first_changes, first_visit, _omitted = tail[0]
                kept.append((first_line, first_changes, first_visit, self._skipped - len(tail)))
                kept.extend(islice(tail, 1, None))
                kept.append((line, changes, visit, 0))
                tail.clear()
            else:
                kept.append((line, changes, visit, self._skipped))
            self._skipped = 0
        else:
            if self._tail is None:
                self._tail = deque(maxlen=max(self._limits.tail, 1))
            self._tail.append((line, changes, visit, 0))
            self._skipped += 1


def _unexpected(old_kind: type, old_text: str, kind: type, text: str) -> bool:
    """A change worth showing inside a loop: another type, ``None``, or a sign change."""
    if old_kind is not kind:
        return True
    if kind in (int, float):
        was_negative = old_text.startswith("-")
        return was_negative != text.startswith("-") and text not in ("0", "0.0")
    return False

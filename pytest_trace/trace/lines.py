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
from dataclasses import dataclass
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
_Entry = tuple[type, str, object]
#: Values that cannot change in place: the same object means the same value.
_IMMUTABLE = frozenset({int, float, complex, str, bytes, bool, type(None), range})


class LineLog:
    """The line-by-line log of one call."""

    __slots__ = (
        "_def_line",
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
        self._limits = limits
        self._previous: int | None = None
        self._state: dict[str, _Entry] = {}
        self._visits: dict[int, int] = {}
        self._kept: list[LineStep] = []
        self._tail: deque[LineStep] = deque(maxlen=max(limits.tail, 1))
        self._skipped = 0

    def start(self, f_locals: dict[str, Any]) -> None:
        """The state at the call: the arguments (shown elsewhere) are not steps."""
        self._changes(f_locals)

    def line(self, lineno: int, f_locals: dict[str, Any]) -> None:
        """A ``line`` event: ``lineno`` is about to run; the previous line has run."""
        if self._previous is not None:
            self._step(self._previous, f_locals)
        self._previous = lineno

    def end(self, lineno: int, f_locals: dict[str, Any]) -> None:
        """The call returns or raises at ``lineno``: the last line's changes."""
        self._step(self._previous if self._previous is not None else lineno, f_locals)
        self._previous = None

    def raised(self, f_locals: dict[str, Any]) -> None:
        """The call raised after its last step: that step shows every local variable as
        it was then, not only what the line changed (what the failing line worked on)."""
        last = self._tail[-1] if self._tail else (self._kept[-1] if self._kept else None)
        if last is None:
            return
        names = list(f_locals)[: self._limits.max_variables]
        last.changes = {
            name: Value(type(f_locals[name]).__qualname__, self._render(f_locals[name]))
            for name in names
        }

    def steps(self) -> list[LineStep]:
        """The steps kept, in order, with the count of omitted steps before each (none
        for a call of one line that changed no local: its arguments and result say it)."""
        steps = list(self._kept)
        tail = list(self._tail)
        if tail:
            first = tail[0]
            tail[0] = LineStep(first.line, first.changes, first.visit, self._skipped - len(tail))
        steps += tail
        if len(steps) == 1 and not steps[0].changes:
            return []
        return steps

    # -- internals --

    def _changes(self, f_locals: dict[str, Any]) -> tuple[dict[str, Value], bool]:
        changes: dict[str, Value] = {}
        unexpected = False
        state = self._state
        for count, (name, obj) in enumerate(f_locals.items()):
            if count >= self._limits.max_variables:
                break
            kind = type(obj)
            old = state.get(name)
            if old is not None and old[2] is obj and kind in _IMMUTABLE:
                continue  # the same immutable object: not rendered again
            text = self._render(obj)
            if old is not None and old[0] is kind and old[1] == text:
                continue
            changes[name] = Value(kind.__qualname__, text)
            if old is not None and _unexpected(old, kind, text, obj):
                unexpected = True
            state[name] = (kind, text, obj)
        return changes, unexpected

    def _step(self, lineno: int, f_locals: dict[str, Any]) -> None:
        changes, unexpected = self._changes(f_locals)
        line = lineno - self._def_line + 1
        visit = self._visits.get(line, 0) + 1
        self._visits[line] = visit
        if (visit <= 2 or unexpected) and len(self._kept) < self._limits.max_steps:
            tail = list(self._tail)  # the steps just before: a loop's last iteration
            if tail:
                first = tail[0]
                omitted = self._skipped - len(tail)
                tail[0] = LineStep(first.line, first.changes, first.visit, omitted)
            self._kept += tail
            self._kept.append(LineStep(line, changes, visit, 0 if tail else self._skipped))
            self._skipped = 0
            self._tail.clear()
        else:
            self._tail.append(LineStep(line, changes, visit))
            self._skipped += 1


def _unexpected(old: _Entry, kind: type, text: str, obj: object) -> bool:
    """A change worth showing inside a loop: another type, ``None``, or a sign change."""
    old_kind, old_text, _old_obj = old
    if old_kind is not kind:
        return True
    if kind in (int, float):
        was_negative = old_text.startswith("-")
        return was_negative != text.startswith("-") and text not in ("0", "0.0")
    return False

"""Bounded, cheap renderings of runtime values: what a trace shows of an argument.

:func:`value_of` turns any object into a :class:`~pytest_trace.model.Value`: its type
name and a ``repr`` bounded by :class:`ReprLimits`. The rendering never builds the full
``repr`` of a builtin container or string, so a 10 MB string or a million-element list
costs about what a small one does; what is left out is marked visibly::

    'aaaaaaaa'...'aaaa' [10000000 chars]
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, ... (1000000 items)]
    [[[...], [...]]]                      (deeper than max_depth)

Objects are shown by their own ``repr``, cut to ``max_total`` characters, except where
that ``repr`` is known and could be big: the generated ``repr`` of dataclasses and named
tuples and the ``repr`` of ``collections`` mappings are rebuilt within the limits, and an
object without a ``repr`` of its own (``object.__repr__``: an address, useless in a trace)
is shown by its attributes, ``<Cart object: items=[...], discount=0.1>``. A ``repr`` that
raises gives ``<Cart object (repr failed: ValueError: ...)>``: rendering never raises.
"""

from __future__ import annotations

import collections
import dataclasses
from dataclasses import dataclass
from itertools import islice
from typing import Any

from pytest_trace.model import Value
from pytest_trace.text.clip import clip

_PLAIN_TYPES = frozenset({bool, float, complex, range, type(None), type(...), type(NotImplemented)})
_STRING_TYPES = frozenset({str, bytes, bytearray})
# Container types drawn with the usual brackets: (opening, closing, opening when empty).
_BRACKETS: dict[type, tuple[str, str, str]] = {
    list: ("[", "]", "[]"),
    tuple: ("(", ")", "()"),
    set: ("{", "}", "set()"),
    frozenset: ("frozenset({", "})", "frozenset()"),
    collections.deque: ("deque([", "])", "deque([])"),
}
_MAX_INT_DIGITS = 4000  # below CPython's default int-to-str limit (4300 digits)
_LOG10_2 = 0.30103


@dataclass(frozen=True)
class ReprLimits:
    """How much of a value a trace shows.

    ``max_string``: characters of a ``str``/``bytes`` (its head and its tail);
    ``max_items``: items of a container, fields or attributes of an object;
    ``max_depth``: levels of nested containers or objects (deeper ones show as ``[...]``);
    ``max_total``: characters of the whole ``repr``, markers included.
    """

    max_string: int = 200
    max_items: int = 10
    max_depth: int = 3
    max_total: int = 500

    def __post_init__(self) -> None:
        for name in ("max_string", "max_items", "max_total"):
            if getattr(self, name) < 1:
                raise ValueError(f"ReprLimits.{name} must be at least 1")
        if self.max_depth < 0:
            raise ValueError("ReprLimits.max_depth must not be negative")


DEFAULT_LIMITS = ReprLimits()


def value_of(obj: object, *, limits: ReprLimits = DEFAULT_LIMITS) -> Value:
    """The :class:`Value` of ``obj``: ``type(obj).__qualname__`` and a bounded ``repr``.

    Never raises. To render many values with the same limits, build a :class:`Renderer`
    once and call :meth:`Renderer.value`.
    """
    return Renderer(limits).value(obj)


class Renderer:
    """Renders values within fixed :class:`ReprLimits` (build once, use many times)."""

    __slots__ = ("_head", "_int_limit", "_items", "_limits", "_string", "_tail", "_total")

    def __init__(self, limits: ReprLimits = DEFAULT_LIMITS) -> None:
        self._limits = limits
        self._string = limits.max_string
        self._head = limits.max_string - limits.max_string // 3
        self._tail = limits.max_string // 3
        self._items = limits.max_items
        self._total = limits.max_total
        # Ints strictly between -limit and limit are shown in full.
        digits = min(limits.max_string, limits.max_total - 1, _MAX_INT_DIGITS)
        self._int_limit: int = 10**digits

    @property
    def limits(self) -> ReprLimits:
        return self._limits

    @property
    def int_limit(self) -> int:
        """Ints strictly between ``-int_limit`` and ``int_limit`` are shown in full."""
        return self._int_limit

    def value(self, obj: object) -> Value:
        """The :class:`Value` of ``obj``; never raises."""
        return Value(type(obj).__qualname__, self.repr(obj))

    def repr(self, obj: Any) -> str:
        """The bounded ``repr`` of ``obj`` (at most ``max_total`` characters); never raises."""
        kind = type(obj)
        # Fast paths first: small scalars and short strings are the common arguments.
        if kind is int:
            limit = self._int_limit
            if -limit < obj < limit:
                return repr(obj)
        elif kind is float or (kind is str and len(obj) <= self._string) or kind in _PLAIN_TYPES:
            text = repr(obj)
            if len(text) <= self._total:
                return text
        try:
            text = self._render(obj, self._limits.max_depth, self._total)
        except Exception as exc:  # a broken __len__, __iter__, __eq__...: still no raise
            text = _failed(obj, exc)
        return clip(text, self._total)

    # -- rendering (``room``: characters still available; ``depth``: levels left) --

    def _render(self, obj: Any, depth: int, room: int) -> str:
        kind = type(obj)
        if kind is int:
            return self._int(obj)
        if kind in _STRING_TYPES:
            return self._chars(obj)
        if kind in _PLAIN_TYPES:
            return repr(obj)
        brackets = _BRACKETS.get(kind)
        if brackets is not None:
            return self._sequence(obj, brackets, depth, room)
        if kind is dict:
            return self._dict(obj, depth, room)
        return self._other(obj, kind, depth, room)

    def _int(self, obj: int) -> str:
        if -self._int_limit < obj < self._int_limit:
            return repr(obj)
        digits = int(obj.bit_length() * _LOG10_2) + 1
        return f"<int with about {digits} digits>"

    def _chars(self, obj: str | bytes | bytearray) -> str:
        size = len(obj)
        if size <= self._string:
            return repr(obj)
        head, tail = obj[: self._head], obj[size - self._tail :]
        unit = "chars" if isinstance(obj, str) else "bytes"
        return f"{head!r}...{tail!r} [{size} {unit}]"

    def _items_of(self, pairs: Any, size: int, depth: int, room: int, pair: bool) -> str:
        """The rendered items of a container, ``", "``-joined, with a marker if cut."""
        parts: list[str] = []
        used = 0
        render = self._render
        for item in islice(pairs, self._items):
            if used >= room:
                break
            if pair:
                key, val = item
                piece = f"{render(key, depth, room - used)}: {render(val, depth, room - used)}"
            else:
                piece = render(item, depth, room - used)
            parts.append(piece)
            used += len(piece) + 2
        if len(parts) < size:
            parts.append(f"... ({size} items)")
        return ", ".join(parts)

    def _sequence(self, obj: Any, brackets: tuple[str, str, str], depth: int, room: int) -> str:
        opening, closing, empty = brackets
        size = len(obj)
        if not size:
            return empty
        if depth <= 0:
            return f"{opening}...{closing}"
        inner = self._items_of(obj, size, depth - 1, room, pair=False)
        if size == 1 and opening == "(":
            inner += ","
        return f"{opening}{inner}{closing}"

    def _dict(self, obj: Any, depth: int, room: int) -> str:
        if not obj:
            return "{}"
        if depth <= 0:
            return "{...}"
        return "{" + self._items_of(obj.items(), len(obj), depth - 1, room, pair=True) + "}"

    def _named(
        self, fields: list[tuple[str, Any]], size: int, noun: str, depth: int, room: int
    ) -> str:
        """``a=1, b=2`` for the first fields of ``size``, with a marker if cut."""
        parts: list[str] = []
        used = 0
        for field_name, val in fields[: self._items]:
            if used >= room:
                break
            piece = f"{field_name}={self._render(val, depth, room - used)}"
            parts.append(piece)
            used += len(piece) + 2
        if len(parts) < size:
            parts.append(f"... ({size} {noun})")
        return ", ".join(parts)

    def _other(self, obj: Any, kind: type, depth: int, room: int) -> str:
        name = kind.__qualname__
        try:
            if isinstance(obj, type):
                return clip(repr(obj), room)  # a class: kind.__repr__ would be type's
            own_repr: object = getattr(kind, "__repr__", None)
            if own_repr is object.__repr__:
                return self._attributes(obj, name, depth, room)
            for text_type in (str, bytes, bytearray):
                if isinstance(obj, text_type) and own_repr is text_type.__repr__:
                    return self._chars(obj)
            for base in _BRACKETS:
                if isinstance(obj, base) and own_repr is base.__repr__:
                    return self._sequence(obj, _BRACKETS[base], depth, room)
            if isinstance(obj, dict):
                if own_repr is dict.__repr__:
                    return self._dict(obj, depth, room)
                if kind.__module__ == "collections":  # OrderedDict, defaultdict, Counter
                    return f"{name}({self._dict(obj, depth, room)})"
            if _is_generated_dataclass_repr(kind, own_repr):
                fields = [(f.name, getattr(obj, f.name)) for f in dataclasses.fields(obj) if f.repr]
                return self._record(name, fields, len(fields), depth, room)
            if isinstance(obj, tuple) and _is_namedtuple_repr(own_repr):
                return self._record(
                    name,
                    list(zip(getattr(kind, "_fields", ()), obj, strict=False)),
                    len(obj),
                    depth,
                    room,
                )
            return clip(repr(obj), room)
        except Exception as exc:
            return _failed(obj, exc)

    def _record(
        self, name: str, fields: list[tuple[str, Any]], size: int, depth: int, room: int
    ) -> str:
        """``Name(a=1, b=2)``: dataclasses and named tuples, rebuilt within the limits."""
        if depth <= 0:
            return f"{name}(...)"
        return f"{name}({self._named(fields, size, 'fields', depth - 1, room)})"

    def _attributes(self, obj: Any, name: str, depth: int, room: int) -> str:
        """``<Name object: a=1, b=2>`` for an object without a ``repr`` of its own."""
        attributes = getattr(obj, "__dict__", None)
        if not isinstance(attributes, dict) or not attributes:
            return f"<{name} object>"
        if depth <= 0:
            return f"<{name} object: ...>"
        fields = list(islice(attributes.items(), self._items))
        shown = self._named(fields, len(attributes), "attributes", depth - 1, room)
        return f"<{name} object: {shown}>"


def _failed(obj: object, exc: Exception) -> str:
    try:
        message = str(exc)
    except Exception:
        message = "<unprintable>"
    detail = f"{type(exc).__qualname__}: {message}" if message else type(exc).__qualname__
    return f"<{type(obj).__qualname__} object (repr failed: {detail})>"


def _is_generated_dataclass_repr(kind: type, own_repr: object) -> bool:
    """Whether ``own_repr`` is the ``__repr__`` that ``@dataclass`` wrote for ``kind``.

    The generated method is compiled from a string (its code's file is ``"<string>"``)
    and wrapped by a recursion guard that keeps it as ``__wrapped__`` (3.10 to 3.13).
    """
    if not dataclasses.is_dataclass(kind):
        return False
    inner = getattr(own_repr, "__wrapped__", None)
    code = getattr(inner, "__code__", None)
    return code is not None and code.co_filename == "<string>" and code.co_name == "__repr__"


def _is_namedtuple_repr(own_repr: object) -> bool:
    """Whether ``own_repr`` is the ``__repr__`` that ``collections.namedtuple`` wrote."""
    code = getattr(own_repr, "__code__", None)
    return (
        code is not None
        and code.co_name == "__repr__"
        and code.co_filename == getattr(collections, "__file__", None)
    )

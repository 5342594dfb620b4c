"""Hypothesis strategies of calls near recorded ones.

:func:`call_strategy` turns the calls a function got while the tests ran into a
strategy of calls nearby: neighbouring integers and floats, boundary values (0, -1,
the empty string), shorter, longer and empty containers whose elements are drawn from
the recorded elements and their neighbours, strings edited with their own characters;
positional and keyword arguments as recorded, other objects as they were (a run deep
copies them for every call). Simple values come first: Hypothesis shrinks to them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from hypothesis import strategies as st

from pytest_trace.checks.calls import Call, canonical

#: At most this many distinct recorded values are used per argument or element.
MAX_VALUES = 8
#: Containers nest at most this deep in generated values; deeper ones stay as recorded.
MAX_DEPTH = 3
#: Generated containers and strings are at most this long; longer recorded ones are
#: also tried as they were and with their first or last item left out.
MAX_LENGTH = 12
MAX_TEXT = 40


def _distinct(values: Sequence[Any]) -> list[Any]:
    seen: dict[str, Any] = {}
    for value in values:
        seen.setdefault(canonical(value), value)
        if len(seen) >= MAX_VALUES:
            break
    return list(seen.values())


def _one_of(values: Sequence[Any], depth: int) -> st.SearchStrategy[Any]:
    return st.one_of([neighbours(value, depth) for value in _distinct(values)])


def _integers(value: int) -> st.SearchStrategy[Any]:
    far = st.sampled_from(list(dict.fromkeys([value * 2, value // 2, -value])))
    return st.one_of(st.integers(-2, 2), st.integers(value - 3, value + 3), far)


def _floats(value: float) -> st.SearchStrategy[Any]:
    if not math.isfinite(value):
        return st.just(value)
    small = st.sampled_from([0.0, 1.0, -1.0])
    near = st.floats(value - 1, value + 1, allow_nan=False, allow_infinity=False)
    far = st.sampled_from(list(dict.fromkeys([value / 2, value * 2, -value])))
    return st.one_of(small, near, far)


def _strings(value: str) -> st.SearchStrategy[Any]:
    edits = ["", value, value[1:], value[:-1], value + value[-1:], value.upper(), value.lower()]
    alphabet = sorted(set(value)) or ["a"]
    # One character replaced at either end (where prefixes and suffixes are checked).
    others = [c for c in alphabet if value and c not in (value[0], value[-1])][:3]
    edits += [c + value[1:] for c in others] + [value[:-1] + c for c in others]
    return st.sampled_from(list(dict.fromkeys(edits))) | st.text(
        st.sampled_from(alphabet), max_size=min(len(value) + 2, MAX_TEXT)
    )


def _bytes(value: bytes) -> st.SearchStrategy[Any]:
    edits = [b"", value, value[1:], value[:-1], value + value[-1:]]
    alphabet = sorted(set(value)) or [0]
    return st.sampled_from(list(dict.fromkeys(edits))) | st.lists(
        st.sampled_from(alphabet), max_size=min(len(value) + 2, MAX_TEXT)
    ).map(bytes)


def _collections(
    value: list[Any] | set[Any] | frozenset[Any], depth: int
) -> st.SearchStrategy[Any]:
    kind: Callable[[list[Any]], Any] = type(value)
    elements = _one_of(list(value), depth + 1) if value else st.integers(-1, 2)
    generated: st.SearchStrategy[Any] = st.lists(elements, max_size=min(len(value) + 2, MAX_LENGTH))
    if kind is not list:
        generated = generated.map(kind)
    if len(value) <= MAX_LENGTH:
        return generated
    items = list(value)
    return generated | st.sampled_from([value, kind(items[1:]), kind(items[:-1])])


def neighbours(value: Any, depth: int = 0) -> st.SearchStrategy[Any]:
    """Values near ``value``: of its type, simplest first (Hypothesis shrinks to them)."""
    kind = type(value)
    if value is None or kind is bool:
        return st.just(value) if value is None else st.booleans()
    if kind is int:
        return _integers(value)
    if kind is float:
        return _floats(value)
    if kind is str:
        return _strings(value)
    if kind is bytes:
        return _bytes(value)
    if depth >= MAX_DEPTH:
        return st.just(value)
    if kind is list or kind in (set, frozenset):
        return _collections(value, depth)
    if isinstance(value, (tuple, dict)) and len(value) > MAX_LENGTH:
        return st.just(value)
    if kind is tuple or (isinstance(value, tuple) and hasattr(value, "_make")):
        parts = st.tuples(*(neighbours(item, depth + 1) for item in value))
        return parts if kind is tuple else parts.map(kind._make)
    if kind is dict:
        optional = {key: neighbours(item, depth + 1) for key, item in value.items()}
        return st.fixed_dictionaries({}, optional=optional)
    return st.just(value)  # deep-copied for every call


def call_strategy(calls: Sequence[Call]) -> st.SearchStrategy[Call]:
    """Calls near the recorded ``calls``: one strategy per shape of call (how many
    positional arguments, which keywords), each argument near the values recorded for
    it in calls of that shape."""
    shapes: dict[tuple[int, tuple[str, ...]], list[Call]] = {}
    for call in calls:
        shapes.setdefault((len(call.args), tuple(call.kwargs)), []).append(call)
    strategies = []
    for (count, keywords), group in shapes.items():
        args = st.tuples(*(_one_of([c.args[i] for c in group], 0) for i in range(count)))
        kwargs = st.fixed_dictionaries(
            {k: _one_of([c.kwargs[k] for c in group], 0) for k in keywords}
        )
        strategies.append(st.builds(Call, args, kwargs))
    return st.one_of(strategies)

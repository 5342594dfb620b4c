"""Flattening and measuring nested lists."""

from __future__ import annotations

from typing import Any

from pytest_trace import trainable


@trainable
def flatten(items: list[Any]) -> list[Any]:
    """[1, [2, [3, 4]], 5] -> [1, 2, 3, 4, 5]; tuples and strings are values, not lists."""
    result: list[Any] = []
    for item in items:
        if isinstance(item, list):
            result.append(flatten(item))
        else:
            result.append(item)
    return result


def depth(items: Any) -> int:
    """How deeply lists are nested: 0 for a value, 1 for a flat list."""
    if not isinstance(items, list):
        return 0
    return 1 + max((depth(item) for item in items), default=0)


def count_leaves(items: list[Any]) -> int:
    return len(flatten(items))

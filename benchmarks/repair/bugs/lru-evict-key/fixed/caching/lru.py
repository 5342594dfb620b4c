"""A least-recently-used cache of fixed capacity."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from pytest_trace import trainable


class LRUCache:
    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self._data: dict[Hashable, Any] = {}
        self._order: list[Hashable] = []  # least recently used first

    def _touch(self, key: Hashable) -> None:
        if key in self._order:
            self._order.remove(key)
        self._order.append(key)

    def get(self, key: Hashable, default: Any = None) -> Any:
        if key not in self._data:
            return default
        self._touch(key)
        return self._data[key]

    @trainable
    def put(self, key: Hashable, value: Any) -> None:
        """Store `value`; when the cache is over capacity, drop the least recently used entry."""
        self._data[key] = value
        self._touch(key)
        if len(self._order) > self.capacity:
            oldest = self._order[0]
            self._order.remove(oldest)
            del self._data[oldest]

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._data

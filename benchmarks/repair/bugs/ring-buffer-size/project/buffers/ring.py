"""A fixed-capacity FIFO queue on a circular array."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pytest_trace import trainable


class RingBuffer:
    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self._slots: list[Any] = [None] * capacity
        self._head = 0
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def push(self, item: Any) -> None:
        if self._size == self.capacity:
            raise OverflowError("the buffer is full")
        self._slots[(self._head + self._size) % self.capacity] = item
        self._size += 1

    @trainable
    def pop(self) -> Any:
        """Remove and return the oldest item."""
        if self._size == 0:
            raise IndexError("pop from an empty buffer")
        item = self._slots[self._head]
        self._slots[self._head] = None
        self._head = (self._head + 1) % self.capacity
        return item

    def __iter__(self) -> Iterator[Any]:
        """The items, oldest first."""
        for offset in range(self._size):
            yield self._slots[(self._head + offset) % self.capacity]

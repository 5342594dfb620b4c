"""A singly linked list."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from pytest_trace import trainable


class Node:
    __slots__ = ("next", "value")

    def __init__(self, value: Any, next: Node | None = None) -> None:
        self.value = value
        self.next = next


class LinkedList:
    def __init__(self, values: Iterable[Any] = ()) -> None:
        self.head: Node | None = None
        for value in reversed(list(values)):
            self.push_front(value)

    def push_front(self, value: Any) -> None:
        self.head = Node(value, self.head)

    def __iter__(self) -> Iterator[Any]:
        node = self.head
        while node is not None:
            yield node.value
            node = node.next

    def __len__(self) -> int:
        return sum(1 for _ in self)

    @trainable
    def remove(self, value: Any) -> bool:
        """Unlink the first node holding `value`; False when there is none."""
        if self.head.value == value:
            self.head = self.head.next
            return True
        node = self.head
        while node.next is not None:
            if node.next.value == value:
                node.next = node.next.next
                return True
            node = node.next
        return False

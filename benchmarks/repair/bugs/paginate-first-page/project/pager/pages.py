"""Splitting a list of results into numbered pages (the first page is page 1)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pytest_trace import trainable


@dataclass
class Page:
    number: int
    items: list[Any]
    total_pages: int

    @property
    def has_next(self) -> bool:
        return self.number < self.total_pages

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def page_count(total_items: int, size: int) -> int:
    """How many pages `total_items` items fill; an empty list still has one (empty) page."""
    if size < 1:
        raise ValueError("page size must be at least 1")
    return max(1, -(-total_items // size))


@trainable
def get_page(items: list[Any], number: int, size: int = 10) -> Page:
    """Page `number` of `items`, `size` items per page."""
    total = page_count(len(items), size)
    if not 1 <= number <= total:
        raise ValueError(f"page {number} does not exist (1 to {total})")
    start = number * size
    return Page(number, items[start : start + size], total)

"""Grouping and counting records (dicts) by the value of a field."""

from __future__ import annotations

from collections import Counter
from typing import Any

from pytest_trace import trainable

Record = dict[str, Any]


@trainable
def group_by(records: list[Record], field: str) -> dict[Any, list[Record]]:
    """Records by the value of `field`, in first-seen order; records without it are skipped."""
    groups: dict[Any, list[Record]] = {}
    for record in records:
        if field not in record:
            continue
        groups.setdefault(record[field], []).append(record)
    return groups


def count_by(records: list[Record], field: str) -> dict[Any, int]:
    return dict(Counter(record[field] for record in records if field in record))


def totals_by(records: list[Record], field: str, amount: str) -> dict[Any, float]:
    """The sum of `amount` per value of `field`."""
    return {
        key: sum(record[amount] for record in group)
        for key, group in group_by(records, field).items()
    }

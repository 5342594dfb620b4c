"""Summaries of log files: how many lines per level, and the serious ones."""

from __future__ import annotations

from collections.abc import Iterable

from pytest_trace import trainable

LEVELS = {"DEBUG": 10, "INFO": 20, "WARNING": 30, "ERROR": 40, "CRITICAL": 50}


@trainable
def parse_line(line: str) -> tuple[str, str, str]:
    """'2024-05-01 12:00:03 error disk full' -> ('2024-05-01 12:00:03', 'ERROR', 'disk full')."""
    date, time, level, message = line.split(" ", 3)
    level = level.upper()
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r} in {line!r}")
    return f"{date} {time}", level, message.strip()


@trainable
def is_serious(level: str, threshold: str) -> bool:
    """Whether `level` is at least as severe as `threshold`."""
    return LEVELS[level] > LEVELS[threshold]


@trainable
def summarize(lines: Iterable[str], threshold: str = "ERROR") -> dict[str, object]:
    """Lines per level, and 'timestamp message' of every line at or above `threshold`."""
    counts: dict[str, int] = {}
    serious = []
    for line in lines:
        if not line.strip():
            continue
        stamp, level, message = parse_line(line)
        counts[level] = counts.get(level, 0) + 1
        if is_serious(level, threshold):
            serious.append(f"{stamp} {message}")
    return {"counts": counts, "serious": serious}

"""Durations as clock-like text: '1:05' for 65 seconds, '1:01:05' for 3665."""

from __future__ import annotations

from pytest_trace import trainable


def parse_duration(text: str) -> int:
    """'1:05' -> 65, '1:01:05' -> 3665, '42' -> 42."""
    seconds = 0
    for part in text.strip().split(":"):
        if not part.isdigit():
            raise ValueError(f"not a duration: {text!r}")
        seconds = seconds * 60 + int(part)
    return seconds


@trainable
def format_duration(seconds: int) -> str:
    """Minutes and seconds ('4:07'), with hours in front when there are any ('2:04:07')."""
    if seconds < 0:
        raise ValueError("a duration is not negative")
    hours = seconds // 3600
    minutes = seconds % 3600 / 60
    secs = seconds % 60
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


def total(durations: list[str]) -> str:
    """The sum of several durations, formatted."""
    return format_duration(sum(parse_duration(text) for text in durations))

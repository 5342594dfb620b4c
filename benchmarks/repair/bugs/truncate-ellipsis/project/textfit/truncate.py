"""Shortening text for table cells."""

from __future__ import annotations

from pytest_trace import trainable

ELLIPSIS = "…"


@trainable
def truncate(text: str, width: int) -> str:
    """`text` in at most `width` characters; text that had to be cut ends with '…'."""
    if width < 1:
        raise ValueError("width must be at least 1")
    if len(text) <= width:
        return text
    return text[:width] + ELLIPSIS


def cell(text: str, width: int) -> str:
    """`text` truncated and padded to exactly `width` characters."""
    return truncate(text, width).ljust(width)


def row(texts: list[str], widths: list[int]) -> str:
    """A table row: the cells separated by ' | '."""
    if len(texts) != len(widths):
        raise ValueError("one width per column")
    return " | ".join(cell(text, width) for text, width in zip(texts, widths, strict=True))

"""Greedy word wrapping for plain-text output."""

from __future__ import annotations

from pytest_trace import trainable


@trainable
def wrap(text: str, width: int) -> list[str]:
    """Lines of at most `width` characters, breaking between words.

    A word longer than `width` gets a line of its own.
    """
    if width < 1:
        raise ValueError("width must be at least 1")
    lines = []
    current = ""
    for word in text.split():
        if not current:
            current = word
        elif len(current) + 1 + len(word) <= width:
            current += " " + word
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


def fill(text: str, width: int) -> str:
    """The text wrapped and joined with newlines."""
    return "\n".join(wrap(text, width))


def indent(text: str, prefix: str = "    ") -> str:
    return "\n".join(prefix + line for line in text.splitlines())

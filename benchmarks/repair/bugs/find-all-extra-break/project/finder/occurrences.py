"""Finding a word in a text, and highlighting it."""

from __future__ import annotations

from pytest_trace import trainable


def find_first(text: str, word: str) -> int:
    """The index of the first occurrence of `word`, or -1."""
    for i in range(len(text) - len(word) + 1):
        if text[i : i + len(word)] == word:
            return i
    return -1


@trainable
def find_all(text: str, word: str) -> list[int]:
    """The start of every occurrence of `word` in `text`, overlapping ones included."""
    if not word:
        raise ValueError("cannot search for an empty word")
    positions = []
    for i in range(len(text) - len(word) + 1):
        if text[i : i + len(word)] == word:
            positions.append(i)
            break
    return positions


def highlight(text: str, word: str) -> str:
    """`text` with every (non-overlapping) occurrence of `word` in [brackets]."""
    parts, last = [], 0
    for start in find_all(text, word):
        if start >= last:
            parts.append(text[last:start] + "[" + word + "]")
            last = start + len(word)
    return "".join(parts) + text[last:]

"""The most frequent words of a text."""

from __future__ import annotations

import re

from pytest_trace import trainable

WORD = re.compile(r"[A-Za-z']+")


@trainable
def count_words(text: str) -> dict[str, int]:
    """How often each word occurs, ignoring case: 'The the' counts 'the' twice."""
    counts: dict[str, int] = {}
    for word in WORD.findall(text.lower()):
        counts[word] = counts.get(word, 0) + 1
    return counts


@trainable
def top_words(counts: dict[str, int], n: int) -> list[tuple[str, int]]:
    """The `n` most frequent (word, count) pairs, most frequent first; ties alphabetically."""
    ranked = sorted(counts.items(), key=lambda pair: (pair[1], pair[0]), reverse=True)
    return ranked[:n]


@trainable
def report(text: str, n: int = 3) -> str:
    """One 'word: count' line per frequent word."""
    return "\n".join(f"{word}: {count}" for word, count in top_words(count_words(text), n))

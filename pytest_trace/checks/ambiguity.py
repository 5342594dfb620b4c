"""Alternatives that pass the same tests but disagree on an input."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Disagreement:
    """Two or more candidates that pass the tests return different results for ``call``.

    ``results`` has one repr per candidate, in the order given; ``test`` is a
    ready-to-paste assertion that would settle which is right.
    """

    function: str
    call: str
    results: tuple[str, ...]
    test: str

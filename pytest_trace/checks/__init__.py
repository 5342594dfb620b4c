"""Checks of a candidate that passes the tests: is it right, or only plausible?"""

from __future__ import annotations

import time
from dataclasses import dataclass

#: Seconds a search of generated inputs (one candidate's crashes, one pair's
#: disagreement) may take, by default: CPU seconds of the checking process.
SEARCH_SECONDS = 0.3
#: How much longer than its CPU seconds a search may take on the clock (a busy machine
#: lends the process a fraction of a CPU; code that sleeps uses none).
WALL_FACTOR = 3.0


class Deadline:
    """The end of a search: ``seconds`` of this process's CPU time, so that a search
    tries as many inputs on a busy machine as on an idle one (its findings, and so the
    verdicts, do not depend on the load), and at most :data:`WALL_FACTOR` times as
    long on the clock."""

    def __init__(self, seconds: float = 0.0) -> None:
        self.cpu = time.process_time() + seconds
        self.wall = time.monotonic() + seconds * WALL_FACTOR

    def passed(self) -> bool:
        return time.process_time() >= self.cpu or time.monotonic() >= self.wall

    def left(self) -> float:
        """CPU seconds left (less if the clock runs out first)."""
        wall = (self.wall - time.monotonic()) / WALL_FACTOR
        return min(self.cpu - time.process_time(), wall)


@dataclass(frozen=True)
class Concern:
    """Why a candidate that passes the tests may still be wrong.

    ``check`` names the check ("test-literal", "new-crash", "doctest", ...); ``reason`` is
    one line for the user; a ``blocking`` concern keeps the candidate from being ``fixed``.
    """

    check: str
    reason: str
    blocking: bool = True

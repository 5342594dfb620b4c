"""Checks of a candidate that passes the tests: is it right, or only plausible?"""

from __future__ import annotations

from dataclasses import dataclass

#: Seconds a search of generated inputs (one candidate's crashes, one pair's
#: disagreement) may take, by default.
SEARCH_SECONDS = 0.3


@dataclass(frozen=True)
class Concern:
    """Why a candidate that passes the tests may still be wrong.

    ``check`` names the check ("test-literal", "new-crash", "doctest", ...); ``reason`` is
    one line for the user; a ``blocking`` concern keeps the candidate from being ``fixed``.
    """

    check: str
    reason: str
    blocking: bool = True

"""Alternatives that pass the tests but disagree: what they disagree on, and the test
that would settle it (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pytest_trace.checks import Concern


@dataclass(frozen=True)
class Disagreement:
    """Two or more candidates that pass the tests return different results for one call.

    ``function`` is the parameter's name, ``call`` the call as Python (``f(3, [])``),
    ``results`` the reprs of what each alternative returned (or raised), ``test`` a
    ready-to-paste assertion that would settle which one is right (``assert f(3, []) ==
    ...``), ``other`` the index in ``results`` of the alternative that disagrees
    with the first (the others may agree with it), and ``keeps`` tells, per result,
    whether that alternative did there what the original code did.
    """

    function: str
    call: str
    results: tuple[str, ...]
    test: str
    other: int = 1
    keeps: tuple[bool, ...] = ()


def describe(disagreement: Disagreement) -> str:
    """One line: "2 alternatives pass the tests and disagree on f(3, []): 4 vs 5 — a test
    that settles it: assert f(3, []) == ..."."""
    results = disagreement.results
    return (
        f"{len(results)} alternatives pass the tests and disagree on {disagreement.call}: "
        f"{' vs '.join(results)} — a test that settles it: {disagreement.test}"
    )


def describe_all(disagreements: Sequence[Disagreement]) -> list[str]:
    return [describe(disagreement) for disagreement in disagreements]


def ambiguous(disagreement: Disagreement) -> Concern:
    """The blocking concern of a fix whose alternatives, as good by every other check,
    disagree: the tests cannot tell which one is right. Its reason reads after "it":
    "disagrees with 2 other fixes as good on f(3) (4 vs 5): a test that settles it:
    assert f(3) == 4"."""
    others = len(disagreement.results) - 1
    fixes = "fix" if others == 1 else "fixes"
    assertion = disagreement.test.splitlines()[-1].split("  #")[0].strip()
    return Concern(
        "ambiguous",
        f"disagrees with {others} other {fixes} as good on {disagreement.call} "
        f"({disagreement.results[0]} vs {disagreement.results[disagreement.other]}): a "
        f"test that settles it: {assertion}",
    )

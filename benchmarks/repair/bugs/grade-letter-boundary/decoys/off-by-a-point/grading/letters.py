"""Letter grades from percentage scores."""

from __future__ import annotations

from pytest_trace import trainable

# (lowest score that earns the letter, letter), best letter first.
CUTOFFS = [(90, "A"), (80, "B"), (70, "C"), (60, "D")]


def check_score(score: float) -> float:
    if not 0 <= score <= 100:
        raise ValueError(f"a score is between 0 and 100, got {score}")
    return score


@trainable
def letter_grade(score: float) -> str:
    """The letter for a score: 90 and above is an A, 80 and above a B, ..., below 60 an F."""
    check_score(score)
    for cutoff, letter in CUTOFFS:
        if score > cutoff - 1:
            return letter
    return "F"


def grade_counts(scores: list[float]) -> dict[str, int]:
    """How many scores earned each letter, A to F."""
    counts = dict.fromkeys("ABCDF", 0)
    for score in scores:
        counts[letter_grade(score)] += 1
    return counts

"""Why no candidate was tested: the reasons the optimizer's answers were unusable, counted.

When every answer of a group was rejected before any test ran (no JSON, code that does
not compile, tampering...), the summary says so in one line, such as
``all 3 answers were unusable: no JSON object (x2), invalid JSON (x1)`` (with a
multiplication sign). Pure.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from pytest_trace.text.clip import clip

#: (what the rejection says, the short reason), first match wins.
_REASONS = (
    ("The answer was empty", "empty answer"),
    ("contains no JSON object", "no JSON object"),
    (" is not exactly TERMINATE", "no JSON object"),
    ("is never closed", "JSON cut off"),
    ("JSON object is invalid", "invalid JSON"),
    ("has no object with the keys", "no reasoning/answer/suggestion object"),
    ('"suggestion" must', "malformed suggestion"),
    ("which is not a variable", "unknown variable"),
    ("nested too deeply", "code too deeply nested"),
    ("could not be analyzed", "code too deeply nested"),
    ("could not be checked", "answer could not be checked"),
    ("could not be read", "answer could not be read"),
    ("which the original did not", "tampering"),
    ("does not compile", "code that does not compile"),
    ("must be a string holding", "code not given as a string"),
    ("signature", "changed signature"),
    ("function definition", "not one function definition"),
    ("only the literal values", "code changed in constants-only mode"),
    ("is empty", "empty code"),
)

_TIMES = "\N{MULTIPLICATION SIGN}"
_PREFIX = "Your previous answer was rejected: "


def reason(feedback: str) -> str:
    """The short reason of one rejection (the feedback the optimizer was given)."""
    text = feedback.removeprefix(_PREFIX)
    for needle, short in _REASONS:
        if needle in text:
            return short
    first = text.strip().split(". ", 1)[0].split("\n", 1)[0]
    return clip(first, 60)


def summary(verdicts: Sequence[tuple[str, str]]) -> str:
    """``all N answers were unusable: <reason> (xk), ...`` for the (verdict, feedback) of
    every answer of a group of which none was tested; "" when there were none."""
    if not verdicts:
        return ""
    counts: Counter[str] = Counter()
    for verdict, feedback in verdicts:
        if verdict == "unchanged":
            counts["changed nothing"] += 1
        elif verdict == "repeated":
            counts["repeated an earlier suggestion"] += 1
        else:
            counts[reason(feedback)] += 1
    total = len(verdicts)
    reasons = ", ".join(f"{short} ({_TIMES}{count})" for short, count in counts.most_common())
    whole = "the only answer was" if total == 1 else f"all {total} answers were"
    return f"{whole} unusable: {reasons}"

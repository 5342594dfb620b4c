"""Ranking the candidates that pass the tests (pure).

No blocking concern first; then the fewest changed tokens (the smallest edit is the
likeliest fix, and the least able to overfit); then the edit at the line fault
localization blames most (an edit in the function where the fault is beats a
compensating edit in its caller); where localization blames alike, the edit in the
function called deepest in the failing tests' traces (a callee's own fix beats undoing
its fault in a caller, which leaves the callee wrong for every other caller); then the
order in which they were found.
"""

from __future__ import annotations

import difflib
import io
import tokenize
from collections.abc import Iterable, Mapping, Sequence

from pytest_trace.checks import Concern
from pytest_trace.model import TraceGraph

_LAYOUT = {
    tokenize.NL,
    tokenize.NEWLINE,
    tokenize.COMMENT,
    tokenize.INDENT,
    tokenize.DEDENT,
    tokenize.ENDMARKER,
}

RankKey = tuple[bool, int, float, int, int]


def rank_key(
    concerns: Sequence[Concern], tokens: int, blame: float, order: int, depth: int = 0
) -> RankKey:
    """The sort key of a candidate that passes: smaller is better."""
    return (any(c.blocking for c in concerns), tokens, -blame, -depth, order)


def call_depths(traces: Iterable[TraceGraph]) -> dict[str, int]:
    """How deep each trainable function is called in ``traces``: the fewest trainable
    calls above any of its calls (0: a test calls it itself)."""
    depths: dict[str, int] = {}
    for trace in traces:
        nodes = {call.id: call for call in trace.calls}
        for call in trace.calls:
            if call.kind != "trainable":
                continue
            depth, parent, seen = 0, call.parent, {call.id}
            while parent is not None and parent in nodes and parent not in seen:
                seen.add(parent)
                depth += nodes[parent].kind == "trainable"
                parent = nodes[parent].parent
            depths[call.function] = min(depth, depths.get(call.function, depth))
    return depths


def depth(old: Mapping[str, str], new: Mapping[str, str], depths: Mapping[str, int]) -> int:
    """How deep the functions ``new`` changes are called (``call_depths``): the
    shallowest of them, so that an edit of a callee and of its caller counts as the
    caller's."""
    changed = [name for name, source in new.items() if source != old.get(name)]
    return min((depths.get(name, 0) for name in changed), default=0)


def changed_tokens(
    old: Mapping[str, str], new: Mapping[str, str], names: Sequence[str] | None = None
) -> int:
    """How many tokens ``new`` changes, inserts or deletes against ``old``, summed over
    the parameters (``names``: all of ``old``'s)."""
    total = 0
    for name in names if names is not None else list(old):
        if name in new and new[name] != old.get(name):
            total += _distance(_tokens(old.get(name, "")), _tokens(new[name]))
    return total


def _distance(before: list[str], after: list[str]) -> int:
    """Tokens changed, inserted or deleted; between sequences of the same length, at most
    the positions that differ, so that two swapped tokens count 2 whether or not they
    are adjacent (a diff sees adjacent ones as two deletions and two insertions)."""
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    edits = sum(
        max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"
    )
    if len(before) == len(after):
        edits = min(edits, sum(a != b for a, b in zip(before, after, strict=True)))
    return edits


def blame(
    old: Mapping[str, str],
    new: Mapping[str, str],
    suspicious: Mapping[str, Mapping[int, float]],
) -> float:
    """How suspicious the lines a candidate changes are: the highest Ochiai score of a
    changed line of ``old`` (lines counted from the ``def`` line, 1), over the
    parameters it changes; an inserted line takes the score of the line before it."""
    best = 0.0
    for name, source in new.items():
        if source == old.get(name):
            continue
        scores = suspicious.get(name, {})
        before, after = old.get(name, "").splitlines(), source.splitlines()
        matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
        for tag, i1, i2, _, _ in matcher.get_opcodes():
            if tag == "equal":
                continue
            lines = range(i1 + 1, i2 + 1) if i2 > i1 else range(max(i1, 1), i1 + 1)
            best = max([best, *(scores.get(line, 0.0) for line in lines)])
    return best


def _tokens(source: str) -> list[str]:
    try:
        return [
            token.string
            for token in tokenize.generate_tokens(io.StringIO(source).readline)
            if token.type not in _LAYOUT
        ]
    except (tokenize.TokenError, SyntaxError):
        return source.split()

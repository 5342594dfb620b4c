"""Edits of trainable constants and of constants-only functions, for the search (pure).

A constant parameter's value (``0.2``) gets the values :func:`constants.tuned_values`
derives from the failing assertions' (actual, expected) numbers, then those the edit
operators give a literal (``mutations``: off by one, nearby values, a flipped boolean),
by editing the value as the body of a one-line function. A constants-only function gets
the edits of the operators that change its literals and nothing else.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterator, Sequence

from pytest_trace.constants import literal_value, same_structure, tuned_values
from pytest_trace.model import Parameter
from pytest_trace.optimizers.mutations import Edit, Hints, double_edits, single_edits

#: Edits tried per constant.
MAX_CONSTANT_EDITS = 40
_WRAPPER = "def constant():\n    return {}\n"


def constant_edits(parameter: Parameter, hints: Hints) -> Iterator[Edit]:
    """New values of the constant ``parameter``, most promising first, as edits."""
    old = parameter.source.strip()
    seen = {old}

    def edit(value: str, operator: str) -> Edit | None:
        if value in seen:
            return None
        seen.add(value)
        return Edit(value, (operator,), (1,), 1, f"`{old}` → `{value}`")

    tuned = (edit(value, "tune constant") for value in tuned_values(old, hints.numbers))
    mutated = (edit(value, op) for value, op in _literal_edits(old, hints))
    found = (e for e in itertools.chain(tuned, mutated) if e is not None)
    yield from itertools.islice(found, MAX_CONSTANT_EDITS)


def _literal_edits(old: str, hints: Hints) -> Iterator[tuple[str, str]]:
    """The values the edit operators give the literal ``old`` (the other edits dropped)."""
    try:
        wanted = type(literal_value(old))
        edits = single_edits(_WRAPPER.format(old), Hints(numbers=hints.numbers))
        for found in edits:
            body = ast.parse(found.source).body[0]
            assert isinstance(body, ast.FunctionDef)
            statement = body.body[0]
            if not isinstance(statement, ast.Return) or statement.value is None:
                continue
            value = ast.unparse(statement.value)
            try:
                new = literal_value(value)
            except ValueError:
                continue
            if wanted is float and isinstance(new, (int, float)) and not isinstance(new, bool):
                yield repr(float(new)), found.operators[0]
            elif isinstance(new, wanted):
                yield value, found.operators[0]
    except (ValueError, SyntaxError):
        return


def literal_only(parameter: Parameter, edits: Iterator[Edit]) -> Iterator[Edit]:
    """The edits of a constants-only function that change its literals only."""
    return (edit for edit in edits if same_structure(parameter.source, edit.source))


def literal_pairs(
    parameter: Parameter, hints: Hints, singles: Sequence[Edit], *, limit: int
) -> Iterator[Edit]:
    """Pairs of literal edits of a constants-only function."""
    pairs = double_edits(parameter.source, hints, singles, limit=limit * 4)
    return itertools.islice(literal_only(parameter, pairs), limit)

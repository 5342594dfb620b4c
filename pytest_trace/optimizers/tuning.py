"""Edits of trainable constants and of constants-only functions, for the search (pure).

A constant parameter's value (``0.2``) gets the values :func:`constants.tuned_values`
derives from the failing assertions' (actual, expected) numbers, then those the words of
its name call for (``SECONDS_PER_DAY`` → 86400; ``mutations.usual``), then nearby
values, then those the edit operators give a literal (``mutations``: off by one, the
usual values nearest to it, a flipped boolean), by editing the value as the body of a
one-line function. A constants-only function gets
the edits of the operators that change its literals and nothing else.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterator, Sequence

from pytest_trace.model import Parameter
from pytest_trace.optimizers.mutations import Edit, Hints, double_edits, single_edits
from pytest_trace.optimizers.mutations.usual import named_numbers
from pytest_trace.repair.constant_edits import literal_value, same_structure, tuned_values

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

    tuned = tuned_values(old, hints.numbers)
    neighbours = set(tuned_values(old, ()))  # c * 10, c ± 1, ...: not from the assertions
    solved = [value for value in tuned if value not in neighbours]
    rest = [value for value in tuned if value in neighbours]
    candidates = itertools.chain(
        ((value, "tune constant") for value in solved),
        ((value, "usual constant") for value in _named_values(old, parameter.qualname)),
        ((value, "tune constant") for value in rest),
        _literal_edits(old, hints),
    )
    found = (e for e in itertools.starmap(edit, candidates) if e is not None)
    yield from itertools.islice(found, MAX_CONSTANT_EDITS)


def _named_values(old: str, name: str) -> Iterator[str]:
    """The values the words of the constant's name call for (``SECONDS_PER_DAY`` →
    86400, ...), as literals of the constant's type."""
    try:
        value = literal_value(old)
    except ValueError:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return
    for number in named_numbers([name]):
        if isinstance(value, float):
            yield repr(float(number))
        elif isinstance(number, int):
            yield str(number)


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

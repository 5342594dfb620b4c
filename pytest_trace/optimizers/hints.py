"""What the failing assertions say the values should have been (pure).

The search optimizer tunes constants from (actual, expected) number pairs and returns
expected values from inserted guards. Both come from pytest's assertion explanations as
they appear in our feedback text (``feedback.render_feedback``)::

    tests/test_cart.py::test_discount failed
    AssertionError: assert 20.0 == 180.0
     +  where 20.0 = apply_discount(200, 10)
    Traceback (user code, most recent call last):
      tests/test_cart.py:7 in test_discount: assert apply_discount(200, 10) == 180.0

In ``assert left == right`` the computed side (the actual value) is told by, in order:
``Obtained:``/``Expected:`` lines (``pytest.approx``), the ``where`` lines (``+  where
20.0 = apply_discount(200, 10)`` names the value a call computed), the test's own
``assert`` statement in the traceback (a literal on one side is the expected value),
and else the convention ``assert actual == expected``.

Both functions accept any text: truncated, odd or not pytest's at all; they never raise.
"""

from __future__ import annotations

import ast
import math
import re
import warnings
from dataclasses import dataclass
from typing import TypeVar

_T = TypeVar("_T")
_NOT_A_LITERAL = object()

#: An assertion explanation line: ``AssertionError: assert 20.0 == 180.0``.
_ASSERT = re.compile(r"^\s*(?:E\s+)?(?:[\w.]*(?:Error|Exception): )?assert (?P<expr>.*)$")
#: A unittest-style message: ``AssertionError: 20.0 != 180.0``.
_UNITTEST = re.compile(r"^\s*(?:[\w.]*AssertionError: )(?P<left>.+?) != (?P<right>.+)$")
#: ``expected 5, got 3`` and similar messages.
_EXPECTED_GOT = re.compile(
    r"expected:?\s+(?P<expected>[^\s,;]+)[,;]?\s+(?:but\s+)?(?:got|was|actual):?\s+"
    r"(?P<actual>[^\s,;]+)",
    re.IGNORECASE,
)
#: A first-level ``where`` line: `` +  where 20.0 = apply_discount(200, 10)``.
_WHERE = re.compile(r"^\s*(?:E\s+)?\+  (?:where|and)\s+(?P<value>.+?) = (?P<origin>.+)$")
#: A frame of the traceback: ``  tests/test_x.py:7 in test_x: assert f(3) == 7``.
_FRAME = re.compile(r"^\s+\S+:\d+ in [^:\s]+: (?P<source>.*)$")
_OBTAINED = re.compile(r"^\s*(?:E\s+)?Obtained: (?P<value>.+?)\s*$")
_EXPECTED = re.compile(r"^\s*(?:E\s+)?Expected: (?P<value>.+?)\s*$")
#: A row of pytest.approx's table: ``0     | 2        | 2.5 ± 2.5e-06``.
_TABLE_ROW = re.compile(r"^\s*(?:E\s+)?\S+\s*\|\s*(?P<obtained>.+?)\s*\|\s*(?P<expected>.+?)\s*$")
#: ``At index 1 diff: 4 != 5`` (sequences compared with ``==``).
_INDEX_DIFF = re.compile(r"At index \d+ diff: (?P<left>.+?) != (?P<right>.+?)\s*$")
_APPROX_TOLERANCE = re.compile(r"\s*±.*$")
_MAX_TEXT = 200_000
_MAX_VALUES = 50


@dataclass
class _Assertion:
    """One failing ``assert`` and what its explanation says about it."""

    left: str
    right: str
    operator: str  # "==", "is", "truthy", "falsy"
    where: list[str]
    obtained: str | None = None
    expected: str | None = None
    source: str | None = None
    rows: list[tuple[str, str]] | None = None
    index_diffs: list[tuple[str, str]] | None = None


def numbers_from_feedback(feedback: str) -> list[tuple[float, float]]:
    """(actual, expected) number pairs of the failing assertions in ``feedback``.

    Numbers compared with ``==`` (``pytest.approx`` included), element by element for
    sequences and dicts of equal shape, and unittest's ``20.0 != 180.0``.
    """
    try:
        return _unique(_numbers(str(feedback)[:_MAX_TEXT]))[:_MAX_VALUES]
    except Exception:  # never let odd text stop the optimizer
        return []


def expected_values(feedback: str) -> list[str]:
    """``repr`` of the values the failing assertions expected, each a Python literal
    (``180.0``, ``'ABC'``, ``[0, 1, 2]``, ``None``, ``True``): the side of ``==`` the
    code did not compute, and ``True``/``False`` for ``assert f(x)``/``assert not f(x)``."""
    try:
        return _unique(_expected(str(feedback)[:_MAX_TEXT]))[:_MAX_VALUES]
    except Exception:
        return []


def _numbers(feedback: str) -> list[tuple[float, float]]:
    pairs: list[tuple[float, float]] = []
    for assertion in _assertions(feedback):
        if assertion.rows:
            for obtained, expected in assertion.rows:
                pairs += _number_pairs(obtained, expected)
        if assertion.obtained is not None and assertion.expected is not None:
            pairs += _number_pairs(assertion.obtained, assertion.expected)
            continue
        if assertion.operator != "==":
            continue
        actual, expected = _sides(assertion)
        found = _number_pairs(actual, expected)
        if not found and assertion.index_diffs:
            left_computed = actual == assertion.left
            for left, right in assertion.index_diffs:
                found += _number_pairs(left, right) if left_computed else _number_pairs(right, left)
        pairs += found
    for line in feedback.splitlines():
        unittest = _UNITTEST.match(line)
        if unittest and not _ASSERT.match(line):
            pairs += _number_pairs(unittest["left"], unittest["right"])
        for match in _EXPECTED_GOT.finditer(line):
            pairs += _number_pairs(match["actual"], match["expected"])
    return pairs


def _expected(feedback: str) -> list[str]:
    values: list[str] = []
    for assertion in _assertions(feedback):
        if assertion.expected is not None:
            values += _literal_repr(assertion.expected)
        elif assertion.operator in ("==", "is"):
            values += _literal_repr(_sides(assertion)[1])
        elif assertion.where and assertion.left in assertion.where:
            # `assert f(x)` shows `assert False` (where False = f(x)); `not` the opposite
            truth = _literal(assertion.left)
            if isinstance(truth, bool):
                wanted = assertion.operator == "truthy"
                values.append(repr(wanted))
    for line in feedback.splitlines():
        unittest = _UNITTEST.match(line)
        if unittest and not _ASSERT.match(line):
            values += _literal_repr(unittest["right"])
        for match in _EXPECTED_GOT.finditer(line):
            values += _literal_repr(match["expected"])
    return values


def _assertions(feedback: str) -> list[_Assertion]:
    """The failing asserts of ``feedback``, each with the lines explaining it."""
    assertions: list[_Assertion] = []
    current: _Assertion | None = None
    in_table = False
    for line in feedback.splitlines():
        frame = _FRAME.match(line)
        if frame:
            source = frame["source"].strip()
            if current is not None and current.source is None and source.startswith("assert"):
                current.source = source
            continue
        match = _ASSERT.match(line)
        if match:
            current = _parse_assertion(match["expr"])
            if current is not None:
                assertions.append(current)
            in_table = False
            continue
        if current is None:
            continue
        if where := _WHERE.match(line):
            current.where.append(where["value"].strip())
        elif obtained := _OBTAINED.match(line):
            current.obtained = _strip_tolerance(obtained["value"])
        elif expected := _EXPECTED.match(line):
            current.expected = _strip_tolerance(expected["value"])
        elif "| Obtained" in line and "| Expected" in line:
            in_table = True
            current.rows = []
        elif in_table and (row := _TABLE_ROW.match(line)) and current.rows is not None:
            current.rows.append((row["obtained"], _strip_tolerance(row["expected"])))
        elif diff := _INDEX_DIFF.search(line):
            current.index_diffs = [*(current.index_diffs or []), (diff["left"], diff["right"])]
    return assertions


def _parse_assertion(expression: str) -> _Assertion | None:
    """``20.0 == 180.0`` → left, ``==``, right; ``False`` → truthy; ``not True`` →
    falsy."""
    expression = expression.strip()
    if not expression:
        return None
    for operator in (" == ", " is "):
        position = _top_level(expression, operator)
        if position >= 0:
            left = expression[:position].strip()
            right = expression[position + len(operator) :].strip()
            if operator == " is " and right.startswith("not "):
                return None
            return _Assertion(_strip_tolerance(left), _strip_tolerance(right), operator.strip(), [])
    if _top_level(expression, " ") < 0 or expression.startswith("not "):
        if expression.startswith("not "):
            return _Assertion(expression[4:].strip(), "", "falsy", [])
        return _Assertion(expression, "", "truthy", [])
    return None


def _sides(assertion: _Assertion) -> tuple[str, str]:
    """(computed, expected) sides of ``assert left == right``."""
    left, right = assertion.left, assertion.right
    left_where, right_where = left in assertion.where, right in assertion.where
    if left_where != right_where:
        return (left, right) if left_where else (right, left)
    literal_side = _literal_side(assertion.source)
    if literal_side == "left":
        return right, left
    return left, right


def _literal_side(source: str | None) -> str | None:
    """Which side of the test's ``assert a == b`` statement is a literal, if one is."""
    if not source:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            statement = ast.parse(source.strip()).body[0]
    except (SyntaxError, ValueError, IndexError, RecursionError, MemoryError):
        return None
    if not isinstance(statement, ast.Assert) or not isinstance(statement.test, ast.Compare):
        return None
    test = statement.test
    if len(test.ops) != 1 or not isinstance(test.ops[0], (ast.Eq, ast.Is)):
        return None
    left, right = _is_literal(test.left), _is_literal(test.comparators[0])
    if left and not right:
        return "left"
    if right and not left:
        return "right"
    return None


def _is_literal(node: ast.expr) -> bool:
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def _top_level(text: str, needle: str) -> int:
    """Where ``needle`` first occurs in ``text`` outside brackets and strings, or -1."""
    depth = 0
    quote = ""
    index = 0
    while index < len(text):
        char = text[index]
        if quote:
            if char == "\\":
                index += 2
                continue
            if text.startswith(quote, index):
                index += len(quote)
                quote = ""
                continue
        elif char in "'\"":
            quote = text[index : index + 3] if text.startswith(char * 3, index) else char
            index += len(quote)
            continue
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth = max(depth - 1, 0)
        elif depth == 0 and text.startswith(needle, index):
            return index
        index += 1
    return -1


def _strip_tolerance(text: str) -> str:
    """``180.0 ± 1.8e-04`` → ``180.0``."""
    return _APPROX_TOLERANCE.sub("", text).strip()


def _literal(text: str) -> object:
    """The value of the literal ``text``, or a sentinel that is none."""
    text = text.strip()
    if not text or len(text) > 10_000:
        return _NOT_A_LITERAL
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.literal_eval(text)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return _NOT_A_LITERAL


def _literal_repr(text: str) -> list[str]:
    value = _literal(text)
    if value is _NOT_A_LITERAL:
        return []
    if isinstance(value, float) and not math.isfinite(value):
        return []
    return [repr(value)]


def _number_pairs(actual_text: str, expected_text: str) -> list[tuple[float, float]]:
    """(actual, expected) numbers: two numbers, or the differing numbers of two lists,
    tuples or dicts of the same shape."""
    actual, expected = _literal(actual_text), _literal(expected_text)
    pairs: list[tuple[float, float]] = []
    _collect(actual, expected, pairs, depth=0)
    return pairs


def _collect(
    actual: object, expected: object, pairs: list[tuple[float, float]], depth: int
) -> None:
    if depth > 3 or len(pairs) > _MAX_VALUES:
        return
    if _is_number(actual) and _is_number(expected):
        assert isinstance(actual, (int, float)) and isinstance(expected, (int, float))
        a, e = float(actual), float(expected)
        if math.isfinite(a) and math.isfinite(e) and a != e:
            pairs.append((a, e))
    elif isinstance(actual, (list, tuple)) and isinstance(expected, (list, tuple)):
        if len(actual) == len(expected):
            for a_item, e_item in zip(actual, expected, strict=True):
                _collect(a_item, e_item, pairs, depth + 1)
    elif (
        isinstance(actual, dict) and isinstance(expected, dict) and actual.keys() == expected.keys()
    ):
        for key in actual:
            _collect(actual[key], expected[key], pairs, depth + 1)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _unique(items: list[_T]) -> list[_T]:
    return list(dict.fromkeys(items))

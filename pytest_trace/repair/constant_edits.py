"""Trainable constants: module-level assignments whose literal value may change (pure).

A constant parameter is a name assigned once at the top level of a module
(``TAX_RATE = 0.2``, ``TAX_RATE: float = 0.2``) to a literal. The optimizer sees the
literal's text (``0.2``); :func:`normalize_constant` checks a new value (same kind of
value, a literal); :func:`replace_constant` writes it over the old literal, leaving every
other byte of the file as it was.

A function in *constants-only* mode (``@trainable(constants_only=True)``) may have its
literals changed but not its structure: :func:`check_update` compares the syntax trees
with every literal masked. :func:`tuned_values` proposes new values for a numeric
constant from the (actual, expected) numbers of failing assertions, for the search.
"""

from __future__ import annotations

import ast
import math
import warnings
from collections.abc import Iterable, Sequence

from pytest_trace.model import Parameter
from pytest_trace.repair.constant_values import coerce_value
from pytest_trace.repair.source_edits import TOO_DEEP, EditError, split_lines

_BOM = "\ufeff"
_SCALARS = ("int", "float", "bool", "str")
#: New values proposed per numeric constant by :func:`tuned_values`.
MAX_TUNED = 24


# --- the assignment -------------------------------------------------------------------


def _parse(text: str, what: str) -> ast.Module:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(text)
    except (SyntaxError, ValueError) as error:
        raise EditError(f"{what} does not compile: {error}") from None
    except (RecursionError, MemoryError):
        raise EditError(f"{what} {TOO_DEEP}") from None


def _assignment(tree: ast.Module, name: str) -> ast.expr:
    """The value of the single top-level assignment of ``name``."""
    values: list[ast.expr] = []
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == name for target in node.targets
        ):
            if len(node.targets) != 1:
                raise EditError(f"cannot edit {name}: it is assigned in a chained assignment")
            values.append(node.value)
        elif (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and node.target.id == name
            and node.value is not None
        ):
            values.append(node.value)
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(name in _bound(target) for target in targets):
                raise EditError(f"cannot edit {name}: it is not assigned as `{name} = value`")
    if not values:
        raise EditError(f"cannot find an assignment `{name} = ...` at the top level of the module")
    if len(values) > 1:
        lines = ", ".join(str(value.lineno) for value in values)
        raise EditError(f"cannot edit {name}: it is assigned {len(values)} times (lines {lines})")
    return values[0]


def _bound(target: ast.expr) -> set[str]:
    return {node.id for node in ast.walk(target) if isinstance(node, ast.Name)}


def _offset(lines: Sequence[str], lineno: int, col: int) -> int:
    """The character offset of (line, UTF-8 byte column) in the text of ``lines``."""
    before = sum(len(line) for line in lines[: lineno - 1])
    return before + len(lines[lineno - 1].encode("utf-8")[:col].decode("utf-8"))


def _span(text: str, name: str) -> tuple[int, int]:
    node = _assignment(_parse(text, "the file"), name)
    assert node.end_lineno is not None and node.end_col_offset is not None
    lines = split_lines(text)
    return (
        _offset(lines, node.lineno, node.col_offset),
        _offset(lines, node.end_lineno, node.end_col_offset),
    )


def constant_source(file_text: str, name: str) -> str:
    """The text of the literal assigned to ``name`` at the top level of the file.

    Raises :class:`EditError` when ``name`` is not assigned exactly once as
    ``name = value`` (or ``name: type = value``) or its value is not a literal.
    """
    text = file_text.removeprefix(_BOM)
    start, end = _span(text, name)
    source = text[start:end]
    try:
        literal_value(source)
    except ValueError:
        raise EditError(
            f"cannot make {name} trainable: its value `{source}` is not a literal "
            "(a number, string, boolean, None, or a tuple, list or dict of those)"
        ) from None
    return source


def replace_constant(file_text: str, name: str, new_value: str) -> str:
    """The file with the literal assigned to ``name`` replaced by ``new_value``.

    Only the value's characters change: the name, its annotation, comments, newlines
    and the rest of the file stay byte-identical.
    """
    bom = _BOM if file_text.startswith(_BOM) else ""
    text = file_text[len(bom) :]
    start, end = _span(text, name)
    result = text[:start] + new_value + text[end:]
    _parse(result, f"the file with the new value of {name}")
    return bom + result


# --- values ---------------------------------------------------------------------------


def literal_value(source: str) -> object:
    """The value of a literal's text; :class:`ValueError` if it is not a literal."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.literal_eval(source.strip())
    except (SyntaxError, ValueError, TypeError, MemoryError, RecursionError):
        raise ValueError(f"`{source.strip()}` is not a literal") from None


def value_type(source: str) -> str:
    """The type name of a literal's value (``float`` for ``0.2``), ``object`` if none."""
    try:
        return type(literal_value(source)).__name__
    except ValueError:
        return "object"


def normalize_constant(parameter: Parameter, value: object) -> str:
    """The text of the new value an optimizer proposed for a constant parameter.

    ``value`` is the literal's text (``"0.1"``) or a value (``0.1`` from a JSON answer).
    It must have the constant's type; an int, float or bool given as text or as another
    number converts when it does so exactly (``"0.1"``, ``1`` for a float). Raises
    :class:`EditError` saying what is wrong.
    """
    wanted = value_type(parameter.source)
    new: object = value
    text = ""
    if isinstance(value, str):
        text = value.strip().strip("`").strip()
        try:
            new = literal_value(text)
        except ValueError:
            new = text if wanted == "str" else value
    # The literal as written (`0.10` stays `0.10`) when it has the right type already.
    as_written = type(new).__name__ == wanted and bool(text) and "\n" not in text
    as_written = as_written and new is not text
    if type(new).__name__ != wanted:
        if wanted not in _SCALARS:
            raise EditError(
                f"the new value of {parameter.name} must be a {wanted} literal, "
                f"not {type(new).__name__} {new!r}"
            )
        try:
            new = coerce_value(wanted, new)
        except ValueError as error:
            raise EditError(
                f"the new value of {parameter.name} is not a {wanted}: {error}"
            ) from None
    if isinstance(new, float) and not math.isfinite(new):
        raise EditError(f"the new value of {parameter.name} must be a finite number")
    return text if as_written else repr(new)


# --- constants-only functions ---------------------------------------------------------


class _Mask(ast.NodeTransformer):
    """Every literal (and a signed number) replaced by the same placeholder."""

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        return ast.Constant(value=None)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        if isinstance(node.op, (ast.USub, ast.UAdd)) and isinstance(node.operand, ast.Constant):
            return ast.Constant(value=None)
        return self.generic_visit(node)


def structure(source: str) -> str:
    """The syntax tree of ``source`` with its literals masked (``ast.dump``, no positions)."""
    tree = _parse(source, "the code")
    return ast.dump(_Mask().visit(tree))


def same_structure(old: str, new: str) -> bool:
    """Whether two sources differ in their literals only (formatting and comments aside)."""
    try:
        return structure(old) == structure(new)
    except (EditError, RecursionError, MemoryError):
        return False


def check_update(parameter: Parameter, value: str) -> str:
    """What is wrong with ``value`` as the new value of ``parameter``; "" when nothing.

    A constant must stay a literal of its type; a constants-only function may change
    its literals only.
    """
    if parameter.kind == "constant":
        try:
            normalize_constant(parameter, value)
        except EditError as error:
            return str(error)
        return ""
    if parameter.constants_only and not same_structure(parameter.source, value):
        return (
            f"only the literal values in {parameter.name} may change (numbers, strings, "
            "booleans), not its code: it is trainable in constants-only mode"
        )
    return ""


# --- tuning ---------------------------------------------------------------------------


def tuned_values(source: str, numbers: Iterable[tuple[float, float]]) -> list[str]:
    """New values of a numeric constant, most promising first, as literals' text.

    From each (actual, expected) pair of a failing assertion: the constant scaled by
    expected/actual, shifted by their difference, and the same for a rate ``c`` used as
    ``x * (1 + c)`` or ``x * (1 - c)``; then nearby values (``c * 10``, ``c / 10``,
    ``c * 100``, ``c / 100``, ``c ± 1`` for integers, ``-c``, ``0``, ``1``). Each is also
    offered rounded to two significant digits, the way constants are usually written.
    """
    try:
        value = literal_value(source)
    except ValueError:
        return []
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return []
    c = float(value)
    targets: list[float] = []
    for actual, expected in list(numbers)[:4]:
        delta = expected - actual
        if actual:
            ratio = expected / actual
            targets += [c * ratio, (1 + c) * ratio - 1, 1 - (1 - c) * ratio]
        targets += [c + delta, c - delta]
        if expected:
            targets.append(c * actual / expected)
    if isinstance(value, int):
        targets += [c + 1, c - 1]
    targets += [c * 10, c / 10, c * 100, c / 100, -c, 0.0, 1.0]
    results: list[str] = []
    for target in targets:
        for number in (_round(target, 2), _round(target, 12)):
            text = _literal(number, integer=isinstance(value, int))
            if text is not None and text != source.strip() and text not in results:
                if _same(text, c):
                    continue
                results.append(text)
    return results[:MAX_TUNED]


def _round(value: float, digits: int) -> float:
    if not math.isfinite(value) or value == 0:
        return value
    return float(f"{value:.{digits}g}")


def _literal(number: float, *, integer: bool) -> str | None:
    if not math.isfinite(number) or abs(number) > 1e18:
        return None
    if integer:
        return str(round(number))
    return repr(0.0 if number == 0 else number)


def _same(text: str, value: float) -> bool:
    new = literal_value(text)
    return isinstance(new, (int, float)) and float(new) == value


# --- how an LLM sees them -------------------------------------------------------------


def render_variable(parameter: Parameter) -> str:
    """A constant as OptoPrime's #Variables shows it: ``(float) pricing.TAX_RATE = 0.2``."""
    return f"({value_type(parameter.source)}) {parameter.name} = {parameter.source.strip()}"


def render_constraint(parameter: Parameter) -> str:
    """What OptoPrime's #Constraints says about a constant or a constants-only function."""
    if parameter.kind == "constant":
        kind = value_type(parameter.source)
        return (
            f"({kind}) {parameter.name}: a {kind} literal, the value of the module-level "
            f"constant {parameter.qualname}; suggest the new value alone (such as "
            f"{parameter.source.strip()}), not an assignment"
        )
    return (
        "constants-only: change only the literal values in the code (numbers, strings, "
        "booleans); any other change is rejected"
    )

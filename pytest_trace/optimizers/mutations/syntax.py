"""Python's expression syntax: operator symbols and classes, precedence, where an
expression needs parentheses, the operator token between two operands."""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import TypeAlias

_Op: TypeAlias = type[ast.AST]


SYMBOLS: Mapping[_Op, str] = MappingProxyType(
    {
        ast.Add: "+",
        ast.Sub: "-",
        ast.Mult: "*",
        ast.MatMult: "@",
        ast.Div: "/",
        ast.FloorDiv: "//",
        ast.Mod: "%",
        ast.Pow: "**",
        ast.LShift: "<<",
        ast.RShift: ">>",
        ast.BitOr: "|",
        ast.BitXor: "^",
        ast.BitAnd: "&",
        ast.Eq: "==",
        ast.NotEq: "!=",
        ast.Lt: "<",
        ast.LtE: "<=",
        ast.Gt: ">",
        ast.GtE: ">=",
        ast.Is: "is",
        ast.IsNot: "is not",
        ast.In: "in",
        ast.NotIn: "not in",
        ast.And: "and",
        ast.Or: "or",
    }
)


BITWISE = (ast.BitAnd, ast.BitOr, ast.BitXor, ast.LShift, ast.RShift)


#: Operators whose operands are numbers (``+``, ``*``, ``%`` work on sequences too).
NUMERIC_OPERATORS = (ast.Sub, ast.Div, ast.FloorDiv, ast.Pow, *BITWISE)


# Precedence levels, as Python's grammar orders them (higher binds tighter).
(
    NAMED,
    TUPLE,
    YIELD,
    TEST,
    OR,
    AND,
    NOT,
    CMP,
    BOR,
    BXOR,
    BAND,
    SHIFT,
    ARITH,
    TERM,
    FACTOR,
    POWER,
    AWAIT,
    ATOM,
) = range(18)


BINOP_PRECEDENCE: Mapping[_Op, int] = MappingProxyType(
    {
        ast.Add: ARITH,
        ast.Sub: ARITH,
        ast.Mult: TERM,
        ast.MatMult: TERM,
        ast.Div: TERM,
        ast.FloorDiv: TERM,
        ast.Mod: TERM,
        ast.Pow: POWER,
        ast.LShift: SHIFT,
        ast.RShift: SHIFT,
        ast.BitOr: BOR,
        ast.BitXor: BXOR,
        ast.BitAnd: BAND,
    }
)


#: One operator token between two operands (comments, parentheses and line breaks
#: around it are skipped).
_GAP_TOKEN = re.compile(
    r"(?P<skip>[ \t\f]+|\\\r?\n|\r?\n|#[^\r\n]*|[()])"
    r"|(?P<op>\*\*=?|//=?|<<=?|>>=?|<=|>=|==|!=|[-+*/%@&|^]=?|[<>=]"
    r"|not[ \t]+in\b|is[ \t]+not\b|is\b|in\b|and\b|or\b)"
)


def required_precedence(parent: ast.AST, name: str, child: ast.AST) -> int:
    """The precedence an expression needs, without parentheses, in this place."""
    if isinstance(parent, ast.BinOp):
        precedence = BINOP_PRECEDENCE[type(parent.op)]
        if isinstance(parent.op, ast.Pow):
            return AWAIT if name == "left" else FACTOR
        return precedence if name == "left" else precedence + 1
    if isinstance(parent, ast.UnaryOp):
        return NOT if isinstance(parent.op, ast.Not) else FACTOR
    if isinstance(parent, ast.BoolOp):
        return NOT if isinstance(parent.op, ast.And) else AND
    if isinstance(parent, ast.Compare):
        return BOR
    if isinstance(parent, ast.IfExp):
        return TEST if name == "orelse" else OR
    if isinstance(parent, (ast.Attribute, ast.Subscript)) and name == "value":
        return ATOM
    if isinstance(parent, ast.Call) and name == "func":
        return ATOM
    if isinstance(parent, ast.Await):
        return ATOM
    if isinstance(parent, ast.Starred):
        return BOR
    if isinstance(parent, ast.comprehension):
        return OR if name in ("iter", "ifs") else TUPLE
    if isinstance(parent, ast.Subscript) and isinstance(child, ast.Tuple):
        return TUPLE
    return TEST


def precedence_of(node: ast.AST) -> int:
    if isinstance(node, ast.BinOp):
        return BINOP_PRECEDENCE[type(node.op)]
    if isinstance(node, ast.UnaryOp):
        return NOT if isinstance(node.op, ast.Not) else FACTOR
    if isinstance(node, ast.BoolOp):
        return AND if isinstance(node.op, ast.And) else OR
    if isinstance(node, ast.Compare):
        return CMP
    if isinstance(node, (ast.IfExp, ast.Lambda)):
        return TEST
    if isinstance(node, ast.NamedExpr):
        return NAMED
    if isinstance(node, (ast.Yield, ast.YieldFrom)):
        return YIELD
    if isinstance(node, ast.Await):
        return AWAIT
    if isinstance(node, ast.Starred):
        return BOR
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return FACTOR if node.value < 0 else ATOM
    return ATOM


def operator_in_gap(gap: bytes) -> tuple[int, int] | None:
    """The span of the one operator token in the text between two operands."""
    text = gap.decode("utf-8", "replace")
    position = 0
    found: tuple[int, int] | None = None
    while position < len(text):
        match = _GAP_TOKEN.match(text, position)
        if match is None:
            return None
        if match.group("op") is not None:
            if found is not None:
                return None
            found = match.span()
        position = match.end()
    if found is None:
        return None
    start = len(text[: found[0]].encode())
    return start, start + len(text[found[0] : found[1]].encode())

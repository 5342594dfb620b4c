"""Operator swaps: comparison, arithmetic, bitwise, ``and``/``or`` and assignment swaps,
``not`` added or removed."""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterator, Mapping
from types import MappingProxyType

from pytest_trace.optimizers.mutations.function import RARE, Function
from pytest_trace.optimizers.mutations.model import Raw
from pytest_trace.optimizers.mutations.nodes import between, is_load, is_plain_literal
from pytest_trace.optimizers.mutations.syntax import BINOP_PRECEDENCE, BITWISE, SYMBOLS

#: Comparison operator → alternatives, most likely first; the first ones are "boundary"
#: or "negation" swaps, the others rarer.
_COMPARE_SWAPS: Mapping[type[ast.cmpop], tuple[tuple[type[ast.cmpop], bool], ...]] = (
    MappingProxyType(
        {
            ast.Lt: ((ast.LtE, True), (ast.Gt, False), (ast.GtE, False), (ast.NotEq, False)),
            ast.LtE: ((ast.Lt, True), (ast.GtE, False), (ast.Gt, False), (ast.Eq, False)),
            ast.Gt: ((ast.GtE, True), (ast.Lt, False), (ast.LtE, False), (ast.NotEq, False)),
            ast.GtE: ((ast.Gt, True), (ast.LtE, False), (ast.Lt, False), (ast.Eq, False)),
            ast.Eq: ((ast.NotEq, True), (ast.Is, False), (ast.LtE, False), (ast.GtE, False)),
            ast.NotEq: ((ast.Eq, True), (ast.IsNot, False), (ast.Lt, False), (ast.Gt, False)),
            ast.Is: ((ast.IsNot, True), (ast.Eq, False)),
            ast.IsNot: ((ast.Is, True), (ast.NotEq, False)),
            ast.In: ((ast.NotIn, True),),
            ast.NotIn: ((ast.In, True),),
        }
    )
)


#: Binary operator → alternatives (operator, likely).
_BINOP_SWAPS: Mapping[type[ast.operator], tuple[tuple[type[ast.operator], bool], ...]] = (
    MappingProxyType(
        {
            ast.Add: ((ast.Sub, True), (ast.Mult, False)),
            ast.Sub: ((ast.Add, True), (ast.FloorDiv, False)),
            ast.Mult: ((ast.Div, True), (ast.FloorDiv, False), (ast.Add, False), (ast.Pow, False)),
            ast.Div: ((ast.FloorDiv, True), (ast.Mult, True), (ast.Mod, False)),
            ast.FloorDiv: ((ast.Div, True), (ast.Mod, False), (ast.Mult, False)),
            ast.Mod: ((ast.FloorDiv, False), (ast.Div, False)),
            ast.Pow: ((ast.Mult, False),),
            ast.MatMult: ((ast.Mult, False),),
            ast.BitAnd: ((ast.BitOr, True), (ast.BitXor, False)),
            ast.BitOr: ((ast.BitAnd, True), (ast.BitXor, False)),
            ast.BitXor: ((ast.BitAnd, True), (ast.BitOr, False)),
            ast.LShift: ((ast.RShift, True),),
            ast.RShift: ((ast.LShift, True),),
        }
    )
)

#: Priorities shared by several operators and helpers (lower first; the scale: ``registry``).
P_LOGIC = 18
P_NOT = 20
P_ASSIGN = 30


class ComparisonSwap:
    """``<`` ↔ ``<=`` ↔ ``>`` ..., ``==`` ↔ ``!=``, ``is`` ↔ ``is not``, ``in`` ↔ ``not in``."""

    name = "comparison swap"
    priority = 10

    def generate(self, function: Function) -> Iterator[Raw]:
        for site in function.sites:
            node = site.node
            if not isinstance(node, ast.Compare):
                continue
            operands = [node.left, *node.comparators]
            for index, op in enumerate(node.ops):
                left, right = operands[index], operands[index + 1]
                literal = is_plain_literal(left) or is_plain_literal(right)
                for alternative, likely in _COMPARE_SWAPS.get(type(op), ()):
                    if literal and alternative in (ast.Is, ast.IsNot):
                        continue  # `x is 5` is a SyntaxWarning, and wrong
                    ops = list(node.ops)
                    ops[index] = alternative()
                    new = ast.Compare(left=node.left, ops=ops, comparators=node.comparators)
                    yield function.expr(
                        site,
                        new,
                        self.name,
                        self.priority + (0 if likely else RARE),
                        1,
                        between(left, right),
                        gaps=(function.gap(left, right),),
                        symbol=SYMBOLS[alternative],
                    )


class BinaryOperatorSwap:
    """``+ - * / // % ** @`` and ``& | ^ << >>``, and their ``x += y`` forms."""

    name = "arithmetic swap"
    priority = 16

    def generate(self, function: Function) -> Iterator[Raw]:
        for site in function.sites:
            node = site.node
            if not isinstance(node, ast.BinOp):
                continue
            for alternative, likely in _BINOP_SWAPS.get(type(node.op), ()):
                new = ast.BinOp(left=node.left, op=alternative(), right=node.right)
                same_level = BINOP_PRECEDENCE[type(node.op)] == BINOP_PRECEDENCE[alternative]
                bitwise = isinstance(node.op, BITWISE) or alternative in BITWISE
                yield function.expr(
                    site,
                    new,
                    "bitwise swap" if bitwise else self.name,
                    (self.priority if likely else self.priority + 2 * RARE),
                    1,
                    between(node.left, node.right),
                    gaps=(function.gap(node.left, node.right),) if same_level else (),
                    symbol=SYMBOLS[alternative] if same_level else "",
                )
        for statement in function.statements:
            if not isinstance(statement, ast.AugAssign) or id(statement) not in function.position:
                continue
            site = function.statement_site(statement)
            for alternative, likely in _BINOP_SWAPS.get(type(statement.op), ()):
                new_statement = ast.AugAssign(
                    target=statement.target, op=alternative(), value=statement.value
                )
                bitwise = isinstance(statement.op, BITWISE) or alternative in BITWISE
                yield function.expr(
                    site,
                    new_statement,
                    "bitwise swap" if bitwise else self.name,
                    (self.priority if likely else self.priority + 2 * RARE),
                    1,
                    between(statement.target, statement.value),
                    gaps=(function.gap(statement.target, statement.value),),
                    symbol=SYMBOLS[alternative] + "=",
                )


class AndOrSwap:
    """``and`` ↔ ``or``: every operator of a chain at once, then, in a chain of three or
    more operands, each operator alone (``a or b or c`` → ``a or b and c``)."""

    name = "and/or swap"
    priority = P_LOGIC

    def generate(self, function: Function) -> Iterator[Raw]:
        for site in function.sites:
            node = site.node
            if not isinstance(node, ast.BoolOp):
                continue
            alternative: ast.boolop = ast.Or() if isinstance(node.op, ast.And) else ast.And()
            new = ast.BoolOp(op=alternative, values=node.values)
            pairs = list(itertools.pairwise(node.values))
            for flipped, chosen in [(new, pairs)] + (
                [(_one_flipped(node, i), [pair]) for i, pair in enumerate(pairs, 1)]
                if len(pairs) > 1
                else []
            ):
                lines = sorted({line for a, b in chosen for line in between(a, b)})
                yield function.expr(
                    site,
                    flipped,
                    self.name,
                    self.priority,
                    1,
                    tuple(lines),
                    gaps=tuple(function.gap(a, b) for a, b in chosen),
                    symbol=SYMBOLS[type(alternative)],
                )


def _one_flipped(node: ast.BoolOp, index: int) -> ast.expr:
    """``node`` with only the operator between its operands ``index - 1`` and ``index``
    flipped, grouped as Python reads the changed text (``and`` binds tighter)."""
    values = node.values
    if isinstance(node.op, ast.Or):
        pair = ast.BoolOp(op=ast.And(), values=values[index - 1 : index + 1])
        return ast.BoolOp(op=ast.Or(), values=[*values[: index - 1], pair, *values[index + 1 :]])

    def conjunction(parts: list[ast.expr]) -> ast.expr:
        return parts[0] if len(parts) == 1 else ast.BoolOp(op=ast.And(), values=parts)

    return ast.BoolOp(
        op=ast.Or(), values=[conjunction(values[:index]), conjunction(values[index:])]
    )


class Negation:
    """``c`` ↔ ``not c`` on conditions, boolean operands and returned booleans."""

    name = "add/remove not"
    priority = P_NOT

    def generate(self, function: Function) -> Iterator[Raw]:
        for site in function.sites:
            node = site.node
            if not isinstance(node, ast.expr) or not is_load(node):
                continue
            if site.role not in ("condition", "boolean") and not (
                site.role == "return" and isinstance(node, (ast.BoolOp, ast.UnaryOp, ast.Call))
            ):
                continue
            if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
                yield function.expr(site, node.operand, "remove not", self.priority, 1)
            elif isinstance(node, ast.Compare) and len(node.ops) == 1:
                continue  # the comparison swaps negate it already
            elif not is_plain_literal(node):
                new = ast.UnaryOp(op=ast.Not(), operand=node)
                yield function.expr(site, new, "add not", self.priority, 1)


class AssignmentSwap:
    """``x += y`` ↔ ``x = y``."""

    name = "assignment swap"
    priority = P_ASSIGN

    def generate(self, function: Function) -> Iterator[Raw]:
        for statement in function.statements:
            if id(statement) not in function.position:
                continue
            if isinstance(statement, ast.AugAssign) and isinstance(statement.target, ast.Name):
                target: ast.expr = ast.Name(id=statement.target.id, ctx=ast.Store())
                new: ast.stmt = ast.Assign(targets=[target], value=statement.value)
                symbol = "="
                first, second = statement.target, statement.value
            elif (
                isinstance(statement, ast.Assign)
                and len(statement.targets) == 1
                and isinstance(statement.targets[0], ast.Name)
                and statement.targets[0].id in function.bound_line
                and function.bound_line[statement.targets[0].id] < statement.lineno
            ):
                new = ast.AugAssign(
                    target=statement.targets[0], op=ast.Add(), value=statement.value
                )
                symbol = "+="
                first, second = statement.targets[0], statement.value
            else:
                continue
            site = function.statement_site(statement)
            yield function.expr(
                site,
                new,
                self.name,
                self.priority,
                1,
                between(first, second),
                gaps=(function.gap(first, second),),
                symbol=symbol,
            )

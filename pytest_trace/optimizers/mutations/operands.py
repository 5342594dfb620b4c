"""Operands: arguments, operands and elements swapped, an operand deleted or inserted."""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterator, Mapping

from pytest_trace.optimizers.mutations.function import RARE, Function
from pytest_trace.optimizers.mutations.model import Raw, Site
from pytest_trace.optimizers.mutations.nodes import is_load, lines_of, same
from pytest_trace.optimizers.mutations.scope import numeric_candidate

#: Operators whose operands are worth swapping (``+`` concatenates sequences).
_NON_COMMUTATIVE = (
    ast.Sub,
    ast.Div,
    ast.FloorDiv,
    ast.Mod,
    ast.Pow,
    ast.LShift,
    ast.RShift,
    ast.MatMult,
    ast.Add,
)


#: Priorities shared by several operators and helpers (lower first; the scale: ``registry``).
P_SWAP = 22
P_ELEMENTS = 30
P_DELETE_OPERAND = 30

# Caps, so that no operator explodes on a big function.
_MAX_OPERANDS_PER_SITE = 2
_MAX_ALL_PAIRS = 4  # swap every pair of up to this many arguments/elements; else adjacent


class OperandSwap:
    """Arguments, operands and elements exchanged."""

    name = "swap operands"
    priority = P_SWAP

    def generate(self, function: Function) -> Iterator[Raw]:
        by_node = {id(site.node): site for site in function.sites}
        for site in function.sites:
            node = site.node
            if isinstance(node, ast.Call):
                arguments = [a for a in node.args if not isinstance(a, ast.Starred)]
                if len(arguments) == len(node.args):
                    for i, j in _pairs(len(arguments)):
                        yield from _swap(function, site, by_node, "args", i, j, "swap arguments")
                values = [k for k in node.keywords if k.arg is not None]
                for i, j in _pairs(len(values)):
                    a, b = by_node.get(id(values[i].value)), by_node.get(id(values[j].value))
                    if a is None or b is None or same(a.node, b.node):
                        continue
                    keywords = list(node.keywords)
                    ka, kb = keywords.index(values[i]), keywords.index(values[j])
                    keywords[ka] = ast.keyword(arg=values[i].arg, value=values[j].value)
                    keywords[kb] = ast.keyword(arg=values[j].arg, value=values[i].value)
                    new = ast.Call(func=node.func, args=node.args, keywords=keywords)
                    yield function.expr(
                        site,
                        new,
                        "swap arguments",
                        self.priority,
                        2,
                        lines_of(a.node, b.node),
                        swap=(a, b),
                    )
            elif isinstance(node, ast.BinOp) and isinstance(node.op, _NON_COMMUTATIVE):
                priority = self.priority + (RARE if isinstance(node.op, ast.Add) else 0)
                yield from _swap(function, site, by_node, "", 0, 1, self.name, priority)
            elif (
                isinstance(node, ast.Compare)
                and len(node.ops) == 1
                and isinstance(node.ops[0], (ast.In, ast.NotIn))
            ):
                yield from _swap(function, site, by_node, "", 0, 1, self.name)
            elif isinstance(node, (ast.Tuple, ast.List)) and not any(
                isinstance(e, ast.Starred) for e in node.elts
            ):
                for i, j in _pairs(len(node.elts)):
                    yield from _swap(function, site, by_node, "elts", i, j, "swap elements")


class OperandDeletion:
    """``a + b`` → ``a``; ``a and b`` → ``a``; ``a < b < c`` → ``a < b``."""

    name = "delete operand"
    priority = P_DELETE_OPERAND

    def generate(self, function: Function) -> Iterator[Raw]:
        for site in function.sites:
            node = site.node
            if isinstance(node, ast.BinOp) and is_load(node):
                for kept, dropped in ((node.left, node.right), (node.right, node.left)):
                    yield function.expr(
                        site, kept, self.name, self.priority, 1 + function.tokens(dropped)
                    )
            elif isinstance(node, ast.BoolOp):
                for index, dropped in enumerate(node.values):
                    rest = [v for k, v in enumerate(node.values) if k != index]
                    new = rest[0] if len(rest) == 1 else ast.BoolOp(op=node.op, values=rest)
                    yield function.expr(
                        site,
                        new,
                        self.name,
                        self.priority,
                        1 + function.tokens(dropped),
                        lines_of(dropped),
                    )
            elif isinstance(node, ast.Compare) and len(node.ops) > 1:
                first = ast.Compare(
                    left=node.comparators[0], ops=node.ops[1:], comparators=node.comparators[1:]
                )
                last = ast.Compare(
                    left=node.left, ops=node.ops[:-1], comparators=node.comparators[:-1]
                )
                yield function.expr(site, first, self.name, self.priority, 2)
                yield function.expr(site, last, self.name, self.priority, 2)


class OperandInsertion:
    """A missing term: ``e`` → ``x - e``, ``e - x``, ``e + x`` for a returned or
    assigned number ``e`` and a variable ``x`` it uses."""

    name = "insert operand"
    priority = P_DELETE_OPERAND

    def generate(self, function: Function) -> Iterator[Raw]:
        for site in function.sites:
            node = site.node
            if site.role not in ("return", "value") or not isinstance(node, ast.expr):
                continue
            if not is_load(node) or not numeric_candidate(node) or site.fstring is not None:
                continue
            if ast.dump(node) in function.sequences or isinstance(node, ast.Call):
                continue
            used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
            names = [
                name
                for name in function.variables(site, "")
                if name in used and _name_dump(name) not in function.sequences
            ][:_MAX_OPERANDS_PER_SITE]
            for name in names:
                variable = ast.Name(id=name, ctx=ast.Load())
                for new in (
                    ast.BinOp(left=variable, op=ast.Sub(), right=node),
                    ast.BinOp(left=node, op=ast.Sub(), right=variable),
                    ast.BinOp(left=node, op=ast.Add(), right=variable),
                ):
                    yield function.expr(site, new, self.name, self.priority, 2)


def _swap(
    function: Function,
    site: Site,
    by_node: Mapping[int, Site],
    name: str,
    i: int,
    j: int,
    operator: str,
    priority: int | None = None,
) -> Iterator[Raw]:

    node = site.node
    if priority is None:
        priority = P_ELEMENTS if operator == "swap elements" else P_SWAP
    if isinstance(node, ast.BinOp):
        first, second = node.left, node.right
        new: ast.AST = ast.BinOp(left=second, op=node.op, right=first)
    elif isinstance(node, ast.Compare):
        first, second = node.left, node.comparators[0]
        new = ast.Compare(left=second, ops=node.ops, comparators=[first])
    else:
        items = list(getattr(node, name))
        first, second = items[i], items[j]
        items[i], items[j] = second, first
        if isinstance(node, ast.Call):
            new = ast.Call(func=node.func, args=items, keywords=node.keywords)
        elif isinstance(node, ast.Tuple):
            new = ast.Tuple(elts=items, ctx=node.ctx)
        else:
            assert isinstance(node, ast.List)
            new = ast.List(elts=items, ctx=node.ctx)
    a, b = by_node.get(id(first)), by_node.get(id(second))
    if a is None or b is None or same(first, second):
        return
    yield function.expr(site, new, operator, priority, 2, lines_of(first, second), swap=(a, b))


def _pairs(count: int) -> list[tuple[int, int]]:
    if count <= _MAX_ALL_PAIRS:
        return list(itertools.combinations(range(count), 2))
    return [(i, i + 1) for i in range(count - 1)]


def _name_dump(name: str) -> str:
    return ast.dump(ast.Name(id=name, ctx=ast.Load()))

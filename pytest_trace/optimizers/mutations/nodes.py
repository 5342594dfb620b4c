"""Helpers on syntax trees: literals, lines of nodes, tokens, names bound, walks."""

from __future__ import annotations

import ast
import math
from collections.abc import Iterator, Sequence

from pytest_trace.optimizers.mutations.model import FunctionNode, Site


def is_load(node: ast.AST) -> bool:
    ctx = getattr(node, "ctx", None)
    return ctx is None or isinstance(ctx, ast.Load)


def is_plain_literal(node: ast.AST) -> bool:
    """A literal other than None, True, False, ``...`` (``x is 5`` is a warning)."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return is_plain_literal(node.operand)
    if isinstance(node, ast.Constant):
        return (
            node.value is not None
            and node.value is not Ellipsis
            and not isinstance(node.value, bool)
        )
    return isinstance(node, (ast.JoinedStr, ast.List, ast.Tuple, ast.Dict, ast.Set))


def numeric_value(node: ast.AST) -> int | float | None:
    """The value of a numeric literal (``-1`` included), else None."""
    if (
        isinstance(node, ast.Constant)
        and isinstance(node.value, (int, float))
        and not isinstance(node.value, bool)
    ):
        return node.value
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub)
        and isinstance(node.operand, ast.Constant)
        and isinstance(node.operand.value, (int, float))
        and not isinstance(node.operand.value, bool)
    ):
        return -node.operand.value
    return None


def number_literal(value: float | int) -> ast.expr:
    """A numeric literal as the parser builds it (a negative one is a ``UnaryOp``)."""
    if value < 0 or (value == 0 and math.copysign(1.0, value) < 0):
        return ast.UnaryOp(op=ast.USub(), operand=ast.Constant(value=-value))
    return ast.Constant(value=value)


def is_docstring(site: Site) -> bool:
    return isinstance(site.parent, ast.Expr) and is_docstring_statement(site.parent)


def is_docstring_statement(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )


def same(a: ast.AST, b: ast.AST) -> bool:
    return ast.dump(a) == ast.dump(b)


def lines_of(*nodes: ast.AST) -> tuple[int, ...]:
    lines: set[int] = set()
    for node in nodes:
        start = getattr(node, "lineno", None)
        if start is None:
            continue
        lines.update(range(start, (getattr(node, "end_lineno", None) or start) + 1))
    return tuple(sorted(lines))


def between(left: ast.AST, right: ast.AST) -> tuple[int, ...]:
    """The lines where an operator between ``left`` and ``right`` may be."""
    start: int = getattr(left, "end_lineno", None) or getattr(left, "lineno", None) or 1
    end: int = getattr(right, "lineno", None) or start
    return tuple(range(min(start, end), max(start, end) + 1))


def count_tokens(node: ast.AST) -> int:
    """Names, literals, operators and keywords in ``node`` (punctuation is not counted)."""
    count = 0
    for child in ast.walk(node):
        if isinstance(
            child,
            (
                ast.Name,
                ast.Constant,
                ast.Attribute,
                ast.arg,
                ast.alias,
                ast.operator,
                ast.cmpop,
                ast.unaryop,
                ast.Starred,
                ast.Lambda,
                ast.Await,
                ast.Yield,
                ast.YieldFrom,
                ast.NamedExpr,
            ),
        ):
            count += 1
        elif isinstance(child, ast.BoolOp):
            count += len(child.values) - 1
        elif isinstance(child, ast.keyword):
            count += 1
        elif isinstance(child, ast.IfExp):
            count += 2
        elif isinstance(child, ast.comprehension):
            count += 2 + len(child.ifs)
        elif isinstance(child, ast.Assign):
            count += len(child.targets)
        elif isinstance(child, (ast.For, ast.AsyncFor)):
            count += 2
        elif isinstance(child, (ast.AugAssign, ast.Expr)):
            continue
        elif isinstance(child, (ast.stmt, ast.excepthandler)):
            count += 1
    return count


def parameter_names(args: ast.arguments) -> list[str]:
    names = [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]
    names += [a.arg for a in (args.vararg, args.kwarg) if a is not None]
    return names


def target_names(target: ast.AST) -> list[str]:
    return [n.id for n in ast.walk(target) if isinstance(n, ast.Name)]


def walk_body(func: FunctionNode) -> Iterator[ast.AST]:
    """Every node of the function's body (nested functions included)."""
    for statement in func.body:
        yield from ast.walk(statement)


def walk_own(body: Sequence[ast.stmt]) -> Iterator[ast.AST]:
    """The nodes of ``body`` that belong to its function, not to functions, lambdas
    or classes nested in it."""
    stack: list[ast.AST] = list(reversed(body))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            stack.extend(reversed(list(ast.iter_child_nodes(node))))


def bound_names(body: Sequence[ast.stmt], bound: dict[str, int]) -> None:
    """Names bound by ``body`` in its own scope → the first line binding them."""
    stack: list[ast.AST] = list(reversed(body))
    while stack:
        node = stack.pop()
        line = getattr(node, "lineno", 0)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.setdefault(node.name, line)
            stack.extend(reversed(node.decorator_list))
            continue
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            for inner in ast.walk(node):
                if isinstance(inner, ast.NamedExpr) and isinstance(inner.target, ast.Name):
                    bound.setdefault(inner.target.id, line)
            stack.append(node.generators[0].iter)
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            bound.setdefault(node.id, line)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.setdefault(node.name, line)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name != "*":
                    bound.setdefault(alias.asname or alias.name.split(".")[0], line)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            for name in node.names:
                bound.setdefault(name, line)
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
            bound.setdefault(node.name, line)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            bound.setdefault(node.rest, line)
        stack.extend(reversed(list(ast.iter_child_nodes(node))))

"""Wrapping and unwrapping an expression: a call (``f(x)`` ↔ ``x``, ``x`` → ``x.m()``), a
slice (``x[1:]`` ↔ ``x``)."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from pytest_trace.optimizers.mutations.function import RARE, Function
from pytest_trace.optimizers.mutations.model import Raw
from pytest_trace.optimizers.mutations.nodes import is_load, lines_of, number_literal, walk_body
from pytest_trace.optimizers.mutations.receivers import callable_on
from pytest_trace.optimizers.mutations.scope import NOT_NUMBER_FUNCTIONS

# Caps, so that no operator explodes on a big function.
_MAX_WRAPS_PER_SITE = 2

#: Where a variable may be missing a method call: ``return word`` → ``return word.lower()``.
_METHOD_ROLES = frozenset({"return", "value", "compare", "argument"})


class Unwrap:
    """``f(x)`` → ``x``; ``x.m()`` → ``x``."""

    name = "unwrap call"
    priority = 26

    def generate(self, function: Function) -> Iterator[Raw]:
        for site in function.sites:
            node = site.node
            if not isinstance(node, ast.Call) or site.role == "callee":
                continue
            if (
                len(node.args) == 1
                and not node.keywords
                and not isinstance(node.args[0], ast.Starred)
            ):
                yield function.expr(
                    site, node.args[0], self.name, self.priority, function.tokens(node.func)
                )
            elif (
                not node.args
                and not node.keywords
                and isinstance(node.func, ast.Attribute)
                and site.role != "base"
            ):
                yield function.expr(site, node.func.value, self.name, self.priority, 1)


class Wrap:
    """``x`` → ``f(x)`` with ``f`` a function the code already calls with one argument,
    or ``abs`` for a number; ``x`` → ``x.m()`` with ``m`` a method the module calls
    without arguments that ``x``'s built-in type has (``word`` → ``word.lower()``)."""

    name = "wrap call"
    priority = 40

    def generate(self, function: Function) -> Iterator[Raw]:
        unary = [
            node.func.id
            for node in walk_body(function.func)
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and len(node.args) == 1
            and not node.keywords
            and node.func.id != function.func.name
            and node.func.id not in NOT_NUMBER_FUNCTIONS
        ]
        functions = list(dict.fromkeys(unary))
        for site in function.sites:
            node = site.node
            if not isinstance(node, ast.expr) or not is_load(node):
                continue
            if isinstance(node, ast.Name) and site.role in _METHOD_ROLES:
                types = function.types_of(node.id)
                for method in function.hints.methods:
                    if callable_on(types, method, 0):
                        attribute = ast.Attribute(value=node, attr=method, ctx=ast.Load())
                        new = ast.Call(func=attribute, args=[], keywords=[])
                        yield function.expr(site, new, self.name, self.priority, 1)
            if site.role not in ("return", "value", "compare") or not isinstance(
                node, (ast.Name, ast.Attribute, ast.Subscript, ast.BinOp, ast.Call)
            ):
                continue
            inner = (
                node.func.id
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                else ""
            )
            names = [f for f in functions if f != inner]
            if isinstance(node, ast.BinOp):
                names = [f for f in names if f != "len"]
            names = names[:_MAX_WRAPS_PER_SITE]
            if "abs" not in names and inner != "abs" and _numeric(function, node):
                names.append("abs")
            for name in names:
                new = ast.Call(func=ast.Name(id=name, ctx=ast.Load()), args=[node], keywords=[])
                yield function.expr(site, new, self.name, self.priority, 1)


class SliceEdits:
    """``x`` → ``x[1:]``/``x[:-1]``/``x[::-1]``; ``x[1:]`` → ``x``, ``x[a:b]`` →
    ``x[a:]``/``x[:b]``."""

    name = "add/remove slice"
    priority = 26

    def generate(self, function: Function) -> Iterator[Raw]:
        templates = (
            (ast.Slice(lower=number_literal(1)), 1),
            (ast.Slice(upper=number_literal(-1)), 2),
            (ast.Slice(step=number_literal(-1)), 2),
        )
        for site in function.sites:
            node = site.node
            if not isinstance(node, ast.expr) or not is_load(node):
                continue
            if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
                bounds = node.slice
                yield function.expr(
                    site, node.value, "remove slice", self.priority, max(1, function.tokens(bounds))
                )
                if bounds.lower is not None and bounds.upper is not None:
                    for keep_lower in (True, False):
                        dropped = bounds.upper if keep_lower else bounds.lower
                        new_slice = ast.Slice(
                            lower=bounds.lower if keep_lower else None,
                            upper=None if keep_lower else bounds.upper,
                            step=bounds.step,
                        )
                        new = ast.Subscript(value=node.value, slice=new_slice, ctx=ast.Load())
                        yield function.expr(
                            site,
                            new,
                            "remove slice",
                            self.priority,
                            function.tokens(dropped),
                            lines_of(dropped),
                        )
                continue
            if site.role in ("base", "callee", "target") or not isinstance(
                node, (ast.Name, ast.Attribute, ast.Call, ast.Subscript)
            ):
                continue
            key = ast.dump(node)
            priority = self.priority
            if key not in function.sequences:
                # no sign of a sequence: names in plain value positions only, later
                if key in function.numbers or not isinstance(node, ast.Name):
                    continue
                if site.role not in ("return", "argument", "value", "iter"):
                    continue
                if node.id in function.called:
                    continue
                priority += 2 * RARE
            for bounds_template, size in templates:
                new = ast.Subscript(value=node, slice=bounds_template, ctx=ast.Load())
                yield function.expr(site, new, "add slice", priority, size)


def _numeric(function: Function, node: ast.expr) -> bool:
    """Whether ``node`` is surely a number: a variable the trace saw holding only
    ints and floats, or a call of ``int``, ``float``, ``round``, ``sum``, ``len``."""
    if isinstance(node, ast.Name):
        types = function.types_of(node.id)
        return bool(types) and types <= {"int", "float"}
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in ("int", "float", "round", "sum", "len")
    )

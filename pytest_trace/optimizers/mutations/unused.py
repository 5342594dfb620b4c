"""A parameter the function never reads joins a condition.

A parameter that nothing in the body reads is a strong hint that a condition leaves it
out (``if s == "N":`` where ``if s == "N" and special_case:`` was meant). Each such
parameter joins each condition of the function: ``c and p``, ``c and not p``,
``c or p``. Parameters whose name starts with ``_`` (unused on purpose), ``self`` and
``cls``, and ``*args``/``**kwargs`` are left out.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from pytest_trace.optimizers.mutations.function import Function
from pytest_trace.optimizers.mutations.model import Raw


class UnusedParameter:
    """``if c:`` → ``if c and p:`` (``and not p``, ``or p``) for an unread parameter ``p``."""

    name = "use unused parameter"
    priority = 16

    def generate(self, function: Function) -> Iterator[Raw]:
        unused = _unread_parameters(function)
        if not unused:
            return
        for site in function.sites:
            if site.role != "condition" or not isinstance(site.node, ast.expr):
                continue
            for parameter in unused:
                name = ast.Name(id=parameter, ctx=ast.Load())
                joined = (
                    (ast.BoolOp(op=ast.And(), values=[site.node, name]), 2),
                    (ast.BoolOp(op=ast.And(), values=[site.node, _not(name)]), 3),
                    (ast.BoolOp(op=ast.Or(), values=[site.node, name]), 2),
                )
                for new, size in joined:
                    yield function.expr(site, new, self.name, self.priority, size)


def _unread_parameters(function: Function) -> list[str]:
    args = function.func.args
    named = [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]
    return [
        name
        for name in named
        if name not in function.loaded and name not in ("self", "cls") and not name.startswith("_")
    ]


def _not(node: ast.expr) -> ast.expr:
    return ast.UnaryOp(op=ast.Not(), operand=node)

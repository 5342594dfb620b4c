"""Wrapping and unwrapping an expression: a call (``f(x)`` ↔ ``x``), a slice
(``x[1:]`` ↔ ``x``)."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from pytest_trace.optimizers.mutations.candidates import (
    P_SLICE,
    P_UNWRAP,
    P_WRAP,
    RARE,
    CandidateBuilder,
)
from pytest_trace.optimizers.mutations.model import Raw
from pytest_trace.optimizers.mutations.nodes import is_load, lines_of, number_literal, walk_body
from pytest_trace.optimizers.mutations.scope import NOT_NUMBER_FUNCTIONS

# Caps, so that no operator explodes on a big function.
_MAX_WRAPS_PER_SITE = 2


class WrapEdits(CandidateBuilder):
    """Calls and slices added or removed around an expression."""

    def _unwraps(self) -> Iterator[Raw]:
        for site in self.sites:
            node = site.node
            if not isinstance(node, ast.Call) or site.role == "callee":
                continue
            if (
                len(node.args) == 1
                and not node.keywords
                and not isinstance(node.args[0], ast.Starred)
            ):
                yield self._expr(
                    site, node.args[0], "unwrap call", P_UNWRAP, self._tokens(node.func)
                )
            elif (
                not node.args
                and not node.keywords
                and isinstance(node.func, ast.Attribute)
                and site.role != "base"
            ):
                yield self._expr(site, node.func.value, "unwrap call", P_UNWRAP, 1)

    def _wraps(self) -> Iterator[Raw]:
        """``x`` → ``f(x)`` with ``f`` a function the code already calls with one argument."""
        unary = [
            node.func.id
            for node in walk_body(self.func)
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and len(node.args) == 1
            and not node.keywords
            and node.func.id != self.func.name
            and node.func.id not in NOT_NUMBER_FUNCTIONS
        ]
        functions = list(dict.fromkeys(unary))
        if not functions:
            return
        for site in self.sites:
            node = site.node
            if site.role not in ("return", "value", "compare") or not isinstance(
                node, (ast.Name, ast.Attribute, ast.Subscript, ast.BinOp, ast.Call)
            ):
                continue
            if not is_load(node):
                continue
            inner = (
                node.func.id
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                else ""
            )
            names = [f for f in functions if f != inner]
            if isinstance(node, ast.BinOp):
                names = [f for f in names if f != "len"]
            for name in names[:_MAX_WRAPS_PER_SITE]:
                new = ast.Call(func=ast.Name(id=name, ctx=ast.Load()), args=[node], keywords=[])
                yield self._expr(site, new, "wrap call", P_WRAP, 1)

    def _slices(self) -> Iterator[Raw]:
        templates = (
            (ast.Slice(lower=number_literal(1)), 1),
            (ast.Slice(upper=number_literal(-1)), 2),
            (ast.Slice(step=number_literal(-1)), 2),
        )
        for site in self.sites:
            node = site.node
            if not isinstance(node, ast.expr) or not is_load(node):
                continue
            if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
                bounds = node.slice
                yield self._expr(
                    site, node.value, "remove slice", P_SLICE, max(1, self._tokens(bounds))
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
                        yield self._expr(
                            site,
                            new,
                            "remove slice",
                            P_SLICE,
                            self._tokens(dropped),
                            lines_of(dropped),
                        )
                continue
            if site.role in ("base", "callee", "target") or not isinstance(
                node, (ast.Name, ast.Attribute, ast.Call, ast.Subscript)
            ):
                continue
            key = ast.dump(node)
            priority = P_SLICE
            if key not in self.sequences:
                # no sign of a sequence: names in plain value positions only, later
                if key in self.numbers or not isinstance(node, ast.Name):
                    continue
                if site.role not in ("return", "argument", "value", "iter"):
                    continue
                if node.id in self.called:
                    continue
                priority += 2 * RARE
            for bounds_template, size in templates:
                new = ast.Subscript(value=node, slice=bounds_template, ctx=ast.Load())
                yield self._expr(site, new, "add slice", priority, size)

"""Numbers and literals: off by one (of a literal or an expression), constants tuned
from the failing assertions, literals swapped, booleans flipped."""

from __future__ import annotations

import ast
import math
from collections.abc import Iterator

from pytest_trace.optimizers.mutations.function import Function
from pytest_trace.optimizers.mutations.model import Raw, Site
from pytest_trace.optimizers.mutations.nodes import (
    is_docstring,
    is_load,
    lines_of,
    number_literal,
    numeric_value,
)
from pytest_trace.optimizers.mutations.operators import P_NOT
from pytest_trace.optimizers.mutations.scope import numeric_candidate
from pytest_trace.optimizers.mutations.usual import named_numbers, usual_near

#: Priorities shared by several operators and helpers (lower first; the scale: ``registry``).
P_DOCUMENTED = 8  # a literal → a number the function's documentation states
P_OFF_BY_ONE = 12
P_TUNE = 14
P_LITERAL = 32


# Caps, so that no operator explodes on a big function.
_MAX_LITERALS_PER_SITE = 5
_MAX_TUNED_PER_CONSTANT = 16
_MAX_NAMED_PER_SITE = 6
#: Priorities of the usual values: those the names around call for come with the
#: operator swaps; the usual values nearest to the literal come with the module's
#: numbers, before arbitrary neighbours (``c * 10``).
P_NAMED = P_TUNE + 2
P_USUAL = P_LITERAL

_OFF_BY_ONE_ROLES = frozenset(
    {"index", "bound", "range", "compare", "return", "value", "argument", "keyword"}
)


class NumberEdits:
    """Numeric literals: off-by-one, tuning from the assertions, nearby values, swaps."""

    name = "number edits"
    priority = P_OFF_BY_ONE

    def generate(self, function: Function) -> Iterator[Raw]:
        literals: list[tuple[Site, float | int]] = []
        for site in function.sites:
            value = numeric_value(site.node)
            if value is None:
                continue
            if isinstance(site.parent, ast.UnaryOp) and isinstance(site.parent.op, ast.USub):
                continue  # `-1` is one literal, its site is the UnaryOp
            literals.append((site, value))
        known = list(dict.fromkeys(value for _, value in literals))
        for site, value in literals:
            is_int = isinstance(value, int)
            targets: list[tuple[float, str, int]] = []
            if is_int:
                targets += [(value + 1, "off by one", self.priority)]
                targets += [(value - 1, "off by one", self.priority)]
            for actual, expected in function.hints.numbers[:4]:
                delta = expected - actual
                targets += [(value + delta, "tune constant", P_TUNE)]
                targets += [(value - delta, "tune constant", P_TUNE)]
                if actual:
                    targets.append((value * expected / actual, "tune constant", P_TUNE))
                if expected:
                    targets.append((value * actual / expected, "tune constant", P_TUNE))
            named = [
                v for v in named_numbers(_names_around(function, site)) if _same_kind(v, value)
            ]
            named = named[:_MAX_NAMED_PER_SITE]
            targets += [(v, "usual constant", P_NAMED) for v in named]
            # The function's documentation states the number, or the module uses it.
            documented = [v for v in function.hints.documented if _same_kind(v, value)]
            targets = [(v, "documented constant", P_DOCUMENTED) for v in documented] + targets
            module = [v for v in function.hints.known_numbers if _same_kind(v, value)]
            targets += [(v, "module constant", P_LITERAL) for v in module]
            # Then the values programmers write, before arbitrary neighbours.
            targets += [(v, "usual constant", P_USUAL) for v in usual_near(value)]
            nearby = [value * 10, value / 10, -value, 0, 1]
            if not is_int:
                nearby = [value + 1, value - 1, *nearby]
            targets += [(v, "tune constant", P_LITERAL) for v in nearby]
            others = [v for v in known if v != value][:_MAX_LITERALS_PER_SITE]
            targets += [(v, "swap literal", P_LITERAL) for v in others]
            produced: set[float | int] = {value}
            limit = _MAX_TUNED_PER_CONSTANT + len(documented) + len(module) + len(named)
            if isinstance(site.parent, ast.AugAssign) and isinstance(
                site.parent.op, (ast.Add, ast.Sub)
            ):
                produced.add(0)  # `x += 0` does nothing: deleting the statement is an edit
            for target, operator, priority in targets:
                number = _clean_number(target, integer=is_int)
                if number is None or number in produced:
                    continue
                produced.add(number)
                if len(produced) > limit:
                    break
                edited, new = _number_edit(function, site, number)
                size = 1  # a literal replaced; `a - 1` → `a`: two tokens deleted
                if edited is not site:
                    size = 2 if not isinstance(new, ast.BinOp) else 1 + (abs(number) != value)
                yield function.expr(edited, new, operator, priority, size, lines_of(site.node))


class OffByOne:
    """``e`` → ``e + 1``/``e - 1`` on indices, bounds, arguments, operands and values;
    ``range(n)`` → ``range(1, n)``."""

    name = "off by one"
    priority = P_OFF_BY_ONE

    def generate(self, function: Function) -> Iterator[Raw]:
        for site in function.sites:
            node = site.node
            if not isinstance(node, ast.expr) or not is_load(node):
                continue
            if (
                site.role == "range"
                and isinstance(site.parent, ast.Call)
                and len(site.parent.args) == 1
                and not site.parent.keywords
            ):
                call_site = function.find_site(site.parent)
                if call_site is not None:
                    new_call = ast.Call(
                        func=site.parent.func, args=[number_literal(1), node], keywords=[]
                    )
                    yield function.expr(call_site, new_call, self.name, self.priority, 1)
            if site.role not in _OFF_BY_ONE_ROLES or not numeric_candidate(node):
                continue
            if ast.dump(node) in function.sequences:
                continue
            if isinstance(node, ast.Name) and node.id in function.called:
                continue
            priority = self.priority + (0 if site.role in ("index", "bound", "range") else 2)
            for op in (ast.Add(), ast.Sub()):
                new = ast.BinOp(left=node, op=op, right=number_literal(1))
                yield function.expr(site, new, self.name, priority, 2)


class LiteralSwap:
    """A string literal → another of the function; a boolean flipped."""

    name = "swap literal"
    priority = P_LITERAL

    def generate(self, function: Function) -> Iterator[Raw]:
        strings: list[str] = []
        string_sites: list[Site] = []
        for site in function.sites:
            node = site.node
            if not isinstance(node, ast.Constant):
                continue
            if isinstance(node.value, bool):
                flipped = ast.Constant(value=not node.value)
                yield function.expr(site, flipped, self.name, P_NOT, 1)
            elif isinstance(node.value, str) and not is_docstring(site):
                strings.append(node.value)
                string_sites.append(site)
        known = list(dict.fromkeys(strings))
        for site in string_sites:
            assert isinstance(site.node, ast.Constant)
            others = [s for s in known if s != site.node.value][:_MAX_LITERALS_PER_SITE]
            for other in others:
                yield function.expr(site, ast.Constant(value=other), self.name, self.priority, 1)


def _names_around(function: Function, site: Site) -> list[str]:
    """The words around a literal: the function's name, and the names, attributes,
    keywords and strings of its statement (of a compound statement, its header)."""
    found = [function.func.name]
    pending: list[ast.AST] = [site.statement]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Name):
            found.append(node.id)
        elif isinstance(node, ast.Attribute):
            found.append(node.attr)
        elif isinstance(node, ast.keyword) and node.arg:
            found.append(node.arg)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.append(node.value[:200])
        for _name, value in ast.iter_fields(node):
            children = value if isinstance(value, list) else [value]
            pending += [
                child
                for child in children
                if isinstance(child, ast.AST) and not isinstance(child, ast.stmt)
            ]
    return found


def _number_edit(function: Function, site: Site, number: float | int) -> tuple[Site, ast.expr]:
    """The edit giving the literal at ``site`` the value ``number``; ``a + 1`` with 0
    becomes ``a``, and ``a - 1`` with -1 becomes ``a + 1``."""
    parent = site.parent
    if (
        isinstance(parent, ast.BinOp)
        and site.field == "right"
        and isinstance(parent.op, (ast.Add, ast.Sub))
        and (number == 0 or number < 0)
    ):
        parent_site = function.find_site(parent)
        if parent_site is not None:
            if number == 0:
                return parent_site, parent.left
            flipped: ast.operator = ast.Sub() if isinstance(parent.op, ast.Add) else ast.Add()
            return parent_site, ast.BinOp(
                left=parent.left, op=flipped, right=number_literal(-number)
            )
    return site, number_literal(number)


def _same_kind(candidate: int | float, value: int | float) -> bool:
    """Whether ``candidate`` may replace the literal ``value`` (an integer literal takes
    integers only) and differs from it."""
    return candidate != value and (isinstance(candidate, int) or not isinstance(value, int))


def _clean_number(value: float, *, integer: bool) -> int | float | None:
    if not math.isfinite(value) or abs(value) > 1e18:
        return None
    if integer:
        return round(value)
    cleaned = float(f"{value:.12g}")
    return 0.0 if cleaned == 0 else cleaned

"""Names: variable, function and attribute swaps, an expression replaced by a variable."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from types import MappingProxyType

from pytest_trace.optimizers.mutations.function import RARE, Function
from pytest_trace.optimizers.mutations.model import Raw, Site
from pytest_trace.optimizers.mutations.nodes import is_docstring, is_load
from pytest_trace.optimizers.mutations.operators import P_ASSIGN, P_LOGIC
from pytest_trace.optimizers.mutations.receivers import alternatives, cannot

#: Function name → (operator name, siblings).
_FUNCTION_SIBLINGS: Mapping[str, tuple[str, tuple[str, ...]]] = MappingProxyType(
    {
        "min": ("min/max swap", ("max",)),
        "max": ("min/max swap", ("min",)),
        "any": ("any/all swap", ("all",)),
        "all": ("any/all swap", ("any",)),
        "floor": ("function swap", ("ceil", "round")),
        "ceil": ("function swap", ("floor", "round")),
        "round": ("function swap", ("int", "floor", "ceil")),
        "int": ("function swap", ("round",)),
        "sorted": ("function swap", ("reversed",)),
        "reversed": ("function swap", ("sorted",)),
    }
)


#: Groups of sibling attribute names: a name is swapped with the others of its groups.
_ATTRIBUTE_GROUPS: tuple[tuple[str, ...], ...] = (
    ("start", "end", "stop"),
    ("begin", "end"),
    ("first", "last"),
    ("head", "tail"),
    ("left", "right"),
    ("top", "bottom"),
    ("x", "y"),
    ("width", "height"),
    ("row", "col", "column"),
    ("min", "max"),
    ("minimum", "maximum"),
    ("lower", "upper", "casefold", "title", "capitalize"),
    ("strip", "lstrip", "rstrip"),
    ("startswith", "endswith"),
    ("find", "rfind"),
    ("index", "rindex"),
    ("split", "rsplit"),
    ("partition", "rpartition"),
    ("ljust", "rjust", "center"),
    ("removeprefix", "removesuffix"),
    ("keys", "values", "items"),
    ("append", "extend"),
    ("append", "appendleft"),
    ("extend", "extendleft"),
    ("pop", "popleft"),
    ("add", "update"),
    ("remove", "discard"),
    ("union", "intersection", "difference", "symmetric_difference"),
    ("issubset", "issuperset"),
    ("isdigit", "isalpha", "isalnum", "isnumeric", "isdecimal"),
    ("isupper", "islower"),
    ("floor", "ceil", "trunc"),
    ("sin", "cos", "tan"),
    ("asin", "acos", "atan"),
    ("log", "log10", "log2"),
    ("encode", "decode"),
    ("real", "imag"),
    ("next", "prev", "previous"),
    ("parent", "children"),
    ("key", "value"),
    ("year", "month", "day"),
    ("hour", "minute", "second"),
    ("days", "seconds"),
    ("numerator", "denominator"),
    ("sort", "reverse"),
)


# Caps, so that no operator explodes on a big function.
_MAX_NAMES_PER_SITE = 8
_MAX_GLOBALS_PER_SITE = 3
_MAX_FUNCTIONS_PER_SITE = 3
_MAX_REPLACEMENTS_PER_SITE = 6
_MAX_ATTRIBUTES_PER_SITE = 6

_REPLACE_ROLES = frozenset(
    {"argument", "keyword", "return", "compare", "operand", "index", "value", "branch"}
)

#: Priorities shared by several operators and helpers (lower first; the scale: ``registry``).
P_ATTRIBUTE = 24
P_FUNCTION = 38


class VariableSwap:
    """A name replaced by another name in scope."""

    name = "variable swap"
    priority = 18

    def generate(self, function: Function) -> Iterator[Raw]:
        for site in function.sites:
            node = site.node
            if not isinstance(node, ast.Name) or site.role == "callee":
                continue
            if isinstance(node.ctx, ast.Store):
                assigned = isinstance(site.parent, (ast.Assign, ast.AnnAssign, ast.AugAssign))
                if not assigned or node.id in site.scope:
                    continue
                for name in function.variables(site, node.id)[:4]:
                    new = ast.Name(id=name, ctx=ast.Store())
                    yield function.expr(site, new, self.name, P_ASSIGN + RARE, 1, name_only=name)
                continue
            if not isinstance(node.ctx, ast.Load):
                continue
            need = _need(site)
            names = [
                name
                for name in function.variables(site, node.id)
                if not need or not cannot(function.types_of(name), need)
            ][:_MAX_NAMES_PER_SITE]
            for name in names:
                new = ast.Name(id=name, ctx=ast.Load())
                yield function.expr(site, new, self.name, self.priority, 1, name_only=name)
            for name in function.global_values(node.id)[:_MAX_GLOBALS_PER_SITE]:
                new = ast.Name(id=name, ctx=ast.Load())
                yield function.expr(site, new, self.name, self.priority + RARE, 1, name_only=name)
            own = set(function.params) | set(function.locals) | set(function.globals)
            functions = [
                name for name in sorted(function.called) if name != node.id and name in own
            ]
            for name in functions[:2]:
                new = ast.Name(id=name, ctx=ast.Load())
                yield function.expr(site, new, self.name, P_FUNCTION + RARE, 1, name_only=name)


class FunctionSwap:
    """The function called: ``min`` ↔ ``max``, ``any`` ↔ ``all``, other functions."""

    name = "function swap"
    priority = P_FUNCTION

    def generate(self, function: Function) -> Iterator[Raw]:
        own = set(function.params) | set(function.locals) | set(function.globals)
        functions = [  # the user's functions: called names that are not builtins
            name
            for name in dict.fromkeys([*sorted(function.called), *function.globals])
            if name in own and not name.isupper()
        ]
        for site in function.sites:
            node = site.node
            if site.role != "callee" or not isinstance(node, ast.Name):
                continue
            operator, siblings = _FUNCTION_SIBLINGS.get(node.id, (self.name, ()))
            for name in siblings:
                priority = P_LOGIC if operator != self.name else P_ATTRIBUTE
                new = ast.Name(id=name, ctx=ast.Load())
                yield function.expr(site, new, operator, priority, 1, name_only=name)
            others = [name for name in functions if name != node.id and name not in siblings]
            for name in others[:_MAX_FUNCTIONS_PER_SITE]:
                new = ast.Name(id=name, ctx=ast.Load())
                yield function.expr(site, new, self.name, self.priority, 1, name_only=name)


class AttributeSwap:
    """``.start`` ↔ ``.end``, ``.lower`` ↔ ``.upper``, ..., attributes the function uses,
    and the methods of a known built-in type taking the same arguments."""

    name = "attribute swap"
    priority = P_ATTRIBUTE

    def generate(self, function: Function) -> Iterator[Raw]:
        attribute_sites = [
            site
            for site in function.sites
            if isinstance(site.node, ast.Attribute) and not isinstance(site.node.ctx, ast.Del)
        ]
        by_base: dict[str, list[str]] = {}
        for site in attribute_sites:
            assert isinstance(site.node, ast.Attribute)
            by_base.setdefault(ast.dump(site.node.value), []).append(site.node.attr)
        for site in attribute_sites:
            node = site.node
            assert isinstance(node, ast.Attribute)
            called = site.role == "callee"
            table = [name for group in _ATTRIBUTE_GROUPS if node.attr in group for name in group]
            same_base = by_base.get(ast.dump(node.value), [])
            seen_elsewhere = [
                name for name, is_called in function.attributes.items() if is_called == called
            ]
            if isinstance(node.value, (ast.Constant, ast.JoinedStr)):
                seen_elsewhere = []  # a literal's type is known: its own siblings only
            methods = _methods_of_receiver(function, site) if called else []
            base = node.value
            base_types = function.types_of(base.id) if isinstance(base, ast.Name) else frozenset()
            names = [
                name
                for name in dict.fromkeys([*table, *methods, *same_base, *seen_elsewhere])
                if name != node.attr and name.isidentifier() and not cannot(base_types, name)
            ][:_MAX_ATTRIBUTES_PER_SITE]
            for name in names:
                new = ast.Attribute(value=node.value, attr=name, ctx=node.ctx)
                priority = self.priority - (4 if name in table else 0)
                yield function.expr(
                    site,
                    new,
                    self.name,
                    priority,
                    1,
                    (node.end_lineno or node.lineno,),
                    name_only=name,
                )


class ReplaceWithVariable:
    """An expression (other than a name) replaced by a variable in scope."""

    name = "replace with variable"
    priority = 28

    def generate(self, function: Function) -> Iterator[Raw]:
        for site in function.sites:
            node = site.node
            if site.role not in _REPLACE_ROLES or isinstance(node, (ast.Name, ast.Starred)):
                continue
            if not isinstance(node, ast.expr) or not is_load(node):
                continue
            if isinstance(node, (ast.Slice, ast.JoinedStr)) or is_docstring(site):
                continue
            size = function.tokens(node)
            names = function.variables(site, "")[:_MAX_REPLACEMENTS_PER_SITE]
            names += function.global_values("")[:2]
            for name in names:
                new = ast.Name(id=name, ctx=ast.Load())
                yield function.expr(site, new, self.name, self.priority, size)


def _methods_of_receiver(function: Function, site: Site) -> list[str]:
    """For ``x.m(...)`` with ``x`` of a known built-in type, its other methods that
    take the same arguments (``receivers``)."""
    node, call = site.node, site.parent
    if not isinstance(node, ast.Attribute) or not isinstance(call, ast.Call):
        return []
    if not isinstance(node.value, ast.Name):
        return []
    kind = function.receiver_types().get(node.value.id)
    if kind is None:
        return []
    return alternatives(kind, node.attr, len(call.args), len(call.keywords))


def _need(site: Site) -> str:
    """The attribute a value must have where ``site`` puts it: ``append`` in
    ``x.append(...)``, ``__getitem__`` in ``x[i]``, ``__iter__`` in ``for _ in x``,
    ``__len__`` in ``len(x)``; empty where anything goes."""
    parent = site.parent
    if site.role == "base" and isinstance(parent, ast.Attribute):
        return parent.attr
    if site.role == "base" and isinstance(parent, ast.Subscript):
        return {ast.Store: "__setitem__", ast.Del: "__delitem__"}.get(
            type(parent.ctx), "__getitem__"
        )
    if site.role == "iter":
        return "__iter__"
    is_len = isinstance(parent, ast.Call) and ast.unparse(parent.func) == "len"
    return "__len__" if site.role == "argument" and is_len else ""

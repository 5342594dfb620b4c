"""What the rest of the module offers a function under edit (pure).

The *plastic surgery hypothesis* of program repair: the ingredients of a fix usually
exist elsewhere in the same program. For a function under edit, its module gives:

- the numbers written elsewhere in the module (``step = 1000`` in one function, ``1024``
  in the next): candidate values for the function's own numeric literals;
- the numbers its documentation states (``the sum is divisible by 11``);
- for a method, the simple statements of the other methods of its class (``push``
  does ``self._size += 1``; a ``pop`` missing ``self._size -= 1`` needs its mirror
  image), as statements to insert;
- the methods the module calls without arguments (``word.lower()``): a value may be
  missing such a call.
"""

from __future__ import annotations

import ast
import re
import warnings
from dataclasses import dataclass

from pytest_trace.optimizers.mutations.nodes import numeric_value

# Caps: a big module must not make a big search.
_MAX_NUMBERS = 24
_MAX_INGREDIENTS = 24
_MAX_METHODS = 12

_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?!\w|\.\d)")


@dataclass(frozen=True)
class ModuleContext:
    """See the module docstring; every field may be empty."""

    numbers: tuple[int | float, ...] = ()
    documented: tuple[int | float, ...] = ()
    ingredients: tuple[str, ...] = ()
    methods: tuple[str, ...] = ()


def module_context(module_text: str, qualname: str, description: str = "") -> ModuleContext:
    """The :class:`ModuleContext` of the function ``qualname`` of ``module_text``."""
    documented = tuple(dict.fromkeys(_numbers_in(description)))
    tree = _parse(module_text)
    if tree is None:
        return ModuleContext(documented=documented)
    target, owner = _find(tree, qualname.split("."))
    if target is None:
        return ModuleContext(documented=documented)
    if not documented:
        documented = tuple(dict.fromkeys(_numbers_in(ast.get_docstring(target) or "")))
    own = {id(node) for node in ast.walk(target)}
    numbers: dict[int | float, None] = {}
    for node in ast.walk(tree):
        if id(node) in own or not isinstance(node, ast.Constant):
            continue
        value = numeric_value(node)
        if value is not None and not isinstance(value, bool):
            numbers.setdefault(value, None)
    ingredients = _sibling_statements(owner, target) if owner is not None else ()
    methods = [
        node.func.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and not node.args
        and not node.keywords
        and not node.func.attr.startswith("_")
    ]
    return ModuleContext(
        numbers=tuple(numbers)[:_MAX_NUMBERS],
        documented=documented[:_MAX_NUMBERS],
        ingredients=ingredients[:_MAX_INGREDIENTS],
        methods=tuple(dict.fromkeys(methods))[:_MAX_METHODS],
    )


def _numbers_in(text: str) -> list[int | float]:
    """The numbers written in ``text``, but 0 and 1: prose uses them for counts ("one
    decimal"), and as constants they are identities (``x % 1``, ``x * 1``) that make
    degenerate programs, not fixes."""
    found: list[int | float] = []
    for match in _NUMBER.finditer(text):
        word = match.group()
        number = float(word) if "." in word else int(word)
        if number not in (0, 1):
            found.append(number)
    return found


def _parse(text: str) -> ast.Module | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


_Def = ast.FunctionDef | ast.AsyncFunctionDef


def _find(tree: ast.Module, parts: list[str]) -> tuple[_Def | None, ast.ClassDef | None]:
    """The definition at the dotted ``parts`` of a qualname, and the class owning it."""
    body: list[ast.stmt] = tree.body
    owner: ast.ClassDef | None = None
    for index, part in enumerate(parts):
        if part == "<locals>":
            return None, None
        last = index == len(parts) - 1
        match: _Def | ast.ClassDef | None = None
        for node in body:
            if last and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if node.name == part:
                    match = node
            elif not last and isinstance(node, ast.ClassDef) and node.name == part:
                match = node
        if match is None:
            return None, None
        if isinstance(match, ast.ClassDef):
            owner, body = match, match.body
        else:
            return match, owner
    return None, None


def _sibling_statements(owner: ast.ClassDef, target: _Def) -> tuple[str, ...]:
    """The augmented assignments to attributes of ``self`` in the other methods of
    ``owner`` (the bookkeeping of counters, sizes, totals), each with its mirror image
    (``+=`` ↔ ``-=``) first, that use no names but ``self`` and the target's parameters."""
    self_name = _first_parameter(target)
    if self_name is None:
        return ()
    own = {ast.dump(statement) for statement in ast.walk(target) if isinstance(statement, ast.stmt)}
    in_scope = {self_name} | {arg.arg for arg in ast.walk(target.args) if isinstance(arg, ast.arg)}
    found: dict[str, None] = {}
    for method in owner.body:
        if method is target or not isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        if _first_parameter(method) != self_name or method.name == "__init__":
            continue
        for statement in ast.walk(method):
            if not isinstance(statement, ast.AugAssign):
                continue
            if not _on_self(statement.target, self_name):
                continue
            variants: list[ast.stmt] = [statement]
            mirror = _MIRROR.get(type(statement.op))
            if mirror is not None:
                variants.insert(0, ast.AugAssign(statement.target, mirror(), statement.value))
            for variant in variants:
                if ast.dump(variant) not in own and _names_of(variant) <= in_scope:
                    found.setdefault(ast.unparse(ast.fix_missing_locations(variant)), None)
    return tuple(found)


_MIRROR: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
}


def _first_parameter(func: _Def) -> str | None:
    if any(
        isinstance(d, ast.Name) and d.id in ("staticmethod", "classmethod")
        for d in func.decorator_list
    ):
        return None
    arguments = [*func.args.posonlyargs, *func.args.args]
    return arguments[0].arg if arguments else None


def _on_self(target: ast.expr, self_name: str) -> bool:
    return (
        isinstance(target, ast.Attribute)
        and isinstance(target.value, ast.Name)
        and target.value.id == self_name
    )


def _names_of(statement: ast.stmt) -> set[str]:
    return {node.id for node in ast.walk(statement) if isinstance(node, ast.Name)}

"""Methods of built-in types: what a wrong method call may have meant (pure).

When the function makes clear that a variable holds a ``dict``, ``list``, ``set`` or
``str`` (it is assigned a literal of that type, or annotated with it), a call of one of
its methods may be replaced by any other method of the type that accepts the same
arguments, as Python itself reports their signatures: ``d.get(k, [])`` →
``d.setdefault(k, [])``, ``items.remove(x)`` → ``items.append(x)``.

The other way round, :func:`cannot` tells when values of built-in types seen in the
trace could not be used where a site puts them (``width.append`` with ``width`` an
``int``), so that a variable swap known to raise is never tried.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Mapping
from functools import cache
from types import MappingProxyType

_TYPES: dict[str, type] = {
    "dict": dict,
    "Dict": dict,
    "list": list,
    "List": list,
    "set": set,
    "Set": set,
    "str": str,
}

_LITERALS: tuple[tuple[type[ast.expr], type], ...] = (
    (ast.Dict, dict),
    (ast.DictComp, dict),
    (ast.List, list),
    (ast.ListComp, list),
    (ast.Set, set),
    (ast.SetComp, set),
    (ast.JoinedStr, str),
)


#: Built-in types by the name the trace gives them (``type(value).__qualname__``).
_BUILTINS: Mapping[str, type] = MappingProxyType(
    {
        kind.__qualname__: kind
        for kind in (
            int, float, complex, bool, str, bytes, bytearray, list, tuple, dict, set,
            frozenset, range,
        )
    }
)  # fmt: skip


def cannot(type_names: frozenset[str], need: str) -> bool:
    """Whether no value of the types ``type_names`` has the attribute ``need``: true only
    when every type is a known built-in one (a class of the user's may have anything).
    ``None`` says nothing: a variable seen only as ``None`` may be set later."""
    kinds = type_names - {"NoneType"}
    if not kinds or not kinds <= _BUILTINS.keys():
        return False
    return not any(hasattr(_BUILTINS[name], need) for name in kinds)


def callable_on(type_names: frozenset[str], method: str, positional: int) -> bool:
    """Whether every value of the types ``type_names`` (all built-in, ``None`` aside) has
    a public method ``method`` taking ``positional`` arguments."""
    kinds = type_names - {"NoneType"}
    if not kinds or not kinds <= _BUILTINS.keys() or method.startswith("_"):
        return False
    return all(_accepts(_BUILTINS[name], method, positional) for name in kinds)


def known_types(func: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, type]:
    """Variables of ``func`` whose built-in type its text makes certain: annotated
    parameters and variables, and variables only ever assigned literals of one type."""
    kinds: dict[str, set[type]] = {}
    arguments = func.args
    for arg in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs):
        kinds.setdefault(arg.arg, set()).add(_annotated(arg.annotation) or object)
    typed: set[int] = set()
    for node in ast.walk(func):
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            typed.add(id(node.target))
            kind = _annotated(node.annotation)
            if kind is None and node.value is not None:
                kind = _literal(node.value)
            kinds.setdefault(node.target.id, set()).add(kind or object)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    typed.add(id(target))
                    kinds.setdefault(target.id, set()).add(_literal(node.value) or object)
    for node in ast.walk(func):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and id(node) not in typed:
            kinds.setdefault(node.id, set()).add(object)
    return {
        name: only
        for name, found in kinds.items()
        if len(found) == 1 and (only := next(iter(found))) is not object
    }


def alternatives(kind: type, method: str, positional: int, keywords: int) -> list[str]:
    """Other public methods of ``kind`` callable with ``positional`` arguments (and no
    keywords beyond those ``method`` has), in alphabetical order."""
    if keywords or not _accepts(kind, method, positional):
        return []
    return [name for name in _methods(kind) if name != method and _accepts(kind, name, positional)]


@cache
def _methods(kind: type) -> tuple[str, ...]:
    names = sorted(vars(kind))
    return tuple(name for name in names if not name.startswith("_") and callable(vars(kind)[name]))


@cache
def _accepts(kind: type, method: str, positional: int) -> bool:
    """Whether ``kind.method`` takes ``positional`` arguments after ``self``, by its
    signature (methods whose signature Python does not report are never chosen)."""
    try:
        signature = inspect.signature(getattr(kind, method))
    except (AttributeError, TypeError, ValueError):
        return False
    parameters = list(signature.parameters.values())[1:]
    if any(p.kind is p.VAR_POSITIONAL for p in parameters):
        return True
    usable = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    required = [p for p in usable if p.default is p.empty]
    return len(required) <= positional <= len(usable)


def _annotated(annotation: ast.expr | None) -> type | None:
    if isinstance(annotation, ast.Subscript):
        annotation = annotation.value
    if isinstance(annotation, ast.Name):
        return _TYPES.get(annotation.id)
    return None


def _literal(value: ast.expr) -> type | None:
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return str
    for node_type, kind in _LITERALS:
        if isinstance(value, node_type):
            return kind
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and not value.args:
        return _TYPES.get(value.func.id) if value.func.id in ("dict", "list", "set") else None
    return None

"""The ``@trainable`` decorator and the discovery of trainable functions.

The decorator returns the very function it was given, with one attribute added:
calling it costs exactly what calling the undecorated function costs, and its return
values and exceptions are its own. Recording happens elsewhere (``trace.recorder``),
by code object, only while ``--trace-optimize`` re-runs failing tests.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar, overload

F = TypeVar("F", bound=Callable[..., Any])

#: The attribute that marks a function as trainable; its value is a :class:`TrainableSpec`.
MARKER = "__pytest_trace__"


@dataclass(frozen=True)
class TrainableSpec:
    """What the user said about a trainable function."""

    description: str = ""


@overload
def trainable(func: F, /) -> F: ...
@overload
def trainable(description: str, /) -> Callable[[F], F]: ...
@overload
def trainable(*, description: str = "") -> Callable[[F], F]: ...


def trainable(func: Any = None, /, *, description: str = "") -> Any:
    """Mark a function (or method) whose source code the optimizer may change.

    Use it bare, ``@trainable``, or with a description for the optimizer,
    ``@trainable(description="apply a percentage discount to a price")`` (the
    description may also be given positionally). Without a description, the
    function's docstring describes it.
    """
    if isinstance(func, str):
        description, func = func, None
    spec = TrainableSpec(description=description)

    def mark(obj: F) -> F:
        _target(obj).__dict__[MARKER] = spec
        return obj

    return mark if func is None else mark(func)


def _target(obj: Any) -> types.FunctionType:
    if isinstance(obj, property):
        inner = obj.fget
    else:
        inner = obj.__func__ if isinstance(obj, (staticmethod, classmethod)) else obj
    if not isinstance(inner, types.FunctionType):
        raise TypeError(
            f"@trainable applies to functions and methods defined in Python, not to {obj!r}"
        )
    return inner


def spec_of(obj: Any) -> TrainableSpec | None:
    """The :class:`TrainableSpec` of a marked function, else None."""
    if isinstance(obj, (staticmethod, classmethod)):
        obj = obj.__func__
    elif isinstance(obj, property):
        obj = obj.fget
    if not isinstance(obj, types.FunctionType):
        return None
    spec = obj.__dict__.get(MARKER)
    return spec if isinstance(spec, TrainableSpec) else None


def iter_trainables(
    module: types.ModuleType,
) -> Iterator[tuple[str, types.FunctionType, TrainableSpec]]:
    """Yield ``(qualname, function, spec)`` for every trainable defined in ``module``.

    Functions imported from elsewhere are skipped (they belong to their own module);
    methods are found in the classes the module defines, nested classes included.
    """
    name = module.__name__
    seen: set[int] = set()

    def walk(namespace: dict[str, Any]) -> Iterator[tuple[str, types.FunctionType, TrainableSpec]]:
        for obj in list(namespace.values()):
            if isinstance(obj, type):
                if obj.__module__ == name and id(obj) not in seen:
                    seen.add(id(obj))
                    yield from walk(dict(vars(obj)))
                continue
            spec = spec_of(obj)
            if spec is None:
                continue
            func = _target(obj.fget if isinstance(obj, property) else obj)
            if func.__module__ == name and id(func) not in seen:
                seen.add(id(func))
                yield func.__qualname__, func, spec

    yield from walk(dict(vars(module)))

"""The ``@trainable`` decorator and the discovery of trainable functions.

The decorator returns the very function it was given, with one attribute added:
calling it costs exactly what calling the undecorated function costs, and its return
values and exceptions are its own. Recording happens elsewhere (``trace.recorder``),
by code object, only while ``--trace-optimize`` re-runs failing tests.
"""

from __future__ import annotations

import fnmatch
import types
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, overload

F = TypeVar("F", bound=Callable[..., Any])

#: The attribute that marks a function as trainable; its value is a :class:`TrainableSpec`.
MARKER = "__pytest_trace__"


@dataclass(frozen=True)
class TrainableSpec:
    """What the user said about a trainable function.

    ``constants`` names the module-level constants the function uses that the optimizer
    may change too (``"TAX_RATE"`` in the function's module, or ``"package.module.NAME"``
    elsewhere); with ``constants_only`` the optimizer may change the literal values in
    the function's body but not its code.
    """

    description: str = ""
    constants: tuple[str, ...] = ()
    constants_only: bool = False


@overload
def trainable(func: F, /) -> F: ...
@overload
def trainable(description: str, /) -> Callable[[F], F]: ...
@overload
def trainable(
    *, description: str = "", constants: Sequence[str] = (), constants_only: bool = False
) -> Callable[[F], F]: ...


def trainable(
    func: Any = None,
    /,
    *,
    description: str = "",
    constants: Sequence[str] = (),
    constants_only: bool = False,
) -> Any:
    """Mark a function (or method) whose source code the optimizer may change.

    Use it bare, ``@trainable``, or with a description for the optimizer,
    ``@trainable(description="apply a percentage discount to a price")`` (the
    description may also be given positionally). Without a description, the
    function's docstring describes it.

    ``constants=["TAX_RATE"]`` makes module-level constants the function uses trainable
    too: the optimizer may change their values, which are written back to their
    assignments (``TAX_RATE = 0.2``); a name with dots (``"pricing.rates.TAX_RATE"``)
    is a constant of another module. ``constants_only=True`` lets the optimizer change
    the literal values in the function's body (numbers, strings, booleans) but not its
    structure.
    """
    if isinstance(func, str):
        description, func = func, None
    if isinstance(constants, str):
        raise TypeError("constants= takes a list of names, such as constants=['TAX_RATE']")
    names = tuple(constants)
    for constant in names:
        if not all(part.isidentifier() for part in constant.split(".")):
            raise TypeError(f"constants=: {constant!r} is not a name such as 'TAX_RATE'")
    spec = TrainableSpec(
        description=description, constants=names, constants_only=bool(constants_only)
    )

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


def matches(patterns: Iterable[str], module: str, qualname: str) -> bool:
    """Whether ``module:qualname`` matches one of ``patterns`` (``--trace-trainable``).

    A pattern is ``module:qualname`` (``pricing.cart:apply_discount``,
    ``pricing.cart:Cart.total``), with shell-style wildcards in either part
    (``pricing.cart:*``, ``pricing.*:parse_*``). Private helpers (``_helper``,
    ``Cart._fill``) are the module's functions like any other, and ``*`` matches them;
    a special method (``__init__``, ``__eq__``) matches only a pattern whose last part
    starts with ``_`` (``Cart.__*``, ``Cart.__init__``).
    """
    special = _special(qualname.rpartition(".")[2])
    for pattern in patterns:
        module_pattern, _, qualname_pattern = pattern.partition(":")
        qualname_pattern = qualname_pattern.strip() or "*"
        if special and not qualname_pattern.rpartition(".")[2].startswith("_"):
            continue  # `Cart.*` is the class's behaviour, not its protocol methods
        if fnmatch.fnmatchcase(module, module_pattern.strip()) and fnmatch.fnmatchcase(
            qualname, qualname_pattern
        ):
            return True
    return False


def _special(name: str) -> bool:
    """Whether ``name`` is a special ("dunder") name such as ``__init__``."""
    return len(name) > 4 and name.startswith("__") and name.endswith("__")


def check_pattern(pattern: str) -> str:
    """``pattern`` cleaned, or :class:`ValueError` saying what is wrong with it."""
    cleaned = pattern.strip()
    module, colon, qualname = cleaned.partition(":")
    if not module.strip() or (colon and not qualname.strip()):
        raise ValueError(
            f"{pattern!r} is not of the form package.module:qualname "
            "(wildcards allowed, e.g. package.module:*)"
        )
    if not colon:
        raise ValueError(
            f"{pattern!r} names no function: write {module.strip() + ':*'!r} for every "
            f"function of the module, or {module.strip() + ':name'!r} for one"
        )
    return cleaned


def iter_trainables(
    module: types.ModuleType, patterns: Sequence[str] = ()
) -> Iterator[tuple[str, types.FunctionType, TrainableSpec]]:
    """Yield ``(qualname, function, spec)`` for every trainable defined in ``module``.

    Functions imported from elsewhere are skipped (they belong to their own module);
    methods are found in the classes the module defines, nested classes included.
    Functions whose ``module:qualname`` matches one of ``patterns`` are trainable without
    the decorator (with an empty spec).
    """
    name = module.__name__
    marked = bool(patterns) and any(
        fnmatch.fnmatchcase(name, p.partition(":")[0].strip()) for p in patterns
    )
    seen: set[int] = set()

    def walk(namespace: dict[str, Any]) -> Iterator[tuple[str, types.FunctionType, TrainableSpec]]:
        for obj in list(namespace.values()):
            if isinstance(obj, type):
                if obj.__module__ == name and id(obj) not in seen:
                    seen.add(id(obj))
                    yield from walk(dict(vars(obj)))
                continue
            spec = spec_of(obj)
            if spec is None and marked:
                spec = _marked(obj, name, patterns)
            if spec is None:
                continue
            func = _target(obj.fget if isinstance(obj, property) else obj)
            if func.__module__ == name and id(func) not in seen:
                seen.add(id(func))
                yield func.__qualname__, func, spec

    yield from walk(dict(vars(module)))


def unmatched_patterns(patterns: Sequence[str], modules: Iterable[types.ModuleType]) -> list[str]:
    """The ``--trace-trainable`` patterns that match no function of ``modules``."""
    return [pattern for pattern, names in selected(patterns, modules).items() if not names]


def selected(patterns: Sequence[str], modules: Iterable[types.ModuleType]) -> dict[str, list[str]]:
    """For each ``--trace-trainable`` pattern, the functions of ``modules`` it selects
    (``module.qualname``, in the order of the modules)."""
    found: dict[str, list[str]] = {pattern: [] for pattern in patterns}
    if not patterns:
        return found
    for module in modules:
        for qualname, _func, _spec in iter_trainables(module, patterns):
            for pattern in patterns:
                if matches([pattern], module.__name__, qualname):
                    found[pattern].append(f"{module.__name__}.{qualname}")
    return found


def _marked(obj: Any, module: str, patterns: Sequence[str]) -> TrainableSpec | None:
    """An empty spec for a function ``patterns`` mark, else None."""
    inner = obj.__func__ if isinstance(obj, (staticmethod, classmethod)) else obj
    if isinstance(inner, property):
        inner = inner.fget
    if not isinstance(inner, types.FunctionType) or inner.__module__ != module:
        return None
    if "<" in inner.__qualname__ or not matches(patterns, module, inner.__qualname__):
        return None
    return TrainableSpec()

"""Trainable constants in a running process: their module, and new values swapped in.

:func:`owner` finds the module a declared constant belongs to (the worker announces it
as a parameter). :func:`set_constants`, in a forked worker child, is the counterpart of
``swap`` for constants: the candidate's file holds the new literal; the module's global
gets its value, and so does every module of the project that imported it by name
(``from pricing.rates import TAX_RATE`` binds the same object: a global of the same
name bound to that very object is taken for such an import).

Not covered (a fresh process would differ; the final validation runs in one): values
computed from the constant at import time, such as default arguments
(``def f(rate=TAX_RATE)``) and other constants (``PERCENT = TAX_RATE * 100``).
"""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Iterable, Sequence
from pathlib import Path

from pytest_trace.repair.constant_edits import constant_source, literal_value
from pytest_trace.runner.swap import update_linecache


def set_constants(
    module: types.ModuleType,
    names: Sequence[str],
    file_text: str,
    modules: Iterable[types.ModuleType] = (),
) -> None:
    """Give ``module``'s constants ``names`` the values assigned to them in ``file_text``.

    ``modules`` are the other modules that may have imported them by name. All or
    nothing: every value is read before any is set (an ``EditError`` or ``ValueError``
    leaves the process unchanged).
    """
    values = {name: literal_value(constant_source(file_text, name)) for name in names}
    missing = object()
    others = [other for other in modules if other is not module]
    for name, value in values.items():
        old = vars(module).get(name, missing)
        for other in others:
            if old is not missing and vars(other).get(name, missing) is old:
                setattr(other, name, value)
        setattr(module, name, value)
    file = getattr(module, "__file__", None)
    if file:
        update_linecache(file, file_text)


def owner(module: types.ModuleType, constant: str) -> tuple[types.ModuleType | None, str]:
    """The module a constant that a function of ``module`` declared belongs to, and its
    name there: ``"TAX_RATE"`` is ``module``'s, ``"pkg.rates.TAX_RATE"`` is
    ``pkg.rates``'s (imported if need be; None when there is no such module)."""
    module_name, _, name = constant.rpartition(".")
    if not module_name:
        return module, name
    try:
        return sys.modules.get(module_name) or importlib.import_module(module_name), name
    except Exception:  # any error importing it: not a module of the project
        return None, name


def project_modules(root: Path) -> list[types.ModuleType]:
    """The imported modules whose files are under ``root``."""
    found = []
    for module in list(sys.modules.values()):
        file = getattr(module, "__file__", None)
        if (
            isinstance(module, types.ModuleType)
            and file
            and Path(file).resolve().is_relative_to(root)
        ):
            found.append(module)
    return found

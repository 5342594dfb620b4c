"""The worker's discovery of the project's trainables, in the modules it has imported.

:class:`Discovery` scans ``sys.modules`` for the project's modules (inside the worktree,
or the user's root), finds their trainable functions (``@trainable`` or a
``--trace-trainable`` pattern) and the constants they declared, and announces each as a
:class:`~pytest_trace.runner.protocol.ParameterLocation`. It keeps the code objects the
recorder needs to find trainables by their frames.
"""

from __future__ import annotations

import inspect
import sys
import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from pytest_trace.runner.protocol import ParameterLocation
from pytest_trace.trace.recorder import codes_of
from pytest_trace.trainable import iter_trainables

#: At most this many module-level names are offered to the search as replacements.
MAX_GLOBAL_NAMES = 200


@dataclass(frozen=True)
class Trainable:
    """A trainable function found in a module: where, and the function object."""

    module: str
    qualname: str
    function: types.FunctionType


class Constant(NamedTuple):
    """A trainable constant: the module that defines it and its name there."""

    module: str
    name: str


def global_names(module: types.ModuleType) -> list[str]:
    """Module-level names a function of ``module`` can use: values, functions, classes."""
    names = [
        name
        for name, value in vars(module).items()
        if not name.startswith("__") and not isinstance(value, types.ModuleType)
    ]
    return names[:MAX_GLOBAL_NAMES]


def first_paragraph(doc: str | None) -> str:
    return inspect.cleandoc(doc).split("\n\n")[0] if doc else ""


def inside(path: str | None, root: Path) -> bool:
    if not path:
        return False
    try:
        Path(path).resolve().relative_to(root)
    except ValueError:
        return False
    return True


class Discovery:
    """The trainables found so far; :meth:`discover` looks at the modules imported since."""

    def __init__(
        self,
        root: Path,
        user_root: Path | None,
        patterns: Sequence[str],
        announce: Callable[[ParameterLocation], None],
    ) -> None:
        self.root = root
        self.user_root = user_root
        self.patterns = list(patterns)
        self.announce = announce
        self.codes: dict[types.CodeType, str] = {}
        self.functions: dict[str, Trainable] = {}
        self.constants: dict[str, Constant] = {}
        self.parameters: list[ParameterLocation] = []
        self.examined: set[str] = set()

    def discover(self) -> None:
        """Find the trainable functions of the project's modules not examined yet."""
        if len(sys.modules) == len(self.examined):
            return
        for name, module in list(sys.modules.items()):
            if name in self.examined:
                continue
            self.examined.add(name)
            file = getattr(module, "__file__", None)
            if not isinstance(module, types.ModuleType) or not file:
                continue
            in_root = inside(file, self.root)
            if not in_root and not (self.user_root and inside(file, self.user_root)):
                continue
            for qualname, func, spec in iter_trainables(module, self.patterns):
                name = f"{module.__name__}.{qualname}"
                if name in self.functions:
                    continue
                codes = codes_of([(name, func)])  # the innermost of functools.wraps layers
                self.codes.update(codes)
                self.functions[name] = Trainable(module.__name__, qualname, func)
                constants = [self._constant(module, constant, name) for constant in spec.constants]
                self._add(
                    ParameterLocation(
                        name=name,
                        module=module.__name__,
                        qualname=qualname,
                        file=str(Path(file).resolve()),
                        inside=in_root,
                        description=spec.description or first_paragraph(func.__doc__),
                        global_names=tuple(global_names(module)),
                        constants_only=spec.constants_only,
                        constants=tuple(constant for constant in constants if constant),
                    )
                )

    def _add(self, parameter: ParameterLocation) -> None:
        self.parameters.append(parameter)
        self.announce(parameter)

    def _constant(self, module: types.ModuleType, constant: str, user: str) -> str:
        """Announce the constant that ``user`` declared; its name."""
        from pytest_trace.runner.swap_constants import owner

        found, short = owner(module, constant)
        file = getattr(found, "__file__", None) or ""
        name = f"{found.__name__}.{short}" if found else constant
        if name not in self.constants:
            self.constants[name] = Constant(name.rpartition(".")[0], short)
            self._add(
                ParameterLocation(
                    name=name,
                    module=self.constants[name].module,
                    qualname=short,
                    file=file and str(Path(file).resolve()),
                    inside=inside(file, self.root),
                    description=f"used by {user}",
                    constant=True,
                )
            )
        return name

    def refresh_codes(self) -> None:
        """The recorder finds trainables by code object: the swapped-in ones now."""
        self.codes = codes_of((name, found.function) for name, found in self.functions.items())

    def module_names(self) -> set[str]:
        """The modules that define trainable functions."""
        return {found.module for found in self.functions.values()}

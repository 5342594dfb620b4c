"""What the recorder learns once about a code object: where its ``def`` line is, which
attributes of ``self`` it uses, its docstring, and whether it is the user's own code.

Everything here runs once per code object (the recorder caches the answers), never per
call.
"""

from __future__ import annotations

import ast
import dis
import inspect
import linecache
import os
import sys
import textwrap
import types
from collections.abc import Iterable
from pathlib import Path

from pytest_trace.trace.values import Renderer

_ATTRIBUTE_OPS = frozenset({"LOAD_ATTR", "STORE_ATTR", "DELETE_ATTR", "LOAD_METHOD"})
#: Attributes of ``self`` shown before and after a method call.
MAX_SELF_ATTRIBUTES = 8
_MISSING = object()


def def_line(code: types.CodeType) -> int:
    """The line of the ``def`` statement (``co_firstlineno`` is the first decorator's)."""
    first = code.co_firstlineno
    for offset in range(50):
        text = linecache.getline(code.co_filename, first + offset).lstrip()
        if text.startswith(("def ", "async def ")):
            return first + offset
        if not text:
            break
    return first


def self_attributes(code: types.CodeType) -> tuple[str, ...]:
    """The attributes a method reads or writes on its first argument, named ``self``."""
    if not code.co_argcount or code.co_varnames[0] != "self":
        return ()
    names: list[str] = []
    previous_is_self = False
    for instruction in dis.get_instructions(code):
        if previous_is_self and instruction.opname in _ATTRIBUTE_OPS:
            name = str(instruction.argval)
            if name not in names and not name.startswith("__"):
                names.append(name)
        if instruction.opname in ("COPY", "DUP_TOP") and previous_is_self:
            continue  # self.x += 1: the copy of self is what LOAD_ATTR reads
        # LOAD_FAST, LOAD_FAST_CHECK (3.12), LOAD_FAST_LOAD_FAST (3.13: a pair of names)
        value = instruction.argval
        last = value[-1] if isinstance(value, tuple) and value else value
        previous_is_self = instruction.opname.startswith("LOAD_FAST") and last == "self"
        if len(names) >= MAX_SELF_ATTRIBUTES:
            break
    return tuple(names)


def attribute_values(
    obj: object, names: tuple[str, ...], renderer: Renderer
) -> dict[str, tuple[str, str]]:
    """The instance attributes ``names`` of ``obj`` (``__dict__`` or slots), rendered;
    methods and properties are left out (reading them would run code)."""
    values: dict[str, tuple[str, str]] = {}
    attributes = getattr(obj, "__dict__", None)
    for name in names:
        value = attributes.get(name, _MISSING) if isinstance(attributes, dict) else _MISSING
        if value is _MISSING:
            slot = inspect.getattr_static(type(obj), name, None)
            if not isinstance(slot, types.MemberDescriptorType):
                continue
            value = getattr(obj, name, _MISSING)
            if value is _MISSING:
                continue
        values[name] = (type(value).__qualname__, renderer.repr(value))
    return values


def docstring(code: types.CodeType) -> str:
    """The first paragraph of the docstring of the function of ``code``, or ``""``."""
    lines = linecache.getlines(code.co_filename)
    start = def_line(code) - 1
    if not lines or start >= len(lines):
        return ""
    block = inspect.getblock(lines[start:])
    try:
        tree = ast.parse(textwrap.dedent("".join(block)))
    except (SyntaxError, ValueError):
        return ""
    node = tree.body[0] if tree.body else None
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return ""
    text = ast.get_docstring(node) or ""
    return " ".join(text.split("\n\n")[0].split())


class UserCode:
    """Decides whether a code object is the user's own: a file under ``root`` that is
    not in an environment (``site-packages``, a virtualenv), nor pytest-trace itself, nor
    a test file (``test_*.py``, ``*_test.py``, ``conftest.py``: tests are shown as tests)."""

    def __init__(self, roots: Iterable[str | os.PathLike[str]]) -> None:
        self.roots = tuple(str(Path(root).resolve()) + os.sep for root in roots)
        own = Path(__file__).resolve().parent.parent
        self.excluded = (
            str(own) + os.sep,
            sys.prefix + os.sep,
            sys.base_prefix + os.sep,
        )

    def owns(self, code: types.CodeType) -> bool:
        filename = code.co_filename
        if not filename.endswith(".py") or code.co_name.startswith("<"):
            return False
        base = os.path.basename(filename)
        if base.startswith("test_") or base.endswith("_test.py") or base == "conftest.py":
            return False
        path = os.path.realpath(filename) if not os.path.isabs(filename) else filename
        if not path.startswith(self.roots) or path.startswith(self.excluded):
            return False
        return "site-packages" not in path and f"{os.sep}.venv{os.sep}" not in path

    @staticmethod
    def name(code: types.CodeType, module: str) -> str:
        qualname = getattr(code, "co_qualname", code.co_name)
        return f"{module}.{qualname}" if module else qualname


def codes_of(functions: Iterable[tuple[str, types.FunctionType]]) -> dict[types.CodeType, str]:
    """The ``codes`` argument of :class:`Recorder`, from ``(name, function)`` pairs.

    A function made by a decorator with ``functools.wraps`` is recorded through the
    function it wraps (its own code is the decorator's, shared by every function the
    decorator wrapped).
    """
    codes: dict[types.CodeType, str] = {}
    for name, function in functions:
        inner = inspect.unwrap(function)
        code = getattr(inner, "__code__", None)
        codes[code if isinstance(code, types.CodeType) else function.__code__] = name
    return codes

"""The data of the edit operators: edits and hints (the public API), candidates and the
sites and blocks they edit (internal), and what makes two programs the same."""

from __future__ import annotations

import ast
import types
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypeAlias

TreePath: TypeAlias = tuple[tuple[str, int], ...]
FunctionNode: TypeAlias = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass(frozen=True)
class Edit:
    """One candidate edit of a function.

    ``source`` is the complete new definition, dedented; ``operators`` names the edit
    operators applied, ``lines`` the lines of the *original* source they touch, ``size``
    the number of tokens changed (see the package docstring) and ``description`` says
    what changed, e.g. ``line 3: `x < y` → `x <= y```.
    """

    source: str
    operators: tuple[str, ...]
    lines: tuple[int, ...]
    size: int
    description: str


@dataclass(frozen=True)
class Hints:
    """What the driver knows besides the source.

    ``suspicious`` maps lines of the source (1 is the ``def`` line) to how suspicious they
    are; ``global_names`` are module-level names visible to the function (constants,
    functions); ``inputs`` are the arguments of calls of the function in failing tests
    (argument name → ``repr``); ``expected`` the ``repr`` of values the failing assertions
    expected; ``numbers`` (actual, expected) pairs from the failing assertions.
    From the rest of the module (``context.module_context``): ``known_numbers`` written
    elsewhere in it, ``documented`` numbers the function's documentation states, and
    ``ingredients``, statements of sibling methods worth inserting (source text), and
    ``methods``, the names of methods it calls without arguments (``lower``).
    From the trace: ``types``, the type names each argument and local variable was seen
    holding in the failing tests' calls (a name never holding a value that can do what
    a site asks, such as an ``int`` at ``x.append``, is not swapped in there).
    """

    suspicious: Mapping[int, float] = field(default_factory=dict)
    global_names: tuple[str, ...] = ()
    inputs: tuple[Mapping[str, str], ...] = ()
    expected: tuple[str, ...] = ()
    numbers: tuple[tuple[float, float], ...] = ()
    known_numbers: tuple[int | float, ...] = ()
    documented: tuple[int | float, ...] = ()
    ingredients: tuple[str, ...] = ()
    methods: tuple[str, ...] = ()
    types: Mapping[str, frozenset[str]] = field(default_factory=dict)


def normalized(source: str) -> str:
    """The normalized syntax tree of ``source`` (``ast.dump``, no positions).

    Two sources with the same form are the same program up to formatting and comments.
    Text that does not parse is its own form (the text itself).
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return source
    return ast.dump(tree)


@dataclass(eq=False)
class Site:
    """An expression (or a statement) of the function and where it sits."""

    parent: ast.AST
    field: str
    index: int  # position in the parent's list, -1 for a single-node field
    node: ast.AST
    path: TreePath
    role: str
    scope: tuple[str, ...]  # comprehension, lambda and nested-function names, innermost first
    statement: ast.stmt
    fstring: ast.JoinedStr | None  # the outermost f-string around the site, if any


@dataclass(eq=False)
class Block:
    """A list of statements (a body, an ``else``, a ``finally``) and its owner."""

    owner: ast.AST
    field: str
    statements: list[ast.stmt]
    path: TreePath
    loop: bool  # the body of a loop
    in_loop: bool  # inside a loop of the function (``break`` and ``continue`` work)
    top: bool  # the function's own body


@dataclass(eq=False)
class StatementChange:
    """``block.statements[start:stop] = new``, and its text: lines replaced by others."""

    block: Block
    start: int
    stop: int
    new: list[ast.stmt]
    first_line: int  # 0-based index of the first replaced line (insertion: insert before)
    end_line: int  # 0-based index after the last replaced line (== first_line: insertion)
    text: list[str] | None  # the new lines, with endings; None: render with unparse


@dataclass(eq=False)
class Raw:
    """A candidate edit, before it is rendered, compiled and checked for duplicates."""

    operator: str
    priority: int
    size: int
    lines: tuple[int, ...]
    path: TreePath
    site: Site | None = None  # expression edits: site.node is replaced by ``new``
    new: ast.AST | None = None
    gaps: tuple[tuple[int, int], ...] = ()  # operator tokens to replace by ``symbol``
    symbol: str = ""
    swap: tuple[Site, Site] | None = None  # two sibling sites whose texts are exchanged
    name_only: str = ""  # only the trailing identifier of the site changes, to this
    changes: tuple[StatementChange, ...] = ()
    summary: str = ""  # description of a statement edit
    order: int = 0
    score: float = 0.0


def compiled(source: str | bytes, *, strict: bool) -> types.CodeType | None:
    """The code of ``source``, or None when it does not compile; with ``strict``, a
    syntax warning (``x is 5``, ``5[0]``) counts as an error."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error" if strict else "ignore")
            return compile(source, "<candidate>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, OverflowError, RecursionError, MemoryError, Warning):
        return None


def code_key(code: types.CodeType) -> tuple[object, ...]:
    """Everything of compiled code but its positions: equal keys, equal behaviour."""
    return (
        code.co_code,
        tuple(_constant_key(c) for c in code.co_consts),
        code.co_names,
        code.co_varnames,
        code.co_freevars,
        code.co_cellvars,
        code.co_argcount,
        code.co_posonlyargcount,
        code.co_kwonlyargcount,
        code.co_flags,
        code.co_name,
        getattr(code, "co_exceptiontable", b""),
    )


def _constant_key(constant: object) -> object:
    if isinstance(constant, types.CodeType):
        return code_key(constant)
    if isinstance(constant, (tuple, frozenset)):
        items = [_constant_key(item) for item in constant]
        if isinstance(constant, frozenset):
            items.sort(key=repr)
        return (type(constant).__name__, tuple(items))
    return (type(constant).__name__, repr(constant))

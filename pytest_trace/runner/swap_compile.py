"""Compiling a candidate's file for a swap: the new code of each function by qualname.

The whole patched file is compiled under its real filename (so that line numbers,
private-name mangling and ``__class__`` cells are those of the real file), every
function and method code object is indexed by qualname, and a name defined several
times is resolved the way ``source_edits.locate_function`` resolves it. A method whose
new code lacks a closure variable of the function it replaces (the ``__class__`` cell)
is compiled again with an unreachable reference to it. :class:`SwapError` says why a
file cannot give the code wanted.
"""

from __future__ import annotations

import ast
import inspect
import types
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence

from pytest_trace.repair.source_edits import EditError, locate_function

_GENERIC = "<generic parameters of "  # the scope of PEP 695 type parameters (3.12+)
BOM = "\ufeff"

#: The code objects of a module's functions and methods, by qualname.
Index = dict[str, list[types.CodeType]]


class SwapError(Exception):
    """Why a candidate cannot be swapped in place; the caller evaluates it in a fresh process."""


def compile_codes(
    file_text: str,
    filename: str,
    qualnames: Iterable[str],
    freevars: Mapping[str, Sequence[str]],
) -> tuple[dict[str, types.CodeType], Index]:
    """The code of each function of ``qualnames`` in the patched ``file_text`` (see
    ``swap.compile_functions``), and the index of all the file's functions."""
    names = [qualnames] if isinstance(qualnames, str) else list(dict.fromkeys(qualnames))
    for qualname in names:
        if "<" in qualname:
            raise SwapError(
                f"cannot swap {qualname}: only module-level functions and methods of classes "
                "can be swapped, not nested functions"
            )
    source = file_text[1:] if file_text.startswith(BOM) else file_text  # as when imported
    index = _index(_compile(source, filename))
    codes = {q: _choose(q, index.get(q, []), file_text, filename) for q in names}
    missing: dict[str, tuple[str, ...]] = {}
    for qualname, code in codes.items():
        lacking = tuple(n for n in freevars.get(qualname, ()) if n not in code.co_freevars)
        if lacking:
            missing[qualname] = lacking
    if missing:
        codes.update(_with_references(source, filename, codes, missing))
    return codes, index


def _compile(source: str | ast.Module, filename: str) -> types.CodeType:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. invalid escape sequences: not ours to judge
            return compile(source, filename, "exec", dont_inherit=True)
    except SyntaxError as error:
        where = f" (line {error.lineno})" if error.lineno else ""
        raise SwapError(
            f"the new text of {filename} does not compile: {error.msg}{where}"
        ) from None
    except (ValueError, RecursionError, OverflowError) as error:
        raise SwapError(f"the new text of {filename} does not compile: {error}") from None


def _index(module: types.CodeType) -> Index:
    """The code of every function and method of a module, by qualname (nested classes too)."""
    index: Index = {}

    def walk(scope: types.CodeType, prefix: str, only: str | None = None) -> None:
        for const in scope.co_consts:
            if not isinstance(const, types.CodeType):
                continue
            name = const.co_name
            if only is not None and name != only:
                continue
            if name.startswith(_GENERIC):  # def f[T]() / class C[T]: f or C is inside
                walk(const, prefix, name[len(_GENERIC) : -1])
            elif const.co_flags & inspect.CO_OPTIMIZED:
                index.setdefault(prefix + name, []).append(const)
            elif not name.startswith("<"):  # a class body
                walk(const, f"{prefix}{name}.")

    walk(module, "")
    return index


def _choose(
    qualname: str, candidates: list[types.CodeType], file_text: str, filename: str
) -> types.CodeType:
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise SwapError(f"there is no function {qualname} in the new text of {filename}")
    try:
        span = locate_function(file_text, qualname)
    except EditError as error:
        raise SwapError(str(error)) from None
    # co_firstlineno is the line of the first decorator, else of the def.
    chosen = [c for c in candidates if span.start <= c.co_firstlineno <= span.def_line]
    if len(chosen) != 1:
        raise SwapError(
            f"cannot swap {qualname}: it is defined {len(candidates)} times in {filename} "
            f"and the definition on line {span.def_line} cannot be told apart"
        )
    return chosen[0]


def _with_references(
    file_text: str,
    filename: str,
    codes: Mapping[str, types.CodeType],
    missing: Mapping[str, tuple[str, ...]],
) -> dict[str, types.CodeType]:
    """Compile the functions in ``missing`` again, referring to the names they lack."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(file_text, filename)
    except (SyntaxError, ValueError, RecursionError) as error:  # compile() accepted it
        raise SwapError(f"the new text of {filename} does not parse: {error}") from None
    for qualname, names in missing.items():
        node = _definition(tree, qualname, codes[qualname].co_firstlineno)
        if node is None:
            raise SwapError(f"cannot find the definition of {qualname} in {filename}")
        last = node.body[-1]
        reference = ast.If(
            test=ast.Constant(False),
            body=[ast.Expr(ast.Tuple([ast.Name(n, ast.Load()) for n in names], ast.Load()))],
            orelse=[],
        )
        for sub in ast.walk(reference):
            ast.copy_location(sub, last)
        node.body.append(reference)
    index = _index(_compile(tree, filename))
    recompiled: dict[str, types.CodeType] = {}
    for qualname in missing:
        line = codes[qualname].co_firstlineno
        found = [c for c in index.get(qualname, []) if c.co_firstlineno == line]
        if len(found) != 1:
            raise SwapError(f"cannot find the new code of {qualname} in {filename}")
        recompiled[qualname] = found[0]
    return recompiled


def _definition(
    tree: ast.Module, qualname: str, first_line: int
) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    *classes, name = qualname.split(".")
    scopes: list[ast.AST] = [tree]
    for part in classes:
        scopes = [
            node
            for scope in scopes
            for node in _definitions(scope)
            if isinstance(node, ast.ClassDef) and node.name == part
        ]
    for scope in scopes:
        for node in _definitions(scope):
            if isinstance(node, ast.ClassDef) or node.name != name:
                continue
            line = node.decorator_list[0].lineno if node.decorator_list else node.lineno
            if line == first_line:
                return node
    return None


def _definitions(
    scope: ast.AST,
) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef]:
    """Functions and classes defined directly in ``scope``, also inside if/try/with/..."""
    for child in ast.iter_child_nodes(scope):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield child
        elif isinstance(child, (ast.stmt, ast.excepthandler, ast.match_case)):
            yield from _definitions(child)

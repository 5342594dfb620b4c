"""Find, extract, validate and replace the source of one function in a Python file.

Pure text manipulation: no pytest, git or network. The optimizer sees a function the
way :func:`function_source` shows it (from the ``def`` line to the end of the body,
without decorators, dedented); :func:`normalize_function_source` checks what it
proposes; :func:`replace_function` puts it back in the file, re-indented, leaving the
decorators and every byte outside the definition as they were.

Line numbers follow Python's tokenizer: lines end at ``\\r\\n``, ``\\r`` or ``\\n``
(``text.source_lines``).
"""

from __future__ import annotations

import ast
import difflib
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TypeAlias

from pytest_trace.model import Parameter
from pytest_trace.text.source_lines import (
    content_lines,
    dedent,
    first_newline,
    join_lines,
    line_content,
    line_contents,
    line_ending,
    split_bom,
    strip_fence,
    strip_indent,
)
from pytest_trace.text.source_lines import split_lines as split_lines  # also for the callers

#: Why code nested deeper than Python's parser or compiler can follow is refused.
TOO_DEEP = (
    "is nested too deeply (or is too long an expression) for Python to compile it; "
    "write it with intermediate variables or a loop"
)

_Function: TypeAlias = ast.FunctionDef | ast.AsyncFunctionDef


class EditError(Exception):
    """An edit that cannot be made; the message is for humans and for the optimizer."""


@dataclass(frozen=True)
class FunctionSpan:
    """Where a function definition is in a file (1-based, inclusive line numbers).

    ``start`` is the first decorator line (the ``def`` line when undecorated),
    ``def_line`` the ``def``/``async def`` line, ``end`` the last line of the body and
    ``indent`` the whitespace before ``def``.
    """

    start: int
    def_line: int
    end: int
    indent: str


def locate_function(file_text: str, qualname: str) -> FunctionSpan:
    """Find the definition of ``qualname`` (``f``, ``Class.method``, ``Outer.Inner.f``).

    Definitions inside ``if``/``try``/``with``/... blocks are found too. When a name is
    defined several times (``@overload``, a property and its setter), the one decorated
    with ``trainable`` is taken; without a unique one, the name is ambiguous.
    """
    _, text = split_bom(file_text)
    return _locate(text, _parse_file(text), qualname)


def function_source(file_text: str, qualname: str) -> str:
    """The definition of ``qualname`` without decorators, dedented, ending with a newline."""
    _, text = split_bom(file_text)
    span = _locate(text, _parse_file(text), qualname)
    lines = split_lines(text)[span.def_line - 1 : span.end]
    return "".join(strip_indent(line_content(line), span.indent) + "\n" for line in lines)


def normalize_function_source(parameter: Parameter, text: str) -> str:
    """Validate the new source an optimizer proposed for ``parameter``; return it clean.

    Surrounding whitespace and a markdown fence are removed, the code is dedented and
    leading decorators are dropped (the file keeps its own). The result must be exactly
    one function definition, sync or async like the original, with the original's name
    and signature, and must compile. Raises :class:`EditError` saying what is wrong.
    """
    what = f"the new code for {parameter.name}"
    original = _single_function(parameter.source, f"the current code of {parameter.name}")
    lines = dedent(content_lines(strip_fence(text)))
    if not lines:
        raise EditError(f"{what} is empty")
    node = _only_function(_parse(join_lines(lines), what), what, original.name)
    if node.lineno > 1 or node.end_lineno != len(lines):
        # Decorators (the file keeps its own) and comments around the definition.
        lines = lines[node.lineno - 1 : node.end_lineno]
        node = _only_function(_parse(join_lines(lines), what), what, original.name)
    source = join_lines(lines)
    _check_same_definition(original, node, what)
    _compile(source, what, parameter.name)
    return source


def replace_function(
    file_text: str, qualname: str, new_source: str, span: FunctionSpan | None = None
) -> str:
    """Replace the definition of ``qualname`` (``def`` line to end) with ``new_source``.

    ``new_source`` is dedented code as :func:`function_source` shows it; it is indented
    like the original. Lines the new source leaves unchanged keep their exact original
    text; decorators, comments, blank lines and the rest of the file stay byte-identical,
    newlines (``\\r\\n`` or ``\\n``) follow the file, and a file without a final newline
    keeps it that way. Raises :class:`EditError` if the result would not parse.
    ``span`` is where :func:`locate_function` found ``qualname`` in ``file_text``, for
    a caller that replaces it many times (the file is then not parsed again).
    """
    bom, text = split_bom(file_text)
    if span is None:
        span = _locate(text, _parse_file(text), qualname)
    name = qualname.rpartition(".")[2]
    new_lines = dedent(content_lines(new_source))
    if not new_lines:
        raise EditError(f"the new code for {qualname} is empty")
    node = _single_function(join_lines(new_lines), f"the new code for {qualname}")
    if node.name != name or node.decorator_list:
        raise EditError(f"the new code for {qualname} must be the undecorated definition of {name}")
    new_lines = new_lines[node.lineno - 1 : node.end_lineno]  # no comments around it

    lines = split_lines(text)
    old = lines[span.def_line - 1 : span.end]
    old_contents = [line_content(line) for line in old]
    newline = line_ending(old[0]) or first_newline(text)
    matcher = difflib.SequenceMatcher(
        None, [strip_indent(line, span.indent) for line in old_contents], new_lines, False
    )
    replaced: list[str] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            replaced.extend(old_contents[i1:i2])
        else:
            replaced.extend(span.indent + line if line else line for line in new_lines[j1:j2])
    region = newline.join(replaced) + line_ending(old[-1])
    result = "".join(lines[: span.def_line - 1]) + region + "".join(lines[span.end :])

    try:
        tree = _parse(result, f"the file with the new {qualname}")
    except EditError as error:
        raise EditError(f"{error}; check the indentation of the new code") from None
    if _locate(result, tree, qualname).def_line != span.def_line:
        raise EditError(f"the new code for {qualname} changes the structure of the file")
    return bom + result


def changed_lines(old: str, new: str) -> int:
    """How many lines differ between two texts (a replaced line counts once)."""
    matcher = difflib.SequenceMatcher(None, line_contents(old), line_contents(new), False)
    return sum(
        max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"
    )


def unified_diff(old: str, new: str, path: str) -> str:
    """A ``git diff``-style unified diff of one file; empty when the texts are equal."""
    diff = difflib.unified_diff(
        split_lines(old), split_lines(new), fromfile=f"a/{path}", tofile=f"b/{path}"
    )
    return "".join(
        line if line.endswith(("\n", "\r")) else line + "\n\\ No newline at end of file\n"
        for line in diff
    )


# --- locating -------------------------------------------------------------------------


def _locate(text: str, tree: ast.Module, qualname: str) -> FunctionSpan:
    node = _find(tree, qualname)
    lines = split_lines(text)
    def_text = line_content(lines[node.lineno - 1])
    indent = def_text[: len(def_text) - len(def_text.lstrip(" \t\f"))]
    if len(indent) != node.col_offset:
        raise EditError(f"{qualname} does not start on a line of its own; cannot edit it")
    start = node.lineno
    if node.decorator_list:
        start = min(decorator.lineno for decorator in node.decorator_list)
        while start > 1 and not line_content(lines[start - 1]).lstrip().startswith("@"):
            start -= 1  # a decorator expression that starts after "@(" on an earlier line
    end = node.end_lineno if node.end_lineno is not None else node.lineno
    return FunctionSpan(start=start, def_line=node.lineno, end=end, indent=indent)


def _find(tree: ast.Module, qualname: str) -> _Function:
    if "<" in qualname:
        raise EditError(
            f"cannot edit {qualname}: nested functions are not supported "
            "(only module-level functions and methods of classes)"
        )
    parts = qualname.split(".")
    scope: ast.AST = tree
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        where = f"in class {'.'.join(parts[:index])}" if index else "at module level"
        found = [node for node in _definitions(scope) if node.name == part]
        if not found:
            kind = "function" if last else "class"
            raise EditError(f"cannot find {qualname}: there is no {kind} {part} {where}")
        if last:
            functions = [node for node in found if not isinstance(node, ast.ClassDef)]
            if not functions:
                raise EditError(f"cannot edit {qualname}: {part} is a class, not a function")
            return _choose(functions, qualname)
        classes = [node for node in found if isinstance(node, ast.ClassDef)]
        if not classes:
            raise EditError(f"cannot find {qualname}: {part} {where} is not a class")
        if len(classes) > 1:
            lines = ", ".join(str(node.lineno) for node in classes)
            raise EditError(f"cannot edit {qualname}: class {part} is defined on lines {lines}")
        scope = classes[0]
    raise EditError(f"cannot find {qualname}")  # unreachable: qualname has a last part


def _choose(functions: list[_Function], qualname: str) -> _Function:
    if len(functions) == 1:
        return functions[0]
    marked = [node for node in functions if any(map(_is_trainable, node.decorator_list))]
    if len(marked) == 1:
        return marked[0]
    # A property's getter, not its setter or deleter; the implementation, not its
    # ``@overload`` signatures: the function that discovery finds under this name.
    bodies = [node for node in functions if not any(map(_is_accessor, node.decorator_list))]
    if len(bodies) == 1:
        return bodies[0]
    lines = ", ".join(str(node.lineno) for node in functions)
    raise EditError(
        f"cannot edit {qualname}: it is defined {len(functions)} times (lines {lines}) "
        "and it is not clear which one is trainable"
    )


def _is_accessor(decorator: ast.expr) -> bool:
    """``@name.setter``, ``@name.deleter`` or ``@overload``: a definition that shares its
    name with the function itself."""
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    if isinstance(target, ast.Attribute):
        return target.attr in ("setter", "deleter", "overload")
    return isinstance(target, ast.Name) and target.id == "overload"


def _is_trainable(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    if isinstance(target, ast.Attribute):
        return target.attr == "trainable"
    return isinstance(target, ast.Name) and target.id == "trainable"


def _definitions(scope: ast.AST) -> Iterator[_Function | ast.ClassDef]:
    """Functions and classes defined directly in ``scope``, also inside if/try/with/..."""
    for child in ast.iter_child_nodes(scope):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield child
        elif isinstance(child, (ast.stmt, ast.excepthandler, ast.match_case)):
            yield from _definitions(child)


# --- validating -----------------------------------------------------------------------


def _parse(source: str, what: str) -> ast.Module:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. invalid escape sequences: not ours to judge
            return ast.parse(source)
    except (SyntaxError, ValueError) as error:
        raise EditError(f"{what} does not compile: {_describe_error(error)}") from None
    except (RecursionError, MemoryError):
        raise EditError(f"{what} {TOO_DEEP}") from None


def _parse_file(text: str) -> ast.Module:
    return _parse(text, "the file")


def _compile(source: str, what: str, name: str) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(source, f"<{name}>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as error:
        raise EditError(f"{what} does not compile: {_describe_error(error)}") from None
    except (RecursionError, MemoryError):
        raise EditError(f"{what} {TOO_DEEP}") from None


def _describe_error(error: SyntaxError | ValueError) -> str:
    if isinstance(error, SyntaxError):
        return f"{error.msg} (line {error.lineno})" if error.lineno else str(error.msg)
    return str(error)


def _single_function(source: str, what: str) -> _Function:
    tree = _parse(source, what)
    if len(tree.body) != 1 or not isinstance(tree.body[0], _Function):
        raise EditError(f"{what} is not a single function definition")
    return tree.body[0]


def _only_function(tree: ast.Module, what: str, name: str) -> _Function:
    functions = [node for node in tree.body if isinstance(node, _Function)]
    if len(tree.body) == 1 and functions:
        return functions[0]
    if not tree.body:
        raise EditError(f"{what} has no code, only comments")
    if not functions:
        kinds = ", ".join(_describe(node) for node in tree.body)
        raise EditError(f"{what} must be the definition of function {name}, not {kinds}")
    main = next((node for node in functions if node.name == name), functions[0])
    extra = ", ".join(_describe(node) for node in tree.body if node is not main)
    raise EditError(
        f"{what} must be exactly one function definition ({name}), but it also has {extra}; "
        f"put imports and helpers inside {name}"
    )


def _describe(node: ast.stmt) -> str:
    where = f" (line {node.lineno})"
    if isinstance(node, _Function):
        return f"a function {node.name}{where}"
    if isinstance(node, ast.ClassDef):
        return f"a class {node.name}{where}"
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return f"an import{where}"
    if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
        return f"an assignment{where}"
    if isinstance(node, ast.Expr):
        return f"an expression{where}"
    return f"a {type(node).__name__.lower()} statement{where}"


def _check_same_definition(original: _Function, new: _Function, what: str) -> None:
    if isinstance(new, ast.AsyncFunctionDef) != isinstance(original, ast.AsyncFunctionDef):
        wanted = "async def" if isinstance(original, ast.AsyncFunctionDef) else "def"
        found = "async def" if isinstance(new, ast.AsyncFunctionDef) else "def"
        raise EditError(f"{what} uses `{found}`, but {original.name} must stay `{wanted}`")
    if new.name != original.name:
        raise EditError(
            f"{what} defines {new.name}, but it must define {original.name} "
            "(do not rename the function)"
        )
    if _signature_key(new) != _signature_key(original):
        raise EditError(
            f"{what} changes the signature from {_signature(original)} to {_signature(new)}; "
            "keep the signature unchanged"
        )


def _signature_key(node: _Function) -> tuple[str, str, str]:
    returns = ast.dump(node.returns) if node.returns is not None else ""
    type_params = ast.dump(ast.Tuple(elts=list(getattr(node, "type_params", []))))
    return ast.dump(node.args), returns, type_params


def _signature(node: _Function) -> str:
    returns = f" -> {ast.unparse(node.returns)}" if node.returns is not None else ""
    return f"({ast.unparse(node.args)}){returns}"

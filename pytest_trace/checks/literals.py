"""The test-literal check (pure): does a candidate copy the test's answer into the code?

A classic overfit of a weak test: a branch that returns, for the failing test's input,
the very value the test expects (``if len(names) == 2: return "Ann and Bob"``). Its mark
is a literal the candidate introduces that the failing tests' source holds, but that the
module does not (as a literal or in a docstring) and that no value recorded by the trace
shows. Such a candidate can pass the tests; it cannot be called ``fixed``.

Literals are compared by type and value (``3`` is not ``3.0``); a container counts as one
literal when all of it is literal. The values programmers write everywhere (``None``,
booleans, ``-1`` to ``2``, empty strings and containers) are no evidence of copying and
are never reported.
"""

from __future__ import annotations

import ast
import re
import textwrap
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass

from pytest_trace.checks import Concern
from pytest_trace.model import TraceGraph
from pytest_trace.text.clip import clip

CHECK = "test-literal"
#: Characters of a literal shown in the reason.
SHOWN_CHARS = 60

Key = tuple[str, str]  # (type name, repr)


@dataclass(frozen=True)
class LiteralEvidence:
    """Where a literal may legitimately come from, and the tests it may be copied from:
    the failing tests' sources, the texts of the modules of the group's functions, and
    the reprs of the values the trace recorded."""

    tests: tuple[str, ...]
    modules: tuple[str, ...]
    seen: frozenset[str]

    @classmethod
    def of(cls, traces: Sequence[TraceGraph], modules: Iterable[str]) -> LiteralEvidence:
        """From the failing tests' traces (their sources and values) and module texts."""
        tests = tuple(dict.fromkeys(t.test_source for t in traces if t.test_source))
        return cls(tests, tuple(dict.fromkeys(modules)), frozenset(seen_values(traces)))


_DOCUMENTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module)
_TRIVIAL_NUMBERS = (-1, 0, 1, 2)


def literal_concerns(
    old: str,
    new: str,
    *,
    tests: Sequence[str],
    modules: Sequence[str],
    seen: Collection[str],
) -> list[Concern]:
    """A blocking concern when ``new`` (a function's or constant's source) introduces a
    literal, absent from ``old``, that appears in the failing tests' sources (``tests``)
    but in none of ``modules`` (their literals and docstrings) nor in the reprs of the
    values the trace recorded (``seen``); no concern otherwise."""
    introduced = _introduced(old, new)
    if not introduced:
        return []
    test_keys: set[Key] = set()
    for source in tests:
        tree = _parse(textwrap.dedent(source))
        if tree is not None:
            test_keys.update(key for _, key, _ in _literals(tree, maximal=False))
    module_keys: set[Key] = set()
    docs: list[str] = []
    for text in modules:
        tree = _parse(text)
        if tree is None:
            continue
        module_keys.update(key for _, key, _ in _literals(tree, maximal=False))
        docs.extend(_docstrings(tree))
    copied = [
        (value, role)
        for value, key, role in introduced
        if key in test_keys
        and key not in module_keys
        and not _mentioned(value, docs, raw=True)
        and not _mentioned(value, seen, raw=False)
    ]
    if not copied:
        return []
    value, role = copied[0]
    more = f" (and {len(copied) - 1} more)" if len(copied) > 1 else ""
    return [
        Concern(CHECK, f"{role} a literal that appears only in the test: {_shown(value)}{more}")
    ]


def _introduced(old: str, new: str) -> list[tuple[object, Key, str]]:
    """The literals of ``new`` that ``old`` has fewer of, with what the code does with
    each (``returns``, ``compares with``, ``uses``); the trivial ones left out."""
    new_tree, old_tree = _parse(new), _parse(old)
    if new_tree is None:
        return []
    before = Counter(key for _, key, _ in _literals(old_tree, maximal=True)) if old_tree else {}
    remaining = Counter(before)
    introduced = []
    for value, key, role in _literals(new_tree, maximal=True):
        if remaining.get(key, 0) > 0:
            remaining[key] -= 1
        elif not _trivial(value):
            introduced.append((value, key, role))
    return introduced


def _parse(text: str) -> ast.Module | None:
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError):
        return None


def _literals(tree: ast.AST, *, maximal: bool) -> Iterator[tuple[object, Key, str]]:
    """Literal values in ``tree`` with their keys and roles. ``maximal``: a literal
    container counts as one literal (its items are not listed), docstrings are left out;
    otherwise every literal at every level."""

    def walk(node: ast.AST, role: str) -> Iterator[tuple[object, Key, str]]:
        value = _literal(node)
        if value is not _NOT_LITERAL:
            yield value, _key(value), role
            if maximal:
                return
        children = list(ast.iter_child_nodes(node))
        if maximal and isinstance(node, _DOCUMENTED) and not isinstance(node, ast.Module):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and _is_str(body[0].value):
                children = [child for child in children if child is not body[0]]
        for child in children:
            if isinstance(node, ast.Return):
                child_role = "returns"
            elif isinstance(node, ast.Compare):
                child_role = "compares with"
            else:
                child_role = role
            yield from walk(child, child_role)

    yield from walk(tree, "uses")


_NOT_LITERAL = object()


def _literal(node: ast.AST) -> object:
    if not isinstance(
        node, (ast.Constant, ast.Tuple, ast.List, ast.Set, ast.Dict, ast.UnaryOp, ast.BinOp)
    ):
        return _NOT_LITERAL
    if isinstance(node, (ast.Tuple, ast.List)) and not isinstance(node.ctx, ast.Load):
        return _NOT_LITERAL
    if isinstance(node, ast.BinOp) and not isinstance(node.op, (ast.Add, ast.Sub)):
        return _NOT_LITERAL  # only complex numbers (1+2j) are literal sums
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return _NOT_LITERAL


def _is_str(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _key(value: object) -> Key:
    return type(value).__name__, repr(value)


def _trivial(value: object) -> bool:
    if value is None or isinstance(value, bool) or value is Ellipsis:
        return True
    if isinstance(value, (int, float)) and value in _TRIVIAL_NUMBERS:
        return True
    sized = (str, bytes, tuple, list, dict, set, frozenset)
    return isinstance(value, sized) and len(value) == 0


def _docstrings(tree: ast.Module) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, _DOCUMENTED) and (doc := ast.get_docstring(node, clean=False)):
            yield doc


def _mentioned(value: object, texts: Collection[str], *, raw: bool) -> bool:
    """Whether ``value`` shows in ``texts``: docstrings (``raw``: a string as it is, not
    inside a longer word) or the reprs of recorded values (a string as its repr, alone
    or inside a container)."""
    if isinstance(value, str):
        if not raw:
            return any(repr(value) in text for text in texts)
        pattern = re.compile(rf"(?<!\w){re.escape(value)}(?!\w)")
        return any(pattern.search(text) for text in texts)
    if isinstance(value, (int, float, complex)):
        pattern = re.compile(rf"(?<![\w.]){re.escape(repr(value))}(?![\w.])")
        return any(pattern.search(text) for text in texts)
    shown = repr(value)
    return any(shown in text for text in texts)


def _shown(value: object) -> str:
    text = repr(value)
    return clip(text, SHOWN_CHARS)


def seen_values(traces: Iterable[TraceGraph]) -> set[str]:
    """The reprs of every value the traces recorded: arguments, results, exceptions,
    locals line by line, attributes of ``self``."""
    seen: set[str] = set()
    for trace in traces:
        for call in trace.calls:
            values = [*call.args.values(), *call.self_before.values(), *call.self_after.values()]
            values += [value for value in (call.result, call.exception) if value is not None]
            values += [value for step in call.lines for value in step.changes.values()]
            seen.update(value.repr for value in values)
    return seen

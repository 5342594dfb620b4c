"""Generating edits: the candidates of the registered operators and their order; single
edits and pairs of edits."""

from __future__ import annotations

import ast
import dataclasses
import difflib
import itertools
import warnings
from collections.abc import Iterator, Sequence

from pytest_trace.optimizers.mutations.function import Function
from pytest_trace.optimizers.mutations.model import (
    Edit,
    FunctionNode,
    Hints,
    Raw,
    TreePath,
    code_key,
    compiled,
)
from pytest_trace.optimizers.mutations.registry import OPERATORS, Operator
from pytest_trace.repair.source_edits import split_lines


def candidates(function: Function, operators: Sequence[Operator]) -> list[Raw]:
    """Every candidate edit of ``function`` the ``operators`` make, in the default order."""
    raws: list[Raw] = []
    for operator in operators:
        raws.extend(operator.generate(function))
    suspicious = function.hints.suspicious
    for order, raw in enumerate(raws):
        raw.order = order
        if suspicious:
            raw.score = max(
                (suspicious.get(function.line_map(line), 0.0) for line in raw.lines), default=0.0
            )
    raws.sort(key=lambda raw: (-raw.score, raw.priority, raw.size, raw.order))
    return raws


def single_edits(
    source: str, hints: Hints, operators: Sequence[Operator] = OPERATORS
) -> Iterator[Edit]:
    """Every single edit of the function ``source`` the operators can make, lazily.

    Each edit compiles, keeps the function's name and signature, and differs from the
    original and from every edit yielded before it. ``operators``: those that make the
    edits (``registry.OPERATORS``, the search's, by default). Raises ``ValueError`` when
    ``source`` is not exactly one function definition.
    """
    function = Function(source, hints)
    seen = {function.key}
    for raw in candidates(function, operators):
        edit = function.render(raw, seen)
        if edit is not None:
            yield edit


def double_edits(
    source: str,
    hints: Hints,
    singles: Sequence[Edit],
    *,
    limit: int,
    operators: Sequence[Operator] = OPERATORS,
) -> Iterator[Edit]:
    """Pairs of edits at different places: each single edit of ``singles`` (edits of
    ``source``, best first), followed by a single edit of its result.

    Pairs come in order of the sum of their ranks (the first edit's rank in ``singles``,
    the second's among the edits of the first's result), at most ``limit`` of them.
    No pair repeats ``source``, an edit of ``singles``, or an earlier pair. Operators,
    lines (of ``source``) and sizes are those of both edits. The second edits are
    those of ``operators``.
    """
    if limit <= 0 or not singles:
        return
    base = Function(source, hints)
    seen = {base.key}
    for single in singles:
        code = compiled(single.source, strict=base.strict)
        if code is not None:
            seen.add(code_key(code))
    streams = [_SecondEdits(base, first, hints, operators) for first in singles]
    produced = 0
    for total in itertools.count():  # the pairs whose ranks sum to `total`
        progressed = False
        for rank, stream in enumerate(streams[: total + 1]):
            second = stream.get(total - rank, seen)
            if second is None:
                continue  # that stream has fewer pairs: none for higher totals either
            yield second
            progressed = True
            produced += 1
            if produced >= limit:
                return
        if not progressed and total >= len(streams):
            return


class _SecondEdits:
    """The single edits of one first edit's result, as second edits of a pair, lazily."""

    def __init__(
        self, base: Function, first: Edit, hints: Hints, operators: Sequence[Operator]
    ) -> None:
        self.base = base
        self.first = first
        self.hints = hints
        self.operators = operators
        self.items: list[Edit] = []
        self.exhausted = False
        self._iterator: Iterator[Edit] | None = None

    def get(self, index: int, seen: set[tuple[object, ...]]) -> Edit | None:
        """The ``index``-th pair of this stream (None when there is no such pair)."""
        if index < 0:
            return None
        while len(self.items) <= index and not self.exhausted:
            if self._iterator is None:
                self._iterator = self._pairs(seen)
            item = next(self._iterator, None)
            if item is None:
                self.exhausted = True
            else:
                self.items.append(item)
        return self.items[index] if index < len(self.items) else None

    def _pairs(self, seen: set[tuple[object, ...]]) -> Iterator[Edit]:
        first = self.first
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tree = ast.parse(first.source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return
        if len(tree.body) != 1 or not isinstance(tree.body[0], FunctionNode):
            return
        changed = _changed_path(self.base.func, tree.body[0], ())
        inserted = len(split_lines(first.source)) > len(split_lines(self.base.source))
        to_old = _line_map(first.source, self.base.source)
        to_new: dict[int, int] = {}
        for new_line, old_line in to_old.items():
            to_new.setdefault(old_line, new_line)
        suspicious = {
            to_new[line]: score for line, score in self.hints.suspicious.items() if line in to_new
        }
        hints = dataclasses.replace(self.hints, suspicious=suspicious)
        try:
            function = Function(  # whole compiles: keys comparable across first edits
                first.source, hints, line_map=lambda line: to_old.get(line, line), isolate=False
            )
        except ValueError:
            return
        for raw in candidates(function, self.operators):
            if raw.path == changed or (inserted and raw.path[: len(changed)] == changed):
                continue
            second = function.render(raw, seen)
            if second is None:
                continue
            yield Edit(
                source=second.source,
                operators=first.operators + second.operators,
                lines=tuple(sorted(set(first.lines) | set(second.lines))),
                size=first.size + second.size,
                description=f"{first.description}; {second.description}",
            )


def _changed_path(old: ast.AST, new: ast.AST, path: TreePath) -> TreePath:
    """The path of the smallest subtree where ``old`` and ``new`` differ."""
    while True:
        differences: list[tuple[str, int, object, object]] = []
        for name in old._fields:
            a, b = getattr(old, name, None), getattr(new, name, None)
            if isinstance(a, list) and isinstance(b, list):
                if len(a) != len(b):
                    index = next(
                        (
                            i
                            for i, (x, y) in enumerate(zip(a, b, strict=False))
                            if not _same_value(x, y)
                        ),
                        min(len(a), len(b)),
                    )
                    return (*path, (name, index))
                differences += [
                    (name, i, x, y)
                    for i, (x, y) in enumerate(zip(a, b, strict=True))
                    if not _same_value(x, y)
                ]
            elif not _same_value(a, b):
                differences.append((name, -1, a, b))
        if len(differences) != 1:
            return path
        name, index, a, b = differences[0]
        if (
            not isinstance(a, ast.AST)
            or not isinstance(b, ast.AST)
            or isinstance(a, (ast.operator, ast.cmpop, ast.boolop, ast.unaryop))
        ):
            return path
        path = (*path, (name, index))
        if type(a) is not type(b):
            return path
        old, new = a, b


def _same_value(a: object, b: object) -> bool:
    if isinstance(a, ast.AST) and isinstance(b, ast.AST):
        return ast.dump(a) == ast.dump(b)
    return a == b


def _line_map(new_source: str, old_source: str) -> dict[int, int]:
    """Lines of ``new_source`` → lines of ``old_source`` (inserted lines → the line they
    were inserted before)."""
    new_lines, old_lines = split_lines(new_source), split_lines(old_source)
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    mapping: dict[int, int] = {}
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        for offset in range(j2 - j1):
            if tag == "equal":
                mapping[j1 + offset + 1] = i1 + offset + 1
            else:
                mapping[j1 + offset + 1] = (
                    min(i1 + min(offset, max(i2 - i1 - 1, 0)), len(old_lines) - 1) + 1
                )
    return mapping

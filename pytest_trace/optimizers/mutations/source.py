"""The text of the function under edit: lines, byte offsets, spans of nodes, indentation.

Offsets are byte offsets into the UTF-8 source, as the syntax tree's columns are.
"""

from __future__ import annotations

import ast
import itertools
import re
import warnings

from pytest_trace.optimizers.mutations.model import FunctionNode, code_key, compiled
from pytest_trace.optimizers.mutations.nodes import count_tokens
from pytest_trace.repair.source_edits import split_lines
from pytest_trace.text.clip import clip

_NEWLINE = re.compile(r"\r\n|\r|\n")
MAX_DESCRIPTION = 70


class Source:
    """One function's source: parsed, compiled, and its text."""

    def __init__(self, source: str) -> None:
        self.source = source
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
            raise ValueError(f"the source does not parse: {error}") from None
        if len(tree.body) != 1 or not isinstance(tree.body[0], FunctionNode):
            raise ValueError("the source is not exactly one function definition")
        self.tree = tree
        self.func: FunctionNode = tree.body[0]
        self.strict = compiled(source, strict=True) is not None
        code = compiled(source, strict=self.strict)
        if code is None:
            raise ValueError("the source does not compile")
        self.key = code_key(code)
        self.data = source.encode("utf-8")
        self.text_lines = split_lines(source)
        self.offsets = list(
            itertools.accumulate((len(x.encode()) for x in self.text_lines), initial=0)
        )
        self.newline = _first_newline(source)
        self.unit = self._indent_unit()
        self.token_counts: dict[int, int] = {}
        self.original = {id(node) for node in ast.walk(self.func)}

    def _indent_unit(self) -> str:
        first = self.func.body[0]
        if first.lineno > self.func.lineno:
            line = content(self.text_lines[first.lineno - 1])
            indent = line[: len(line) - len(line.lstrip(" \t"))]
            def_line = content(self.text_lines[self.func.lineno - 1])
            base = def_line[: len(def_line) - len(def_line.lstrip(" \t"))]
            if indent.startswith(base) and len(indent) > len(base):
                return indent[len(base) :]
        return "    "

    def tokens(self, node: ast.AST) -> int:
        """The tokens of ``node`` (cached for the nodes of the original tree)."""
        if id(node) not in self.original:
            return count_tokens(node)
        count = self.token_counts.get(id(node))
        if count is None:
            count = self.token_counts[id(node)] = count_tokens(node)
        return count

    def offset(self, line: int, column: int) -> int:
        return self.offsets[line - 1] + column

    def span(self, node: ast.AST) -> tuple[int, int]:
        """Byte offsets of ``node`` in the source."""
        line: int = getattr(node, "lineno", 1)
        end_line: int = getattr(node, "end_lineno", None) or line
        start = self.offset(line, getattr(node, "col_offset", 0))
        return start, self.offset(end_line, getattr(node, "end_col_offset", None) or 0)

    def segment(self, node: ast.AST) -> str:
        start, end = self.span(node)
        return self.data[start:end].decode("utf-8", "replace")

    def gap(self, left: ast.AST, right: ast.AST) -> tuple[int, int]:
        return self.span(left)[1], self.span(right)[0]

    def indent_of(self, statement: ast.stmt) -> str:
        line = content(self.text_lines[statement.lineno - 1])
        return line[: len(line) - len(line.lstrip(" \t\f"))]

    def whole_lines(self, statement: ast.stmt) -> tuple[int, int] | None:
        """0-based [first, end) lines of ``statement`` when it has its lines to itself."""
        first = statement.lineno
        decorators = getattr(statement, "decorator_list", [])
        if decorators:
            first = min(d.lineno for d in decorators)
            if not content(self.text_lines[first - 1]).lstrip().startswith("@"):
                return None
            before = ""
        else:
            line = self.text_lines[first - 1].encode()
            before = line[: statement.col_offset].decode("utf-8", "replace")
            if isinstance(statement, ast.If) and line[statement.col_offset :].startswith(b"elif"):
                return None  # an `elif`: its block has no text of its own
        end = statement.end_lineno or statement.lineno
        last = self.text_lines[end - 1].encode()
        after = content(last[statement.end_col_offset or 0 :].decode("utf-8", "replace")).strip()
        if before.strip() or (after and not after.startswith("#")):
            return None
        return first - 1, end


def content(line: str) -> str:
    return line.rstrip("\r\n")


def _first_newline(text: str) -> str:
    match = _NEWLINE.search(text)
    return match.group() if match else "\n"


def first_line(text: str) -> str:
    return text.split("\n", 1)[0]


def one_line(text: str) -> str:
    """Multi-line code on one line, for descriptions (``if x:\\n    return 1`` →
    ``if x: return 1``)."""
    text = re.sub(r":\n\s+", ": ", text)
    return re.sub(r"\n\s*", "; ", text)


def short(text: str) -> str:
    return clip(text, MAX_DESCRIPTION)

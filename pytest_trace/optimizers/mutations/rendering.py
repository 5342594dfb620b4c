"""Rendering a candidate as an :class:`Edit`: its text, compiled (often one statement
alone) and checked for duplicates, and its description."""

from __future__ import annotations

import ast
from collections.abc import Callable

from pytest_trace.optimizers.mutations.model import Edit, Hints, Raw, Site, code_key, compiled
from pytest_trace.optimizers.mutations.nodes import numeric_value, walk_own
from pytest_trace.optimizers.mutations.rewrite import Rewriter
from pytest_trace.optimizers.mutations.source import MAX_DESCRIPTION, one_line, short

_COMPOUND = (
    ast.If,
    ast.For,
    ast.AsyncFor,
    ast.While,
    ast.With,
    ast.AsyncWith,
    ast.Try,
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
    ast.Match,
)


class Renderer(Rewriter):
    """Candidates rendered, compiled, deduplicated and described."""

    def __init__(
        self,
        source: str,
        hints: Hints,
        line_map: Callable[[int], int] | None = None,
        *,
        isolate: bool = True,
    ) -> None:
        super().__init__(source, hints, line_map)
        body = self.func.body[0]
        self.header = self.data[: self.offset(body.lineno, body.col_offset)].decode()
        # An expression edit changes one top-level statement, compiled alone after `head`
        # (the lines before the body). What compiles there compiles in the function,
        # unless `global`/`nonlocal` or an async generator's `return` are involved.
        self.head = self.data[: self.offsets[body.lineno - 1]]
        self.isolate = (
            isolate
            and not self.data[
                self.offsets[body.lineno - 1] : self.offset(body.lineno, body.col_offset)
            ].strip()
            and not any(isinstance(n, (ast.Global, ast.Nonlocal)) for n in ast.walk(self.func))
            and not (
                isinstance(self.func, ast.AsyncFunctionDef)
                and any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in walk_own(self.func.body))
            )
        )
        self.top_spans: dict[int, tuple[int, int] | None] = {}
        self.statement_keys: dict[int, tuple[object, ...] | None] = {}
        self.unparsed: dict[int, str] = {}

    def render(self, raw: Raw, seen: set[tuple[object, ...]]) -> Edit | None:
        """``raw`` as an :class:`Edit`; None when it does not compile or is a duplicate."""
        text = self._text(raw)
        if text is not None and not text.startswith(self.header):
            text = None  # never happens: edits stay in the body
        key = self._isolated_key(raw, text) if text is not None else None
        if key is None:
            code = compiled(text, strict=self.strict) if text is not None else None
            if code is None:
                text = self._unparsed(raw)
                code = compiled(text, strict=self.strict) if text is not None else None
            if code is None or text is None:
                return None
            key = code_key(code)
        if key in seen or text is None:
            return None
        seen.add(key)
        return Edit(
            source=text,
            operators=(raw.operator,),
            lines=tuple(sorted({self.line_map(line) for line in raw.lines})),
            size=raw.size,
            description=self._description(raw),
        )

    def _isolated_key(self, raw: Raw, text: str) -> tuple[object, ...] | None:
        """The code of the one top-level statement an expression edit changes, compiled
        alone in a function with the same header (much cheaper than compiling the whole
        function; what compiles there compiles in place, see ``isolate``); None when that
        is not possible, and the edit is compiled whole."""
        if not self.isolate or raw.changes or raw.site is None or not raw.site.path:
            return None
        field, index = raw.site.path[0]
        span = self._top_span(index) if field == "body" else None
        if span is None:
            return None
        data = text.encode("utf-8")
        statement = data[span[0] : span[1] + len(data) - len(self.data)]
        code = compiled(self.head + statement, strict=self.strict)
        if code is None:
            return None
        key = ("statement", index, code_key(code))
        return self.key if key == self._original_statement_key(index) else key

    def _top_span(self, index: int) -> tuple[int, int] | None:
        """Bytes of the whole lines of top-level statement ``index``."""
        if index not in self.top_spans:
            lines = self.whole_lines(self.func.body[index])
            self.top_spans[index] = (
                None if lines is None else (self.offsets[lines[0]], self.offsets[lines[1]])
            )
        return self.top_spans[index]

    def _original_statement_key(self, index: int) -> tuple[object, ...] | None:
        if index not in self.statement_keys:
            span = self._top_span(index)
            code = (
                compiled(self.head + self.data[span[0] : span[1]], strict=self.strict)
                if span is not None
                else None
            )
            self.statement_keys[index] = (
                None if code is None else ("statement", index, code_key(code))
            )
        return self.statement_keys[index]

    def _unparsed(self, raw: Raw) -> str | None:
        """The whole function written by ``ast.unparse`` with the edit applied."""
        try:
            with self._installed(raw):
                text = ast.unparse(self.tree)
        except (ValueError, TypeError, AttributeError, RecursionError):
            return None
        return text + ("\n" if self.source.endswith(("\n", "\r")) else "")

    def _description(self, raw: Raw) -> str:
        lines = sorted({self.line_map(line) for line in raw.lines})
        where = f"line {lines[0]}" if len(lines) == 1 else f"lines {lines[0]}-{lines[-1]}"
        if raw.changes:
            return f"{where}: {raw.summary}"
        site = raw.site
        assert site is not None
        shown = self._shown(site)
        before = self._unparsed_node(shown)
        with self._installed(raw):
            after = one_line(ast.unparse(shown if shown is not site.node else _current(site)))
        return f"{where}: `{short(before)}` → `{short(after)}`"

    def _shown(self, site: Site) -> ast.AST:
        """What a description shows of an edit at ``site``: a name, a literal or an
        attribute with what surrounds it (the expression, or the simple statement)."""
        current = site
        while True:
            node, parent = current.node, current.parent
            small = isinstance(node, (ast.Name, ast.Constant, ast.Attribute, ast.Slice))
            if not (small or numeric_value(node) is not None):
                return node
            if isinstance(parent, ast.stmt):
                simple = not isinstance(parent, _COMPOUND)
                if simple and len(self._unparsed_node(parent)) <= MAX_DESCRIPTION:
                    return parent
                return node
            if not isinstance(parent, ast.expr) or isinstance(parent, ast.JoinedStr):
                return node
            if len(self._unparsed_node(parent)) > MAX_DESCRIPTION:
                return node
            above = self.site_of.get(id(parent))
            if not isinstance(parent, ast.Slice) or above is None:
                return parent
            current = above

    def _unparsed_node(self, node: ast.AST) -> str:
        """``ast.unparse`` of a node of the original tree, on one line (cached)."""
        text = self.unparsed.get(id(node))
        if text is None:
            text = self.unparsed[id(node)] = one_line(ast.unparse(node))
        return text


def _current(site: Site) -> ast.AST:
    value = getattr(site.parent, site.field)
    node: ast.AST = value[site.index] if site.index >= 0 else value
    return node

"""The function under edit, as the operators read it: its text, syntax tree, sites,
blocks and vocabulary (``source``, ``scope``), the renderer (``rendering``), and the
builders of candidates that replace an expression or insert a statement."""

from __future__ import annotations

import ast
from collections.abc import Callable

from pytest_trace.optimizers.mutations.model import Block, Hints, Raw, Site, StatementChange
from pytest_trace.optimizers.mutations.nodes import lines_of
from pytest_trace.optimizers.mutations.receivers import known_types
from pytest_trace.optimizers.mutations.rendering import Renderer
from pytest_trace.optimizers.mutations.source import content, first_line, one_line, short

#: Added to the priority of the less likely alternatives of an operator.
RARE = 6


class Function(Renderer):
    """One function under edit: what the operators read (the attributes of ``Source``
    and ``Scope``: ``func``, ``sites``, ``blocks``, ``statements``, ``params``,
    ``locals``, ``hints``, ...) and the builders of their candidates (:meth:`expr`,
    :meth:`insertion`); the renderer turns a candidate into an :class:`Edit`."""

    def __init__(
        self,
        source: str,
        hints: Hints,
        line_map: Callable[[int], int] | None = None,
        *,
        isolate: bool = True,
    ) -> None:
        super().__init__(source, hints, line_map, isolate=isolate)
        self._receiver_types: dict[str, type] | None = None

    def receiver_types(self) -> dict[str, type]:
        """The built-in type of each variable whose type its text makes certain."""
        if self._receiver_types is None:
            self._receiver_types = known_types(self.func)
        return self._receiver_types

    def types_of(self, name: str) -> frozenset[str]:
        """The type names a variable was seen holding in the trace, else the built-in
        type its text makes certain; empty when unknown."""
        seen = self.hints.types.get(name)
        if seen:
            return frozenset(seen)
        kind = self.receiver_types().get(name)
        return frozenset({kind.__qualname__}) if kind is not None else frozenset()

    def expr(
        self,
        site: Site,
        new: ast.AST,
        operator: str,
        priority: int,
        size: int,
        lines: tuple[int, ...] | None = None,
        *,
        gaps: tuple[tuple[int, int], ...] = (),
        symbol: str = "",
        swap: tuple[Site, Site] | None = None,
        name_only: str = "",
    ) -> Raw:
        """An edit replacing the node at ``site`` by ``new``."""
        return Raw(
            operator=operator,
            priority=priority,
            size=max(size, 1),
            lines=lines if lines is not None else lines_of(site.node),
            path=site.path,
            site=site,
            new=new,
            gaps=gaps,
            symbol=symbol,
            swap=swap,
            name_only=name_only,
        )

    def statement_site(self, statement: ast.stmt) -> Site:
        block, index = self.position[id(statement)]
        path = (*block.path[:-1], (block.field, index))
        return Site(
            block.owner, block.field, index, statement, path, "statement", (), statement, None
        )

    def insertion(
        self,
        block: Block,
        index: int,
        statement: ast.stmt,
        operator: str,
        priority: int,
    ) -> Raw:
        """``statement`` inserted into ``block`` before position ``index``."""
        statements = block.statements
        if index < len(statements):
            anchor = statements[index]
            lines = self.whole_lines(anchor)
            at = lines[0] if lines is not None else 0
            line = anchor.lineno
            where = "before"
        else:
            anchor = statements[-1]
            lines = self.whole_lines(anchor)
            at = lines[1] if lines is not None else 0
            line = anchor.end_lineno or anchor.lineno
            where = "after"
        text = self.statement_text(statement, self.indent_of(anchor)) if lines else None
        change = StatementChange(block, index, index, [statement], at, at, text)
        what = short(one_line(ast.unparse(statement)))
        anchor_text = short(first_line(ast.unparse(anchor)))
        return Raw(
            operator=operator,
            priority=priority,
            size=self.tokens(statement),
            lines=(line,),
            path=(*block.path[:-1], (block.field, index)),
            changes=(change,),
            summary=f"insert `{what}` {where} `{anchor_text}`",
        )

    def statement_text(self, statement: ast.stmt, indent: str) -> list[str]:
        """Lines of ``statement`` indented by ``indent``: its own text when it has one line
        to itself, else ``ast.unparse``'s, re-indented."""
        if getattr(statement, "lineno", None) is not None and id(statement) in self.position:
            lines = self.whole_lines(statement)
            if lines is not None and lines[1] - lines[0] == 1:
                text = content(self.text_lines[lines[0]]).lstrip(" \t\f")
                return [indent + text + self.newline]
        result = []
        for line in ast.unparse(statement).split("\n"):
            stripped = line.lstrip(" ")
            depth = (len(line) - len(stripped)) // 4
            result.append(indent + self.unit * depth + stripped + self.newline)
        return result

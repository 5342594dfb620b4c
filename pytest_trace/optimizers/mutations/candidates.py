"""What the operators share: priorities, and candidates that replace an expression or
insert a statement."""

from __future__ import annotations

import ast

from pytest_trace.optimizers.mutations.model import Block, Raw, Site, StatementChange
from pytest_trace.optimizers.mutations.nodes import lines_of
from pytest_trace.optimizers.mutations.receivers import known_types
from pytest_trace.optimizers.mutations.scope import Scope
from pytest_trace.optimizers.mutations.source import content, first_line, one_line, short

# Priorities: lower first. Related alternatives get a small increment.
P_DOCUMENTED = 8  # a literal → a number the function's documentation states
P_COMPARE = 10
P_OFF_BY_ONE = 12
P_TUNE = 14
P_ARITH = 16
P_VARIABLE = 18
P_LOGIC = 18
P_NOT = 20
P_GUARD = 22
P_SWAP = 22
P_ATTRIBUTE = 24
P_UNWRAP = 26
P_SLICE = 26
P_REPLACE = 28
P_DELETE_OPERAND = 30
P_LITERAL = 32
P_STATEMENT = 34
P_MOVE = 34
P_ELEMENTS = 30
P_ASSIGN = 30
P_FUNCTION = 38
P_WRAP = 40
RARE = 6  # added to the priority of the less likely alternatives of an operator


class CandidateBuilder(Scope):
    """The base of the operator families: the builders of their candidates."""

    def _types_of(self, name: str) -> frozenset[str]:
        """The type names a variable was seen holding in the trace, else the built-in
        type its text makes certain; empty when unknown."""
        seen = self.hints.types.get(name)
        if seen:
            return frozenset(seen)
        if self._receiver_types is None:
            self._receiver_types = known_types(self.func)
        kind = self._receiver_types.get(name)
        return frozenset({kind.__qualname__}) if kind is not None else frozenset()

    def _expr(
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

    def _statement_site(self, statement: ast.stmt) -> Site:
        block, index = self.position[id(statement)]
        path = (*block.path[:-1], (block.field, index))
        return Site(
            block.owner, block.field, index, statement, path, "statement", (), statement, None
        )

    def _insertion(
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
            lines = self._whole_lines(anchor)
            at = lines[0] if lines is not None else 0
            line = anchor.lineno
            where = "before"
        else:
            anchor = statements[-1]
            lines = self._whole_lines(anchor)
            at = lines[1] if lines is not None else 0
            line = anchor.end_lineno or anchor.lineno
            where = "after"
        text = self._statement_text(statement, self._indent_of(anchor)) if lines else None
        change = StatementChange(block, index, index, [statement], at, at, text)
        what = short(one_line(ast.unparse(statement)))
        anchor_text = short(first_line(ast.unparse(anchor)))
        return Raw(
            operator=operator,
            priority=priority,
            size=self._tokens(statement),
            lines=(line,),
            path=(*block.path[:-1], (block.field, index)),
            changes=(change,),
            summary=f"insert `{what}` {where} `{anchor_text}`",
        )

    def _statement_text(self, statement: ast.stmt, indent: str) -> list[str]:
        """Lines of ``statement`` indented by ``indent``: its own text when it has one line
        to itself, else ``ast.unparse``'s, re-indented."""
        if getattr(statement, "lineno", None) is not None and id(statement) in self.position:
            lines = self._whole_lines(statement)
            if lines is not None and lines[1] - lines[0] == 1:
                text = content(self.text_lines[lines[0]]).lstrip(" \t\f")
                return [indent + text + self.newline]
        result = []
        for line in ast.unparse(statement).split("\n"):
            stripped = line.lstrip(" ")
            depth = (len(line) - len(stripped)) // 4
            result.append(indent + self.unit * depth + stripped + self.newline)
        return result

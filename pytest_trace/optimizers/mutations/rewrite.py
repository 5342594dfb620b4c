"""The text of an edit: the original text with the edited places replaced, so that the
lines an edit does not touch keep their text; replaced expressions keep the text of
their original parts."""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence

from pytest_trace.optimizers.mutations.model import Raw, StatementChange
from pytest_trace.optimizers.mutations.nodes import numeric_value
from pytest_trace.optimizers.mutations.scope import Scope
from pytest_trace.optimizers.mutations.syntax import (
    AND,
    ATOM,
    AWAIT,
    BINOP_PRECEDENCE,
    BOR,
    CMP,
    FACTOR,
    NOT,
    OR,
    SYMBOLS,
    TEST,
    TUPLE,
    operator_in_gap,
    precedence_of,
    required_precedence,
)


class Rewriter(Scope):
    """Edited sources, from the original text."""

    def _text(self, raw: Raw) -> str | None:
        """The edited source, keeping the text of what the edit does not touch."""
        if raw.changes:
            return self._statement_text_edit(raw.changes)
        site = raw.site
        assert site is not None and raw.new is not None
        if site.fstring is not None:
            with self._installed(raw):
                replacement = ast.unparse(site.fstring)
            start, end = self.span(site.fstring)
            return self._splice([(start, end, replacement)])
        if raw.symbol and raw.gaps:
            splices = []
            for gap_start, gap_end in raw.gaps:
                found = operator_in_gap(self.data[gap_start:gap_end])
                if found is None:
                    return None
                splices.append((gap_start + found[0], gap_start + found[1], raw.symbol))
            return self._splice(splices)
        if raw.name_only:
            start, end = self.span(site.node)
            length = len(self._last_identifier(site.node).encode())
            return self._splice([(end - length, end, raw.name_only)])
        if raw.swap is not None:
            a, b = raw.swap
            assert isinstance(a.node, ast.expr) and isinstance(b.node, ast.expr)
            a_text = self._wrapped(b.node, required_precedence(a.parent, a.field, a.node))
            b_text = self._wrapped(a.node, required_precedence(b.parent, b.field, b.node))
            return self._splice([(*self.span(a.node), a_text), (*self.span(b.node), b_text)])
        if not isinstance(raw.new, ast.expr):
            return None
        required = required_precedence(site.parent, site.field, site.node)
        replacement = self._wrapped(raw.new, required)
        start, end = self.span(site.node)
        if isinstance(site.node, ast.GeneratorExp) and not replacement.startswith("("):
            replacement = f"({replacement})"  # the region holds the call's parentheses
        return self._splice([(start, end, replacement)])

    def _last_identifier(self, node: ast.AST) -> str:
        if isinstance(node, ast.Name):
            return node.id
        assert isinstance(node, ast.Attribute)
        return node.attr

    def _splice(self, splices: list[tuple[int, int, str]]) -> str | None:
        data = self.data
        for start, end, text in sorted(splices, key=lambda s: s[0], reverse=True):
            data = data[:start] + text.encode("utf-8") + data[end:]
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return None

    def _statement_text_edit(self, changes: Sequence[StatementChange]) -> str | None:
        if any(change.text is None for change in changes):
            return None
        lines = list(self.text_lines)
        if lines and not lines[-1].endswith(("\n", "\r")):
            lines[-1] += self.newline
        for change in sorted(changes, key=lambda c: (c.first_line, c.end_line), reverse=True):
            assert change.text is not None
            lines[change.first_line : change.end_line] = change.text
        text = "".join(lines)
        if not self.source.endswith(("\n", "\r")):
            text = text.rstrip("\r\n")
        return text

    def _wrapped(self, node: ast.expr, required: int) -> str:
        text, precedence = self._compose(node)
        return f"({text})" if precedence < required else text

    def _compose(self, node: ast.expr) -> tuple[str, int]:
        """Source text of ``node`` and its precedence: original nodes keep their text."""
        if (
            id(node) in self.original
            and id(node) not in self.in_fstring
            and node.lineno == node.end_lineno
        ):
            text = self.segment(node)
            if isinstance(node, ast.Tuple) and not text.startswith("("):
                return text, TUPLE
            return text, precedence_of(node)
        wrap = self._wrapped
        if isinstance(node, ast.BinOp):
            precedence = BINOP_PRECEDENCE[type(node.op)]
            left_required = AWAIT if isinstance(node.op, ast.Pow) else precedence
            right_required = FACTOR if isinstance(node.op, ast.Pow) else precedence + 1
            left, right = wrap(node.left, left_required), wrap(node.right, right_required)
            return f"{left} {SYMBOLS[type(node.op)]} {right}", precedence
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.Not):
                return f"not {wrap(node.operand, NOT)}", NOT
            symbol = {ast.USub: "-", ast.UAdd: "+", ast.Invert: "~"}[type(node.op)]
            return f"{symbol}{wrap(node.operand, FACTOR)}", FACTOR
        if isinstance(node, ast.BoolOp):
            required = NOT if isinstance(node.op, ast.And) else AND
            joined = f" {SYMBOLS[type(node.op)]} ".join(wrap(v, required) for v in node.values)
            return joined, AND if isinstance(node.op, ast.And) else OR
        if isinstance(node, ast.Compare):
            parts = [wrap(node.left, BOR)]
            for op, comparator in zip(node.ops, node.comparators, strict=True):
                parts += [SYMBOLS[type(op)], wrap(comparator, BOR)]
            return " ".join(parts), CMP
        if isinstance(node, ast.Attribute):
            base = wrap(node.value, ATOM)
            if numeric_value(node.value) is not None and not base.startswith("("):
                base = f"({base})"
            return f"{base}.{node.attr}", ATOM
        if isinstance(node, ast.Subscript):
            return f"{wrap(node.value, ATOM)}[{self._subscript(node.slice)}]", ATOM
        if isinstance(node, ast.Call):
            arguments = []
            for argument in node.args:
                if isinstance(argument, ast.Starred):
                    arguments.append("*" + wrap(argument.value, BOR))
                else:
                    arguments.append(wrap(argument, TEST))
            for keyword in node.keywords:
                value = wrap(keyword.value, TEST if keyword.arg else BOR)
                arguments.append(f"{keyword.arg}={value}" if keyword.arg else f"**{value}")
            if (
                len(arguments) == 1
                and isinstance(node.args[0] if node.args else None, ast.GeneratorExp)
                and arguments[0].startswith("(")
            ):
                return f"{wrap(node.func, ATOM)}{arguments[0]}", ATOM
            return f"{wrap(node.func, ATOM)}({', '.join(arguments)})", ATOM
        if isinstance(node, (ast.Tuple, ast.List)):
            elements = [
                "*" + wrap(e.value, BOR) if isinstance(e, ast.Starred) else wrap(e, TEST)
                for e in node.elts
            ]
            if isinstance(node, ast.List):
                return f"[{', '.join(elements)}]", ATOM
            if len(elements) == 1:
                return f"({elements[0]},)", ATOM
            return f"({', '.join(elements)})", ATOM
        if isinstance(node, ast.IfExp):
            body, test, orelse = (
                wrap(node.body, OR),
                wrap(node.test, OR),
                wrap(node.orelse, TEST),
            )
            return f"{body} if {test} else {orelse}", TEST
        return ast.unparse(node), precedence_of(node)

    def _subscript(self, node: ast.expr) -> str:
        if isinstance(node, ast.Slice):
            parts = ["" if p is None else self._wrapped(p, TEST) for p in (node.lower, node.upper)]
            text = ":".join(parts)
            if node.step is not None:
                text += ":" + self._wrapped(node.step, TEST)
            return text
        if isinstance(node, ast.Tuple) and not (
            id(node) in self.original and self.segment(node).startswith("(")
        ):
            return ", ".join(self._subscript(e) for e in node.elts) + (
                "," if len(node.elts) == 1 else ""
            )
        return self._wrapped(node, TEST)

    def _installed(self, raw: Raw) -> _Installed:
        return _Installed(raw)


class _Installed:
    """A context manager applying a candidate to the tree in place, and undoing it."""

    def __init__(self, raw: Raw) -> None:
        self.raw = raw
        self.undo: list[Callable[[], None]] = []

    def __enter__(self) -> None:
        raw = self.raw
        if raw.changes:
            for change in raw.changes:
                statements = change.block.statements
                saved = statements[change.start : change.stop]
                like = statements[min(change.start, len(statements) - 1)]
                _place_all(change.new, like)
                statements[change.start : change.stop] = change.new

                def undo(
                    statements: list[ast.stmt] = statements,
                    change: StatementChange = change,
                    saved: list[ast.stmt] = saved,
                ) -> None:
                    statements[change.start : change.start + len(change.new)] = saved

                self.undo.append(undo)
            return
        site = raw.site
        assert site is not None and raw.new is not None
        _place(raw.new, site.node)
        _set_child(site.parent, site.field, site.index, raw.new)
        self.undo.append(lambda: _set_child(site.parent, site.field, site.index, site.node))

    def __exit__(self, *exc: object) -> None:
        for undo in reversed(self.undo):
            undo()
        self.undo.clear()


def _set_child(parent: ast.AST, name: str, index: int, value: ast.AST) -> None:
    if index >= 0:
        getattr(parent, name)[index] = value
    else:
        setattr(parent, name, value)


def _place(new: ast.AST, like: ast.AST) -> None:
    """Give the nodes of ``new`` that have no position the position of ``like``."""
    for node in ast.walk(new):
        if "lineno" in node._attributes and not hasattr(node, "lineno"):
            for name in ("lineno", "col_offset", "end_lineno", "end_col_offset"):
                setattr(node, name, getattr(like, name, None) or (1 if name == "lineno" else 0))


def _place_all(nodes: Sequence[ast.AST], like: ast.AST) -> None:
    for node in nodes:
        _place(node, like)

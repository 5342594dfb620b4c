"""Statement edits: delete, insert (a copy, a final ``return``), move into or out of a
block, swap two adjacent statements."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from pytest_trace.optimizers.mutations.function import Function
from pytest_trace.optimizers.mutations.model import Block, Raw, StatementChange
from pytest_trace.optimizers.mutations.nodes import is_docstring_statement, lines_of, same, walk_own
from pytest_trace.optimizers.mutations.source import first_line, one_line, short

#: Priorities shared by several operators and helpers (lower first; the scale: ``registry``).
P_STATEMENT = 34
P_MOVE = 34


# Caps, so that no operator explodes on a big function.
_MAX_INSERTIONS_PER_STATEMENT = 6
_MAX_INSERTIONS = 150


class StatementDeletion:
    """A statement deleted (``pass`` when its block would be empty)."""

    name = "delete statement"
    priority = P_STATEMENT

    def generate(self, function: Function) -> Iterator[Raw]:
        for block in function.blocks:
            for index, statement in enumerate(block.statements):
                if isinstance(statement, (ast.Pass, ast.Global, ast.Nonlocal)):
                    continue
                if block.top and index == 0 and is_docstring_statement(statement):
                    continue
                alone = len(block.statements) == 1
                if alone and block.top:
                    continue
                lines = function.whole_lines(statement)
                new: list[ast.stmt] = [ast.Pass()] if alone else []
                text: list[str] | None = None
                if lines is not None:
                    text = (
                        [function.indent_of(statement) + "pass" + function.newline] if alone else []
                    )
                first, end = lines if lines is not None else (0, 0)
                change = StatementChange(block, index, index + 1, new, first, end, text)
                what = short(ast.unparse(statement))
                summary = f"replace `{what}` with `pass`" if alone else f"delete `{what}`"
                yield Raw(
                    operator=self.name,
                    priority=self.priority,
                    size=function.tokens(statement),
                    lines=lines_of(statement),
                    path=(*block.path[:-1], (block.field, index)),
                    changes=(change,),
                    summary=summary,
                )


class StatementInsertion:
    """Copies of the function's simple statements at other places, and a final
    ``return`` of a local when the function has none at its end."""

    name = "insert statement"
    priority = P_STATEMENT

    def generate(self, function: Function) -> Iterator[Raw]:
        unique: dict[str, ast.stmt] = {}
        for statement in function.statements:
            if id(statement) in function.position and _copyable(statement):
                unique.setdefault(ast.dump(statement), statement)
        points = _insertion_points(function)
        count = 0
        for statement in unique.values():
            own_block, own_index = function.position[id(statement)]
            jump = isinstance(statement, (ast.Return, ast.Break, ast.Continue))
            places = []
            for block, index in points:
                if block is own_block and index in (own_index, own_index + 1):
                    continue  # where it is already
                if isinstance(statement, (ast.Break, ast.Continue)) and not block.in_loop:
                    continue
                if isinstance(statement, ast.Continue) and block.loop:
                    continue  # the end of a loop body continues anyway
                if jump and index != len(block.statements):
                    continue  # a jump goes at the end of a block only
                anchor = block.statements[min(index, len(block.statements) - 1)]
                places.append((abs(anchor.lineno - statement.lineno), block, index))
            places.sort(key=lambda place: place[0])
            after_loop = _after_loop(function, statement)
            if after_loop is not None and not jump:
                places.insert(0, (0, *after_loop))
            for _, block, index in places[:_MAX_INSERTIONS_PER_STATEMENT]:
                yield function.insertion(block, index, statement, self.name, self.priority)
                count += 1
                if count >= _MAX_INSERTIONS:
                    return
        yield from _ingredient_insertions(function, points)
        body = function.func.body
        if isinstance(body[-1], (ast.Return, ast.Raise)) or any(
            isinstance(n, (ast.Yield, ast.YieldFrom)) for n in walk_own(function.func.body)
        ):
            return
        top = function.blocks[0]
        for name in [n for n in function.locals if n not in function.called][:4]:
            new = ast.Return(value=ast.Name(id=name, ctx=ast.Load()))
            yield function.insertion(top, len(body), new, self.name, self.priority)


class StatementMove:
    """A simple statement moved out of the end of its block (after the compound
    statement owning it), or into the end of the compound statement before it."""

    name = "move statement"
    priority = P_MOVE

    def generate(self, function: Function) -> Iterator[Raw]:
        for block in function.blocks:
            owner = None if block.top else function.position.get(id(block.owner))
            for index, statement in enumerate(block.statements):
                if not _movable(statement) or (block.top and is_docstring_statement(statement)):
                    continue
                if (
                    owner is not None
                    and index == len(block.statements) - 1
                    and index > 0
                    and block.field == "body"
                    and not getattr(block.owner, "orelse", None)
                    and not isinstance(block.owner, (ast.Try, ast.FunctionDef, ast.ClassDef))
                ):
                    outer, outer_index = owner
                    yield _move(function, block, index, outer, outer_index + 1, out=True)
                if index > 0:
                    previous = block.statements[index - 1]
                    inner = [
                        b for b in function.blocks if b.owner is previous and b.field == "body"
                    ]
                    if (
                        inner
                        and not getattr(previous, "orelse", None)
                        and isinstance(
                            previous,
                            (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith),
                        )
                    ):
                        yield _move(
                            function, block, index, inner[0], len(inner[0].statements), out=False
                        )


class StatementSwap:
    """Two adjacent statements exchanged."""

    name = "swap statements"
    priority = P_STATEMENT + 2

    def generate(self, function: Function) -> Iterator[Raw]:
        jumps = (ast.Return, ast.Raise, ast.Break, ast.Continue, ast.Pass, ast.Global, ast.Nonlocal)
        for block in function.blocks:
            for index in range(len(block.statements) - 1):
                a, b = block.statements[index], block.statements[index + 1]
                if isinstance(a, jumps) or isinstance(b, jumps) or same(a, b):
                    continue
                if block.top and index == 0 and is_docstring_statement(a):
                    continue
                la, lb = function.whole_lines(a), function.whole_lines(b)
                if la is not None and lb is not None:
                    ta, tb = function.text_lines[la[0] : la[1]], function.text_lines[lb[0] : lb[1]]
                    middle = function.text_lines[la[1] : lb[0]]
                    change = StatementChange(
                        block, index, index + 2, [b, a], la[0], lb[1], [*tb, *middle, *ta]
                    )
                else:
                    change = StatementChange(block, index, index + 2, [b, a], 0, 0, None)
                yield Raw(
                    operator=self.name,
                    priority=self.priority,
                    size=min(function.tokens(a), function.tokens(b)),
                    lines=lines_of(a, b),
                    path=block.path[:-1],
                    changes=(change,),
                    summary=f"swap `{short(first_line(ast.unparse(a)))}` and "
                    f"`{short(first_line(ast.unparse(b)))}`",
                )


def _after_loop(function: Function, statement: ast.stmt) -> tuple[Block, int] | None:
    """The place right after the innermost loop holding ``statement``: where a loop
    that accumulates must flush what it still holds when it ends (the last field of
    a line, the last word, the last group)."""
    block, _ = function.position[id(statement)]
    while not block.loop:
        if block.top or id(block.owner) not in function.position:
            return None
        block, _ = function.position[id(block.owner)]
    if id(block.owner) not in function.position:
        return None
    outer, index = function.position[id(block.owner)]
    return outer, index + 1


def _ingredient_insertions(function: Function, points: list[tuple[Block, int]]) -> Iterator[Raw]:
    """Statements of sibling methods (``Hints.ingredients``) inserted at the end of a
    block: the bookkeeping a method forgot."""
    for text in function.hints.ingredients:
        try:
            statement = ast.parse(text).body[0]
        except (SyntaxError, IndexError, ValueError):
            continue
        for block, index in points[:_MAX_INSERTIONS_PER_STATEMENT]:
            yield function.insertion(block, index, statement, "insert statement", P_STATEMENT)


def _insertion_points(function: Function) -> list[tuple[Block, int]]:
    """Where a statement may be missing: the end of a block (before its final jump,
    if it has one), the start of a loop body."""
    points: list[tuple[Block, int]] = []
    for block in function.blocks:
        count = len(block.statements)
        if isinstance(block.statements[-1], (ast.Return, ast.Raise, ast.Continue, ast.Break)):
            points.append((block, count - 1))
        else:
            points.append((block, count))
        if block.loop and count > 1:
            points.append((block, 0))
    return points


def _move(
    function: Function, source: Block, index: int, target: Block, at: int, *, out: bool
) -> Raw:
    """``source.statements[index]`` moved into ``target`` before position ``at``."""
    statement = source.statements[index]
    lines = function.whole_lines(statement)
    if at < len(target.statements):
        anchor = target.statements[at]
        anchor_lines = function.whole_lines(anchor)
        insert_at = anchor_lines[0] if anchor_lines else 0
    else:
        anchor = target.statements[-1]
        anchor_lines = function.whole_lines(anchor)
        insert_at = anchor_lines[1] if anchor_lines else 0
    ok = lines is not None and anchor_lines is not None
    first, end = lines if lines is not None else (0, 0)
    removal = StatementChange(source, index, index + 1, [], first, end, [] if ok else None)
    text = function.statement_text(statement, function.indent_of(anchor)) if ok else None
    insertion = StatementChange(target, at, at, [statement], insert_at, insert_at, text)
    what = short(one_line(ast.unparse(statement)))
    owner = source.owner if out else target.owner
    owner_line = function.line_map(getattr(owner, "lineno", 1))
    summary = (
        f"move `{what}` out of the block of line {owner_line}"
        if out
        else f"move `{what}` into the block of line {owner_line}"
    )
    return Raw(
        operator="move statement",
        priority=P_MOVE,
        size=function.tokens(statement),
        lines=lines_of(statement),
        path=(*source.path[:-1], (source.field, index)),
        changes=(removal, insertion),
        summary=summary,
    )


def _copyable(statement: ast.stmt) -> bool:
    """A simple statement worth copying elsewhere."""
    if isinstance(statement, ast.Expr):
        return isinstance(statement.value, (ast.Call, ast.Await, ast.Yield))
    return isinstance(
        statement, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Return, ast.Break, ast.Continue)
    )


def _movable(statement: ast.stmt) -> bool:
    """A simple statement worth moving to another block."""
    return isinstance(
        statement,
        (
            ast.Assign,
            ast.AugAssign,
            ast.AnnAssign,
            ast.Expr,
            ast.Return,
            ast.Break,
            ast.Continue,
            ast.Raise,
            ast.Delete,
        ),
    )

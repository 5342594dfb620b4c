"""The structure of a function: its sites (the expressions an edit may replace, with
their role and the names in scope) and its blocks (the lists of statements)."""

from __future__ import annotations

import ast
from collections.abc import Mapping
from types import MappingProxyType

from pytest_trace.optimizers.mutations.model import Block, FunctionNode, Site, TreePath
from pytest_trace.optimizers.mutations.nodes import bound_names, parameter_names, target_names

_SKIPPED_FIELDS: Mapping[type[ast.AST], tuple[str, ...]] = MappingProxyType(
    {
        ast.FunctionDef: ("args", "decorator_list", "returns", "type_params", "type_comment"),
        ast.AsyncFunctionDef: ("args", "decorator_list", "returns", "type_params", "type_comment"),
        ast.ClassDef: ("bases", "keywords", "decorator_list", "type_params"),
        ast.Lambda: ("args",),
        ast.AnnAssign: ("annotation",),
        ast.arg: ("annotation",),
        ast.match_case: ("pattern",),
        ast.FormattedValue: ("format_spec",),
    }
)


class Structure:
    """The sites and blocks of a function's body, in source order."""

    def __init__(self, func: FunctionNode) -> None:
        self.sites: list[Site] = []
        self.blocks: list[Block] = []
        self.position: dict[int, tuple[Block, int]] = {}  # id(statement) → block, index
        self.in_fstring: set[int] = set()
        self._visit_block(func, "body", (), (), loop=False, in_loop=False, top=True)

    def _visit_block(
        self,
        owner: ast.AST,
        name: str,
        path: TreePath,
        scope: tuple[str, ...],
        *,
        loop: bool,
        in_loop: bool,
        top: bool,
    ) -> None:
        statements: list[ast.stmt] = getattr(owner, name)
        block = Block(owner, name, statements, (*path, (name, -1)), loop, in_loop or loop, top)
        self.blocks.append(block)
        for index, statement in enumerate(statements):
            self.position[id(statement)] = (block, index)
            self._visit(statement, (*path, (name, index)), scope, statement, None, block.in_loop)

    def _visit(
        self,
        node: ast.AST,
        path: TreePath,
        scope: tuple[str, ...],
        statement: ast.stmt,
        fstring: ast.JoinedStr | None,
        in_loop: bool,
    ) -> None:
        """Record the sites and blocks under ``node``; ``scope`` holds the names of the
        comprehensions, lambdas and nested functions around it, innermost first."""
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            bound: dict[str, int] = {}
            bound_names(node.body, bound)
            scope = (*parameter_names(node.args), *bound, *scope)
            self._visit_block(node, "body", path, scope, loop=False, in_loop=False, top=False)
            return
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            self._visit_comprehension(node, path, scope, statement, fstring, in_loop)
            return
        if isinstance(node, ast.Lambda):
            scope = (*parameter_names(node.args), *scope)
            self._child(node, "body", -1, node.body, path, scope, statement, fstring, in_loop)
            return
        skipped = _SKIPPED_FIELDS.get(type(node), ())
        for name, value in ast.iter_fields(node):
            if name in skipped:
                continue
            if isinstance(value, list):
                if value and isinstance(value[0], ast.stmt):
                    loop = isinstance(node, (ast.For, ast.AsyncFor, ast.While)) and name == "body"
                    self._visit_block(
                        node, name, path, scope, loop=loop, in_loop=in_loop, top=False
                    )
                    continue
                for index, child in enumerate(value):
                    if isinstance(child, ast.AST):
                        self._child(
                            node, name, index, child, path, scope, statement, fstring, in_loop
                        )
            elif isinstance(value, ast.AST):
                self._child(node, name, -1, value, path, scope, statement, fstring, in_loop)

    def _visit_comprehension(
        self,
        node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp,
        path: TreePath,
        scope: tuple[str, ...],
        statement: ast.stmt,
        fstring: ast.JoinedStr | None,
        in_loop: bool,
    ) -> None:
        """The first iterable is evaluated outside the comprehension, the rest inside."""
        targets: list[str] = []
        for generator in node.generators:
            targets += target_names(generator.target)
        inner = (*dict.fromkeys(targets), *scope)
        for index, generator in enumerate(node.generators):
            at = (*path, ("generators", index))
            outer = scope if index == 0 else inner
            self._child(
                generator, "iter", -1, generator.iter, at, outer, statement, fstring, in_loop
            )
            self._child(
                generator, "target", -1, generator.target, at, inner, statement, fstring, in_loop
            )
            for position, condition in enumerate(generator.ifs):
                self._child(
                    generator, "ifs", position, condition, at, inner, statement, fstring, in_loop
                )
        if isinstance(node, ast.DictComp):
            self._child(node, "key", -1, node.key, path, inner, statement, fstring, in_loop)
            self._child(node, "value", -1, node.value, path, inner, statement, fstring, in_loop)
        else:
            self._child(node, "elt", -1, node.elt, path, inner, statement, fstring, in_loop)

    def _child(
        self,
        parent: ast.AST,
        name: str,
        index: int,
        child: ast.AST,
        path: TreePath,
        scope: tuple[str, ...],
        statement: ast.stmt,
        fstring: ast.JoinedStr | None,
        in_loop: bool,
    ) -> None:
        path = (*path, (name, index))
        if isinstance(child, ast.expr):
            if fstring is not None:
                self.in_fstring.add(id(child))
            if _is_site(parent, child):
                role = _role(parent, name, child)
                self.sites.append(
                    Site(parent, name, index, child, path, role, scope, statement, fstring)
                )
            if isinstance(child, ast.JoinedStr) and fstring is None:
                fstring = child
            self._visit(child, path, scope, statement, fstring, in_loop)
        elif not isinstance(
            child,
            (ast.expr_context, ast.operator, ast.cmpop, ast.unaryop, ast.boolop, ast.pattern),
        ):
            self._visit(child, path, scope, statement, fstring, in_loop)


def _is_site(parent: ast.AST, child: ast.expr) -> bool:
    if isinstance(parent, ast.JoinedStr) or isinstance(child, ast.FormattedValue):
        return False
    ctx = getattr(child, "ctx", None)
    return not isinstance(ctx, ast.Del)


def _role(parent: ast.AST, name: str, child: ast.expr) -> str:
    if isinstance(parent, ast.Call):
        if name == "func":
            return "callee"
        if isinstance(parent.func, ast.Name) and parent.func.id == "range":
            return "range"
        return "argument"
    if isinstance(parent, ast.keyword):
        return "keyword"
    if isinstance(parent, ast.Subscript):
        if name == "value":
            return "base"
        return "slice" if isinstance(child, (ast.Slice, ast.Tuple)) else "index"
    if isinstance(parent, ast.Slice):
        return "bound" if name in ("lower", "upper") else "step"
    if isinstance(parent, ast.Compare):
        return "compare"
    if isinstance(parent, ast.BinOp):
        return "operand"
    if isinstance(parent, ast.BoolOp):
        return "boolean"
    if isinstance(parent, ast.Return):
        return "return"
    if isinstance(parent, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.NamedExpr)):
        return "value" if name == "value" else "target"
    if isinstance(parent, (ast.For, ast.AsyncFor, ast.comprehension)):
        if name == "iter":
            return "iter"
        if name == "target":
            return "target"
        return "condition"  # comprehension ifs
    if isinstance(parent, (ast.If, ast.While, ast.Assert)) and name == "test":
        return "condition"
    if isinstance(parent, ast.IfExp):
        return "condition" if name == "test" else "branch"
    if isinstance(parent, ast.Attribute):
        return "base"
    if isinstance(parent, (ast.withitem,)) and name == "optional_vars":
        return "target"
    if isinstance(parent, (ast.Tuple, ast.List)) and isinstance(
        getattr(parent, "ctx", None), ast.Store
    ):
        return "target"
    if isinstance(parent, (ast.Tuple, ast.List, ast.Set, ast.Dict)):
        return "element"
    if isinstance(parent, ast.Expr):
        return "expression"
    if isinstance(parent, ast.FormattedValue):
        return "value"
    return "other"

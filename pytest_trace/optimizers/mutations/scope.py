"""What the function knows: parameters, locals, globals, names called, what is a
sequence and what is a number, and the variables in scope at a site."""

from __future__ import annotations

import ast
from collections.abc import Callable

from pytest_trace.optimizers.mutations.model import Hints, Site
from pytest_trace.optimizers.mutations.nodes import bound_names, numeric_value, walk_body, walk_own
from pytest_trace.optimizers.mutations.sites import Structure
from pytest_trace.optimizers.mutations.source import Source
from pytest_trace.optimizers.mutations.syntax import NUMERIC_OPERATORS

_SEQUENCE_FUNCTIONS = frozenset(
    {"len", "sorted", "reversed", "list", "tuple", "set", "enumerate", "zip", "sum", "iter"}
)


_SEQUENCE_METHODS = frozenset(
    {
        "split",
        "rsplit",
        "strip",
        "lstrip",
        "rstrip",
        "lower",
        "upper",
        "startswith",
        "endswith",
        "find",
        "rfind",
        "index",
        "count",
        "replace",
        "append",
        "extend",
        "pop",
        "insert",
        "sort",
        "reverse",
        "splitlines",
    }
)


_SEQUENCE_ANNOTATIONS = frozenset(
    {"str", "list", "tuple", "bytes", "Sequence", "List", "Tuple", "MutableSequence"}
)


#: Functions and methods whose results are not numbers (for ``e + 1``) and that are not
#: worth wrapping around a value.
NOT_NUMBER_FUNCTIONS = frozenset(
    {
        "str",
        "repr",
        "list",
        "tuple",
        "dict",
        "set",
        "frozenset",
        "sorted",
        "reversed",
        "enumerate",
        "zip",
        "map",
        "filter",
        "range",
        "iter",
        "next",
        "print",
        "isinstance",
        "issubclass",
        "type",
        "id",
        "hash",
        "super",
        "getattr",
        "setattr",
        "hasattr",
        "vars",
        "format",
        "join",
        "capitalize",
        "casefold",
        "title",
        "swapcase",
        "encode",
        "decode",
        "keys",
        "values",
        "items",
        "copy",
        "get",
    }
)


NUMBER_ANNOTATIONS = frozenset({"int", "float", "complex", "Decimal", "Fraction"})


SIZED_ANNOTATIONS = _SEQUENCE_ANNOTATIONS | frozenset(
    {"dict", "set", "frozenset", "Mapping", "Dict", "Set", "Collection", "Iterable"}
)


def numeric_candidate(node: ast.expr) -> bool:
    """Whether ``e + 1`` may make sense (not a string, container, boolean, ...)."""
    if isinstance(node, ast.BinOp):
        constant = numeric_value(node.right)
        if isinstance(node.op, (ast.Add, ast.Sub)) and isinstance(constant, int):
            return False  # the literal itself is tuned
        return not isinstance(node.op, ast.Mod) or not isinstance(
            node.left, (ast.Constant, ast.JoinedStr)
        )
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Attribute):
            return func.attr not in NOT_NUMBER_FUNCTIONS and func.attr not in _SEQUENCE_METHODS
        return not isinstance(func, ast.Name) or func.id not in NOT_NUMBER_FUNCTIONS
    return isinstance(node, (ast.Name, ast.Attribute, ast.Subscript))


class Scope(Source):
    """A function's sites, blocks and vocabulary."""

    def __init__(
        self, source: str, hints: Hints, line_map: Callable[[int], int] | None = None
    ) -> None:
        super().__init__(source)
        self.hints = hints
        self.line_map = line_map or (lambda line: line)
        self._scan_names()
        structure = Structure(self.func)
        self.sites = structure.sites
        self.blocks = structure.blocks
        self.position = structure.position
        self.in_fstring = structure.in_fstring
        self.site_of = {id(site.node): site for site in self.sites}
        self.statement_names: dict[int, list[str]] = {}

    def _scan_names(self) -> None:
        """Parameters, locals, names called, sequences: the function's vocabulary."""
        args = self.func.args
        params = [a.arg for a in (*args.posonlyargs, *args.args)]
        if args.vararg:
            params.append(args.vararg.arg)
        params += [a.arg for a in args.kwonlyargs]
        if args.kwarg:
            params.append(args.kwarg.arg)
        self.params = params
        self.annotations = {
            a.arg: _annotation_names(a.annotation)
            for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)
            if a.annotation is not None
        }
        bound: dict[str, int] = {}
        bound_names(self.func.body, bound)
        self.locals = [name for name in bound if name not in params]
        self.bound_line = bound
        called: set[str] = set()
        loaded: set[str] = set()
        attributes: dict[str, bool] = {}  # attribute name → seen called
        sequences: set[str] = set()
        numbers: set[str] = set()  # expressions used as numbers
        statements: list[ast.stmt] = []
        for node in walk_body(self.func):
            if isinstance(node, ast.Call):
                func = node.func
                if isinstance(func, ast.Name):
                    called.add(func.id)
                    if func.id in _SEQUENCE_FUNCTIONS and node.args:
                        sequences.add(ast.dump(node.args[0]))
                elif isinstance(func, ast.Attribute):
                    attributes[func.attr] = True
                    if func.attr in _SEQUENCE_METHODS:
                        sequences.add(ast.dump(func.value))
                    if func.attr == "join" and node.args:
                        sequences.add(ast.dump(node.args[0]))
            elif isinstance(node, ast.Attribute):
                attributes.setdefault(node.attr, False)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                loaded.add(node.id)
            elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
                sequences.add(ast.dump(node.iter))
            elif isinstance(node, ast.Subscript):
                sequences.add(ast.dump(node.value))
            elif isinstance(node, ast.BinOp) and isinstance(node.op, NUMERIC_OPERATORS):
                numbers.update((ast.dump(node.left), ast.dump(node.right)))
            elif isinstance(node, ast.Compare) and any(
                isinstance(op, (ast.Lt, ast.LtE, ast.Gt, ast.GtE)) for op in node.ops
            ):
                numbers.update(ast.dump(operand) for operand in (node.left, *node.comparators))
            elif isinstance(node, ast.AugAssign) and isinstance(node.op, NUMERIC_OPERATORS):
                numbers.add(ast.dump(ast.Name(id=_target_name(node.target), ctx=ast.Load())))
            if isinstance(node, ast.stmt):
                statements.append(node)
        returns = [
            node.value
            for node in walk_own(self.func.body)
            if isinstance(node, ast.Return) and node.value is not None
        ]
        for name, annotation in self.annotations.items():
            if annotation & _SEQUENCE_ANNOTATIONS:
                sequences.add(ast.dump(ast.Name(id=name, ctx=ast.Load())))
        nested = {
            node.name
            for node in walk_body(self.func)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        }
        self.called = called | nested
        self.loaded = loaded
        self.attributes = attributes
        self.sequences = sequences
        for name, annotation in self.annotations.items():
            if annotation & NUMBER_ANNOTATIONS:
                numbers.add(ast.dump(ast.Name(id=name, ctx=ast.Load())))
        self.numbers = numbers - sequences
        self.returns = returns
        self.statements = statements
        own = set(params) | set(self.locals)
        self.globals = [
            name
            for name in dict.fromkeys(self.hints.global_names)
            if name.isidentifier()
            and name not in own
            and not (name.startswith("__") and name.endswith("__"))
        ]

    def find_site(self, node: ast.AST) -> Site | None:
        return self.site_of.get(id(node))

    def variables(self, site: Site, exclude: str) -> list[str]:
        """Variables visible at ``site``, closest first: comprehension and lambda variables,
        names of the same statement, parameters, locals bound before the site, others."""
        line = getattr(site.node, "lineno", 0)
        position = self.position.get(id(site.statement))
        looping = position is None or position[0].in_loop
        bound_before = [name for name in self.locals if self.bound_line.get(name, 0) < line]
        ordered = [
            *site.scope,
            *self._statement_names(site.statement),
            *self.params,
            *bound_before,
            *(self.locals if looping else ()),  # a later binding is seen by the next round
        ]
        return [
            name
            for name in dict.fromkeys(ordered)
            if name != exclude
            and name not in self.called
            and (
                name in site.scope
                or name in self.params
                or name in bound_before
                or (looping and name in self.bound_line)
            )
        ]

    def _statement_names(self, statement: ast.stmt) -> list[str]:
        """Names used by ``statement`` itself (not by the blocks it holds)."""
        names = self.statement_names.get(id(statement))
        if names is None:
            found: list[str] = []
            for _, value in ast.iter_fields(statement):
                values = value if isinstance(value, list) else [value]
                for item in values:
                    if isinstance(item, ast.AST) and not isinstance(item, ast.stmt):
                        found += [n.id for n in ast.walk(item) if isinstance(n, ast.Name)]
            names = self.statement_names[id(statement)] = list(dict.fromkeys(found))
        return names

    def global_values(self, exclude: str) -> list[str]:
        return [name for name in self.globals if name != exclude and name not in self.called]


def _annotation_names(annotation: ast.expr) -> frozenset[str]:
    return frozenset(
        n.id
        if isinstance(n, ast.Name)
        else n.attr
        if isinstance(n, ast.Attribute)
        else str(n.value)
        for n in ast.walk(annotation)
        if isinstance(n, (ast.Name, ast.Attribute))
        or (isinstance(n, ast.Constant) and (n.value is None or isinstance(n.value, str)))
    )


def _target_name(target: ast.AST) -> str:
    return target.id if isinstance(target, ast.Name) else ""

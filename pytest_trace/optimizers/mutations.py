"""Edit operators of the search optimizer: small syntactic edits of one function (pure).

Automated program repair without a model: many real bugs are one or two small edits
away from correct. :func:`single_edits` enumerates every single edit of a function that
the operators below can make, :func:`double_edits` combinations of two, and
:func:`normalized` is the syntax-tree form used to tell programs apart. The driver
(``optimizers.search``) orders, budgets and tests them.

Operators (the name goes into commit messages; *size* is defined below):

=========================  ====================================================  ======
name                       edit                                                  size
=========================  ====================================================  ======
comparison swap            ``<``/``<=``/``>``/``>=``/``==``/``!=``,               1
                           ``is``/``is not``, ``in``/``not in``, ``is``/``==``
arithmetic swap            ``+ - * / // % ** @`` and their ``x += y`` forms       1
bitwise swap               ``& | ^ << >>`` and their ``x &= y`` forms             1
assignment swap            ``x += y`` ↔ ``x = y``                                 1
and/or swap                ``and`` ↔ ``or``                                       1
min/max swap, any/all      ``min`` ↔ ``max``, ``any`` ↔ ``all``; function swap:   1
swap, function swap        ``floor``/``ceil``, other functions the code calls
add not, remove not        ``c`` ↔ ``not c`` on conditions, boolean operands and  1
                           returned boolean expressions
off by one                 ``e`` → ``e + 1``/``e - 1`` on indices, slice bounds,  1 or 2
                           ``range`` and call arguments, comparison operands,
                           returned and assigned values; ``c`` → ``c ± 1`` for
                           integer literals (1); ``range(n)`` → ``range(1, n)``
tune constant              a number → from the failing assertions' (actual,       1
                           expected) pairs: ``c ± (expected - actual)``,
                           ``c * expected / actual``; nearby values ``c ± 1``,
                           ``c * 10``, ``c / 10``, ``-c``, ``0``, ``1``
swap literal               a literal → another literal of the function; flip a    1
                           boolean
variable swap              a name → another name in scope (parameters, locals,    1
                           loop and comprehension variables, module globals)
replace with variable      an expression → a variable in scope                   tokens
attribute swap             ``.start`` ↔ ``.end``, ``.lower`` ↔ ``.upper``, ...    1
                           and attributes the function uses
swap arguments             ``f(a, b)`` → ``f(b, a)`` (also keyword values)        2
swap operands              ``a - b`` → ``b - a`` (non-commutative operators,      2
                           ``+`` included for sequences; ``in``)
swap elements              ``(a, b)`` → ``(b, a)``, also assignment targets       2
delete operand             ``a + b`` → ``a``; ``a and b`` → ``a``                 1 + tokens
insert operand             a missing term: ``e`` → ``x - e``/``e - x``/``e + x``  2
                           (``e`` a returned or assigned number, ``x`` a
                           variable ``e`` uses)
unwrap call                ``f(x)`` → ``x``; ``x.m()`` → ``x``                    tokens of f
wrap call                  ``x`` → ``f(x)`` with ``f`` a function the code        1
                           already calls with one argument
add slice, remove slice    ``x`` → ``x[1:]``/``x[:-1]``/``x[::-1]``; ``x[1:]``     1 or 2
                           → ``x``, ``x[a:b]`` → ``x[a:]``/``x[:b]``
insert guard               ``if <cond>: return <value>`` at the top of the body   tokens
                           and before the most suspicious statements
delete statement           a statement (``pass`` when a block would be empty)     tokens
insert statement           a copy of a statement of the function elsewhere, a     tokens
                           final ``return <local>``
move statement             a statement out of the block it ends, or into the      tokens
                           end of the block before it (indentation bugs)
swap statements            two adjacent statements                               tokens
=========================  ====================================================  ======

**Size** counts the tokens an edit inserts, deletes or replaces: names, literals,
operators and keywords, not punctuation (brackets, commas, colons, dots). A replaced
token counts once, so a one-token change has size 1, ``x`` → ``x + 1`` has size 2, and
moving or swapping two subexpressions has size 2; inserting or deleting a statement or
an operand counts its tokens ("tokens" in the table).

**Lines** are 1-based lines of the function's source (the ``def`` line is 1), those the
edit changes; an insertion touches the line of the statement it is inserted before (at
the end of a block: the block's last line).

**Order.** Edits of the most suspicious lines first (``Hints.suspicious``), then by
operator (most frequent kinds of bugs first), then the smallest, then in source order.

**Validity and duplicates** rest on compiling: an edit that does not compile (a syntax
warning counts) is dropped, and so is one that compiles to the same code (bytecode,
constants, names: everything but line numbers) as the original or an earlier edit.
Equal normalized syntax trees compile to equal code, so no two edits have the same
:func:`normalized` form; edits the compiler cannot tell apart (``x = 1 + 1`` and
``x = 2``, edits of unreachable code) are merged too. An expression edit changes one
top-level statement of the body, and only that statement is compiled, in a function
with the same header: a few times cheaper than compiling the whole function, and the
same verdict for such edits (functions with ``global``/``nonlocal`` and async
generators are compiled whole, and so are statement edits and pairs of edits).

**Text.** Lines an edit does not touch keep their exact text (comments, formatting); the
touched lines are rewritten from the syntax tree, preserving what they can (operators
are replaced in place, swapped subexpressions keep their text). When that is not
possible the whole function is written by :func:`ast.unparse`.
"""

from __future__ import annotations

import ast
import difflib
import itertools
import math
import re
import types
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence, Sized
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TypeAlias

_Path: TypeAlias = tuple[tuple[str, int], ...]
_NOT_A_LITERAL = object()
_FunctionNode: TypeAlias = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass(frozen=True)
class Edit:
    """One candidate edit of a function.

    ``source`` is the complete new definition, dedented; ``operators`` names the edit
    operators applied, ``lines`` the lines of the *original* source they touch, ``size``
    the number of tokens changed (see the module docstring) and ``description`` says
    what changed, e.g. ``line 3: `x < y` → `x <= y```.
    """

    source: str
    operators: tuple[str, ...]
    lines: tuple[int, ...]
    size: int
    description: str


@dataclass(frozen=True)
class Hints:
    """What the driver knows besides the source.

    ``suspicious`` maps lines of the source (1 is the ``def`` line) to how suspicious they
    are; ``global_names`` are module-level names visible to the function (constants,
    functions); ``inputs`` are the arguments of calls of the function in failing tests
    (argument name → ``repr``); ``expected`` the ``repr`` of values the failing assertions
    expected; ``numbers`` (actual, expected) pairs from the failing assertions.
    """

    suspicious: Mapping[int, float] = field(default_factory=dict)
    global_names: tuple[str, ...] = ()
    inputs: tuple[Mapping[str, str], ...] = ()
    expected: tuple[str, ...] = ()
    numbers: tuple[tuple[float, float], ...] = ()


def normalized(source: str) -> str:
    """The normalized syntax tree of ``source`` (``ast.dump``, no positions).

    Two sources with the same form are the same program up to formatting and comments.
    Text that does not parse is its own form (the text itself).
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return source
    return ast.dump(tree)


def single_edits(source: str, hints: Hints) -> Iterator[Edit]:
    """Every single edit of the function ``source`` the operators can make, lazily.

    Each edit compiles, keeps the function's name and signature, and differs from the
    original and from every edit yielded before it. Raises ``ValueError`` when
    ``source`` is not exactly one function definition.
    """
    function = _Function(source, hints)
    seen = {function.key}
    for raw in function.candidates():
        edit = function.render(raw, seen)
        if edit is not None:
            yield edit


def double_edits(
    source: str, hints: Hints, singles: Sequence[Edit], *, limit: int
) -> Iterator[Edit]:
    """Pairs of edits at different places: each single edit of ``singles`` (edits of
    ``source``, best first), followed by a single edit of its result.

    Pairs come in order of the sum of their ranks (the first edit's rank in ``singles``,
    the second's among the edits of the first's result), at most ``limit`` of them.
    No pair repeats ``source``, an edit of ``singles``, or an earlier pair. Operators,
    lines (of ``source``) and sizes are those of both edits.
    """
    if limit <= 0 or not singles:
        return
    base = _Function(source, hints)
    seen = {base.key}
    for single in singles:
        code = _compile(single.source, strict=base.strict)
        if code is not None:
            seen.add(_code_key(code))
    streams = [_SecondEdits(base, first, hints) for first in singles]
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


# --- operators ---------------------------------------------------------------------------

# Priorities: lower first. Related alternatives get a small increment.
_P_COMPARE = 10
_P_OFF_BY_ONE = 12
_P_TUNE = 14
_P_ARITH = 16
_P_VARIABLE = 18
_P_LOGIC = 18
_P_NOT = 20
_P_GUARD = 22
_P_SWAP = 22
_P_ATTRIBUTE = 24
_P_UNWRAP = 26
_P_SLICE = 26
_P_REPLACE = 28
_P_DELETE_OPERAND = 30
_P_LITERAL = 32
_P_STATEMENT = 34
_P_MOVE = 34
_P_ELEMENTS = 30
_P_ASSIGN = 30
_P_FUNCTION = 38
_P_WRAP = 40
_RARE = 6  # added to the priority of the less likely alternatives of an operator

_Op: TypeAlias = type[ast.AST]

_SYMBOLS: Mapping[_Op, str] = MappingProxyType(
    {
        ast.Add: "+",
        ast.Sub: "-",
        ast.Mult: "*",
        ast.MatMult: "@",
        ast.Div: "/",
        ast.FloorDiv: "//",
        ast.Mod: "%",
        ast.Pow: "**",
        ast.LShift: "<<",
        ast.RShift: ">>",
        ast.BitOr: "|",
        ast.BitXor: "^",
        ast.BitAnd: "&",
        ast.Eq: "==",
        ast.NotEq: "!=",
        ast.Lt: "<",
        ast.LtE: "<=",
        ast.Gt: ">",
        ast.GtE: ">=",
        ast.Is: "is",
        ast.IsNot: "is not",
        ast.In: "in",
        ast.NotIn: "not in",
        ast.And: "and",
        ast.Or: "or",
    }
)

#: Comparison operator → alternatives, most likely first; the first ones are "boundary"
#: or "negation" swaps, the others rarer.
_COMPARE_SWAPS: Mapping[type[ast.cmpop], tuple[tuple[type[ast.cmpop], bool], ...]] = (
    MappingProxyType(
        {
            ast.Lt: ((ast.LtE, True), (ast.Gt, False), (ast.GtE, False), (ast.NotEq, False)),
            ast.LtE: ((ast.Lt, True), (ast.GtE, False), (ast.Gt, False), (ast.Eq, False)),
            ast.Gt: ((ast.GtE, True), (ast.Lt, False), (ast.LtE, False), (ast.NotEq, False)),
            ast.GtE: ((ast.Gt, True), (ast.LtE, False), (ast.Lt, False), (ast.Eq, False)),
            ast.Eq: ((ast.NotEq, True), (ast.Is, False), (ast.LtE, False), (ast.GtE, False)),
            ast.NotEq: ((ast.Eq, True), (ast.IsNot, False), (ast.Lt, False), (ast.Gt, False)),
            ast.Is: ((ast.IsNot, True), (ast.Eq, False)),
            ast.IsNot: ((ast.Is, True), (ast.NotEq, False)),
            ast.In: ((ast.NotIn, True),),
            ast.NotIn: ((ast.In, True),),
        }
    )
)

_BITWISE = (ast.BitAnd, ast.BitOr, ast.BitXor, ast.LShift, ast.RShift)
#: Operators whose operands are numbers (``+``, ``*``, ``%`` work on sequences too).
_NUMERIC_OPERATORS = (ast.Sub, ast.Div, ast.FloorDiv, ast.Pow, *_BITWISE)

#: Binary operator → alternatives (operator, likely).
_BINOP_SWAPS: Mapping[type[ast.operator], tuple[tuple[type[ast.operator], bool], ...]] = (
    MappingProxyType(
        {
            ast.Add: ((ast.Sub, True), (ast.Mult, False)),
            ast.Sub: ((ast.Add, True), (ast.FloorDiv, False)),
            ast.Mult: ((ast.Div, True), (ast.FloorDiv, False), (ast.Add, False), (ast.Pow, False)),
            ast.Div: ((ast.FloorDiv, True), (ast.Mult, True), (ast.Mod, False)),
            ast.FloorDiv: ((ast.Div, True), (ast.Mod, False), (ast.Mult, False)),
            ast.Mod: ((ast.FloorDiv, False), (ast.Div, False)),
            ast.Pow: ((ast.Mult, False),),
            ast.MatMult: ((ast.Mult, False),),
            ast.BitAnd: ((ast.BitOr, True), (ast.BitXor, False)),
            ast.BitOr: ((ast.BitAnd, True), (ast.BitXor, False)),
            ast.BitXor: ((ast.BitAnd, True), (ast.BitOr, False)),
            ast.LShift: ((ast.RShift, True),),
            ast.RShift: ((ast.LShift, True),),
        }
    )
)

#: Operators whose operands are worth swapping (``+`` concatenates sequences).
_NON_COMMUTATIVE = (
    ast.Sub,
    ast.Div,
    ast.FloorDiv,
    ast.Mod,
    ast.Pow,
    ast.LShift,
    ast.RShift,
    ast.MatMult,
    ast.Add,
)

#: Function name → (operator name, siblings).
_FUNCTION_SIBLINGS: Mapping[str, tuple[str, tuple[str, ...]]] = MappingProxyType(
    {
        "min": ("min/max swap", ("max",)),
        "max": ("min/max swap", ("min",)),
        "any": ("any/all swap", ("all",)),
        "all": ("any/all swap", ("any",)),
        "floor": ("function swap", ("ceil", "round")),
        "ceil": ("function swap", ("floor", "round")),
        "round": ("function swap", ("int", "floor", "ceil")),
        "int": ("function swap", ("round",)),
        "sorted": ("function swap", ("reversed",)),
        "reversed": ("function swap", ("sorted",)),
    }
)

#: Groups of sibling attribute names: a name is swapped with the others of its groups.
_ATTRIBUTE_GROUPS: tuple[tuple[str, ...], ...] = (
    ("start", "end", "stop"),
    ("begin", "end"),
    ("first", "last"),
    ("head", "tail"),
    ("left", "right"),
    ("top", "bottom"),
    ("x", "y"),
    ("width", "height"),
    ("row", "col", "column"),
    ("min", "max"),
    ("minimum", "maximum"),
    ("lower", "upper", "casefold", "title", "capitalize"),
    ("strip", "lstrip", "rstrip"),
    ("startswith", "endswith"),
    ("find", "rfind"),
    ("index", "rindex"),
    ("split", "rsplit"),
    ("partition", "rpartition"),
    ("ljust", "rjust", "center"),
    ("removeprefix", "removesuffix"),
    ("keys", "values", "items"),
    ("append", "extend"),
    ("append", "appendleft"),
    ("extend", "extendleft"),
    ("pop", "popleft"),
    ("add", "update"),
    ("remove", "discard"),
    ("union", "intersection", "difference", "symmetric_difference"),
    ("issubset", "issuperset"),
    ("isdigit", "isalpha", "isalnum", "isnumeric", "isdecimal"),
    ("isupper", "islower"),
    ("floor", "ceil", "trunc"),
    ("sin", "cos", "tan"),
    ("asin", "acos", "atan"),
    ("log", "log10", "log2"),
    ("encode", "decode"),
    ("real", "imag"),
    ("next", "prev", "previous"),
    ("parent", "children"),
    ("key", "value"),
    ("year", "month", "day"),
    ("hour", "minute", "second"),
    ("days", "seconds"),
    ("numerator", "denominator"),
    ("sort", "reverse"),
)

# Caps, so that no operator explodes on a big function.
_MAX_NAMES_PER_SITE = 8
_MAX_GLOBALS_PER_SITE = 3
_MAX_FUNCTIONS_PER_SITE = 3
_MAX_REPLACEMENTS_PER_SITE = 6
_MAX_ATTRIBUTES_PER_SITE = 6
_MAX_LITERALS_PER_SITE = 5
_MAX_TUNED_PER_CONSTANT = 16
_MAX_WRAPS_PER_SITE = 2
_MAX_OPERANDS_PER_SITE = 2
_MAX_GUARDS_AT_TOP = 48
_MAX_GUARDS_PER_STATEMENT = 16
_GUARDED_STATEMENTS = 3
_MAX_GUARD_VALUES = 8
_MAX_GUARD_CONDITIONS = 12
_MAX_INSERTIONS_PER_STATEMENT = 6
_MAX_INSERTIONS = 150
_MAX_ALL_PAIRS = 4  # swap every pair of up to this many arguments/elements; else adjacent
_MAX_DESCRIPTION = 70

# Precedence levels, as Python's grammar orders them (higher binds tighter).
(
    _NAMED,
    _TUPLE,
    _YIELD,
    _TEST,
    _OR,
    _AND,
    _NOT,
    _CMP,
    _BOR,
    _BXOR,
    _BAND,
    _SHIFT,
    _ARITH,
    _TERM,
    _FACTOR,
    _POWER,
    _AWAIT,
    _ATOM,
) = range(18)

_BINOP_PRECEDENCE: Mapping[_Op, int] = MappingProxyType(
    {
        ast.Add: _ARITH,
        ast.Sub: _ARITH,
        ast.Mult: _TERM,
        ast.MatMult: _TERM,
        ast.Div: _TERM,
        ast.FloorDiv: _TERM,
        ast.Mod: _TERM,
        ast.Pow: _POWER,
        ast.LShift: _SHIFT,
        ast.RShift: _SHIFT,
        ast.BitOr: _BOR,
        ast.BitXor: _BXOR,
        ast.BitAnd: _BAND,
    }
)

#: One operator token between two operands (comments, parentheses and line breaks
#: around it are skipped).
_GAP_TOKEN = re.compile(
    r"(?P<skip>[ \t\f]+|\\\r?\n|\r?\n|#[^\r\n]*|[()])"
    r"|(?P<op>\*\*=?|//=?|<<=?|>>=?|<=|>=|==|!=|[-+*/%@&|^]=?|[<>=]"
    r"|not[ \t]+in\b|is[ \t]+not\b|is\b|in\b|and\b|or\b)"
)
_NEWLINE = re.compile(r"\r\n|\r|\n")
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
_NOT_NUMBER_FUNCTIONS = frozenset(
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
_NUMBER_ANNOTATIONS = frozenset({"int", "float", "complex", "Decimal", "Fraction"})
_SIZED_ANNOTATIONS = _SEQUENCE_ANNOTATIONS | frozenset(
    {"dict", "set", "frozenset", "Mapping", "Dict", "Set", "Collection", "Iterable"}
)


# --- candidates -------------------------------------------------------------------------


@dataclass(eq=False)
class _Site:
    """An expression (or a statement) of the function and where it sits."""

    parent: ast.AST
    field: str
    index: int  # position in the parent's list, -1 for a single-node field
    node: ast.AST
    path: _Path
    role: str
    scope: tuple[str, ...]  # comprehension, lambda and nested-function names, innermost first
    statement: ast.stmt
    fstring: ast.JoinedStr | None  # the outermost f-string around the site, if any


@dataclass(eq=False)
class _Block:
    """A list of statements (a body, an ``else``, a ``finally``) and its owner."""

    owner: ast.AST
    field: str
    statements: list[ast.stmt]
    path: _Path
    loop: bool  # the body of a loop
    in_loop: bool  # inside a loop of the function (``break`` and ``continue`` work)
    top: bool  # the function's own body


@dataclass(eq=False)
class _StatementChange:
    """``block.statements[start:stop] = new``, and its text: lines replaced by others."""

    block: _Block
    start: int
    stop: int
    new: list[ast.stmt]
    first_line: int  # 0-based index of the first replaced line (insertion: insert before)
    end_line: int  # 0-based index after the last replaced line (== first_line: insertion)
    text: list[str] | None  # the new lines, with endings; None: render with unparse


@dataclass(eq=False)
class _Raw:
    """A candidate edit, before it is rendered, compiled and checked for duplicates."""

    operator: str
    priority: int
    size: int
    lines: tuple[int, ...]
    path: _Path
    site: _Site | None = None  # expression edits: site.node is replaced by ``new``
    new: ast.AST | None = None
    gaps: tuple[tuple[int, int], ...] = ()  # operator tokens to replace by ``symbol``
    symbol: str = ""
    swap: tuple[_Site, _Site] | None = None  # two sibling sites whose texts are exchanged
    name_only: str = ""  # only the trailing identifier of the site changes, to this
    changes: tuple[_StatementChange, ...] = ()
    summary: str = ""  # description of a statement edit
    order: int = 0
    score: float = 0.0


class _Function:
    """One function under edit: its syntax tree, text, scopes and candidate edits."""

    def __init__(
        self,
        source: str,
        hints: Hints,
        line_map: Callable[[int], int] | None = None,
        *,
        isolate: bool = True,
    ) -> None:
        self.source = source
        self.hints = hints
        self.line_map = line_map or (lambda line: line)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
            raise ValueError(f"the source does not parse: {error}") from None
        if len(tree.body) != 1 or not isinstance(tree.body[0], _FunctionNode):
            raise ValueError("the source is not exactly one function definition")
        self.tree = tree
        self.func: _FunctionNode = tree.body[0]
        self.strict = _compile(source, strict=True) is not None
        code = _compile(source, strict=self.strict)
        if code is None:
            raise ValueError("the source does not compile")
        self.key = _code_key(code)
        self.data = source.encode("utf-8")
        self.text_lines = _split_lines(source)
        self.offsets = list(
            itertools.accumulate((len(x.encode()) for x in self.text_lines), initial=0)
        )
        self.newline = _first_newline(source)
        self.unit = self._indent_unit()
        self.sites: list[_Site] = []
        self.blocks: list[_Block] = []
        self.position: dict[int, tuple[_Block, int]] = {}  # id(statement) → block, index
        self.in_fstring: set[int] = set()
        self.tokens: dict[int, int] = {}
        self.original = {id(node) for node in ast.walk(self.func)}
        body = self.func.body[0]
        self.header = self.data[: self._offset(body.lineno, body.col_offset)].decode()
        # An expression edit changes one top-level statement, compiled alone after `head`
        # (the lines before the body). What compiles there compiles in the function,
        # unless `global`/`nonlocal` or an async generator's `return` are involved.
        self.head = self.data[: self.offsets[body.lineno - 1]]
        self.isolate = (
            isolate
            and not self.data[
                self.offsets[body.lineno - 1] : self._offset(body.lineno, body.col_offset)
            ].strip()
            and not any(isinstance(n, (ast.Global, ast.Nonlocal)) for n in ast.walk(self.func))
            and not (
                isinstance(self.func, ast.AsyncFunctionDef)
                and any(
                    isinstance(n, (ast.Yield, ast.YieldFrom)) for n in _walk_own(self.func.body)
                )
            )
        )
        self.top_spans: dict[int, tuple[int, int] | None] = {}
        self.statement_keys: dict[int, tuple[object, ...] | None] = {}
        self._scan_names()
        self._visit_block(self.func, "body", (), (), loop=False, in_loop=False, top=True)
        self.site_of = {id(site.node): site for site in self.sites}
        self.statement_names: dict[int, list[str]] = {}
        self.unparsed: dict[int, str] = {}

    # --- structure ------------------------------------------------------------------

    def _indent_unit(self) -> str:
        first = self.func.body[0]
        if first.lineno > self.func.lineno:
            line = _content(self.text_lines[first.lineno - 1])
            indent = line[: len(line) - len(line.lstrip(" \t"))]
            def_line = _content(self.text_lines[self.func.lineno - 1])
            base = def_line[: len(def_line) - len(def_line.lstrip(" \t"))]
            if indent.startswith(base) and len(indent) > len(base):
                return indent[len(base) :]
        return "    "

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
        _bound_names(self.func.body, bound)
        self.locals = [name for name in bound if name not in params]
        self.bound_line = bound
        called: set[str] = set()
        loaded: set[str] = set()
        attributes: dict[str, bool] = {}  # attribute name → seen called
        sequences: set[str] = set()
        numbers: set[str] = set()  # expressions used as numbers
        statements: list[ast.stmt] = []
        for node in _walk_body(self.func):
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
            elif isinstance(node, ast.BinOp) and isinstance(node.op, _NUMERIC_OPERATORS):
                numbers.update((ast.dump(node.left), ast.dump(node.right)))
            elif isinstance(node, ast.Compare) and any(
                isinstance(op, (ast.Lt, ast.LtE, ast.Gt, ast.GtE)) for op in node.ops
            ):
                numbers.update(ast.dump(operand) for operand in (node.left, *node.comparators))
            elif isinstance(node, ast.AugAssign) and isinstance(node.op, _NUMERIC_OPERATORS):
                numbers.add(ast.dump(ast.Name(id=_target_name(node.target), ctx=ast.Load())))
            if isinstance(node, ast.stmt):
                statements.append(node)
        returns = [
            node.value
            for node in _walk_own(self.func.body)
            if isinstance(node, ast.Return) and node.value is not None
        ]
        for name, annotation in self.annotations.items():
            if annotation & _SEQUENCE_ANNOTATIONS:
                sequences.add(ast.dump(ast.Name(id=name, ctx=ast.Load())))
        nested = {
            node.name
            for node in _walk_body(self.func)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        }
        self.called = called | nested
        self.loaded = loaded
        self.attributes = attributes
        self.sequences = sequences
        for name, annotation in self.annotations.items():
            if annotation & _NUMBER_ANNOTATIONS:
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

    def _visit_block(
        self,
        owner: ast.AST,
        name: str,
        path: _Path,
        scope: tuple[str, ...],
        *,
        loop: bool,
        in_loop: bool,
        top: bool,
    ) -> None:
        statements: list[ast.stmt] = getattr(owner, name)
        block = _Block(owner, name, statements, (*path, (name, -1)), loop, in_loop or loop, top)
        self.blocks.append(block)
        for index, statement in enumerate(statements):
            self.position[id(statement)] = (block, index)
            self._visit(statement, (*path, (name, index)), scope, statement, None, block.in_loop)

    def _visit(
        self,
        node: ast.AST,
        path: _Path,
        scope: tuple[str, ...],
        statement: ast.stmt,
        fstring: ast.JoinedStr | None,
        in_loop: bool,
    ) -> None:
        """Record the sites and blocks under ``node``; ``scope`` holds the names of the
        comprehensions, lambdas and nested functions around it, innermost first."""
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            bound: dict[str, int] = {}
            _bound_names(node.body, bound)
            scope = (*_parameter_names(node.args), *bound, *scope)
            self._visit_block(node, "body", path, scope, loop=False, in_loop=False, top=False)
            return
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            self._visit_comprehension(node, path, scope, statement, fstring, in_loop)
            return
        if isinstance(node, ast.Lambda):
            scope = (*_parameter_names(node.args), *scope)
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
        path: _Path,
        scope: tuple[str, ...],
        statement: ast.stmt,
        fstring: ast.JoinedStr | None,
        in_loop: bool,
    ) -> None:
        """The first iterable is evaluated outside the comprehension, the rest inside."""
        targets: list[str] = []
        for generator in node.generators:
            targets += _target_names(generator.target)
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
        path: _Path,
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
                    _Site(parent, name, index, child, path, role, scope, statement, fstring)
                )
            if isinstance(child, ast.JoinedStr) and fstring is None:
                fstring = child
            self._visit(child, path, scope, statement, fstring, in_loop)
        elif not isinstance(
            child,
            (ast.expr_context, ast.operator, ast.cmpop, ast.unaryop, ast.boolop, ast.pattern),
        ):
            self._visit(child, path, scope, statement, fstring, in_loop)

    # --- candidates -----------------------------------------------------------------

    def candidates(self) -> list[_Raw]:
        """Every candidate edit, in the default order."""
        raws: list[_Raw] = []
        generators: tuple[Callable[[], Iterable[_Raw]], ...] = (
            self._comparisons,
            self._binary_operators,
            self._boolean_operators,
            self._negations,
            self._numbers,
            self._off_by_one,
            self._literals,
            self._names,
            self._functions,
            self._attributes,
            self._swaps,
            self._operand_deletions,
            self._operand_insertions,
            self._unwraps,
            self._slices,
            self._replacements,
            self._wraps,
            self._assignments,
            self._guards,
            self._statement_deletions,
            self._statement_insertions,
            self._statement_moves,
            self._statement_swaps,
        )
        for generate in generators:
            raws.extend(generate())
        suspicious = self.hints.suspicious
        for order, raw in enumerate(raws):
            raw.order = order
            if suspicious:
                raw.score = max(
                    (suspicious.get(self.line_map(line), 0.0) for line in raw.lines), default=0.0
                )
        raws.sort(key=lambda raw: (-raw.score, raw.priority, raw.size, raw.order))
        return raws

    def _expr(
        self,
        site: _Site,
        new: ast.AST,
        operator: str,
        priority: int,
        size: int,
        lines: tuple[int, ...] | None = None,
        *,
        gaps: tuple[tuple[int, int], ...] = (),
        symbol: str = "",
        swap: tuple[_Site, _Site] | None = None,
        name_only: str = "",
    ) -> _Raw:
        """An edit replacing the node at ``site`` by ``new``."""
        return _Raw(
            operator=operator,
            priority=priority,
            size=max(size, 1),
            lines=lines if lines is not None else _lines_of(site.node),
            path=site.path,
            site=site,
            new=new,
            gaps=gaps,
            symbol=symbol,
            swap=swap,
            name_only=name_only,
        )

    def _comparisons(self) -> Iterator[_Raw]:
        for site in self.sites:
            node = site.node
            if not isinstance(node, ast.Compare):
                continue
            operands = [node.left, *node.comparators]
            for index, op in enumerate(node.ops):
                left, right = operands[index], operands[index + 1]
                literal = _is_plain_literal(left) or _is_plain_literal(right)
                for alternative, likely in _COMPARE_SWAPS.get(type(op), ()):
                    if literal and alternative in (ast.Is, ast.IsNot):
                        continue  # `x is 5` is a SyntaxWarning, and wrong
                    ops = list(node.ops)
                    ops[index] = alternative()
                    new = ast.Compare(left=node.left, ops=ops, comparators=node.comparators)
                    yield self._expr(
                        site,
                        new,
                        "comparison swap",
                        _P_COMPARE + (0 if likely else _RARE),
                        1,
                        _between(left, right),
                        gaps=(self._gap(left, right),),
                        symbol=_SYMBOLS[alternative],
                    )

    def _binary_operators(self) -> Iterator[_Raw]:
        for site in self.sites:
            node = site.node
            if not isinstance(node, ast.BinOp):
                continue
            for alternative, likely in _BINOP_SWAPS.get(type(node.op), ()):
                new = ast.BinOp(left=node.left, op=alternative(), right=node.right)
                same_level = _BINOP_PRECEDENCE[type(node.op)] == _BINOP_PRECEDENCE[alternative]
                bitwise = isinstance(node.op, _BITWISE) or alternative in _BITWISE
                yield self._expr(
                    site,
                    new,
                    "bitwise swap" if bitwise else "arithmetic swap",
                    (_P_ARITH if likely else _P_ARITH + 2 * _RARE),
                    1,
                    _between(node.left, node.right),
                    gaps=(self._gap(node.left, node.right),) if same_level else (),
                    symbol=_SYMBOLS[alternative] if same_level else "",
                )
        for statement in self.statements:
            if not isinstance(statement, ast.AugAssign) or id(statement) not in self.position:
                continue
            site = self._statement_site(statement)
            for alternative, likely in _BINOP_SWAPS.get(type(statement.op), ()):
                new_statement = ast.AugAssign(
                    target=statement.target, op=alternative(), value=statement.value
                )
                bitwise = isinstance(statement.op, _BITWISE) or alternative in _BITWISE
                yield self._expr(
                    site,
                    new_statement,
                    "bitwise swap" if bitwise else "arithmetic swap",
                    (_P_ARITH if likely else _P_ARITH + 2 * _RARE),
                    1,
                    _between(statement.target, statement.value),
                    gaps=(self._gap(statement.target, statement.value),),
                    symbol=_SYMBOLS[alternative] + "=",
                )

    def _boolean_operators(self) -> Iterator[_Raw]:
        for site in self.sites:
            node = site.node
            if not isinstance(node, ast.BoolOp):
                continue
            alternative: ast.boolop = ast.Or() if isinstance(node.op, ast.And) else ast.And()
            new = ast.BoolOp(op=alternative, values=node.values)
            pairs = list(itertools.pairwise(node.values))
            lines = sorted({line for a, b in pairs for line in _between(a, b)})
            yield self._expr(
                site,
                new,
                "and/or swap",
                _P_LOGIC,
                1,
                tuple(lines),
                gaps=tuple(self._gap(a, b) for a, b in pairs),
                symbol=_SYMBOLS[type(alternative)],
            )

    def _negations(self) -> Iterator[_Raw]:
        for site in self.sites:
            node = site.node
            if not isinstance(node, ast.expr) or not _is_load(node):
                continue
            if site.role not in ("condition", "boolean") and not (
                site.role == "return" and isinstance(node, (ast.BoolOp, ast.UnaryOp, ast.Call))
            ):
                continue
            if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
                yield self._expr(site, node.operand, "remove not", _P_NOT, 1)
            elif isinstance(node, ast.Compare) and len(node.ops) == 1:
                continue  # the comparison swaps negate it already
            elif not _is_plain_literal(node):
                new = ast.UnaryOp(op=ast.Not(), operand=node)
                yield self._expr(site, new, "add not", _P_NOT, 1)

    def _numbers(self) -> Iterator[_Raw]:
        """Numeric literals: off-by-one, tuning from the assertions, nearby values, swaps."""
        literals: list[tuple[_Site, float | int]] = []
        for site in self.sites:
            value = _number(site.node)
            if value is None:
                continue
            if isinstance(site.parent, ast.UnaryOp) and isinstance(site.parent.op, ast.USub):
                continue  # `-1` is one literal, its site is the UnaryOp
            literals.append((site, value))
        known = list(dict.fromkeys(value for _, value in literals))
        for site, value in literals:
            is_int = isinstance(value, int)
            targets: list[tuple[float, str, int]] = []
            if is_int:
                targets += [(value + 1, "off by one", _P_OFF_BY_ONE)]
                targets += [(value - 1, "off by one", _P_OFF_BY_ONE)]
            for actual, expected in self.hints.numbers[:4]:
                delta = expected - actual
                targets += [(value + delta, "tune constant", _P_TUNE)]
                targets += [(value - delta, "tune constant", _P_TUNE)]
                if actual:
                    targets.append((value * expected / actual, "tune constant", _P_TUNE))
                if expected:
                    targets.append((value * actual / expected, "tune constant", _P_TUNE))
            nearby = [value * 10, value / 10, -value, 0, 1]
            if not is_int:
                nearby = [value + 1, value - 1, *nearby]
            targets += [(v, "tune constant", _P_LITERAL) for v in nearby]
            others = [v for v in known if v != value][:_MAX_LITERALS_PER_SITE]
            targets += [(v, "swap literal", _P_LITERAL) for v in others]
            produced: set[float | int] = {value}
            if isinstance(site.parent, ast.AugAssign) and isinstance(
                site.parent.op, (ast.Add, ast.Sub)
            ):
                produced.add(0)  # `x += 0` does nothing: deleting the statement is an edit
            for target, operator, priority in targets:
                number = _clean_number(target, integer=is_int)
                if number is None or number in produced:
                    continue
                produced.add(number)
                if len(produced) > _MAX_TUNED_PER_CONSTANT:
                    break
                edited, new = self._number_edit(site, number)
                size = 1  # a literal replaced; `a - 1` → `a`: two tokens deleted
                if edited is not site:
                    size = 2 if not isinstance(new, ast.BinOp) else 1 + (abs(number) != value)
                yield self._expr(edited, new, operator, priority, size, _lines_of(site.node))

    def _number_edit(self, site: _Site, number: float | int) -> tuple[_Site, ast.expr]:
        """The edit giving the literal at ``site`` the value ``number``; ``a + 1`` with 0
        becomes ``a``, and ``a - 1`` with -1 becomes ``a + 1``."""
        parent = site.parent
        if (
            isinstance(parent, ast.BinOp)
            and site.field == "right"
            and isinstance(parent.op, (ast.Add, ast.Sub))
            and (number == 0 or number < 0)
        ):
            parent_site = self._site_of(parent)
            if parent_site is not None:
                if number == 0:
                    return parent_site, parent.left
                flipped: ast.operator = ast.Sub() if isinstance(parent.op, ast.Add) else ast.Add()
                return parent_site, ast.BinOp(left=parent.left, op=flipped, right=_literal(-number))
        return site, _literal(number)

    def _site_of(self, node: ast.AST) -> _Site | None:
        return self.site_of.get(id(node))

    def _off_by_one(self) -> Iterator[_Raw]:
        for site in self.sites:
            node = site.node
            if not isinstance(node, ast.expr) or not _is_load(node):
                continue
            if (
                site.role == "range"
                and isinstance(site.parent, ast.Call)
                and len(site.parent.args) == 1
                and not site.parent.keywords
            ):
                call_site = self._site_of(site.parent)
                if call_site is not None:
                    new_call = ast.Call(
                        func=site.parent.func, args=[_literal(1), node], keywords=[]
                    )
                    yield self._expr(call_site, new_call, "off by one", _P_OFF_BY_ONE, 1)
            if site.role not in _OFF_BY_ONE_ROLES or not _numeric_candidate(node):
                continue
            if ast.dump(node) in self.sequences:
                continue
            if isinstance(node, ast.Name) and node.id in self.called:
                continue
            priority = _P_OFF_BY_ONE + (0 if site.role in ("index", "bound", "range") else 2)
            for op in (ast.Add(), ast.Sub()):
                new = ast.BinOp(left=node, op=op, right=_literal(1))
                yield self._expr(site, new, "off by one", priority, 2)

    def _literals(self) -> Iterator[_Raw]:
        strings: list[str] = []
        string_sites: list[_Site] = []
        for site in self.sites:
            node = site.node
            if not isinstance(node, ast.Constant):
                continue
            if isinstance(node.value, bool):
                flipped = ast.Constant(value=not node.value)
                yield self._expr(site, flipped, "swap literal", _P_NOT, 1)
            elif isinstance(node.value, str) and not _is_docstring(site):
                strings.append(node.value)
                string_sites.append(site)
        known = list(dict.fromkeys(strings))
        for site in string_sites:
            assert isinstance(site.node, ast.Constant)
            others = [s for s in known if s != site.node.value][:_MAX_LITERALS_PER_SITE]
            for other in others:
                yield self._expr(site, ast.Constant(value=other), "swap literal", _P_LITERAL, 1)

    def _names(self) -> Iterator[_Raw]:
        """A name replaced by another name in scope."""
        for site in self.sites:
            node = site.node
            if not isinstance(node, ast.Name) or site.role == "callee":
                continue
            if isinstance(node.ctx, ast.Store):
                assigned = isinstance(site.parent, (ast.Assign, ast.AnnAssign, ast.AugAssign))
                if not assigned or node.id in site.scope:
                    continue
                for name in self._variables(site, node.id)[:4]:
                    new = ast.Name(id=name, ctx=ast.Store())
                    yield self._expr(
                        site, new, "variable swap", _P_ASSIGN + _RARE, 1, name_only=name
                    )
                continue
            if not isinstance(node.ctx, ast.Load):
                continue
            names = self._variables(site, node.id)[:_MAX_NAMES_PER_SITE]
            for name in names:
                new = ast.Name(id=name, ctx=ast.Load())
                yield self._expr(site, new, "variable swap", _P_VARIABLE, 1, name_only=name)
            for name in self._global_values(node.id)[:_MAX_GLOBALS_PER_SITE]:
                new = ast.Name(id=name, ctx=ast.Load())
                yield self._expr(site, new, "variable swap", _P_VARIABLE + _RARE, 1, name_only=name)
            own = set(self.params) | set(self.locals) | set(self.globals)
            functions = [name for name in sorted(self.called) if name != node.id and name in own]
            for name in functions[:2]:
                new = ast.Name(id=name, ctx=ast.Load())
                yield self._expr(site, new, "variable swap", _P_FUNCTION + _RARE, 1, name_only=name)

    def _variables(self, site: _Site, exclude: str) -> list[str]:
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

    def _global_values(self, exclude: str) -> list[str]:
        return [name for name in self.globals if name != exclude and name not in self.called]

    def _functions(self) -> Iterator[_Raw]:
        """The function called: ``min`` ↔ ``max``, ``any`` ↔ ``all``, other functions."""
        own = set(self.params) | set(self.locals) | set(self.globals)
        functions = [  # the user's functions: called names that are not builtins
            name
            for name in dict.fromkeys([*sorted(self.called), *self.globals])
            if name in own and not name.isupper()
        ]
        for site in self.sites:
            node = site.node
            if site.role != "callee" or not isinstance(node, ast.Name):
                continue
            operator, siblings = _FUNCTION_SIBLINGS.get(node.id, ("function swap", ()))
            for name in siblings:
                priority = _P_LOGIC if operator != "function swap" else _P_ATTRIBUTE
                new = ast.Name(id=name, ctx=ast.Load())
                yield self._expr(site, new, operator, priority, 1, name_only=name)
            others = [name for name in functions if name != node.id and name not in siblings]
            for name in others[:_MAX_FUNCTIONS_PER_SITE]:
                new = ast.Name(id=name, ctx=ast.Load())
                yield self._expr(site, new, "function swap", _P_FUNCTION, 1, name_only=name)

    def _attributes(self) -> Iterator[_Raw]:
        attribute_sites = [
            site
            for site in self.sites
            if isinstance(site.node, ast.Attribute) and not isinstance(site.node.ctx, ast.Del)
        ]
        by_base: dict[str, list[str]] = {}
        for site in attribute_sites:
            assert isinstance(site.node, ast.Attribute)
            by_base.setdefault(ast.dump(site.node.value), []).append(site.node.attr)
        for site in attribute_sites:
            node = site.node
            assert isinstance(node, ast.Attribute)
            called = site.role == "callee"
            table = [name for group in _ATTRIBUTE_GROUPS if node.attr in group for name in group]
            same_base = by_base.get(ast.dump(node.value), [])
            seen_elsewhere = [
                name for name, is_called in self.attributes.items() if is_called == called
            ]
            if isinstance(node.value, (ast.Constant, ast.JoinedStr)):
                seen_elsewhere = []  # a literal's type is known: its own siblings only
            names = [
                name
                for name in dict.fromkeys([*table, *same_base, *seen_elsewhere])
                if name != node.attr and name.isidentifier()
            ][:_MAX_ATTRIBUTES_PER_SITE]
            for name in names:
                new = ast.Attribute(value=node.value, attr=name, ctx=node.ctx)
                priority = _P_ATTRIBUTE - (4 if name in table else 0)
                yield self._expr(
                    site,
                    new,
                    "attribute swap",
                    priority,
                    1,
                    (node.end_lineno or node.lineno,),
                    name_only=name,
                )

    def _swaps(self) -> Iterator[_Raw]:
        """Arguments, operands and elements exchanged."""
        by_node = {id(site.node): site for site in self.sites}
        for site in self.sites:
            node = site.node
            if isinstance(node, ast.Call):
                arguments = [a for a in node.args if not isinstance(a, ast.Starred)]
                if len(arguments) == len(node.args):
                    for i, j in _pairs(len(arguments)):
                        yield from self._swap(site, by_node, "args", i, j, "swap arguments")
                values = [k for k in node.keywords if k.arg is not None]
                for i, j in _pairs(len(values)):
                    a, b = by_node.get(id(values[i].value)), by_node.get(id(values[j].value))
                    if a is None or b is None or _same(a.node, b.node):
                        continue
                    keywords = list(node.keywords)
                    ka, kb = keywords.index(values[i]), keywords.index(values[j])
                    keywords[ka] = ast.keyword(arg=values[i].arg, value=values[j].value)
                    keywords[kb] = ast.keyword(arg=values[j].arg, value=values[i].value)
                    new = ast.Call(func=node.func, args=node.args, keywords=keywords)
                    yield self._expr(
                        site,
                        new,
                        "swap arguments",
                        _P_SWAP,
                        2,
                        _lines_of(a.node, b.node),
                        swap=(a, b),
                    )
            elif isinstance(node, ast.BinOp) and isinstance(node.op, _NON_COMMUTATIVE):
                priority = _P_SWAP + (_RARE if isinstance(node.op, ast.Add) else 0)
                yield from self._swap(site, by_node, "", 0, 1, "swap operands", priority)
            elif (
                isinstance(node, ast.Compare)
                and len(node.ops) == 1
                and isinstance(node.ops[0], (ast.In, ast.NotIn))
            ):
                yield from self._swap(site, by_node, "", 0, 1, "swap operands")
            elif isinstance(node, (ast.Tuple, ast.List)) and not any(
                isinstance(e, ast.Starred) for e in node.elts
            ):
                for i, j in _pairs(len(node.elts)):
                    yield from self._swap(site, by_node, "elts", i, j, "swap elements")

    def _swap(
        self,
        site: _Site,
        by_node: Mapping[int, _Site],
        name: str,
        i: int,
        j: int,
        operator: str,
        priority: int | None = None,
    ) -> Iterator[_Raw]:
        node = site.node
        if priority is None:
            priority = _P_ELEMENTS if operator == "swap elements" else _P_SWAP
        if isinstance(node, ast.BinOp):
            first, second = node.left, node.right
            new: ast.AST = ast.BinOp(left=second, op=node.op, right=first)
        elif isinstance(node, ast.Compare):
            first, second = node.left, node.comparators[0]
            new = ast.Compare(left=second, ops=node.ops, comparators=[first])
        else:
            items = list(getattr(node, name))
            first, second = items[i], items[j]
            items[i], items[j] = second, first
            if isinstance(node, ast.Call):
                new = ast.Call(func=node.func, args=items, keywords=node.keywords)
            elif isinstance(node, ast.Tuple):
                new = ast.Tuple(elts=items, ctx=node.ctx)
            else:
                assert isinstance(node, ast.List)
                new = ast.List(elts=items, ctx=node.ctx)
        a, b = by_node.get(id(first)), by_node.get(id(second))
        if a is None or b is None or _same(first, second):
            return
        yield self._expr(site, new, operator, priority, 2, _lines_of(first, second), swap=(a, b))

    def _operand_deletions(self) -> Iterator[_Raw]:
        for site in self.sites:
            node = site.node
            if isinstance(node, ast.BinOp) and _is_load(node):
                for kept, dropped in ((node.left, node.right), (node.right, node.left)):
                    yield self._expr(
                        site, kept, "delete operand", _P_DELETE_OPERAND, 1 + self._tokens(dropped)
                    )
            elif isinstance(node, ast.BoolOp):
                for index, dropped in enumerate(node.values):
                    rest = [v for k, v in enumerate(node.values) if k != index]
                    new = rest[0] if len(rest) == 1 else ast.BoolOp(op=node.op, values=rest)
                    yield self._expr(
                        site,
                        new,
                        "delete operand",
                        _P_DELETE_OPERAND,
                        1 + self._tokens(dropped),
                        _lines_of(dropped),
                    )
            elif isinstance(node, ast.Compare) and len(node.ops) > 1:
                first = ast.Compare(
                    left=node.comparators[0], ops=node.ops[1:], comparators=node.comparators[1:]
                )
                last = ast.Compare(
                    left=node.left, ops=node.ops[:-1], comparators=node.comparators[:-1]
                )
                yield self._expr(site, first, "delete operand", _P_DELETE_OPERAND, 2)
                yield self._expr(site, last, "delete operand", _P_DELETE_OPERAND, 2)

    def _operand_insertions(self) -> Iterator[_Raw]:
        """A missing term: ``e`` → ``x - e``, ``e - x``, ``e + x`` for a returned or
        assigned number ``e`` and a variable ``x`` it uses."""
        for site in self.sites:
            node = site.node
            if site.role not in ("return", "value") or not isinstance(node, ast.expr):
                continue
            if not _is_load(node) or not _numeric_candidate(node) or site.fstring is not None:
                continue
            if ast.dump(node) in self.sequences or isinstance(node, ast.Call):
                continue
            used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
            names = [
                name
                for name in self._variables(site, "")
                if name in used and _name_dump(name) not in self.sequences
            ][:_MAX_OPERANDS_PER_SITE]
            for name in names:
                variable = ast.Name(id=name, ctx=ast.Load())
                for new in (
                    ast.BinOp(left=variable, op=ast.Sub(), right=node),
                    ast.BinOp(left=node, op=ast.Sub(), right=variable),
                    ast.BinOp(left=node, op=ast.Add(), right=variable),
                ):
                    yield self._expr(site, new, "insert operand", _P_DELETE_OPERAND, 2)

    def _unwraps(self) -> Iterator[_Raw]:
        for site in self.sites:
            node = site.node
            if not isinstance(node, ast.Call) or site.role == "callee":
                continue
            if (
                len(node.args) == 1
                and not node.keywords
                and not isinstance(node.args[0], ast.Starred)
            ):
                yield self._expr(
                    site, node.args[0], "unwrap call", _P_UNWRAP, self._tokens(node.func)
                )
            elif (
                not node.args
                and not node.keywords
                and isinstance(node.func, ast.Attribute)
                and site.role != "base"
            ):
                yield self._expr(site, node.func.value, "unwrap call", _P_UNWRAP, 1)

    def _slices(self) -> Iterator[_Raw]:
        templates = (
            (ast.Slice(lower=_literal(1)), 1),
            (ast.Slice(upper=_literal(-1)), 2),
            (ast.Slice(step=_literal(-1)), 2),
        )
        for site in self.sites:
            node = site.node
            if not isinstance(node, ast.expr) or not _is_load(node):
                continue
            if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
                bounds = node.slice
                yield self._expr(
                    site, node.value, "remove slice", _P_SLICE, max(1, self._tokens(bounds))
                )
                if bounds.lower is not None and bounds.upper is not None:
                    for keep_lower in (True, False):
                        dropped = bounds.upper if keep_lower else bounds.lower
                        new_slice = ast.Slice(
                            lower=bounds.lower if keep_lower else None,
                            upper=None if keep_lower else bounds.upper,
                            step=bounds.step,
                        )
                        new = ast.Subscript(value=node.value, slice=new_slice, ctx=ast.Load())
                        yield self._expr(
                            site,
                            new,
                            "remove slice",
                            _P_SLICE,
                            self._tokens(dropped),
                            _lines_of(dropped),
                        )
                continue
            if site.role in ("base", "callee", "target") or not isinstance(
                node, (ast.Name, ast.Attribute, ast.Call, ast.Subscript)
            ):
                continue
            key = ast.dump(node)
            priority = _P_SLICE
            if key not in self.sequences:
                # no sign of a sequence: names in plain value positions only, later
                if key in self.numbers or not isinstance(node, ast.Name):
                    continue
                if site.role not in ("return", "argument", "value", "iter"):
                    continue
                if node.id in self.called:
                    continue
                priority += 2 * _RARE
            for bounds_template, size in templates:
                new = ast.Subscript(value=node, slice=bounds_template, ctx=ast.Load())
                yield self._expr(site, new, "add slice", priority, size)

    def _replacements(self) -> Iterator[_Raw]:
        """An expression (other than a name) replaced by a variable in scope."""
        for site in self.sites:
            node = site.node
            if site.role not in _REPLACE_ROLES or isinstance(node, (ast.Name, ast.Starred)):
                continue
            if not isinstance(node, ast.expr) or not _is_load(node):
                continue
            if isinstance(node, (ast.Slice, ast.JoinedStr)) or _is_docstring(site):
                continue
            size = self._tokens(node)
            names = self._variables(site, "")[:_MAX_REPLACEMENTS_PER_SITE]
            names += self._global_values("")[:2]
            for name in names:
                new = ast.Name(id=name, ctx=ast.Load())
                yield self._expr(site, new, "replace with variable", _P_REPLACE, size)

    def _wraps(self) -> Iterator[_Raw]:
        """``x`` → ``f(x)`` with ``f`` a function the code already calls with one argument."""
        unary = [
            node.func.id
            for node in _walk_body(self.func)
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and len(node.args) == 1
            and not node.keywords
            and node.func.id != self.func.name
            and node.func.id not in _NOT_NUMBER_FUNCTIONS
        ]
        functions = list(dict.fromkeys(unary))
        if not functions:
            return
        for site in self.sites:
            node = site.node
            if site.role not in ("return", "value", "compare") or not isinstance(
                node, (ast.Name, ast.Attribute, ast.Subscript, ast.BinOp, ast.Call)
            ):
                continue
            if not _is_load(node):
                continue
            inner = (
                node.func.id
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                else ""
            )
            names = [f for f in functions if f != inner]
            if isinstance(node, ast.BinOp):
                names = [f for f in names if f != "len"]
            for name in names[:_MAX_WRAPS_PER_SITE]:
                new = ast.Call(func=ast.Name(id=name, ctx=ast.Load()), args=[node], keywords=[])
                yield self._expr(site, new, "wrap call", _P_WRAP, 1)

    def _assignments(self) -> Iterator[_Raw]:
        """``x += y`` ↔ ``x = y``."""
        for statement in self.statements:
            if id(statement) not in self.position:
                continue
            if isinstance(statement, ast.AugAssign) and isinstance(statement.target, ast.Name):
                target: ast.expr = ast.Name(id=statement.target.id, ctx=ast.Store())
                new: ast.stmt = ast.Assign(targets=[target], value=statement.value)
                symbol = "="
                first, second = statement.target, statement.value
            elif (
                isinstance(statement, ast.Assign)
                and len(statement.targets) == 1
                and isinstance(statement.targets[0], ast.Name)
                and statement.targets[0].id in self.bound_line
                and self.bound_line[statement.targets[0].id] < statement.lineno
            ):
                new = ast.AugAssign(
                    target=statement.targets[0], op=ast.Add(), value=statement.value
                )
                symbol = "+="
                first, second = statement.targets[0], statement.value
            else:
                continue
            site = self._statement_site(statement)
            yield self._expr(
                site,
                new,
                "assignment swap",
                _P_ASSIGN,
                1,
                _between(first, second),
                gaps=(self._gap(first, second),),
                symbol=symbol,
            )

    def _statement_site(self, statement: ast.stmt) -> _Site:
        block, index = self.position[id(statement)]
        path = (*block.path[:-1], (block.field, index))
        return _Site(
            block.owner, block.field, index, statement, path, "statement", (), statement, None
        )

    # --- statement edits ------------------------------------------------------------

    def _statement_deletions(self) -> Iterator[_Raw]:
        for block in self.blocks:
            for index, statement in enumerate(block.statements):
                if isinstance(statement, (ast.Pass, ast.Global, ast.Nonlocal)):
                    continue
                if block.top and index == 0 and _is_docstring_statement(statement):
                    continue
                alone = len(block.statements) == 1
                if alone and block.top:
                    continue
                lines = self._whole_lines(statement)
                new: list[ast.stmt] = [ast.Pass()] if alone else []
                text: list[str] | None = None
                if lines is not None:
                    text = [self._indent_of(statement) + "pass" + self.newline] if alone else []
                first, end = lines if lines is not None else (0, 0)
                change = _StatementChange(block, index, index + 1, new, first, end, text)
                what = _short(ast.unparse(statement))
                summary = f"replace `{what}` with `pass`" if alone else f"delete `{what}`"
                yield _Raw(
                    operator="delete statement",
                    priority=_P_STATEMENT,
                    size=self._tokens(statement),
                    lines=_lines_of(statement),
                    path=(*block.path[:-1], (block.field, index)),
                    changes=(change,),
                    summary=summary,
                )

    def _statement_insertions(self) -> Iterator[_Raw]:
        """Copies of the function's simple statements at other places, and a final
        ``return`` of a local when the function has none at its end."""
        unique: dict[str, ast.stmt] = {}
        for statement in self.statements:
            if id(statement) in self.position and _copyable(statement):
                unique.setdefault(ast.dump(statement), statement)
        points = self._insertion_points()
        count = 0
        for statement in unique.values():
            own_block, own_index = self.position[id(statement)]
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
            for _, block, index in places[:_MAX_INSERTIONS_PER_STATEMENT]:
                yield self._insertion(block, index, statement, "insert statement", _P_STATEMENT)
                count += 1
                if count >= _MAX_INSERTIONS:
                    return
        body = self.func.body
        if isinstance(body[-1], (ast.Return, ast.Raise)) or any(
            isinstance(n, (ast.Yield, ast.YieldFrom)) for n in _walk_own(self.func.body)
        ):
            return
        top = self.blocks[0]
        for name in [n for n in self.locals if n not in self.called][:4]:
            new = ast.Return(value=ast.Name(id=name, ctx=ast.Load()))
            yield self._insertion(top, len(body), new, "insert statement", _P_STATEMENT)

    def _insertion_points(self) -> list[tuple[_Block, int]]:
        """Where a statement may be missing: the end of a block (before its final jump,
        if it has one), the start of a loop body."""
        points: list[tuple[_Block, int]] = []
        for block in self.blocks:
            count = len(block.statements)
            if isinstance(block.statements[-1], (ast.Return, ast.Raise, ast.Continue, ast.Break)):
                points.append((block, count - 1))
            else:
                points.append((block, count))
            if block.loop and count > 1:
                points.append((block, 0))
        return points

    def _insertion(
        self,
        block: _Block,
        index: int,
        statement: ast.stmt,
        operator: str,
        priority: int,
    ) -> _Raw:
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
        change = _StatementChange(block, index, index, [statement], at, at, text)
        what = _short(_one_line(ast.unparse(statement)))
        anchor_text = _short(_first_line(ast.unparse(anchor)))
        return _Raw(
            operator=operator,
            priority=priority,
            size=self._tokens(statement),
            lines=(line,),
            path=(*block.path[:-1], (block.field, index)),
            changes=(change,),
            summary=f"insert `{what}` {where} `{anchor_text}`",
        )

    def _statement_moves(self) -> Iterator[_Raw]:
        """A simple statement moved out of the end of its block (after the compound
        statement owning it), or into the end of the compound statement before it."""
        for block in self.blocks:
            owner = None if block.top else self.position.get(id(block.owner))
            for index, statement in enumerate(block.statements):
                if not _movable(statement) or (block.top and _is_docstring_statement(statement)):
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
                    yield self._move(block, index, outer, outer_index + 1, out=True)
                if index > 0:
                    previous = block.statements[index - 1]
                    inner = [b for b in self.blocks if b.owner is previous and b.field == "body"]
                    if (
                        inner
                        and not getattr(previous, "orelse", None)
                        and isinstance(
                            previous,
                            (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith),
                        )
                    ):
                        yield self._move(
                            block, index, inner[0], len(inner[0].statements), out=False
                        )

    def _move(self, source: _Block, index: int, target: _Block, at: int, *, out: bool) -> _Raw:
        """``source.statements[index]`` moved into ``target`` before position ``at``."""
        statement = source.statements[index]
        lines = self._whole_lines(statement)
        if at < len(target.statements):
            anchor = target.statements[at]
            anchor_lines = self._whole_lines(anchor)
            insert_at = anchor_lines[0] if anchor_lines else 0
        else:
            anchor = target.statements[-1]
            anchor_lines = self._whole_lines(anchor)
            insert_at = anchor_lines[1] if anchor_lines else 0
        ok = lines is not None and anchor_lines is not None
        first, end = lines if lines is not None else (0, 0)
        removal = _StatementChange(source, index, index + 1, [], first, end, [] if ok else None)
        text = self._statement_text(statement, self._indent_of(anchor)) if ok else None
        insertion = _StatementChange(target, at, at, [statement], insert_at, insert_at, text)
        what = _short(_one_line(ast.unparse(statement)))
        owner = source.owner if out else target.owner
        owner_line = self.line_map(getattr(owner, "lineno", 1))
        summary = (
            f"move `{what}` out of the block of line {owner_line}"
            if out
            else f"move `{what}` into the block of line {owner_line}"
        )
        return _Raw(
            operator="move statement",
            priority=_P_MOVE,
            size=self._tokens(statement),
            lines=_lines_of(statement),
            path=(*source.path[:-1], (source.field, index)),
            changes=(removal, insertion),
            summary=summary,
        )

    def _statement_swaps(self) -> Iterator[_Raw]:
        jumps = (ast.Return, ast.Raise, ast.Break, ast.Continue, ast.Pass, ast.Global, ast.Nonlocal)
        for block in self.blocks:
            for index in range(len(block.statements) - 1):
                a, b = block.statements[index], block.statements[index + 1]
                if isinstance(a, jumps) or isinstance(b, jumps) or _same(a, b):
                    continue
                if block.top and index == 0 and _is_docstring_statement(a):
                    continue
                la, lb = self._whole_lines(a), self._whole_lines(b)
                if la is not None and lb is not None:
                    ta, tb = self.text_lines[la[0] : la[1]], self.text_lines[lb[0] : lb[1]]
                    middle = self.text_lines[la[1] : lb[0]]
                    change = _StatementChange(
                        block, index, index + 2, [b, a], la[0], lb[1], [*tb, *middle, *ta]
                    )
                else:
                    change = _StatementChange(block, index, index + 2, [b, a], 0, 0, None)
                yield _Raw(
                    operator="swap statements",
                    priority=_P_STATEMENT + 2,
                    size=min(self._tokens(a), self._tokens(b)),
                    lines=_lines_of(a, b),
                    path=block.path[:-1],
                    changes=(change,),
                    summary=f"swap `{_short(_first_line(ast.unparse(a)))}` and "
                    f"`{_short(_first_line(ast.unparse(b)))}`",
                )

    def _guards(self) -> Iterator[_Raw]:
        """``if <cond>: return <value>`` at the top of the body and before the most
        suspicious statements, with conditions that hold for the failing inputs."""
        conditions = self._guard_conditions()
        top = self.blocks[0]
        start = 1 if _is_docstring_statement(top.statements[0]) else 0
        if not conditions or start >= len(top.statements):
            return
        positions: list[tuple[_Block, int, int]] = [(top, start, _MAX_GUARDS_AT_TOP)]
        ranked = sorted(
            ((score, line) for line, score in self.hints.suspicious.items() if score > 0),
            key=lambda item: (-item[0], item[1]),
        )
        for _, line in ranked:
            if len(positions) > _GUARDED_STATEMENTS:
                break
            statement = self._statement_at(line)
            if statement is None or id(statement) not in self.position:
                continue
            block, index = self.position[id(statement)]
            if not any(b is block and i == index for b, i, _ in positions):
                positions.append((block, index, _MAX_GUARDS_PER_STATEMENT))
        for block, index, cap in positions:
            at_top = block is top and index == start
            values = self._guard_values(0 if at_top else block.statements[index].lineno)
            pairs = sorted(
                itertools.product(range(len(conditions)), range(len(values))),
                key=lambda pair: (pair[0] + pair[1], pair[0]),
            )
            for c, v in pairs[:cap]:
                guard = ast.If(test=conditions[c], body=[ast.Return(value=values[v])], orelse=[])
                yield self._insertion(block, index, guard, "insert guard", _P_GUARD)

    def _statement_at(self, line: int) -> ast.stmt | None:
        """The innermost statement starting on ``line``."""
        found = None
        for statement in self.statements:
            if statement.lineno == line and id(statement) in self.position:
                found = statement
        return found

    def _guard_conditions(self) -> list[ast.expr]:
        """Conditions on the parameters, those true for the most failing inputs first."""
        parameters = [p for p in self.params if p not in ("self", "cls")]
        inputs = self.hints.inputs
        scored: list[tuple[int, int, ast.expr]] = []  # (-failing inputs covered, rank, cond)
        for parameter in parameters:
            values, kinds = _input_values(inputs, parameter)
            annotation = self.annotations.get(parameter, frozenset())
            for rank, (kind, check) in enumerate(_GUARD_TEMPLATES):
                coverage = sum(1 for value in values if _guard_holds(check, value))
                if values and not coverage:
                    continue
                if not values:
                    if kinds:
                        if kind not in kinds and kind != "any":
                            continue
                    elif annotation:
                        if not _kind_matches(kind, annotation):
                            continue
                    elif kind not in ("any", "number", "none", "sized") or rank > 6:
                        continue
                scored.append((-coverage, rank, _guard_condition(check, parameter)))
        numeric = [
            p
            for p in parameters
            if _input_values(inputs, p)[1] <= {"number"}
            and not (self.annotations.get(p) and not self.annotations[p] & _NUMBER_ANNOTATIONS)
        ]
        for a, b in itertools.combinations(numeric[:4], 2):
            pairs = _input_pairs(inputs, a, b)
            for rank, op in enumerate((ast.Gt(), ast.GtE(), ast.Eq())):
                coverage = sum(1 for x, y in pairs if _compare_holds(op, x, y))
                if pairs and not coverage:
                    continue
                condition: ast.expr = ast.Compare(left=_name(a), ops=[op], comparators=[_name(b)])
                scored.append((-coverage, len(_GUARD_TEMPLATES) + rank, condition))
        scored.sort(key=lambda item: (item[0], item[1]))
        unique: dict[str, ast.expr] = {}
        for _, _, condition in scored:
            unique.setdefault(ast.dump(condition), condition)
        return list(unique.values())[:_MAX_GUARD_CONDITIONS]

    def _guard_values(self, line: int) -> list[ast.expr | None]:
        """What a guard may return: the expected values, the function's returned
        literals, its parameters, and the expressions it returns that can be computed
        before ``line`` (0: at the top); a bare ``return`` for a function without values."""
        values: list[ast.expr | None] = []
        for text in self.hints.expected:
            node = _literal_node(text)
            if node is not None:
                values.append(node)
        literals = [r for r in self.returns if _is_literal_expression(r)]
        values += literals
        values += [_name(p) for p in self.params if p not in ("self", "cls")][:3]
        available = set(self.params) | {
            name for name, bound in self.bound_line.items() if line and bound < line
        }
        for expression in self.returns:
            names = {n.id for n in ast.walk(expression) if isinstance(n, ast.Name)}
            if all(name in available or name not in self.bound_line for name in names):
                values.append(expression)
        if not self.returns:
            values.append(None)
        if not self.hints.expected and not literals:
            values += [_literal(0), _literal(1), ast.Constant(value=None)]
        unique: dict[str, ast.expr | None] = {}
        for value in values:
            unique.setdefault("" if value is None else ast.dump(value), value)
        return list(unique.values())[:_MAX_GUARD_VALUES]

    # --- text -----------------------------------------------------------------------

    def _tokens(self, node: ast.AST) -> int:
        """The tokens of ``node`` (cached for the nodes of the original tree)."""
        if id(node) not in self.original:
            return _count_tokens(node)
        count = self.tokens.get(id(node))
        if count is None:
            count = self.tokens[id(node)] = _count_tokens(node)
        return count

    def _offset(self, line: int, column: int) -> int:
        return self.offsets[line - 1] + column

    def _span(self, node: ast.AST) -> tuple[int, int]:
        """Byte offsets of ``node`` in the source."""
        line: int = getattr(node, "lineno", 1)
        end_line: int = getattr(node, "end_lineno", None) or line
        start = self._offset(line, getattr(node, "col_offset", 0))
        return start, self._offset(end_line, getattr(node, "end_col_offset", None) or 0)

    def _segment(self, node: ast.AST) -> str:
        start, end = self._span(node)
        return self.data[start:end].decode("utf-8", "replace")

    def _gap(self, left: ast.AST, right: ast.AST) -> tuple[int, int]:
        return self._span(left)[1], self._span(right)[0]

    def _indent_of(self, statement: ast.stmt) -> str:
        line = _content(self.text_lines[statement.lineno - 1])
        return line[: len(line) - len(line.lstrip(" \t\f"))]

    def _whole_lines(self, statement: ast.stmt) -> tuple[int, int] | None:
        """0-based [first, end) lines of ``statement`` when it has its lines to itself."""
        first = statement.lineno
        decorators = getattr(statement, "decorator_list", [])
        if decorators:
            first = min(d.lineno for d in decorators)
            if not _content(self.text_lines[first - 1]).lstrip().startswith("@"):
                return None
            before = ""
        else:
            line = self.text_lines[first - 1].encode()
            before = line[: statement.col_offset].decode("utf-8", "replace")
            if isinstance(statement, ast.If) and line[statement.col_offset :].startswith(b"elif"):
                return None  # an `elif`: its block has no text of its own
        end = statement.end_lineno or statement.lineno
        last = self.text_lines[end - 1].encode()
        after = _content(last[statement.end_col_offset or 0 :].decode("utf-8", "replace")).strip()
        if before.strip() or (after and not after.startswith("#")):
            return None
        return first - 1, end

    def _statement_text(self, statement: ast.stmt, indent: str) -> list[str]:
        """Lines of ``statement`` indented by ``indent``: its own text when it has one line
        to itself, else ``ast.unparse``'s, re-indented."""
        if getattr(statement, "lineno", None) is not None and id(statement) in self.position:
            lines = self._whole_lines(statement)
            if lines is not None and lines[1] - lines[0] == 1:
                text = _content(self.text_lines[lines[0]]).lstrip(" \t\f")
                return [indent + text + self.newline]
        result = []
        for line in ast.unparse(statement).split("\n"):
            stripped = line.lstrip(" ")
            depth = (len(line) - len(stripped)) // 4
            result.append(indent + self.unit * depth + stripped + self.newline)
        return result

    # --- rendering ------------------------------------------------------------------

    def render(self, raw: _Raw, seen: set[tuple[object, ...]]) -> Edit | None:
        """``raw`` as an :class:`Edit`; None when it does not compile or is a duplicate."""
        text = self._text(raw)
        if text is not None and not text.startswith(self.header):
            text = None  # never happens: edits stay in the body
        key = self._isolated_key(raw, text) if text is not None else None
        if key is None:
            code = _compile(text, strict=self.strict) if text is not None else None
            if code is None:
                text = self._unparsed(raw)
                code = _compile(text, strict=self.strict) if text is not None else None
            if code is None or text is None:
                return None
            key = _code_key(code)
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

    def _isolated_key(self, raw: _Raw, text: str) -> tuple[object, ...] | None:
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
        code = _compile(self.head + statement, strict=self.strict)
        if code is None:
            return None
        key = ("statement", index, _code_key(code))
        return self.key if key == self._original_statement_key(index) else key

    def _top_span(self, index: int) -> tuple[int, int] | None:
        """Bytes of the whole lines of top-level statement ``index``."""
        if index not in self.top_spans:
            lines = self._whole_lines(self.func.body[index])
            self.top_spans[index] = (
                None if lines is None else (self.offsets[lines[0]], self.offsets[lines[1]])
            )
        return self.top_spans[index]

    def _original_statement_key(self, index: int) -> tuple[object, ...] | None:
        if index not in self.statement_keys:
            span = self._top_span(index)
            code = (
                _compile(self.head + self.data[span[0] : span[1]], strict=self.strict)
                if span is not None
                else None
            )
            self.statement_keys[index] = (
                None if code is None else ("statement", index, _code_key(code))
            )
        return self.statement_keys[index]

    def _text(self, raw: _Raw) -> str | None:
        """The edited source, keeping the text of what the edit does not touch."""
        if raw.changes:
            return self._statement_text_edit(raw.changes)
        site = raw.site
        assert site is not None and raw.new is not None
        if site.fstring is not None:
            with self._installed(raw):
                replacement = ast.unparse(site.fstring)
            start, end = self._span(site.fstring)
            return self._splice([(start, end, replacement)])
        if raw.symbol and raw.gaps:
            splices = []
            for gap_start, gap_end in raw.gaps:
                found = _operator_in_gap(self.data[gap_start:gap_end])
                if found is None:
                    return None
                splices.append((gap_start + found[0], gap_start + found[1], raw.symbol))
            return self._splice(splices)
        if raw.name_only:
            start, end = self._span(site.node)
            length = len(self._last_identifier(site.node).encode())
            return self._splice([(end - length, end, raw.name_only)])
        if raw.swap is not None:
            a, b = raw.swap
            assert isinstance(a.node, ast.expr) and isinstance(b.node, ast.expr)
            a_text = self._wrapped(b.node, _required(a.parent, a.field, a.node))
            b_text = self._wrapped(a.node, _required(b.parent, b.field, b.node))
            return self._splice([(*self._span(a.node), a_text), (*self._span(b.node), b_text)])
        if not isinstance(raw.new, ast.expr):
            return None
        required = _required(site.parent, site.field, site.node)
        replacement = self._wrapped(raw.new, required)
        start, end = self._span(site.node)
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

    def _statement_text_edit(self, changes: Sequence[_StatementChange]) -> str | None:
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
            text = self._segment(node)
            if isinstance(node, ast.Tuple) and not text.startswith("("):
                return text, _TUPLE
            return text, _precedence(node)
        wrap = self._wrapped
        if isinstance(node, ast.BinOp):
            precedence = _BINOP_PRECEDENCE[type(node.op)]
            left_required = _AWAIT if isinstance(node.op, ast.Pow) else precedence
            right_required = _FACTOR if isinstance(node.op, ast.Pow) else precedence + 1
            left, right = wrap(node.left, left_required), wrap(node.right, right_required)
            return f"{left} {_SYMBOLS[type(node.op)]} {right}", precedence
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.Not):
                return f"not {wrap(node.operand, _NOT)}", _NOT
            symbol = {ast.USub: "-", ast.UAdd: "+", ast.Invert: "~"}[type(node.op)]
            return f"{symbol}{wrap(node.operand, _FACTOR)}", _FACTOR
        if isinstance(node, ast.BoolOp):
            required = _NOT if isinstance(node.op, ast.And) else _AND
            joined = f" {_SYMBOLS[type(node.op)]} ".join(wrap(v, required) for v in node.values)
            return joined, _AND if isinstance(node.op, ast.And) else _OR
        if isinstance(node, ast.Compare):
            parts = [wrap(node.left, _BOR)]
            for op, comparator in zip(node.ops, node.comparators, strict=True):
                parts += [_SYMBOLS[type(op)], wrap(comparator, _BOR)]
            return " ".join(parts), _CMP
        if isinstance(node, ast.Attribute):
            base = wrap(node.value, _ATOM)
            if _number(node.value) is not None and not base.startswith("("):
                base = f"({base})"
            return f"{base}.{node.attr}", _ATOM
        if isinstance(node, ast.Subscript):
            return f"{wrap(node.value, _ATOM)}[{self._subscript(node.slice)}]", _ATOM
        if isinstance(node, ast.Call):
            arguments = []
            for argument in node.args:
                if isinstance(argument, ast.Starred):
                    arguments.append("*" + wrap(argument.value, _BOR))
                else:
                    arguments.append(wrap(argument, _TEST))
            for keyword in node.keywords:
                value = wrap(keyword.value, _TEST if keyword.arg else _BOR)
                arguments.append(f"{keyword.arg}={value}" if keyword.arg else f"**{value}")
            if (
                len(arguments) == 1
                and isinstance(node.args[0] if node.args else None, ast.GeneratorExp)
                and arguments[0].startswith("(")
            ):
                return f"{wrap(node.func, _ATOM)}{arguments[0]}", _ATOM
            return f"{wrap(node.func, _ATOM)}({', '.join(arguments)})", _ATOM
        if isinstance(node, (ast.Tuple, ast.List)):
            elements = [
                "*" + wrap(e.value, _BOR) if isinstance(e, ast.Starred) else wrap(e, _TEST)
                for e in node.elts
            ]
            if isinstance(node, ast.List):
                return f"[{', '.join(elements)}]", _ATOM
            if len(elements) == 1:
                return f"({elements[0]},)", _ATOM
            return f"({', '.join(elements)})", _ATOM
        if isinstance(node, ast.IfExp):
            body, test, orelse = (
                wrap(node.body, _OR),
                wrap(node.test, _OR),
                wrap(node.orelse, _TEST),
            )
            return f"{body} if {test} else {orelse}", _TEST
        return ast.unparse(node), _precedence(node)

    def _subscript(self, node: ast.expr) -> str:
        if isinstance(node, ast.Slice):
            parts = ["" if p is None else self._wrapped(p, _TEST) for p in (node.lower, node.upper)]
            text = ":".join(parts)
            if node.step is not None:
                text += ":" + self._wrapped(node.step, _TEST)
            return text
        if isinstance(node, ast.Tuple) and not (
            id(node) in self.original and self._segment(node).startswith("(")
        ):
            return ", ".join(self._subscript(e) for e in node.elts) + (
                "," if len(node.elts) == 1 else ""
            )
        return self._wrapped(node, _TEST)

    def _unparsed(self, raw: _Raw) -> str | None:
        """The whole function written by ``ast.unparse`` with the edit applied."""
        try:
            with self._installed(raw):
                text = ast.unparse(self.tree)
        except (ValueError, TypeError, AttributeError, RecursionError):
            return None
        return text + ("\n" if self.source.endswith(("\n", "\r")) else "")

    def _installed(self, raw: _Raw) -> _Installed:
        return _Installed(raw)

    def intended(self, raw: _Raw) -> str:
        """``ast.dump`` of the tree with ``raw`` applied (for tests of the rendering)."""
        with self._installed(raw):
            return ast.dump(self.tree)

    def _description(self, raw: _Raw) -> str:
        lines = sorted({self.line_map(line) for line in raw.lines})
        where = f"line {lines[0]}" if len(lines) == 1 else f"lines {lines[0]}-{lines[-1]}"
        if raw.changes:
            return f"{where}: {raw.summary}"
        site = raw.site
        assert site is not None
        shown = self._shown(site)
        before = self._unparsed_node(shown)
        with self._installed(raw):
            after = _one_line(ast.unparse(shown if shown is not site.node else _current(site)))
        return f"{where}: `{_short(before)}` → `{_short(after)}`"

    def _shown(self, site: _Site) -> ast.AST:
        """What a description shows of an edit at ``site``: a name, a literal or an
        attribute with what surrounds it (the expression, or the simple statement)."""
        current = site
        while True:
            node, parent = current.node, current.parent
            small = isinstance(node, (ast.Name, ast.Constant, ast.Attribute, ast.Slice))
            if not (small or _number(node) is not None):
                return node
            if isinstance(parent, ast.stmt):
                simple = not isinstance(parent, _COMPOUND)
                if simple and len(self._unparsed_node(parent)) <= _MAX_DESCRIPTION:
                    return parent
                return node
            if not isinstance(parent, ast.expr) or isinstance(parent, ast.JoinedStr):
                return node
            if len(self._unparsed_node(parent)) > _MAX_DESCRIPTION:
                return node
            above = self.site_of.get(id(parent))
            if not isinstance(parent, ast.Slice) or above is None:
                return parent
            current = above

    def _unparsed_node(self, node: ast.AST) -> str:
        """``ast.unparse`` of a node of the original tree, on one line (cached)."""
        text = self.unparsed.get(id(node))
        if text is None:
            text = self.unparsed[id(node)] = _one_line(ast.unparse(node))
        return text


class _Installed:
    """A context manager applying a candidate to the tree in place, and undoing it."""

    def __init__(self, raw: _Raw) -> None:
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
                    change: _StatementChange = change,
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


def _current(site: _Site) -> ast.AST:
    value = getattr(site.parent, site.field)
    node: ast.AST = value[site.index] if site.index >= 0 else value
    return node


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


# --- double edits -----------------------------------------------------------------------


class _SecondEdits:
    """The single edits of one first edit's result, as second edits of a pair, lazily."""

    def __init__(self, base: _Function, first: Edit, hints: Hints) -> None:
        self.base = base
        self.first = first
        self.hints = hints
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
        if len(tree.body) != 1 or not isinstance(tree.body[0], _FunctionNode):
            return
        changed = _changed_path(self.base.func, tree.body[0], ())
        inserted = len(_split_lines(first.source)) > len(_split_lines(self.base.source))
        to_old = _line_map(first.source, self.base.source)
        to_new: dict[int, int] = {}
        for new_line, old_line in to_old.items():
            to_new.setdefault(old_line, new_line)
        suspicious = {
            to_new[line]: score for line, score in self.hints.suspicious.items() if line in to_new
        }
        hints = Hints(
            suspicious=suspicious,
            global_names=self.hints.global_names,
            inputs=self.hints.inputs,
            expected=self.hints.expected,
            numbers=self.hints.numbers,
        )
        try:
            function = _Function(  # whole compiles: keys comparable across first edits
                first.source, hints, line_map=lambda line: to_old.get(line, line), isolate=False
            )
        except ValueError:
            return
        for raw in function.candidates():
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


def _changed_path(old: ast.AST, new: ast.AST, path: _Path) -> _Path:
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
    new_lines, old_lines = _split_lines(new_source), _split_lines(old_source)
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


# --- helpers ------------------------------------------------------------------------------

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
_OFF_BY_ONE_ROLES = frozenset({"index", "bound", "range", "compare", "return", "value", "argument"})
_REPLACE_ROLES = frozenset(
    {"argument", "keyword", "return", "compare", "operand", "index", "value", "branch"}
)


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


def _required(parent: ast.AST, name: str, child: ast.AST) -> int:
    """The precedence an expression needs, without parentheses, in this place."""
    if isinstance(parent, ast.BinOp):
        precedence = _BINOP_PRECEDENCE[type(parent.op)]
        if isinstance(parent.op, ast.Pow):
            return _AWAIT if name == "left" else _FACTOR
        return precedence if name == "left" else precedence + 1
    if isinstance(parent, ast.UnaryOp):
        return _NOT if isinstance(parent.op, ast.Not) else _FACTOR
    if isinstance(parent, ast.BoolOp):
        return _NOT if isinstance(parent.op, ast.And) else _AND
    if isinstance(parent, ast.Compare):
        return _BOR
    if isinstance(parent, ast.IfExp):
        return _TEST if name == "orelse" else _OR
    if isinstance(parent, (ast.Attribute, ast.Subscript)) and name == "value":
        return _ATOM
    if isinstance(parent, ast.Call) and name == "func":
        return _ATOM
    if isinstance(parent, ast.Await):
        return _ATOM
    if isinstance(parent, ast.Starred):
        return _BOR
    if isinstance(parent, ast.comprehension):
        return _OR if name in ("iter", "ifs") else _TUPLE
    if isinstance(parent, ast.Subscript) and isinstance(child, ast.Tuple):
        return _TUPLE
    return _TEST


def _precedence(node: ast.AST) -> int:
    if isinstance(node, ast.BinOp):
        return _BINOP_PRECEDENCE[type(node.op)]
    if isinstance(node, ast.UnaryOp):
        return _NOT if isinstance(node.op, ast.Not) else _FACTOR
    if isinstance(node, ast.BoolOp):
        return _AND if isinstance(node.op, ast.And) else _OR
    if isinstance(node, ast.Compare):
        return _CMP
    if isinstance(node, (ast.IfExp, ast.Lambda)):
        return _TEST
    if isinstance(node, ast.NamedExpr):
        return _NAMED
    if isinstance(node, (ast.Yield, ast.YieldFrom)):
        return _YIELD
    if isinstance(node, ast.Await):
        return _AWAIT
    if isinstance(node, ast.Starred):
        return _BOR
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return _FACTOR if node.value < 0 else _ATOM
    return _ATOM


def _is_load(node: ast.AST) -> bool:
    ctx = getattr(node, "ctx", None)
    return ctx is None or isinstance(ctx, ast.Load)


def _is_plain_literal(node: ast.AST) -> bool:
    """A literal other than None, True, False, ``...`` (``x is 5`` is a warning)."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return _is_plain_literal(node.operand)
    if isinstance(node, ast.Constant):
        return (
            node.value is not None
            and node.value is not Ellipsis
            and not isinstance(node.value, bool)
        )
    return isinstance(node, (ast.JoinedStr, ast.List, ast.Tuple, ast.Dict, ast.Set))


def _numeric_candidate(node: ast.expr) -> bool:
    """Whether ``e + 1`` may make sense (not a string, container, boolean, ...)."""
    if isinstance(node, ast.BinOp):
        constant = _number(node.right)
        if isinstance(node.op, (ast.Add, ast.Sub)) and isinstance(constant, int):
            return False  # the literal itself is tuned
        return not isinstance(node.op, ast.Mod) or not isinstance(
            node.left, (ast.Constant, ast.JoinedStr)
        )
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Attribute):
            return func.attr not in _NOT_NUMBER_FUNCTIONS and func.attr not in _SEQUENCE_METHODS
        return not isinstance(func, ast.Name) or func.id not in _NOT_NUMBER_FUNCTIONS
    return isinstance(node, (ast.Name, ast.Attribute, ast.Subscript))


def _number(node: ast.AST) -> int | float | None:
    """The value of a numeric literal (``-1`` included), else None."""
    if (
        isinstance(node, ast.Constant)
        and isinstance(node.value, (int, float))
        and not isinstance(node.value, bool)
    ):
        return node.value
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub)
        and isinstance(node.operand, ast.Constant)
        and isinstance(node.operand.value, (int, float))
        and not isinstance(node.operand.value, bool)
    ):
        return -node.operand.value
    return None


def _literal(value: float | int) -> ast.expr:
    """A numeric literal as the parser builds it (a negative one is a ``UnaryOp``)."""
    if value < 0 or (value == 0 and math.copysign(1.0, value) < 0):
        return ast.UnaryOp(op=ast.USub(), operand=ast.Constant(value=-value))
    return ast.Constant(value=value)


def _clean_number(value: float, *, integer: bool) -> int | float | None:
    if not math.isfinite(value) or abs(value) > 1e18:
        return None
    if integer:
        return round(value)
    cleaned = float(f"{value:.12g}")
    return 0.0 if cleaned == 0 else cleaned


def _is_literal_expression(node: ast.expr) -> bool:
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def _literal_node(text: str) -> ast.expr | None:
    """The literal expression ``text``, if it is a short one."""
    if len(text) > 80:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            node = ast.parse(text.strip(), mode="eval").body
        ast.literal_eval(node)
    except (SyntaxError, ValueError, TypeError, MemoryError, RecursionError):
        return None
    return node


def _is_docstring(site: _Site) -> bool:
    return isinstance(site.parent, ast.Expr) and _is_docstring_statement(site.parent)


def _is_docstring_statement(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )


def _same(a: ast.AST, b: ast.AST) -> bool:
    return ast.dump(a) == ast.dump(b)


def _pairs(count: int) -> list[tuple[int, int]]:
    if count <= _MAX_ALL_PAIRS:
        return list(itertools.combinations(range(count), 2))
    return [(i, i + 1) for i in range(count - 1)]


def _lines_of(*nodes: ast.AST) -> tuple[int, ...]:
    lines: set[int] = set()
    for node in nodes:
        start = getattr(node, "lineno", None)
        if start is None:
            continue
        lines.update(range(start, (getattr(node, "end_lineno", None) or start) + 1))
    return tuple(sorted(lines))


def _between(left: ast.AST, right: ast.AST) -> tuple[int, ...]:
    """The lines where an operator between ``left`` and ``right`` may be."""
    start: int = getattr(left, "end_lineno", None) or getattr(left, "lineno", None) or 1
    end: int = getattr(right, "lineno", None) or start
    return tuple(range(min(start, end), max(start, end) + 1))


def _operator_in_gap(gap: bytes) -> tuple[int, int] | None:
    """The span of the one operator token in the text between two operands."""
    text = gap.decode("utf-8", "replace")
    position = 0
    found: tuple[int, int] | None = None
    while position < len(text):
        match = _GAP_TOKEN.match(text, position)
        if match is None:
            return None
        if match.group("op") is not None:
            if found is not None:
                return None
            found = match.span()
        position = match.end()
    if found is None:
        return None
    start = len(text[: found[0]].encode())
    return start, start + len(text[found[0] : found[1]].encode())


def _count_tokens(node: ast.AST) -> int:
    """Names, literals, operators and keywords in ``node`` (punctuation is not counted)."""
    count = 0
    for child in ast.walk(node):
        if isinstance(
            child,
            (
                ast.Name,
                ast.Constant,
                ast.Attribute,
                ast.arg,
                ast.alias,
                ast.operator,
                ast.cmpop,
                ast.unaryop,
                ast.Starred,
                ast.Lambda,
                ast.Await,
                ast.Yield,
                ast.YieldFrom,
                ast.NamedExpr,
            ),
        ):
            count += 1
        elif isinstance(child, ast.BoolOp):
            count += len(child.values) - 1
        elif isinstance(child, ast.keyword):
            count += 1
        elif isinstance(child, ast.IfExp):
            count += 2
        elif isinstance(child, ast.comprehension):
            count += 2 + len(child.ifs)
        elif isinstance(child, ast.Assign):
            count += len(child.targets)
        elif isinstance(child, (ast.For, ast.AsyncFor)):
            count += 2
        elif isinstance(child, (ast.AugAssign, ast.Expr)):
            continue
        elif isinstance(child, (ast.stmt, ast.excepthandler)):
            count += 1
    return count


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


def _name_dump(name: str) -> str:
    return ast.dump(ast.Name(id=name, ctx=ast.Load()))


def _target_name(target: ast.AST) -> str:
    return target.id if isinstance(target, ast.Name) else ""


def _parameter_names(args: ast.arguments) -> list[str]:
    names = [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]
    names += [a.arg for a in (args.vararg, args.kwarg) if a is not None]
    return names


def _target_names(target: ast.AST) -> list[str]:
    return [n.id for n in ast.walk(target) if isinstance(n, ast.Name)]


def _walk_body(func: _FunctionNode) -> Iterator[ast.AST]:
    """Every node of the function's body (nested functions included)."""
    for statement in func.body:
        yield from ast.walk(statement)


def _walk_own(body: Sequence[ast.stmt]) -> Iterator[ast.AST]:
    """The nodes of ``body`` that belong to its function, not to functions, lambdas
    or classes nested in it."""
    stack: list[ast.AST] = list(reversed(body))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            stack.extend(reversed(list(ast.iter_child_nodes(node))))


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


def _bound_names(body: Sequence[ast.stmt], bound: dict[str, int]) -> None:
    """Names bound by ``body`` in its own scope → the first line binding them."""
    stack: list[ast.AST] = list(reversed(body))
    while stack:
        node = stack.pop()
        line = getattr(node, "lineno", 0)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.setdefault(node.name, line)
            stack.extend(reversed(node.decorator_list))
            continue
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            for inner in ast.walk(node):
                if isinstance(inner, ast.NamedExpr) and isinstance(inner.target, ast.Name):
                    bound.setdefault(inner.target.id, line)
            stack.append(node.generators[0].iter)
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            bound.setdefault(node.id, line)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.setdefault(node.name, line)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name != "*":
                    bound.setdefault(alias.asname or alias.name.split(".")[0], line)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            for name in node.names:
                bound.setdefault(name, line)
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
            bound.setdefault(node.name, line)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            bound.setdefault(node.rest, line)
        stack.extend(reversed(list(ast.iter_child_nodes(node))))


def _split_lines(text: str) -> list[str]:
    """Lines with their endings, split where Python's tokenizer splits them."""
    lines: list[str] = []
    start = 0
    for match in _NEWLINE.finditer(text):
        lines.append(text[start : match.end()])
        start = match.end()
    if start < len(text):
        lines.append(text[start:])
    return lines


def _content(line: str) -> str:
    return line.rstrip("\r\n")


def _first_newline(text: str) -> str:
    match = _NEWLINE.search(text)
    return match.group() if match else "\n"


def _first_line(text: str) -> str:
    return text.split("\n", 1)[0]


def _one_line(text: str) -> str:
    """Multi-line code on one line, for descriptions (``if x:\\n    return 1`` →
    ``if x: return 1``)."""
    text = re.sub(r":\n\s+", ": ", text)
    return re.sub(r"\n\s*", "; ", text)


def _short(text: str) -> str:
    return text if len(text) <= _MAX_DESCRIPTION else text[: _MAX_DESCRIPTION - 1] + "…"


def _compile(source: str | bytes, *, strict: bool) -> types.CodeType | None:
    """The code of ``source``, or None when it does not compile; with ``strict``, a
    syntax warning (``x is 5``, ``5[0]``) counts as an error."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error" if strict else "ignore")
            return compile(source, "<candidate>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, OverflowError, RecursionError, MemoryError, Warning):
        return None


def _code_key(code: types.CodeType) -> tuple[object, ...]:
    """Everything of compiled code but its positions: equal keys, equal behaviour."""
    return (
        code.co_code,
        tuple(_constant_key(c) for c in code.co_consts),
        code.co_names,
        code.co_varnames,
        code.co_freevars,
        code.co_cellvars,
        code.co_argcount,
        code.co_posonlyargcount,
        code.co_kwonlyargcount,
        code.co_flags,
        code.co_name,
        getattr(code, "co_exceptiontable", b""),
    )


def _constant_key(constant: object) -> object:
    if isinstance(constant, types.CodeType):
        return _code_key(constant)
    if isinstance(constant, (tuple, frozenset)):
        items = [_constant_key(item) for item in constant]
        if isinstance(constant, frozenset):
            items.sort(key=repr)
        return (type(constant).__name__, tuple(items))
    return (type(constant).__name__, repr(constant))


# --- guards -----------------------------------------------------------------------------


def _name(parameter: str) -> ast.Name:
    return ast.Name(id=parameter, ctx=ast.Load())


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


#: Guard conditions on one parameter: (kind of value it suits, check).
_GUARD_TEMPLATES: tuple[tuple[str, str], ...] = (
    ("any", "not"),
    ("number", "<= 1"),
    ("number", "== 0"),
    ("none", "is None"),
    ("number", "<= 0"),
    ("number", "< 0"),
    ("sized", "len <= 1"),
    ("number", "== 1"),
    ("sized", "len == 0"),
    ("sized", "len == 1"),
    ("bool", "true"),
)


def _guard_condition(check: str, parameter: str) -> ast.expr:
    if check == "not":
        return ast.UnaryOp(op=ast.Not(), operand=_name(parameter))
    if check == "true":
        return _name(parameter)
    if check == "is None":
        return ast.Compare(
            left=_name(parameter), ops=[ast.Is()], comparators=[ast.Constant(value=None)]
        )
    length = check.startswith("len ")
    operator, number = check.removeprefix("len ").split()
    op: ast.cmpop = {"<=": ast.LtE(), "==": ast.Eq(), "<": ast.Lt()}[operator]
    left: ast.expr = _name(parameter)
    if length:
        left = ast.Call(func=ast.Name(id="len", ctx=ast.Load()), args=[left], keywords=[])
    return ast.Compare(left=left, ops=[op], comparators=[_literal(int(number))])


def _guard_holds(check: str, value: object) -> bool:
    """Whether the condition ``check`` is true for a parameter of this value."""
    if check == "not":
        try:
            return not value
        except Exception:
            return False
    if check == "true":
        return value is True
    if check == "is None":
        return value is None
    if check.startswith("len "):
        if not isinstance(value, Sized) or isinstance(value, (int, float)):
            return False
        subject: float = len(value)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        subject = value
    else:
        return False
    operator, number = check.removeprefix("len ").split()
    limit = int(number)
    if operator == "<=":
        return subject <= limit
    if operator == "<":
        return subject < limit
    return subject == limit


def _compare_holds(op: ast.cmpop, a: float, b: float) -> bool:
    if isinstance(op, ast.Gt):
        return a > b
    if isinstance(op, ast.GtE):
        return a >= b
    return a == b


def _kind_matches(kind: str, annotation: frozenset[str]) -> bool:
    if kind == "any":
        return True
    if kind == "number":
        return bool(annotation & _NUMBER_ANNOTATIONS)
    if kind == "sized":
        return bool(annotation & _SIZED_ANNOTATIONS)
    if kind == "none":
        return bool(annotation & {"None", "Optional"})
    return "bool" in annotation


def _input_values(
    inputs: Sequence[Mapping[str, str]], parameter: str
) -> tuple[list[object], set[str]]:
    """The failing inputs' values of ``parameter`` that are literals, and the kinds of
    all of them (guessed from the ``repr`` when it is not a literal)."""
    values: list[object] = []
    kinds: set[str] = set()
    for call in inputs:
        text = call.get(parameter)
        if text is None:
            continue
        value = _literal_value(text)
        if value is not _NOT_A_LITERAL:
            values.append(value)
            if isinstance(value, bool):
                kinds.add("bool")
            elif _is_number(value):
                kinds.add("number")
            elif value is None:
                kinds.add("none")
            else:
                kinds.add("sized")
            continue
        start = text.strip()[:1]
        if start in ("[", "(", "{", "'", '"'):
            kinds.add("sized")
        elif start.isdigit() or start == "-":
            kinds.add("number")
        else:
            kinds.add("object")
    return values, kinds


def _input_pairs(inputs: Sequence[Mapping[str, str]], a: str, b: str) -> list[tuple[float, float]]:
    """The failing inputs' numeric values of two parameters, in pairs."""
    pairs = []
    for call in inputs:
        if a in call and b in call:
            x, y = _literal_value(call[a]), _literal_value(call[b])
            if _is_number(x) and _is_number(y):
                assert isinstance(x, (int, float)) and isinstance(y, (int, float))
                pairs.append((float(x), float(y)))
    return pairs


def _literal_value(text: str) -> object:
    """The value of the literal ``text``; a unique sentinel when it is none."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.literal_eval(text.strip())
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return _NOT_A_LITERAL

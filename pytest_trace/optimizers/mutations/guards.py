"""Guards: ``if <cond>: return <value>`` inserted at the top of the body and before the
most suspicious statements, from the failing inputs and the expected values."""

from __future__ import annotations

import ast
import itertools
import warnings
from collections.abc import Iterator, Mapping, Sequence, Sized

from pytest_trace.optimizers.mutations.function import Function
from pytest_trace.optimizers.mutations.model import Block, Raw
from pytest_trace.optimizers.mutations.nodes import is_docstring_statement, number_literal
from pytest_trace.optimizers.mutations.scope import NUMBER_ANNOTATIONS, SIZED_ANNOTATIONS

# Caps, so that no operator explodes on a big function.
_MAX_GUARDS_AT_TOP = 48
_MAX_GUARDS_PER_STATEMENT = 16
_GUARDED_STATEMENTS = 3
_MAX_GUARD_VALUES = 8
_MAX_GUARD_CONDITIONS = 12
_MAX_DEREFERENCED = 3

_NOT_A_LITERAL = object()


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


class GuardInsertion:
    """``if <cond>: return <value>`` at the top of the body and before the most
    suspicious statements, with conditions that hold for the failing inputs."""

    name = "insert guard"
    priority = 22

    def generate(self, function: Function) -> Iterator[Raw]:
        conditions = _guard_conditions(function)
        top = function.blocks[0]
        start = 1 if is_docstring_statement(top.statements[0]) else 0
        if not conditions or start >= len(top.statements):
            return
        positions: list[tuple[Block, int, int]] = [(top, start, _MAX_GUARDS_AT_TOP)]
        ranked = sorted(
            ((score, line) for line, score in function.hints.suspicious.items() if score > 0),
            key=lambda item: (-item[0], item[1]),
        )
        for _, line in ranked:
            if len(positions) > _GUARDED_STATEMENTS:
                break
            statement = _statement_at(function, line)
            if statement is None or id(statement) not in function.position:
                continue
            block, index = function.position[id(statement)]
            if not any(b is block and i == index for b, i, _ in positions):
                positions.append((block, index, _MAX_GUARDS_PER_STATEMENT))
        for block, index, cap in positions:
            at_top = block is top and index == start
            values = _guard_values(function, 0 if at_top else block.statements[index].lineno)
            pairs = sorted(
                itertools.product(range(len(conditions)), range(len(values))),
                key=lambda pair: (pair[0] + pair[1], pair[0]),
            )
            for c, v in pairs[:cap]:
                guard = ast.If(test=conditions[c], body=[ast.Return(value=values[v])], orelse=[])
                yield function.insertion(block, index, guard, self.name, self.priority)


def _statement_at(function: Function, line: int) -> ast.stmt | None:
    """The innermost statement starting on ``line``."""
    found = None
    for statement in function.statements:
        if statement.lineno == line and id(statement) in function.position:
            found = statement
    return found


def _guard_conditions(function: Function) -> list[ast.expr]:
    """Conditions on the parameters, those true for the most failing inputs first."""
    parameters = [p for p in function.params if p not in ("self", "cls")]
    inputs = function.hints.inputs
    scored: list[tuple[int, int, ast.expr]] = []  # (-failing inputs covered, rank, cond)
    for parameter in parameters:
        values, kinds = _input_values(inputs, parameter)
        annotation = function.annotations.get(parameter, frozenset())
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
        and not (function.annotations.get(p) and not function.annotations[p] & NUMBER_ANNOTATIONS)
    ]
    for a, b in itertools.combinations(numeric[:4], 2):
        pairs = _input_pairs(inputs, a, b)
        for rank, op in enumerate((ast.Gt(), ast.GtE(), ast.Eq())):
            coverage = sum(1 for x, y in pairs if _compare_holds(op, x, y))
            if pairs and not coverage:
                continue
            condition: ast.expr = ast.Compare(left=_name(a), ops=[op], comparators=[_name(b)])
            scored.append((-coverage, len(_GUARD_TEMPLATES) + rank, condition))
    for rank, condition in enumerate(_dereference_conditions(function)):
        scored.append((0, rank, condition))
    scored.sort(key=lambda item: (item[0], item[1]))
    unique: dict[str, ast.expr] = {}
    for _, _, condition in scored:
        unique.setdefault(ast.dump(condition), condition)
    return list(unique.values())[:_MAX_GUARD_CONDITIONS]


def _dereference_conditions(function: Function) -> list[ast.expr]:
    """``x.a is None`` and ``not x.a`` for attributes of parameters that the function
    dereferences (``x.a.b``, ``x.a[i]``): the missing check for an empty list's
    head, an absent middle name."""
    found: dict[str, ast.Attribute] = {}
    for node in ast.walk(function.func):
        if not isinstance(node, (ast.Attribute, ast.Subscript)):
            continue
        inner = node.value
        if (
            isinstance(inner, ast.Attribute)
            and isinstance(inner.value, ast.Name)
            and inner.value.id in function.params
            and isinstance(inner.ctx, ast.Load)
        ):
            found.setdefault(ast.dump(inner), inner)
    conditions: list[ast.expr] = []
    for attribute in list(found.values())[:_MAX_DEREFERENCED]:
        none = ast.Compare(left=attribute, ops=[ast.Is()], comparators=[ast.Constant(None)])
        conditions += [none, ast.UnaryOp(op=ast.Not(), operand=attribute)]
    return conditions


def _guard_values(function: Function, line: int) -> list[ast.expr | None]:
    """What a guard may return: the expected values, the function's returned
    literals, its parameters, and the expressions it returns that can be computed
    before ``line`` (0: at the top); a bare ``return`` for a function without values."""
    values: list[ast.expr | None] = []
    for text in function.hints.expected:
        node = _literal_node(text)
        if node is not None:
            values.append(node)
    literals = [r for r in function.returns if _is_literal_expression(r)]
    values += literals
    values += [_name(p) for p in function.params if p not in ("self", "cls")][:3]
    available = set(function.params) | {
        name for name, bound in function.bound_line.items() if line and bound < line
    }
    for expression in function.returns:
        names = {n.id for n in ast.walk(expression) if isinstance(n, ast.Name)}
        if all(name in available or name not in function.bound_line for name in names):
            values.append(expression)
    for expression in function.returns:
        values += _without_a_part(expression)[:2]
    if not function.returns:
        values.append(None)
    if not function.hints.expected and not literals:
        values += [number_literal(0), number_literal(1), ast.Constant(value=None)]
    unique: dict[str, ast.expr | None] = {}
    for value in values:
        unique.setdefault("" if value is None else ast.dump(value), value)
    return list(unique.values())[:_MAX_GUARD_VALUES]


def _without_a_part(expression: ast.expr) -> list[ast.expr]:
    """A returned f-string without one of its values that reaches into an attribute
    (``{person.middle[0]}``) and the text after that value: what to return when that
    attribute is missing (``'Ada Lovelace'`` for ``'Ada K. Lovelace'``)."""
    if not isinstance(expression, ast.JoinedStr):
        return []
    parts = expression.values
    variants: list[ast.expr] = []
    for index, part in enumerate(parts):
        if not isinstance(part, ast.FormattedValue):
            continue
        if not any(isinstance(node, ast.Attribute) for node in ast.walk(part.value)):
            continue
        following = parts[index + 1 : index + 2]
        skip = 2 if following and isinstance(following[0], ast.Constant) else 1
        rest = parts[:index] + parts[index + skip :]
        if rest and any(isinstance(p, ast.FormattedValue) for p in rest):
            variants.append(ast.JoinedStr(values=rest))
    return variants


def _name(parameter: str) -> ast.Name:
    return ast.Name(id=parameter, ctx=ast.Load())


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


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
    return ast.Compare(left=left, ops=[op], comparators=[number_literal(int(number))])


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
        return bool(annotation & NUMBER_ANNOTATIONS)
    if kind == "sized":
        return bool(annotation & SIZED_ANNOTATIONS)
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

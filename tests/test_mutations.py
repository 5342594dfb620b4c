"""Tests of pytest_trace.optimizers.mutations: the edit operators of the search optimizer.

For each operator, a function with a bug of its kind: one of the edits must be the fix.
Every edit of every function here is also checked: it compiles, keeps the name and the
signature, differs from the original and from the other edits.
"""

from __future__ import annotations

import ast
import textwrap
import time
import warnings
from dataclasses import dataclass, field

import pytest

from pytest_trace.optimizers.mutations import (
    Edit,
    Hints,
    double_edits,
    normalized,
    single_edits,
)


def code(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def edits_of(source: str, hints: Hints | None = None) -> list[Edit]:
    """All single edits of ``source``, checked."""
    source = code(source)
    edits = list(single_edits(source, hints or Hints()))
    check_edits(source, edits)
    return edits


def check_edits(source: str, edits: list[Edit]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # warnings the original code has already
        _check_edits(source, edits)


def _check_edits(source: str, edits: list[Edit]) -> None:
    original = ast.parse(source).body[0]
    assert isinstance(original, (ast.FunctionDef, ast.AsyncFunctionDef))
    forms = {normalized(source)}
    line_count = len(source.splitlines())
    for edit in edits:
        tree = ast.parse(edit.source)
        compile(tree, "<candidate>", "exec", dont_inherit=True)
        node = tree.body[0]
        assert isinstance(node, type(original))
        assert node.name == original.name
        assert ast.dump(node.args) == ast.dump(original.args)
        assert ast.dump(node.returns or ast.Pass()) == ast.dump(original.returns or ast.Pass())
        form = ast.dump(tree)  # normalized(edit.source), without parsing it again
        assert form not in forms, f"duplicate or no-op: {edit.description}"
        forms.add(form)
        assert edit.operators and all(isinstance(op, str) and op for op in edit.operators)
        assert edit.lines and all(1 <= line <= line_count for line in edit.lines)
        assert list(edit.lines) == sorted(set(edit.lines))
        assert edit.size >= 1
        assert edit.description.startswith("line")


def fix_in(edits: list[Edit], fixed: str) -> Edit:
    """The edit whose program is ``fixed``."""
    wanted = normalized(code(fixed))
    found = [edit for edit in edits if normalized(edit.source) == wanted]
    assert found, "no edit gives:\n" + code(fixed)
    return found[0]


@dataclass(frozen=True)
class Bug:
    operator: str
    source: str
    fixed: str
    lines: tuple[int, ...]
    size: int = 1
    hints: Hints = field(default_factory=Hints)


BUGS = {
    "comparison": Bug(
        "comparison swap",
        """
        def is_adult(age):
            return age > 18
        """,
        """
        def is_adult(age):
            return age >= 18
        """,
        (2,),
    ),
    "comparison is": Bug(
        "comparison swap",
        """
        def missing(value):
            return value == None
        """,
        """
        def missing(value):
            return value is None
        """,
        (2,),
    ),
    "membership": Bug(
        "comparison swap",
        """
        def allowed(name, banned):
            return name in banned
        """,
        """
        def allowed(name, banned):
            return name not in banned
        """,
        (2,),
    ),
    "arithmetic": Bug(
        "arithmetic swap",
        """
        def average(total, count):
            return total // count
        """,
        """
        def average(total, count):
            return total / count
        """,
        (2,),
    ),
    "augmented assignment": Bug(
        "arithmetic swap",
        """
        def balance(payments):
            total = 0
            for amount in payments:
                total -= amount
            return total
        """,
        """
        def balance(payments):
            total = 0
            for amount in payments:
                total += amount
            return total
        """,
        (4,),
    ),
    "bitwise": Bug(
        "bitwise swap",
        """
        def combine(flags, mask):
            return flags & mask
        """,
        """
        def combine(flags, mask):
            return flags | mask
        """,
        (2,),
    ),
    "assignment": Bug(
        "assignment swap",
        """
        def total(xs):
            result = 0
            for x in xs:
                result = x
            return result
        """,
        """
        def total(xs):
            result = 0
            for x in xs:
                result += x
            return result
        """,
        (4,),
    ),
    "off by one index": Bug(
        "off by one",
        """
        def last(xs):
            return xs[len(xs)]
        """,
        """
        def last(xs):
            return xs[len(xs) - 1]
        """,
        (2,),
        size=2,
    ),
    "off by one keyword argument": Bug(
        "off by one",
        """
        def day_of_year(start, day):
            return start + timedelta(days=int(day))
        """,
        """
        def day_of_year(start, day):
            return start + timedelta(days=int(day) - 1)
        """,
        (2,),
        size=2,
    ),
    "off by one range": Bug(
        "off by one",
        """
        def squares(n):
            return [i * i for i in range(n)]
        """,
        """
        def squares(n):
            return [i * i for i in range(n + 1)]
        """,
        (2,),
        size=2,
    ),
    "off by one range start": Bug(
        "off by one",
        """
        def factorial(n):
            result = 1
            for i in range(n):
                result *= i
            return result
        """,
        """
        def factorial(n):
            result = 1
            for i in range(1, n):
                result *= i
            return result
        """,
        (3,),
    ),
    "off by one slice": Bug(
        "off by one",
        """
        def head(xs, n):
            return xs[:n - 1]
        """,
        """
        def head(xs, n):
            return xs[:n]
        """,
        (2,),
        size=2,
    ),
    "off by one constant": Bug(
        "off by one",
        """
        def is_teen(age):
            return 13 <= age <= 18
        """,
        """
        def is_teen(age):
            return 13 <= age <= 19
        """,
        (2,),
    ),
    "guard": Bug(
        "insert guard",
        """
        def fact(n):
            return n * fact(n - 1)
        """,
        """
        def fact(n):
            if n <= 1:
                return 1
            return n * fact(n - 1)
        """,
        (2,),
        size=6,
        hints=Hints(inputs=({"n": "0"}, {"n": "1"}), expected=("1",)),
    ),
    "guard on empty input": Bug(
        "insert guard",
        """
        def mean(xs):
            return sum(xs) / len(xs)
        """,
        """
        def mean(xs):
            if not xs:
                return 0.0
            return sum(xs) / len(xs)
        """,
        (2,),
        size=5,
        hints=Hints(inputs=({"xs": "[]"},), expected=("0.0",)),
    ),
    "variable": Bug(
        "variable swap",
        """
        def area(width, height):
            return width * width
        """,
        """
        def area(width, height):
            return width * height
        """,
        (2,),
    ),
    "loop variable": Bug(
        "variable swap",
        """
        def count_matches(words, target):
            count = 0
            for word in words:
                if target == target.lower():
                    count += 1
            return count
        """,
        """
        def count_matches(words, target):
            count = 0
            for word in words:
                if word == target.lower():
                    count += 1
            return count
        """,
        (4,),
    ),
    "comprehension variable": Bug(
        "variable swap",
        """
        def doubled(xs):
            return [xs * 2 for x in xs]
        """,
        """
        def doubled(xs):
            return [x * 2 for x in xs]
        """,
        (2,),
    ),
    "global": Bug(
        "variable swap",
        """
        def price_with_tax(price, discount):
            return price * (1 + discount)
        """,
        """
        def price_with_tax(price, discount):
            return price * (1 + TAX_RATE)
        """,
        (2,),
        hints=Hints(global_names=("TAX_RATE", "format_price")),
    ),
    "replace with variable": Bug(
        "replace with variable",
        """
        def total(prices):
            result = 0
            for price in prices:
                result += price
            return 0
        """,
        """
        def total(prices):
            result = 0
            for price in prices:
                result += price
            return result
        """,
        (5,),
    ),
    "arguments": Bug(
        "swap arguments",
        """
        def power(base, exponent):
            return pow(exponent, base)
        """,
        """
        def power(base, exponent):
            return pow(base, exponent)
        """,
        (2,),
        size=2,
    ),
    "operands": Bug(
        "swap operands",
        """
        def prefix(text, mark):
            return text + mark
        """,
        """
        def prefix(text, mark):
            return mark + text
        """,
        (2,),
        size=2,
    ),
    "elements": Bug(
        "swap elements",
        """
        def bounds(xs):
            return max(xs), min(xs)
        """,
        """
        def bounds(xs):
            return min(xs), max(xs)
        """,
        (2,),
        size=2,
    ),
    "min/max": Bug(
        "min/max swap",
        """
        def smallest(xs):
            return max(xs)
        """,
        """
        def smallest(xs):
            return min(xs)
        """,
        (2,),
    ),
    "any/all": Bug(
        "any/all swap",
        """
        def all_positive(xs):
            return any(x > 0 for x in xs)
        """,
        """
        def all_positive(xs):
            return all(x > 0 for x in xs)
        """,
        (2,),
    ),
    "and/or": Bug(
        "and/or swap",
        """
        def can_vote(age, citizen):
            return age >= 18 or citizen
        """,
        """
        def can_vote(age, citizen):
            return age >= 18 and citizen
        """,
        (2,),
    ),
    "one and/or of a chain": Bug(
        "and/or swap",
        """
        def is_leap(year):
            return year % 400 == 0 or year % 4 == 0 or year % 100 != 0
        """,
        """
        def is_leap(year):
            return year % 400 == 0 or (year % 4 == 0 and year % 100 != 0)
        """,
        (2,),
    ),
    "one and/or of a chain of ands": Bug(
        "and/or swap",
        """
        def shown(visible, enabled, forced):
            return visible and enabled and forced
        """,
        """
        def shown(visible, enabled, forced):
            return (visible and enabled) or forced
        """,
        (2,),
    ),
    "unread parameter": Bug(
        "use unused parameter",
        """
        def from_code(text, zero_allowed=True):
            if text == "N":
                return 0
            return int(text)
        """,
        """
        def from_code(text, zero_allowed=True):
            if text == "N" and zero_allowed:
                return 0
            return int(text)
        """,
        (2,),
        size=2,
    ),
    "missing not": Bug(
        "add not",
        """
        def greet(user):
            if user.anonymous:
                return "Hello, " + user.name
            return "Hello, stranger"
        """,
        """
        def greet(user):
            if not user.anonymous:
                return "Hello, " + user.name
            return "Hello, stranger"
        """,
        (2,),
    ),
    "extra not": Bug(
        "remove not",
        """
        def visible(items):
            return [item for item in items if not item.hidden]
        """,
        """
        def visible(items):
            return [item for item in items if item.hidden]
        """,
        (2,),
    ),
    "extra operand": Bug(
        "delete operand",
        """
        def total(price, tax, tip):
            return price + tax + tip
        """,
        """
        def total(price, tax, tip):
            return price + tax
        """,
        (2,),
        size=2,
    ),
    "missing operand": Bug(
        "insert operand",
        """
        def apply_discount(price, percent):
            return price * percent / 100
        """,
        """
        def apply_discount(price, percent):
            return price - price * percent / 100
        """,
        (2,),
        size=2,
    ),
    "extra condition": Bug(
        "delete operand",
        """
        def ready(order):
            return order.paid and order.packed and order.shipped
        """,
        """
        def ready(order):
            return order.paid and order.packed
        """,
        (2,),
        size=3,
    ),
    "attribute": Bug(
        "attribute swap",
        """
        def shout(text):
            return text.lower() + "!"
        """,
        """
        def shout(text):
            return text.upper() + "!"
        """,
        (2,),
    ),
    "attribute of the same object": Bug(
        "attribute swap",
        """
        def length(span):
            return span.end - span.end
        """,
        """
        def length(span):
            return span.end - span.start
        """,
        (2,),
    ),
    "unwrap": Bug(
        "unwrap call",
        """
        def distance(a, b):
            return abs(a) - b
        """,
        """
        def distance(a, b):
            return a - b
        """,
        (2,),
    ),
    "slice": Bug(
        "add slice",
        """
        def rest(items):
            return items
        """,
        """
        def rest(items):
            return items[1:]
        """,
        (2,),
    ),
    "reverse": Bug(
        "add slice",
        """
        def backwards(text):
            return "".join(c for c in text)
        """,
        """
        def backwards(text):
            return "".join(c for c in text[::-1])
        """,
        (2,),
        size=2,
    ),
    "remove slice": Bug(
        "remove slice",
        """
        def names(people):
            return [p.name for p in people[1:]]
        """,
        """
        def names(people):
            return [p.name for p in people]
        """,
        (2,),
    ),
    "missing statement": Bug(
        "insert statement",
        """
        def sum_positive(xs):
            i = 0
            total = 0
            while i < len(xs):
                if xs[i] < 0:
                    i += 1
                    continue
                total += xs[i]
            return total
        """,
        """
        def sum_positive(xs):
            i = 0
            total = 0
            while i < len(xs):
                if xs[i] < 0:
                    i += 1
                    continue
                total += xs[i]
                i += 1
            return total
        """,
        (8,),
        size=3,
    ),
    "missing return": Bug(
        "insert statement",
        """
        def squares(xs):
            result = []
            for x in xs:
                result.append(x * x)
        """,
        """
        def squares(xs):
            result = []
            for x in xs:
                result.append(x * x)
            return result
        """,
        (4,),
        size=2,
    ),
    "misplaced statement": Bug(
        "move statement",
        """
        def first_index(xs, target):
            for i, x in enumerate(xs):
                if x == target:
                    return i
                return -1
        """,
        """
        def first_index(xs, target):
            for i, x in enumerate(xs):
                if x == target:
                    return i
            return -1
        """,
        (5,),
        size=3,
    ),
    "extra statement": Bug(
        "delete statement",
        """
        def normalize(text):
            text = text.strip()
            text = text[1:]
            return text.lower()
        """,
        """
        def normalize(text):
            text = text.strip()
            return text.lower()
        """,
        (3,),
        size=4,
    ),
    "tuned constant": Bug(
        "tune constant",
        """
        def to_fahrenheit(celsius):
            return celsius * 9 / 5 + 23
        """,
        """
        def to_fahrenheit(celsius):
            return celsius * 9 / 5 + 32
        """,
        (2,),
        hints=Hints(numbers=((203.0, 212.0),)),
    ),
    "scaled constant": Bug(
        "tune constant",
        """
        def monthly(salary):
            return salary / 10
        """,
        """
        def monthly(salary):
            return salary / 12
        """,
        (2,),
        hints=Hints(numbers=((1200.0, 1000.0),)),
    ),
    "literal": Bug(
        "swap literal",
        """
        def quoted(text):
            return '"' + text + "'"
        """,
        """
        def quoted(text):
            return '"' + text + '"'
        """,
        (2,),
    ),
    "boolean": Bug(
        "swap literal",
        """
        def is_empty(xs):
            for _ in xs:
                return True
            return True
        """,
        """
        def is_empty(xs):
            for _ in xs:
                return False
            return True
        """,
        (3,),
    ),
    "f-string": Bug(
        "off by one",
        """
        def ordinal(index):
            return f"item {index}"
        """,
        """
        def ordinal(index):
            return f"item {index + 1}"
        """,
        (2,),
        size=2,
    ),
}


@pytest.mark.parametrize("name", BUGS)
def test_an_edit_fixes_a_bug_of_each_kind(name: str) -> None:
    bug = BUGS[name]
    edit = fix_in(edits_of(bug.source, bug.hints), bug.fixed)
    assert edit.operators == (bug.operator,)
    assert edit.lines == bug.lines
    assert edit.size == bug.size


def test_an_edit_keeps_the_text_of_the_lines_it_does_not_touch() -> None:
    source = code(
        """
        def price(amount,   rate):  # the price
            '''Docstring.'''
            # apply the rate
            total = amount * ( 1 + rate )   # keep this
            return total  -  1
        """
    )
    edit = fix_in(
        edits_of(source),
        """
        def price(amount, rate):
            '''Docstring.'''
            total = amount * (1 + rate)
            return total + 1
        """,
    )
    assert edit.source == source.replace("total  -  1", "total  +  1")
    assert edit.description == "line 5: `total - 1` → `total + 1`"
    guard = next(e for e in edits_of(source) if e.operators == ("insert guard",))
    assert guard.source.startswith(
        "def price(amount,   rate):  # the price\n    '''Docstring.'''\n    # apply the rate\n"
        "    if "
    )
    assert "    total = amount * ( 1 + rate )   # keep this\n" in guard.source


def test_descriptions_show_the_expression_around_the_edit() -> None:
    edits = edits_of(
        """
        def f(xs, n):
            total = 0
            return xs[n] + total
        """
    )
    descriptions = {edit.description for edit in edits}
    assert "line 2: `total = 0` → `total = 1`" in descriptions
    assert "line 3: `xs[n]` → `xs[n + 1]`" in descriptions
    assert "line 3: `xs[n] + total` → `xs[n] - total`" in descriptions
    assert "line 2: delete `total = 0`" in descriptions
    assert any("insert `if not xs: return xs` before `total = 0`" in d for d in descriptions)


def test_lines_are_those_of_the_original_source() -> None:
    edits = edits_of(
        """
        def f(a, b):
            '''Docstring
            on two lines.'''
            if a < b:
                return a
            return b
        """
    )
    swap = next(e for e in edits if e.description == "line 4: `a < b` → `a <= b`")
    assert swap.lines == (4,)
    deletion = next(e for e in edits if e.operators == ("delete statement",) and e.size > 2)
    assert deletion.lines == (4, 5)  # the whole `if` statement


def test_suspicious_lines_come_first() -> None:
    source = """
        def f(a, b, c):
            x = a + b
            y = b - c
            return x * y
        """
    plain = edits_of(source)
    assert plain[0].lines == (2,)
    guided = edits_of(source, Hints(suspicious={3: 1.0, 4: 0.5}))
    assert guided[0].lines == (3,)
    first_other = next(i for i, e in enumerate(guided) if 3 not in e.lines)
    assert all(3 in e.lines for e in guided[:first_other])
    # the same edits, and guards before the suspicious statements
    assert {e.source for e in plain} < {e.source for e in guided}


def test_guards_use_the_failing_inputs_and_expected_values() -> None:
    source = """
        def fib(n):
            return fib(n - 1) + fib(n - 2)
        """
    edits = edits_of(source, Hints(inputs=({"n": "1"}, {"n": "0"}), expected=("1", "0")))
    guards = [e for e in edits if e.operators == ("insert guard",)]
    conditions = {e.description.split("`")[1].split(":")[0] for e in guards}
    assert "if n <= 1" in conditions
    assert "if n < 0" not in conditions  # false for every failing input
    fix_in(
        edits,
        """
        def fib(n):
            if n <= 1:
                return n
            return fib(n - 1) + fib(n - 2)
        """,
    )


def test_guards_without_hints_use_the_parameters() -> None:
    edits = edits_of(
        """
        def first(xs):
            return xs[0]
        """
    )
    fix_in(
        edits,
        """
        def first(xs):
            if not xs:
                return None
            return xs[0]
        """,
    )


def test_guards_go_before_suspicious_statements_too() -> None:
    source = """
        def ratio(values, total):
            scaled = [v * 2 for v in values]
            share = sum(scaled) / total
            return share
        """
    edits = edits_of(source, Hints(suspicious={3: 1.0}, inputs=({"total": "0"},)))
    fix_in(
        edits,
        """
        def ratio(values, total):
            scaled = [v * 2 for v in values]
            if total == 0:
                return 0
            share = sum(scaled) / total
            return share
        """,
    )


def test_names_are_replaced_by_names_in_scope_only() -> None:
    edits = edits_of(
        """
        def f(xs, k):
            ys = [y + k for y in xs]
            return ys, k
        """,
        Hints(global_names=("LIMIT", "xs")),
    )
    line_3 = [e for e in edits if e.operators == ("variable swap",) and e.lines == (3,)]
    sources = "\n".join(e.source for e in line_3)
    assert "return (ys, ys)" not in sources and "return ys, ys" in sources
    assert "return y," not in sources  # the comprehension variable is out of scope there
    assert "return LIMIT, k" in sources
    in_comprehension = [e for e in edits if e.operators == ("variable swap",) and e.lines == (2,)]
    assert any("[y + y for y in xs]" in e.source for e in in_comprehension)


def test_methods_and_async_functions() -> None:
    edits = edits_of(
        """
        async def total(self, items):
            prices = [await self.price(item) for item in items]
            return sum(prices) * self.rate
        """,
        Hints(inputs=({"self": "<Cart object at 0x1>", "items": "[]"},)),
    )
    guards = [e.description for e in edits if e.operators == ("insert guard",)]
    assert guards and not any("self" in g.split("`")[1].split(":")[0] for g in guards)


def test_crlf_tabs_and_no_final_newline_are_kept() -> None:
    crlf = "def f(xs):\r\n    total = 0\r\n    for x in xs:\r\n        total += x\r\n"
    crlf += "    return total\r\n"
    for edit in edits_of(crlf):
        assert "\n" not in edit.source.replace("\r\n", ""), edit.description
    tabs = "def f(xs):\n\ttotal = 0\n\tfor x in xs:\n\t\ttotal += x\n\treturn total\n"
    assert not any("    " in edit.source for edit in edits_of(tabs))
    assert not any(edit.source.endswith("\n") for edit in edits_of("def f(x):\n    return x[0]"))


def test_many_kinds_of_code_give_valid_edits() -> None:
    sources = [
        "def f(x): return x + 1\n",
        "def gen(n):\n    i = 0\n    while i < n:\n        yield i\n        i += 1\n",
        "def bump(n):\n    global COUNT\n    COUNT += n\n    return COUNT\n",
        "def f(cmd):\n    match cmd:\n        case [x, y]:\n            return x + y\n"
        "        case _:\n            return 0\n",
        "def f(xs):\n    if (n := len(xs)) > 10:\n        return n\n"
        "    return [y for x in xs if (y := x * 2) > 3]\n",
        "def f(*args, **kw):\n    first, *rest = args\n    return first(*rest, **kw)\n",
        "def f(x):\n    try:\n        return int(x)\n    except ValueError as error:\n"
        "        raise TypeError(x) from error\n    finally:\n        print(x)\n",
        "def f(xs, k):\n    key = lambda x: x * k\n    def inner(z):\n        return z + k\n"
        "    return sorted(xs, key=key), inner(xs[0])\n",
        "def f(a, b):\n    return (a -\n            b) ** -2 if a else -a ** 2\n",
        "def f(s):\n    return f'{s!r:>{len(s) + 2}}' + 'é' * 2\n",
        "def f(x, *, flag: bool = False) -> int:\n    if x:\n        pass\n    elif flag:\n"
        "        return 1\n    else:\n        return 2\n    return 0\n",
    ]
    for source in sources:
        assert edits_of(source)


def test_warnings_of_the_original_code_do_not_escape() -> None:
    source = 'def f(s, n):\n    return s.split("\\d")[n]\n'  # an invalid escape sequence
    edits = edits_of(source)
    assert edits
    assert list(double_edits(source, Hints(), edits[:3], limit=20))
    # `x is 5` is a SyntaxWarning: never proposed
    assert not any(" is 0" in e.source for e in edits_of("def f(x):\n    return x == 0\n"))


def test_invalid_sources_are_refused() -> None:
    for source in ("x = 1\n", "def f(:\n", "def f(): pass\ndef g(): pass\n", ""):
        with pytest.raises(ValueError):
            list(single_edits(source, Hints()))


def test_generation_is_deterministic_and_lazy() -> None:
    source = code(
        """
        def f(a, b):
            if a < b:
                return a - b
            return b * 2
        """
    )
    first = list(single_edits(source, Hints()))
    assert first == list(single_edits(source, Hints()))
    iterator = single_edits(source, Hints())
    assert next(iterator) == first[0]


def test_normalized_ignores_formatting_and_comments() -> None:
    assert normalized("def f(x):\n    return (x+1)  # c\n") == normalized(
        "def f(x):\n    return x + 1\n"
    )
    assert normalized("def f(x):\n    return x + 1\n") != normalized(
        "def f(x):\n    return x - 1\n"
    )
    assert normalized("def f(:") == "def f(:"


FORTY_LINES = """
    def report(orders, threshold, currency="EUR"):
        '''Summarize orders: totals per customer, large orders, a text report.'''
        totals = {}
        large = []
        skipped = 0
        for index, order in enumerate(orders):
            if order.cancelled or order.amount <= 0:
                skipped += 1
                continue
            customer = order.customer.strip().lower()
            amount = order.amount * order.quantity
            if order.discount:
                amount -= amount * order.discount / 100
            totals[customer] = totals.get(customer, 0) + amount
            if amount >= threshold:
                large.append((index, customer, amount))
        if not totals:
            return "no orders"
        best = max(totals, key=totals.get)
        average = sum(totals.values()) / len(totals)
        lines = [f"{len(totals)} customers, {skipped} skipped"]
        lines.append(f"best: {best} ({totals[best]:.2f} {currency})")
        lines.append(f"average: {average:.2f} {currency}")
        for index, customer, amount in sorted(large, key=lambda item: -item[2])[:5]:
            lines.append(f"  #{index}: {customer} {amount:.2f}")
        ranked = sorted(totals.items(), key=lambda item: item[1], reverse=True)
        for rank, (customer, total) in enumerate(ranked, start=1):
            if rank > 3 and total < average:
                break
            marker = "*" if total >= threshold * 2 else " "
            lines.append(f"{marker}{rank}. {customer}: {total:.2f}")
        if len(lines) > 20:
            lines = lines[:19] + ["..."]
        text = "\\n".join(lines)
        if currency != "EUR":
            text = text.replace("EUR", currency)
        return text.strip()
    """


def test_a_forty_line_function_gives_many_valid_edits() -> None:
    source = code(FORTY_LINES)
    assert len(source.splitlines()) == 37
    hints = Hints(
        suspicious={14: 1.0, 15: 0.8},
        global_names=("TAX", "format_money"),
        inputs=({"orders": "[]", "threshold": "100", "currency": "'EUR'"},),
        expected=("'no orders'",),
        numbers=((90.0, 100.0),),
    )
    start = time.perf_counter()
    edits = list(single_edits(source, hints))
    print(f"{len(edits)} single edits of a 37-line function in {time.perf_counter() - start:.3f} s")
    check_edits(source, edits)
    assert len(edits) > 100
    assert 14 in edits[0].lines
    operators = {op for edit in edits for op in edit.operators}
    assert operators >= {
        "comparison swap",
        "arithmetic swap",
        "off by one",
        "variable swap",
        "insert guard",
        "delete statement",
        "attribute swap",
        "swap literal",
        "and/or swap",
        "min/max swap",
    }


# --- double edits ---------------------------------------------------------------------

TWO_BUGS = """
    def in_range(x, low, high):
        return low < x and x < high
    """


def test_double_edits_find_a_two_bug_fix() -> None:
    source = code(TWO_BUGS)
    singles = edits_of(source)
    assert not any(
        normalized(e.source)
        == normalized("def in_range(x, low, high):\n    return low <= x <= high")
        for e in singles
    )
    pairs = list(double_edits(source, Hints(), singles[:30], limit=500))
    check_edits(source, pairs)
    pair = fix_in(
        pairs,
        """
        def in_range(x, low, high):
            return low <= x and x <= high
        """,
    )
    assert pair.operators == ("comparison swap", "comparison swap")
    assert pair.lines == (2,)
    assert pair.size == 2
    assert pair.description == "line 2: `low < x` → `low <= x`; line 2: `x < high` → `x <= high`"
    single_forms = {normalized(e.source) for e in singles[:30]}
    assert not single_forms & {normalized(e.source) for e in pairs}
    assert len(pairs) == 500


def test_double_edits_combine_different_kinds_and_lines() -> None:
    source = code(
        """
        def scale(values, factor):
            result = []
            for v in values:
                result.append(v + factor)
            return result[1:]
        """
    )
    singles = edits_of(source, Hints(suspicious={4: 1.0, 5: 0.9}))
    pairs = list(double_edits(source, Hints(suspicious={4: 1.0, 5: 0.9}), singles[:40], limit=3000))
    pair = fix_in(
        pairs,
        """
        def scale(values, factor):
            result = []
            for v in values:
                result.append(v * factor)
            return result
        """,
    )
    assert sorted(pair.operators) == ["arithmetic swap", "remove slice"]
    assert pair.lines == (4, 5)


def test_double_edits_map_lines_back_after_an_insertion() -> None:
    source = code(
        """
        def fact(n):
            return n * fact(n + 1)
        """
    )
    hints = Hints(inputs=({"n": "0"},), expected=("1",))
    singles = edits_of(source, hints)
    pairs = list(double_edits(source, hints, singles, limit=5000))
    pair = fix_in(
        pairs,
        """
        def fact(n):
            if n == 0:
                return 1
            return n * fact(n - 1)
        """,
    )
    assert set(pair.operators) == {"insert guard", "arithmetic swap"}
    assert pair.lines == (2,)


def test_double_edits_respect_the_limit_and_stop() -> None:
    source = code(TWO_BUGS)
    singles = edits_of(source)
    assert len(list(double_edits(source, Hints(), singles[:3], limit=7))) == 7
    assert list(double_edits(source, Hints(), singles[:3], limit=0)) == []
    assert list(double_edits(source, Hints(), [], limit=10)) == []
    everything = list(double_edits(source, Hints(), singles[:2], limit=100_000))
    assert 0 < len(everything) < 100_000

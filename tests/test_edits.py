"""Tests of pytest_trace.repair.source_edits: locating, extracting, validating and replacing
functions."""

from __future__ import annotations

import ast
import textwrap

import pytest

from pytest_trace.model import Parameter
from pytest_trace.repair.source_edits import (
    EditError,
    FunctionSpan,
    changed_lines,
    function_source,
    locate_function,
    normalize_function_source,
    replace_function,
    unified_diff,
)

MODULE = '''\
"""A module."""

import math

RATE = 0.2


@trainable
def apply_discount(price, percent):
    """Apply a discount."""
    return price * (1 - percent)
# a comment right after the function


def other(x):
    return x


class Cart:
    """A cart."""

    @trainable(description="the total")
    # a comment between the decorator and the def
    def total(self, items):
        return sum(items)

    class Line:
        @staticmethod
        @trainable
        def cost(price: float, quantity: int = 1) -> float:
            return price * quantity  # the cost

        def after(self):
            return None


@trainable
async def fetch(url):
    return url


def one(x): return x
'''


def lines_of(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def assert_outside_unchanged(old: str, new: str, span: FunctionSpan) -> None:
    """Everything before the def line and after the function's end is byte-identical."""
    old_lines, new_lines = lines_of(old), lines_of(new)
    tail = len(old_lines) - span.end
    assert new_lines[: span.def_line - 1] == old_lines[: span.def_line - 1]
    assert "".join(new_lines[len(new_lines) - tail :]) == "".join(old_lines[span.end :])


# --- locate_function ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("qualname", "span"),
    [
        ("apply_discount", FunctionSpan(start=8, def_line=9, end=11, indent="")),
        ("other", FunctionSpan(start=15, def_line=15, end=16, indent="")),
        ("Cart.total", FunctionSpan(start=22, def_line=24, end=25, indent="    ")),
        ("Cart.Line.cost", FunctionSpan(start=28, def_line=30, end=31, indent="        ")),
        ("Cart.Line.after", FunctionSpan(start=33, def_line=33, end=34, indent="        ")),
        ("fetch", FunctionSpan(start=37, def_line=38, end=39, indent="")),
        ("one", FunctionSpan(start=42, def_line=42, end=42, indent="")),
    ],
)
def test_locate_function(qualname: str, span: FunctionSpan) -> None:
    assert locate_function(MODULE, qualname) == span
    def_line = lines_of(MODULE)[span.def_line - 1]
    assert def_line.lstrip().startswith(("def ", "async def "))
    assert qualname.rpartition(".")[2] + "(" in def_line


def test_locate_finds_definitions_inside_control_flow() -> None:
    text = textwrap.dedent(
        """\
        import sys

        if sys.version_info >= (3, 11):
            def f(x):
                return x
        try:
            class A:
                def m(self):
                    return 1
        except ImportError:
            pass
        """
    )
    assert locate_function(text, "f") == FunctionSpan(start=4, def_line=4, end=5, indent="    ")
    assert locate_function(text, "A.m").def_line == 8


@pytest.mark.parametrize(
    "decorator", ["@decorate(\n    1,\n)\n", "@(\n    decorate\n)\n", "@a\n# note\n@b(\n)\n"]
)
def test_locate_multiline_decorators(decorator: str) -> None:
    text = f"import x\n\n{decorator}def f():\n    pass\n"
    def_line = decorator.count("\n") + 3
    assert locate_function(text, "f") == FunctionSpan(
        start=3, def_line=def_line, end=def_line + 1, indent=""
    )


def test_locate_prefers_the_trainable_of_several_definitions() -> None:
    text = textwrap.dedent(
        """\
        class Item:
            @property
            @trainable
            def price(self):
                return self._price

            @price.setter
            def price(self, value):
                self._price = value
        """
    )
    assert locate_function(text, "Item.price").def_line == 4


def test_a_property_selected_by_a_pattern_is_its_getter() -> None:
    """Not marked ``@trainable`` (a ``--trace-trainable`` pattern selected it), a property
    is its getter, as discovery finds it; ``@overload`` signatures are not the function."""
    text = textwrap.dedent(
        """\
        class Version:
            @property
            def major(self):
                return self._major

            @major.setter
            def major(self, value):
                raise AttributeError("read-only")


        @overload
        def parse(x: int) -> int: ...
        @overload
        def parse(x: str) -> str: ...
        def parse(x):
            return x
        """
    )
    assert locate_function(text, "Version.major").def_line == 3
    assert locate_function(text, "parse").def_line == 15


def test_locate_ambiguous_redefinition_is_an_error() -> None:
    text = "def f():\n    return 1\n\n\ndef f():\n    return 2\n"
    with pytest.raises(EditError, match=r"f: it is defined 2 times \(lines 1, 5\)"):
        locate_function(text, "f")


@pytest.mark.parametrize(
    ("qualname", "message"),
    [
        ("missing", "cannot find missing: there is no function missing at module level"),
        ("Cart.missing", "cannot find Cart.missing: there is no function missing in class Cart"),
        ("Nope.total", "cannot find Nope.total: there is no class Nope at module level"),
        ("other.x", "cannot find other.x: other at module level is not a class"),
        ("Cart", "cannot edit Cart: Cart is a class, not a function"),
        ("outer.<locals>.inner", "nested functions are not supported"),
    ],
)
def test_locate_errors(qualname: str, message: str) -> None:
    with pytest.raises(EditError) as info:
        locate_function(MODULE, qualname)
    assert message in str(info.value)


def test_locate_in_a_file_that_does_not_parse() -> None:
    with pytest.raises(EditError, match=r"the file does not compile: .* \(line 2\)"):
        locate_function("def f():\n    return (\n", "f")


# --- function_source ----------------------------------------------------------------------


def test_function_source_is_the_dedented_definition_without_decorators() -> None:
    assert function_source(MODULE, "apply_discount") == (
        'def apply_discount(price, percent):\n    """Apply a discount."""\n'
        "    return price * (1 - percent)\n"
    )
    assert function_source(MODULE, "Cart.total") == (
        "def total(self, items):\n    return sum(items)\n"
    )
    assert function_source(MODULE, "Cart.Line.cost") == (
        "def cost(price: float, quantity: int = 1) -> float:\n"
        "    return price * quantity  # the cost\n"
    )
    assert function_source(MODULE, "fetch") == "async def fetch(url):\n    return url\n"
    assert function_source(MODULE, "one") == "def one(x): return x\n"


def test_function_source_of_crlf_and_bom_files_uses_newlines() -> None:
    text = "\ufeffdef f(x):\r\n    return x\r\n"
    assert function_source(text, "f") == "def f(x):\n    return x\n"


# --- replace_function ---------------------------------------------------------------------

ALL_FUNCTIONS = [
    "apply_discount",
    "other",
    "Cart.total",
    "Cart.Line.cost",
    "Cart.Line.after",
    "fetch",
    "one",
]


@pytest.mark.parametrize("qualname", ALL_FUNCTIONS)
def test_replacing_a_function_with_its_own_source_changes_nothing(qualname: str) -> None:
    assert replace_function(MODULE, qualname, function_source(MODULE, qualname)) == MODULE


@pytest.mark.parametrize("qualname", ALL_FUNCTIONS)
def test_replace_changes_only_the_definition(qualname: str) -> None:
    span = locate_function(MODULE, qualname)
    old = function_source(MODULE, qualname)
    header = old.splitlines()[0]
    new = f"{header.removesuffix(' return x')}\n    # rewritten\n    return None\n"
    result = replace_function(MODULE, qualname, new)

    assert function_source(result, qualname) == new
    assert_outside_unchanged(MODULE, result, span)
    new_span = locate_function(result, qualname)
    assert new_span.start == span.start
    assert new_span.def_line == span.def_line
    assert new_span.end == span.def_line + 2
    body = lines_of(result)[span.def_line]
    assert body == span.indent + "    # rewritten\n"
    ast.parse(result)


def test_replace_keeps_decorators_and_comment_between_decorator_and_def() -> None:
    result = replace_function(
        MODULE, "Cart.total", "def total(self, items):\n    return sum(items) * 2\n"
    )
    assert (
        '    @trainable(description="the total")\n'
        "    # a comment between the decorator and the def\n"
        "    def total(self, items):\n"
        "        return sum(items) * 2\n"
        "\n"
        "    class Line:\n"
    ) in result
    assert "# a comment right after the function\n" in result


def test_replace_the_one_line_function_with_a_longer_one() -> None:
    result = replace_function(MODULE, "one", "def one(x):\n    y = x\n    return y\n")
    assert result == MODULE.replace(
        "def one(x): return x\n", "def one(x):\n    y = x\n    return y\n"
    )


def test_replace_keeps_unchanged_lines_verbatim_and_indents_new_ones() -> None:
    text = textwrap.dedent(
        '''\
        class Report:
            def render(self, total):
                header = """Report
        (unindented continuation)
            indented continuation"""
                \t
                return header + str(total)
        '''
    )
    source = function_source(text, "Report.render")
    new = source.replace("str(total)", "format(total, '.2f')")
    result = replace_function(text, "Report.render", new)
    assert result == text.replace("str(total)", "format(total, '.2f')")
    namespace: dict[str, object] = {}
    exec(compile(result, "report.py", "exec"), namespace)
    report = namespace["Report"]
    assert isinstance(report, type)
    rendered = report().render(2)
    assert rendered == "Report\n(unindented continuation)\n    indented continuation2.00"


def test_replace_in_a_crlf_file_keeps_crlf() -> None:
    text = MODULE.replace("\n", "\r\n")
    result = replace_function(text, "Cart.total", "def total(self, items):\n    return 0\n")
    assert "\n" not in result.replace("\r\n", "")
    assert "    def total(self, items):\r\n        return 0\r\n\r\n    class Line:" in result
    assert result.replace("\r\n", "\n") == replace_function(
        MODULE, "Cart.total", "def total(self, items):\n    return 0\n"
    )


def test_replace_in_a_file_with_old_mac_newlines() -> None:
    text = "def f(x):\r    return x\r\r\rdef g():\r    pass\r"
    assert function_source(text, "g") == "def g():\n    pass\n"
    result = replace_function(text, "f", "def f(x):\n    y = -x\n    return y\n")
    assert result == "def f(x):\r    y = -x\r    return y\r\r\rdef g():\r    pass\r"


def test_replace_in_a_tab_indented_file_keeps_tabs() -> None:
    text = "class A:\n\t@trainable\n\tdef m(self):\n\t\treturn 1\n\n\tdef n(self):\n\t\treturn 2\n"
    source = function_source(text, "A.m")
    assert source == "def m(self):\n\treturn 1\n"
    result = replace_function(text, "A.m", "def m(self):\n\tif self:\n\t\treturn 3\n\treturn 1\n")
    assert result == (
        "class A:\n\t@trainable\n\tdef m(self):\n\t\tif self:\n\t\t\treturn 3\n\t\treturn 1\n"
        "\n\tdef n(self):\n\t\treturn 2\n"
    )


def test_replace_the_last_function_of_a_file_without_final_newline() -> None:
    text = "import os\n\n\ndef last(path):\n    return os.path.basename(path)"
    result = replace_function(text, "last", "def last(path):\n    return path\n")
    assert result == "import os\n\n\ndef last(path):\n    return path"


def test_replace_the_last_function_of_a_file_with_final_newline() -> None:
    text = "def first():\n    pass\n\n\ndef last(path):\n    return path\n"
    result = replace_function(text, "last", "def last(path):\n    return path.strip()\n")
    assert result == "def first():\n    pass\n\n\ndef last(path):\n    return path.strip()\n"


def test_replace_keeps_a_byte_order_mark() -> None:
    text = "\ufeffdef f(x):\n    return x\n"
    assert replace_function(text, "f", "def f(x):\n    return -x\n") == (
        "\ufeffdef f(x):\n    return -x\n"
    )


def test_replace_accepts_indented_new_source() -> None:
    result = replace_function(
        MODULE, "Cart.total", "    def total(self, items):\n        return 1\n"
    )
    assert function_source(result, "Cart.total") == "def total(self, items):\n    return 1\n"


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("def other(self, items):\n    return 1\n", "must be the undecorated definition of total"),
        ("@cache\ndef total(self, items):\n    return 1\n", "must be the undecorated definition"),
        ("total = 1\n", "is not a single function definition"),
        ("\n\n", "is empty"),
        ("def total(self, items):\n    return (\n", "does not compile"),
    ],
)
def test_replace_rejects_bad_new_source(new: str, message: str) -> None:
    with pytest.raises(EditError) as info:
        replace_function(MODULE, "Cart.total", new)
    assert message in str(info.value)


# --- normalize_function_source ------------------------------------------------------------

PARAMETER = Parameter(
    name="pricing.cart.apply_discount",
    module="pricing.cart",
    qualname="apply_discount",
    path="pricing/cart.py",
    source="def apply_discount(price, percent):\n    return price * (1 - percent)\n",
)
FIXED = "def apply_discount(price, percent):\n    return price * (1 - percent / 100)\n"


@pytest.mark.parametrize(
    "text",
    [
        FIXED,
        FIXED.rstrip("\n"),
        f"\n \n{FIXED}\n\n  ",
        f"```python\n{FIXED}```",
        f"```\n{FIXED}```\n",
        f"  ```py\n{FIXED}\n```  ",
        f"~~~python\n{FIXED}~~~",
        textwrap.indent(FIXED, "    "),
        f"```python\n{textwrap.indent(FIXED, '    ')}```",
        f"@trainable\n{FIXED}",
        f'@trainable(description="x")\n@other(\n    1)\n{FIXED}',
        f"# the fix\n{FIXED}# done\n",
        FIXED.replace("\n", "\r\n"),
    ],
)
def test_normalize_accepts_and_cleans(text: str) -> None:
    assert normalize_function_source(PARAMETER, text) == FIXED


def test_normalize_keeps_inner_blank_lines_and_comments() -> None:
    text = (
        "def apply_discount(price, percent):\n"
        "    # percent is 0-100\n\n"
        "    return price * (1 - percent / 100)  # fixed\n"
    )
    assert normalize_function_source(PARAMETER, text) == text


def test_normalize_ignores_warnings_of_the_new_code() -> None:
    # "\d" is an invalid escape sequence: a warning, which the test config makes an error.
    text = 'def apply_discount(price, percent):\n    return "\\d" and price\n'
    assert normalize_function_source(PARAMETER, text) == text


def test_normalize_async() -> None:
    parameter = Parameter(
        name="m.fetch", module="m", qualname="fetch", path="m.py", source=MODULE_FETCH
    )
    new = "async def fetch(url):\n    return await other(url)\n"
    assert normalize_function_source(parameter, new) == new
    with pytest.raises(EditError, match=r"uses `def`, but fetch must stay `async def`"):
        normalize_function_source(parameter, "def fetch(url):\n    return url\n")


MODULE_FETCH = "async def fetch(url):\n    return url\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "def discount(price, percent):\n    return price\n",
            "the new code for pricing.cart.apply_discount defines discount, "
            "but it must define apply_discount (do not rename the function)",
        ),
        (
            "def apply_discount(price, percent, rate):\n    return price\n",
            "the new code for pricing.cart.apply_discount changes the signature "
            "from (price, percent) to (price, percent, rate); keep the signature unchanged",
        ),
        (
            "def apply_discount(price, percent=10):\n    return price\n",
            "changes the signature from (price, percent) to (price, percent=10)",
        ),
        (
            "def apply_discount(price: float, percent):\n    return price\n",
            "changes the signature from (price, percent) to (price: float, percent)",
        ),
        (
            "def apply_discount(price, percent) -> float:\n    return price\n",
            "changes the signature from (price, percent) to (price, percent) -> float",
        ),
        (
            "def apply_discount(price, /, percent):\n    return price\n",
            "changes the signature from (price, percent) to (price, /, percent)",
        ),
        (
            "async def apply_discount(price, percent):\n    return price\n",
            "uses `async def`, but apply_discount must stay `def`",
        ),
        (
            "def apply_discount(price, percent):\n    return helper(price)\n\n\n"
            "def helper(price):\n    return price\n",
            "must be exactly one function definition (apply_discount), but it also has "
            "a function helper (line 5); put imports and helpers inside apply_discount",
        ),
        (
            "import math\n\n\ndef apply_discount(price, percent):\n    return math.floor(price)\n",
            "but it also has an import (line 1)",
        ),
        (
            "def apply_discount(price, percent):\n    x = (\n    return price\n",
            "the new code for pricing.cart.apply_discount does not compile: ",
        ),
        ("apply_discount = lambda price, percent: price\n", "not an assignment (line 1)"),
        ("class apply_discount:\n    pass\n", "not a class apply_discount (line 1)"),
        ("price * (1 - percent)", "not an expression (line 1)"),
        ("", "the new code for pricing.cart.apply_discount is empty"),
        ("```python\n```", "is empty"),
        ("# nothing to change\n", "has no code, only comments"),
        (
            "def apply_discount(price, percent):\n    nonlocal price\n    return price\n",
            "does not compile: name 'price' is parameter and nonlocal (line 2)",
        ),
    ],
)
def test_normalize_rejects(text: str, message: str) -> None:
    with pytest.raises(EditError) as info:
        normalize_function_source(PARAMETER, text)
    assert message in str(info.value)


def test_normalize_syntax_error_names_the_line() -> None:
    text = "def apply_discount(price, percent):\n    total = price\n    return total +\n"
    with pytest.raises(EditError) as info:
        normalize_function_source(PARAMETER, text)
    assert str(info.value) == (
        "the new code for pricing.cart.apply_discount does not compile: invalid syntax (line 3)"
    )


def test_normalized_source_replaces_cleanly() -> None:
    text = "import math\n\n\n@trainable\ndef apply_discount(price, percent):\n    return price\n"
    new = normalize_function_source(PARAMETER, f"```python\n@trainable\n{FIXED}```")
    result = replace_function(text, "apply_discount", new)
    assert result == f"import math\n\n\n@trainable\n{FIXED}"


# --- changed_lines and unified_diff -------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "count"),
    [
        ("a\nb\nc\n", "a\nb\nc\n", 0),
        ("a\nb\nc\n", "a\nB\nc\n", 1),
        ("a\nb\nc\n", "a\nb\nx\nc\n", 1),
        ("a\nb\nc\n", "a\nc\n", 1),
        ("a\nb\nc\n", "a\nx\ny\nz\nc\n", 3),
        ("a\nb\nc\nd\n", "A\nb\nc\nD\n", 2),
        ("", "a\nb\n", 2),
    ],
)
def test_changed_lines(old: str, new: str, count: int) -> None:
    assert changed_lines(old, new) == count


def test_unified_diff() -> None:
    old = "def f(x):\n    return x\n"
    new = "def f(x):\n    return x + 1\n"
    assert unified_diff(old, new, "pkg/mod.py") == (
        "--- a/pkg/mod.py\n+++ b/pkg/mod.py\n@@ -1,2 +1,2 @@\n def f(x):\n"
        "-    return x\n+    return x + 1\n"
    )
    assert unified_diff(old, old, "pkg/mod.py") == ""


def test_unified_diff_without_final_newline() -> None:
    diff = unified_diff("a\nb", "a\nc", "f.py")
    assert diff == (
        "--- a/f.py\n+++ b/f.py\n@@ -1,2 +1,2 @@\n a\n"
        "-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n"
    )


def test_a_span_found_once_serves_every_replacement() -> None:
    text = "class A:\n    def f(self):\n        return 1\n\n\ndef g():\n    pass\n"
    span = locate_function(text, "A.f")
    for body in ("return 3", "x = 4\n    return x"):
        new = f"def f(self):\n    {body}\n"
        assert replace_function(text, "A.f", new, span) == replace_function(text, "A.f", new)

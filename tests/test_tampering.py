"""Tampering is never a fix: introspection and self-made classes a candidate introduces."""

from __future__ import annotations

import textwrap

import pytest

from pytest_trace.checks.tampering import check_update
from pytest_trace.model import Parameter
from pytest_trace.repair.loop import _violations

ORIGINAL = "def total(items):\n    return sum(items)\n"
MODULE = "import sys\nimport inspect as insp\nfrom gc import get_referrers\n\n\n" + ORIGINAL


def parameter(source: str = ORIGINAL, module_text: str = MODULE) -> Parameter:
    return Parameter(
        name="shop.cart.total",
        module="shop.cart",
        qualname="total",
        path="shop/cart.py",
        source=source,
        module_text=module_text,
    )


def body(code: str) -> str:
    return "def total(items):\n" + textwrap.indent(textwrap.dedent(code), "    ")


TAMPERING = {
    "caller's globals": """
        import sys
        sys._getframe(1).f_globals["check"] = lambda *a: None
        return sum(items)
    """,
    "module alias of sys": "sys._getframe(2)\nreturn sum(items)\n",
    "from import": "from sys import _getframe\n_getframe().f_back\nreturn sum(items)\n",
    "inspect frames through an alias": "frame = insp.currentframe()\nreturn sum(items)\n",
    "inspect.stack": "import inspect\ninspect.stack()\nreturn sum(items)\n",
    "frame attribute by name": "f = getattr(items, 'f_locals')\nreturn sum(items)\n",
    "traceback frames": """
        try:
            1 / 0
        except ZeroDivisionError as e:
            e.__traceback__.tb_frame.f_back.f_locals
        return sum(items)
    """,
    "gc referrers": "get_referrers(items)\nreturn sum(items)\n",
    "sys.modules write": "sys.modules['tests.test_cart'].check = None\nreturn sum(items)\n",
    "builtins": "import builtins\nbuiltins.len = lambda x: 0\nreturn sum(items)\n",
    "__builtins__": "__builtins__['len'] = lambda x: 0\nreturn sum(items)\n",
    "setattr on a module": "setattr(sys, 'maxsize', 0)\nreturn sum(items)\n",
    "imported module write": "import tests.helpers as h\nh.check = print\nreturn sum(items)\n",
    "globals write": "globals().update(total=None)\nreturn sum(items)\n",
    "function globals": "total.__globals__['x'] = 1\nreturn sum(items)\n",
    "code swap": "total.__code__ = (lambda items: 0).__code__\nreturn sum(items)\n",
    "class swap": "items.__class__ = list\nreturn sum(items)\n",
    "an int that equals everything": """
        class Anything(int):
            def __eq__(self, other):
                return True
        return Anything(sum(items))
    """,
    "type() with three arguments": (
        "Liar = type('Liar', (int,), {'__eq__': lambda s, o: True})\nreturn Liar(0)\n"
    ),
    "exec": "exec('import sys')\nreturn sum(items)\n",
    "ctypes": "import ctypes\nreturn sum(items)\n",
}


@pytest.mark.parametrize("code", TAMPERING.values(), ids=TAMPERING.keys())
def test_introduced_tampering_is_rejected_with_a_reason(code: str) -> None:
    problem = check_update(parameter(), body(code))
    assert problem.startswith("the new code of shop.cart.total uses ")
    assert "which the original did not" in problem
    assert "compute the right values itself" in problem


def test_the_reason_names_what_was_introduced() -> None:
    problem = check_update(parameter(), body(TAMPERING["caller's globals"]))
    assert "`sys._getframe`" in problem
    assert "`.f_globals`" in problem
    problem = check_update(parameter(), body(TAMPERING["an int that equals everything"]))
    assert "class Anything" in problem


LEGITIMATE = {
    "arithmetic": "return sum(items) * 2\n",
    "inspect.signature": "import inspect\ninspect.signature(total)\nreturn sum(items)\n",
    "getattr with a variable name": (
        "return sum(getattr(item, name, 0) for item in items for name in ('price',))\n"
    ),
    "module-level class": "return Money(sum(items))\n",
    "sys.maxsize and os.environ": (
        "import os\nlimit = sys.maxsize if os.environ.get('X') else 10\n"
        "return min(limit, sum(items))\n"
    ),
    "type() with one argument": "return type(items)(sorted(items))\n",
    "self.__class__ read": "return items.__class__.__name__\n",
    "gc.collect": "import gc\ngc.collect()\nreturn sum(items)\n",
    "an attribute of an object": "items.total = sum(items)\nreturn items.total\n",
    "re.compile": "import re\nreturn re.compile('x').pattern\n",
    "a local function": "def add(a, b):\n    return a + b\nreturn add(0, sum(items))\n",
}


@pytest.mark.parametrize("code", LEGITIMATE.values(), ids=LEGITIMATE.keys())
def test_legitimate_fixes_are_never_refused(code: str) -> None:
    assert check_update(parameter(), body(code)) == ""


def test_introspection_the_original_used_may_stay() -> None:
    original = body("frame = sys._getframe(1)\nreturn sum(items) + len(frame.f_locals)\n")
    candidate = body("frame = sys._getframe(1)\nreturn sum(items) + 2 * len(frame.f_locals)\n")
    assert check_update(parameter(original), candidate) == ""
    # but something else it did not use is still refused
    more = body("frame = sys._getframe(1)\nframe.f_globals['x'] = 1\nreturn len(frame.f_locals)\n")
    assert "`.f_globals`" in check_update(parameter(original), more)


def test_code_without_any_of_the_words_is_not_parsed() -> None:
    assert check_update(parameter(), "this is not even Python (\n") == ""


def test_constants_are_not_checked() -> None:
    constant = Parameter(
        "shop.cart.RATE", "shop.cart", "RATE", "shop/cart.py", "0.2", kind="constant"
    )
    assert check_update(constant, "'_getframe'") == ""


def test_code_too_deep_to_analyze_is_refused_not_raised() -> None:
    deep = "def total(items):\n    return type(" + "(" * 5000 + "1" + ")" * 5000 + ")\n"
    assert "could not be analyzed" in check_update(parameter(), deep)


def test_the_loop_rejects_tampering_whichever_optimizer_proposed_it() -> None:
    parameters = {"shop.cart.total": parameter()}
    problem = _violations(parameters, {"shop.cart.total": body(TAMPERING["caller's globals"])})
    assert "sys._getframe" in problem
    assert _violations(parameters, {"shop.cart.total": body("return sum(items) + 1\n")}) == ""

"""Swapping the code of trainable functions in a running process (pytest_trace.runner.swap)."""

from __future__ import annotations

import asyncio
import dis
import importlib.util
import inspect
import linecache
import sys
import textwrap
import traceback
import types
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pytest_trace.repair.source_edits import replace_function
from pytest_trace.runner import swap as swap_module
from pytest_trace.runner.swap import (
    SwapError,
    apply_candidate,
    compile_functions,
    innermost,
    swap,
    update_linecache,
)
from pytest_trace.trainable import MARKER, iter_trainables, spec_of

Load = Callable[..., types.ModuleType]


@pytest.fixture
def load(tmp_path: Path) -> Iterator[Load]:
    """Write a module into tmp_path and import it under a unique name, as pytest would."""
    names: list[str] = []

    def load(source: str, **names_in_source: types.ModuleType) -> types.ModuleType:
        name = f"swap_test_{uuid.uuid4().hex}"
        path = tmp_path / f"{name}.py"
        text = textwrap.dedent(source)
        for key, module in names_in_source.items():
            text = text.replace(f"<{key}>", module.__name__)
        path.write_text(text)
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        names.append(name)
        spec.loader.exec_module(module)
        return module

    yield load
    for name in names:
        module = sys.modules.pop(name, None)
        if module is not None:
            linecache.cache.pop(filename(module), None)


def filename(module: types.ModuleType) -> str:
    assert module.__file__ is not None
    return module.__file__


def trainables(module: types.ModuleType) -> dict[str, types.FunctionType]:
    return {qualname: func for qualname, func, _ in iter_trainables(module)}


def patched(module: types.ModuleType, changes: dict[str, str]) -> str:
    """The module's file with the definitions of ``changes`` replaced (what edits makes)."""
    text = Path(filename(module)).read_text()
    for qualname, source in changes.items():
        text = replace_function(text, qualname, textwrap.dedent(source))
    return text


def apply(module: types.ModuleType, changes: dict[str, str]) -> str:
    """Patch the file text and swap the changed trainables in; return the patched text."""
    text = patched(module, changes)
    found = trainables(module)
    apply_candidate({q: found[q] for q in changes}, filename(module), text)
    return text


def code_of(source: str) -> types.CodeType:
    """The code of the one function ``source`` defines, compiled on its own."""
    module = compile(textwrap.dedent(source), "<elsewhere>", "exec")
    (code,) = [c for c in module.co_consts if isinstance(c, types.CodeType)]
    return code


def line_of(text: str, fragment: str) -> int:
    """The 1-based number of the only line of ``text`` that contains ``fragment``."""
    numbers = [n for n, line in enumerate(text.splitlines(), 1) if fragment in line]
    assert len(numbers) == 1, numbers
    return numbers[0]


PRICING = """
    from pytest_trace import trainable


    @trainable
    def apply_discount(price, percent=10, *, ndigits=2):
        \"\"\"Take percent off.\"\"\"
        return round(price * percent / 100, ndigits)


    @trainable
    def factorial(n):
        return n * factorial(n - 1) if n > 1 else 0
"""


# --- module functions -----------------------------------------------------------------


def test_module_function_every_reference_sees_the_new_code(load: Load) -> None:
    pricing = load(PRICING)
    user = load(
        """
        from <pricing> import apply_discount

        def checkout(price):
            return apply_discount(price)
        """,
        pricing=pricing,
    )
    function = pricing.apply_discount
    spec = spec_of(function)
    assert user.checkout(200) == 20.0

    apply(
        pricing,
        {
            "apply_discount": """
                def apply_discount(price, percent=10, *, ndigits=2):
                    \"\"\"Return the price after taking percent off.\"\"\"
                    return round(price * (1 - percent / 100), ndigits)
            """
        },
    )

    assert pricing.apply_discount is function
    assert user.apply_discount is function
    assert user.checkout(200) == 180.0  # imported with `from m import f` before the swap
    assert function(200, 25) == 150.0
    assert function(1, 0, ndigits=0) == 1.0
    assert function.__defaults__ == (10,)
    assert function.__kwdefaults__ == {"ndigits": 2}
    assert spec is not None and spec_of(function) is spec  # the @trainable marker
    assert function.__dict__[MARKER] is spec
    assert function.__doc__ == "Return the price after taking percent off."


def test_recursion_calls_the_new_code(load: Load) -> None:
    pricing = load(PRICING)
    assert pricing.factorial(5) == 0

    apply(
        pricing,
        {"factorial": "def factorial(n):\n    return n * factorial(n - 1) if n > 1 else 1\n"},
    )

    assert pricing.factorial(5) == 120


def test_a_docstring_set_by_hand_is_kept(load: Load) -> None:
    pricing = load(PRICING)
    pricing.apply_discount.__doc__ = "set by hand"

    apply(
        pricing,
        {
            "apply_discount": """
                def apply_discount(price, percent=10, *, ndigits=2):
                    \"\"\"New.\"\"\"
                    return price
            """
        },
    )

    assert pricing.apply_discount.__doc__ == "set by hand"
    assert pricing.apply_discount(3) == 3


def test_the_new_code_is_compiled_with_the_file_s_own_future_imports(load: Load) -> None:
    # swap.py itself has `from __future__ import annotations`; the file does not.
    module = load(
        """
        from pytest_trace import trainable

        @trainable
        def kind():
            return None
        """
    )

    apply(
        module,
        {
            "kind": """
                def kind():
                    def inner(value: int) -> int:
                        return value
                    return inner.__annotations__["value"]
            """
        },
    )

    assert module.kind() is int  # evaluated, not the string "int"


# --- methods --------------------------------------------------------------------------


CART = """
    from pytest_trace import trainable


    class Base:
        def total(self):
            return 100


    class Cart(Base):
        def __init__(self, items):
            self.items = items
            self.__secret = 7

        @trainable
        def subtotal(self):
            return sum(self.items) - 1

        @trainable
        def total(self):
            return super().total() * 2

        @staticmethod
        @trainable
        def double(x):
            return x + x + 1

        @classmethod
        @trainable
        def scaled(cls, x):
            return x * cls.rate + 1

        rate = 2


    class Discounted(Cart):
        rate = 3
"""


def test_bound_methods_created_before_the_swap_see_the_new_code(load: Load) -> None:
    shop = load(CART)
    cart = shop.Cart([1, 2, 3])
    bound = cart.subtotal
    assert bound() == 5

    apply(
        shop,
        {"Cart.subtotal": "def subtotal(self):\n    return sum(self.items) + self.__secret\n"},
    )

    assert bound() == 13  # private names are mangled as in class Cart
    assert shop.Cart([10]).subtotal() == 17


def test_a_method_using_super_swapped_with_one_that_also_uses_it(load: Load) -> None:
    shop = load(CART)
    cart = shop.Cart([])
    assert cart.total() == 200

    apply(shop, {"Cart.total": "def total(self):\n    return super().total() + 1\n"})

    assert cart.total() == 101
    assert shop.Discounted([]).total() == 101


def test_a_method_that_stops_using_super_keeps_its_class_cell(load: Load) -> None:
    shop = load(CART)
    cart = shop.Cart([4])
    new = "def total(self):\n    return sum(self.items) * 10\n"

    # Compiled plainly, the new code has no __class__ cell: swap() refuses it...
    text = patched(shop, {"Cart.total": new})
    plain = compile_functions(text, filename(shop), ["Cart.total"])
    assert plain["Cart.total"].co_freevars == ()
    with pytest.raises(SwapError, match=r"Cart.total has the closure variables \(__class__\)"):
        swap({"Cart.total": shop.Cart.total}, plain)
    assert cart.total() == 200

    # ...apply_candidate compiles it with an unreachable reference to __class__.
    apply(shop, {"Cart.total": new})

    assert cart.total() == 40
    assert shop.Cart.total.__code__.co_freevars == ("__class__",)
    names = {ins.argval for ins in dis.get_instructions(shop.Cart.total)}
    assert "__class__" not in names  # the reference emits no bytecode


def test_a_method_that_starts_using_super_cannot_be_swapped(load: Load) -> None:
    shop = load(CART)
    cart = shop.Cart([1, 2])
    text = patched(shop, {"Cart.subtotal": "def subtotal(self):\n    return super().subtotal()\n"})

    with pytest.raises(SwapError) as error:
        apply_candidate({"Cart.subtotal": shop.Cart.subtotal}, filename(shop), text)

    assert str(error.value).startswith(
        "Cart.subtotal would need closure variables (__class__) it does not have; "
    )
    assert cart.subtotal() == 2


def test_staticmethod_and_classmethod(load: Load) -> None:
    shop = load(CART)
    assert (shop.Cart.double(3), shop.Cart.scaled(3)) == (7, 7)

    apply(
        shop,
        {
            "Cart.double": "def double(x):\n    return x + x\n",
            "Cart.scaled": "def scaled(cls, x):\n    return x * cls.rate\n",
        },
    )

    assert shop.Cart.double(3) == 6
    assert shop.Cart([]).double(4) == 8
    assert shop.Cart.scaled(3) == 6
    assert shop.Discounted.scaled(3) == 9


def test_property_getter_not_its_setter(load: Load) -> None:
    module = load(
        """
        from pytest_trace import trainable

        class Box:
            def __init__(self):
                self._width = 1

            @property
            @trainable
            def width(self):
                return self._width + 1

            @width.setter
            def width(self, value):
                self._width = value
        """
    )
    box = module.Box()

    apply(module, {"Box.width": "def width(self):\n    return self._width * 10\n"})

    box.width = 3
    assert box.width == 30


def test_overloads_the_implementation_is_swapped(load: Load) -> None:
    module = load(
        """
        from typing import overload
        from pytest_trace import trainable

        @overload
        def parse(text: str) -> int: ...
        @overload
        def parse(text: bytes) -> int: ...
        @trainable
        def parse(text):
            return int(text) + 1
        """
    )

    apply(module, {"parse": "def parse(text):\n    return int(text)\n"})

    assert module.parse("4") == 4


# --- closures and nested functions ----------------------------------------------------


def test_a_closure_cannot_be_swapped(load: Load) -> None:
    module = load(
        """
        from pytest_trace import trainable

        def make(rate):
            @trainable
            def charge(price):
                return price * rate
            return charge

        charge = make(2)
        """
    )
    charge = module.charge
    text = Path(filename(module)).read_text()

    with pytest.raises(SwapError, match=r"cannot swap make.<locals>.charge: .*nested functions"):
        apply_candidate(trainables(module), filename(module), text)

    other = code_of("def charge(price):\n    return price\n")
    with pytest.raises(
        SwapError, match=r"^charge has the closure variables \(rate\) but its new code uses \(\)$"
    ):
        swap({"charge": charge}, {"charge": other})
    assert charge(5) == 10


def test_nested_functions_inside_the_new_code(load: Load) -> None:
    pricing = load(PRICING)

    apply(
        pricing,
        {
            "apply_discount": """
                def apply_discount(price, percent=10, *, ndigits=2):
                    factor = 1 - percent / 100

                    def scale(value):
                        return value * factor  # a closure over a local: fine

                    return round(scale(price), ndigits)
            """
        },
    )

    assert pricing.apply_discount(50) == 45.0


# --- async, generators, decorators ----------------------------------------------------


def test_async_def_and_generator(load: Load) -> None:
    module = load(
        """
        import asyncio
        from pytest_trace import trainable

        @trainable
        async def fetch(x):
            return x

        @trainable
        def count(n):
            yield from range(n)
        """
    )

    apply(
        module,
        {
            "fetch": "async def fetch(x):\n    await asyncio.sleep(0)\n    return x * 2\n",
            "count": "def count(n):\n    for i in range(n):\n        yield i * 10\n",
        },
    )

    assert asyncio.run(module.fetch(2)) == 4
    assert list(module.count(3)) == [0, 10, 20]


def test_functools_wraps_decorated_function(load: Load) -> None:
    decorators = load(
        """
        import functools

        def counted(func):
            @functools.wraps(func)
            def wrapper(*args, **kwargs):
                wrapper.calls += 1
                return func(*args, **kwargs)
            wrapper.calls = 0
            return wrapper
        """
    )
    module = load(
        """
        import functools
        from <decorators> import counted
        from pytest_trace import trainable

        def logged(func):  # a decorator of the same file
            @functools.wraps(func)
            def wrapper(*args, **kwargs):
                return func(*args, **kwargs)
            return wrapper

        @trainable
        @counted
        def area(width, height):
            return width + height

        @trainable
        @logged
        def perimeter(width, height):
            return width * height
        """,
        decorators=decorators,
    )
    area, perimeter = module.area, module.perimeter
    assert innermost(area) is area.__wrapped__
    assert innermost(perimeter, filename(module)) is perimeter.__wrapped__

    apply(
        module,
        {
            "area": "def area(width, height):\n    return width * height\n",
            "perimeter": "def perimeter(width, height):\n    return 2 * (width + height)\n",
        },
    )

    assert module.area is area
    assert area(2, 3) == 6
    assert area.calls == 1  # the wrapper is still there
    assert perimeter(2, 3) == 10
    assert area.__code__ is decorators.counted(lambda: None).__code__  # wrapper unchanged


def test_innermost() -> None:
    def function(filename: str = __file__) -> types.FunctionType:
        return types.FunctionType(compile("pass", filename, "exec"), {})

    inner, middle, outer = function(), function(), function()
    middle.__wrapped__ = inner  # type: ignore[attr-defined]
    outer.__wrapped__ = middle  # type: ignore[attr-defined]
    assert innermost(outer) is inner
    assert innermost(inner) is inner
    assert innermost(outer, __file__) is inner
    assert innermost(outer, "elsewhere.py") is outer

    from_elsewhere = function("elsewhere.py")
    inner.__wrapped__ = from_elsewhere  # type: ignore[attr-defined]
    assert innermost(outer) is from_elsewhere
    assert innermost(outer, __file__) is inner  # the innermost of this file

    from_elsewhere.__wrapped__ = outer  # type: ignore[attr-defined]
    assert innermost(outer) is from_elsewhere  # a cycle ends the chain

    middle.__wrapped__ = types.SimpleNamespace()  # type: ignore[attr-defined]
    assert innermost(outer) is middle


# --- all or nothing -------------------------------------------------------------------


def test_a_file_that_does_not_compile_changes_nothing(load: Load) -> None:
    pricing = load(PRICING)
    path = filename(pricing)
    old_text = Path(path).read_text()
    line = line_of(old_text, "return round(")
    text = old_text.replace("return round(", "return round((")
    code = pricing.apply_discount.__code__

    with pytest.raises(SwapError, match=rf"does not compile: .* \(line {line}\)$"):
        apply_candidate(trainables(pricing), path, text)

    assert pricing.apply_discount.__code__ is code
    assert linecache.getline(path, line) == old_text.splitlines(keepends=True)[line - 1]


def test_two_functions_the_second_fails_the_first_is_not_swapped(load: Load) -> None:
    shop = load(CART)
    cart = shop.Cart([1, 2])
    path = filename(shop)
    old_line = linecache.getline(path, 1)
    text = patched(
        shop,
        {
            "Cart.double": "def double(x):\n    return x + x\n",
            "Cart.subtotal": "def subtotal(self):\n    return super().subtotal()\n",
        },
    )
    found = trainables(shop)

    with pytest.raises(SwapError, match=r"Cart\.subtotal would need closure variables"):
        apply_candidate(
            {"Cart.double": found["Cart.double"], "Cart.subtotal": found["Cart.subtotal"]},
            path,
            text + "\n# patched\n",
        )

    assert shop.Cart.double(3) == 7
    assert cart.subtotal() == 2
    assert linecache.getline(path, text.count("\n") + 2) == ""  # linecache not updated
    assert linecache.getline(path, 1) == old_line


def test_swap_checks_every_function_before_changing_any(load: Load) -> None:
    pricing = load(PRICING)
    fine = code_of("def apply_discount(price, percent=10, *, ndigits=2):\n    return 1\n")
    wrong = code_of("def factorial(m):\n    return 1\n")

    with pytest.raises(SwapError, match=r"the new code for factorial takes \(m\), but factorial"):
        swap(trainables(pricing), {"apply_discount": fine, "factorial": wrong})
    assert pricing.apply_discount(100) == 10.0

    with pytest.raises(SwapError, match="there is no new code for factorial"):
        swap(trainables(pricing), {"apply_discount": fine})
    with pytest.raises(
        SwapError,
        match=r"^cannot swap factorial: the new code is that of apply_discount, the function's",
    ):
        swap({"factorial": pricing.factorial}, {"factorial": fine})
    assert pricing.apply_discount(100) == 10.0


def test_a_failure_while_applying_rolls_back(load: Load, monkeypatch: pytest.MonkeyPatch) -> None:
    pricing = load(PRICING)
    codes = {
        "apply_discount": code_of("def apply_discount(price, percent=10, *, ndigits=2): return 1"),
        "factorial": code_of("def factorial(n): return 1"),
    }
    old = {q: f.__code__ for q, f in trainables(pricing).items()}
    calls = 0
    docstring = swap_module._docstring

    def failing(code: types.CodeType) -> str | None:
        nonlocal calls
        calls += 1
        if code.co_name == "factorial":
            raise KeyboardInterrupt
        return docstring(code)

    monkeypatch.setattr(swap_module, "_docstring", failing)
    with pytest.raises(KeyboardInterrupt):
        swap(trainables(pricing), codes)

    assert calls
    assert {q: f.__code__ for q, f in trainables(pricing).items()} == old
    assert pricing.apply_discount.__doc__ == "Take percent off."


def test_refused_before_anything_changes(load: Load) -> None:
    pricing = load(PRICING)
    text = patched(pricing, {"factorial": "def factorial(n):\n    return 1\n"})
    found = trainables(pricing)

    with pytest.raises(SwapError, match=r"factorial is defined in .*, not in other\.py"):
        apply_candidate({"factorial": found["factorial"]}, "other.py", text)

    pricing.__dict__["@pytest_ar"] = object()  # what pytest's assertion rewriting adds
    with pytest.raises(SwapError, match="in a module whose assertions pytest rewrites"):
        apply_candidate({"factorial": found["factorial"]}, filename(pricing), text)
    assert pricing.factorial(3) == 0


# --- compile_functions ----------------------------------------------------------------


def test_compile_functions_finds_functions_and_methods() -> None:
    text = textwrap.dedent(
        """
        import sys

        if sys.version_info >= (3,):
            def modern():
                return 1
        else:
            pass

        try:
            class Outer:
                class Inner:
                    async def method(self):
                        return 2
        except ImportError:
            pass

        def f():
            return 3
        """
    )

    codes = compile_functions(text, "/src/m.py", ["modern", "Outer.Inner.method", "f"])

    assert {q: (c.co_name, c.co_filename) for q, c in codes.items()} == {
        "modern": ("modern", "/src/m.py"),
        "Outer.Inner.method": ("method", "/src/m.py"),
        "f": ("f", "/src/m.py"),
    }
    assert codes["modern"].co_firstlineno == line_of(text, "def modern")
    assert codes["Outer.Inner.method"].co_firstlineno == line_of(text, "async def method")

    with pytest.raises(SwapError, match=r"there is no function Outer\.method in the new text"):
        compile_functions(text, "/src/m.py", ["Outer.method"])
    with pytest.raises(SwapError, match="there is no function Outer in the new text"):
        compile_functions(text, "/src/m.py", ["Outer"])  # a class, not a function
    with pytest.raises(SwapError, match=r"cannot swap f\.<locals>\.g: .*not nested functions"):
        compile_functions(text, "/src/m.py", ["f.<locals>.g"])


def test_compile_functions_duplicates_need_the_trainable_marker() -> None:
    text = "def f():\n    return 1\n\ndef f():\n    return 2\n"

    with pytest.raises(SwapError, match=r"cannot edit f: it is defined 2 times \(lines 1, 4\)"):
        compile_functions(text, "m.py", ["f"])

    marked = "def f():\n    return 1\n\n@trainable\ndef f():\n    return 2\n"
    code = compile_functions(marked, "m.py", ["f"])["f"]
    assert code.co_firstlineno == 4
    assert 2 in code.co_consts


def test_compile_functions_reports_syntax_errors() -> None:
    with pytest.raises(SwapError, match=r"the new text of m.py does not compile: .* \(line 2\)"):
        compile_functions("def f():\n    return (\n", "m.py", ["f"])
    with pytest.raises(SwapError, match="does not compile"):
        compile_functions("def f():\n    return 1\x00\n", "m.py", ["f"])


@pytest.mark.skipif(sys.version_info < (3, 12), reason="PEP 695 type parameters")
def test_generic_functions_and_classes(load: Load) -> None:
    module = load(
        """
        from pytest_trace import trainable

        @trainable
        def first[T](items: list[T]) -> T:
            return items[-1]

        class Stack[T]:
            def __init__(self, items: list[T]) -> None:
                self.items = items

            @trainable
            def peek(self) -> T:
                return self.items[0]
        """
    )

    apply(
        module,
        {
            "first": "def first[T](items: list[T]) -> T:\n    return items[0]\n",
            "Stack.peek": "def peek(self) -> T:\n    return self.items[-1]\n",
        },
    )

    assert module.first([1, 2]) == 1
    assert module.Stack([1, 2]).peek() == 2


# --- linecache, tracebacks, line numbers ----------------------------------------------


LEDGER = """
    from pytest_trace import trainable


    def above(x):
        return check(x)


    @trainable
    def charge(amount):
        return check(amount)


    def check(amount):
        if amount < 0:
            raise ValueError("negative amount")
        return amount


    class Account:
        def balance(self):
            raise RuntimeError("in balance")
"""

NEW_CHARGE = """
    def charge(amount):
        amount = amount - 100
        if amount > 1000:
            raise OverflowError("too much")
        return check(amount)
"""


def test_tracebacks_and_getsource_show_the_new_lines(load: Load) -> None:
    ledger = load(LEDGER)
    path = filename(ledger)
    text = apply(ledger, {"charge": NEW_CHARGE})

    assert inspect.getsource(ledger.charge) == "@trainable\n" + textwrap.dedent(NEW_CHARGE).lstrip()
    linecache.checkcache(path)  # the file on disk still has the old text: the entry stays
    linecache.checkcache()
    assert inspect.getsource(ledger.charge).endswith("return check(amount)\n")

    with pytest.raises(OverflowError) as excinfo:
        ledger.charge(5000)
    frame = traceback.extract_tb(excinfo.value.__traceback__)[-1]
    assert (frame.filename, frame.name) == (path, "charge")
    assert frame.lineno == line_of(text, 'raise OverflowError("too much")')
    assert frame.line == 'raise OverflowError("too much")'
    assert 'raise OverflowError("too much")' in str(excinfo.getrepr())  # pytest's report
    assert "".join(traceback.format_exception(excinfo.value)).count("too much") == 2


def test_functions_below_the_change_are_renumbered(load: Load) -> None:
    ledger = load(LEDGER)
    check, balance, above = ledger.check, ledger.Account.balance, ledger.above
    above_code = above.__code__
    text = apply(ledger, {"charge": NEW_CHARGE})

    with pytest.raises(ValueError) as excinfo:
        ledger.charge(50)
    frames = traceback.extract_tb(excinfo.value.__traceback__)[-2:]
    assert [(f.name, f.lineno, f.line) for f in frames] == [
        ("charge", line_of(text, "return check(amount)"), "return check(amount)"),
        ("check", line_of(text, "raise ValueError"), 'raise ValueError("negative amount")'),
    ]
    with pytest.raises(RuntimeError) as raised:
        ledger.Account().balance()
    assert traceback.extract_tb(raised.value.__traceback__)[-1].line == (
        'raise RuntimeError("in balance")'
    )
    assert ledger.check is check and ledger.Account.balance is balance
    assert check.__code__.co_firstlineno == line_of(text, "def check")
    assert inspect.getsource(balance).strip().startswith("def balance(self):")
    assert above.__code__ is above_code  # its lines did not move


def test_a_file_with_a_bom_and_crlf_newlines(load: Load) -> None:
    pricing = load(PRICING)
    path = Path(filename(pricing))
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    old_text = path.read_bytes().decode("utf-8")
    assert old_text.startswith("\ufeff") and "\r\n" in old_text
    new = "def factorial(n):\n    raise ValueError(n)\n"
    text = replace_function(old_text, "factorial", new)
    assert text.startswith("\ufeff") and "\r\n    raise ValueError(n)\r\n" in text

    apply_candidate({"factorial": pricing.factorial}, str(path), text)

    with pytest.raises(ValueError) as excinfo:
        pricing.factorial(3)
    frame = traceback.extract_tb(excinfo.value.__traceback__)[-1]
    assert frame.lineno == line_of(text, "raise ValueError(n)")
    assert frame.line == "raise ValueError(n)"
    assert linecache.getline(str(path), 1) == "\n"
    assert inspect.getsource(pricing.factorial) == "@trainable\n" + new


def test_update_linecache_splits_lines_like_python() -> None:
    name = f"<swap-test-{uuid.uuid4().hex}>"
    try:
        update_linecache(name, "\ufeffa = 1\r\nb = '\x0c'\rc = 3")
        assert linecache.getlines(name) == ["a = 1\n", "b = '\x0c'\n", "c = 3\n"]
        linecache.checkcache(name)
        assert linecache.getline(name, 3) == "c = 3\n"

        update_linecache(name, "x = 1\n\n")
        assert linecache.getlines(name) == ["x = 1\n", "\n"]
        update_linecache(name, "")
        assert linecache.getlines(name) == []
    finally:
        linecache.cache.pop(name, None)

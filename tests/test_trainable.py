"""The @trainable decorator and the discovery of trainable functions."""

from __future__ import annotations

import dataclasses
import functools
import pickle
import sys
import textwrap
import types
from typing import Any

import pytest

import pytest_trace
from pytest_trace.trainable import (
    MARKER,
    TrainableSpec,
    check_pattern,
    iter_trainables,
    matches,
    spec_of,
    trainable,
)


@dataclasses.dataclass
class Receipt:
    total: float


class PricingError(ValueError):
    pass


def plain_total(prices: list[float]) -> float:
    return sum(prices)


@trainable
def total(prices: list[float]) -> float:
    """Sum the prices."""
    return sum(prices)


@trainable(description="apply a percentage discount")
def discount(price: float, percent: float) -> float:
    return price * (1 - percent / 100)


@trainable("make a receipt")
def receipt(amount: float) -> Receipt:
    if amount < 0:
        raise PricingError(f"negative amount: {amount}")
    return Receipt(amount)


@trainable()
def no_description() -> int:
    return 1


class Shop:
    def __init__(self, rate: float) -> None:
        self.rate = rate

    @trainable
    def tax(self, price: float) -> float:
        return price * self.rate

    @staticmethod
    @trainable
    def round_price(price: float) -> float:
        return round(price, 2)

    @trainable("parse a shop from text")
    @classmethod
    def parse(cls, text: str) -> Shop:
        return cls(float(text))

    @property
    @trainable
    def percent(self) -> float:
        return self.rate * 100

    @trainable  # type: ignore[prop-decorator]  # mypy: nothing on top of @property
    @property
    def label(self) -> str:
        return f"{self.rate:.0%}"


# -- the decorator -----------------------------------------------------------------


def test_bare_decorator_returns_the_same_function() -> None:
    def f(x: int) -> int:
        return x

    assert trainable(f) is f
    assert spec_of(f) == TrainableSpec(description="")
    assert f.__dict__[MARKER] == TrainableSpec()


def test_description_keyword_and_positional() -> None:
    assert spec_of(discount) == TrainableSpec(description="apply a percentage discount")
    assert spec_of(receipt) == TrainableSpec(description="make a receipt")
    assert spec_of(no_description) == TrainableSpec(description="")
    assert spec_of(total) == TrainableSpec(description="")


def test_decorated_function_is_a_plain_function() -> None:
    assert type(total) is types.FunctionType
    assert total.__name__ == "total"
    assert total.__doc__ == "Sum the prices."
    assert total.__code__.co_name == "total"
    assert not hasattr(total, "__wrapped__")
    assert pytest_trace.trainable is trainable


def test_return_values_and_exceptions_are_the_functions_own() -> None:
    assert total([1.0, 2.5]) == 3.5
    assert discount(200.0, 10) == pytest.approx(180.0)
    result = receipt(12.5)
    assert type(result) is Receipt and result == Receipt(12.5)
    with pytest.raises(PricingError, match="negative amount: -1") as excinfo:
        receipt(-1)
    assert isinstance(excinfo.value, ValueError)


def test_functions_and_results_pickle() -> None:
    assert pickle.loads(pickle.dumps(total)) is total  # by reference, like any function
    assert pickle.loads(pickle.dumps(receipt)) is receipt
    assert pickle.loads(pickle.dumps(receipt(3.0))) == Receipt(3.0)
    error = pickle.loads(pickle.dumps(PricingError("x")))
    assert type(error) is PricingError and error.args == ("x",)


def test_methods_staticmethods_classmethods_properties() -> None:
    shop = Shop(0.2)
    assert shop.tax(10.0) == pytest.approx(2.0)
    assert Shop.round_price(1.234) == 1.23
    assert shop.round_price(1.235) == round(1.235, 2)
    parsed = Shop.parse("0.5")
    assert type(parsed) is Shop and parsed.rate == 0.5
    assert shop.percent == pytest.approx(20.0)
    assert shop.label == "20%"
    namespace = vars(Shop)
    assert spec_of(namespace["tax"]) == TrainableSpec()
    assert spec_of(namespace["round_price"]) == TrainableSpec()
    assert spec_of(namespace["parse"]) == TrainableSpec("parse a shop from text")
    assert spec_of(namespace["percent"]) == TrainableSpec()
    assert spec_of(namespace["label"]) == TrainableSpec()


def test_decorator_above_staticmethod_and_classmethod_keeps_the_descriptor() -> None:
    def f() -> int:
        return 1

    def g(cls: type) -> int:
        return 2

    static = staticmethod(f)
    assert trainable(static) is static
    assert spec_of(f) == TrainableSpec()
    klass: Any = classmethod(g)  # not a Callable to mypy: trainable's F rejects it
    assert trainable("d")(klass) is klass
    assert spec_of(g) == TrainableSpec("d")


@pytest.mark.parametrize(
    "obj",
    [42, "not callable", len, functools.partial(plain_total), Receipt, property()],
    ids=["int", "str", "builtin", "partial", "class", "empty-property"],
)
def test_non_functions_are_rejected_with_a_clear_message(obj: Any) -> None:
    decorate = trainable(description="x") if isinstance(obj, str) else trainable
    with pytest.raises(TypeError, match="applies to functions and methods defined in Python"):
        decorate(obj)


def test_a_string_as_decorator_target_is_a_description() -> None:
    def f() -> None:
        pass

    decorate = trainable("only a description")
    assert decorate(f) is f
    assert spec_of(f) == TrainableSpec("only a description")


def test_spec_of_unmarked_objects() -> None:
    assert spec_of(plain_total) is None
    assert spec_of(len) is None
    assert spec_of(42) is None
    assert spec_of(property()) is None


# -- discovery -----------------------------------------------------------------------

MODULE_SOURCE = textwrap.dedent(
    """
    from pytest_trace import trainable
    from other_module import imported_trainable, ImportedClass

    alias = None

    @trainable
    def top(x):
        return x

    def helper(x):
        return x

    class Cart:
        @trainable("cart total")
        def total(self):
            return 0

        def untouched(self):
            return 0

        @staticmethod
        @trainable
        def static(x):
            return x

        @trainable
        @classmethod
        def make(cls):
            return cls()

        @property
        @trainable
        def size(self):
            return 0

        class Line:
            @trainable
            def price(self):
                return 0

    alias = top
    """
)


def build_module(name: str = "fake_shop") -> types.ModuleType:
    """A module made from MODULE_SOURCE; 'other_module' provides foreign trainables."""
    other = types.ModuleType("other_module")
    exec(
        "from pytest_trace import trainable\n"
        "@trainable\ndef imported_trainable():\n    return 1\n"
        "class ImportedClass:\n    @trainable\n    def method(self):\n        return 1\n",
        other.__dict__,
    )
    module = types.ModuleType(name)
    source = MODULE_SOURCE.replace(
        "from other_module import imported_trainable, ImportedClass",
        "imported_trainable, ImportedClass = _other.imported_trainable, _other.ImportedClass",
    )
    module.__dict__["_other"] = other
    exec(source, module.__dict__)
    return module


def test_iter_trainables_finds_functions_and_methods_once() -> None:
    module = build_module()
    found = {qualname: (func, spec) for qualname, func, spec in iter_trainables(module)}
    assert sorted(found) == [
        "Cart.Line.price",
        "Cart.make",
        "Cart.size",
        "Cart.static",
        "Cart.total",
        "top",
    ]
    assert found["top"][0] is module.top
    assert found["Cart.total"][1] == TrainableSpec("cart total")
    assert found["Cart.make"][0] is vars(module.Cart)["make"].__func__
    assert found["Cart.size"][0] is module.Cart.size.fget
    assert all(type(func) is types.FunctionType for func, _spec in found.values())


def test_iter_trainables_skips_imported_functions_and_classes() -> None:
    module = build_module()
    names = [qualname for qualname, _func, _spec in iter_trainables(module)]
    assert "imported_trainable" not in names
    assert "ImportedClass.method" not in names
    assert len(names) == len(set(names))  # 'alias' does not add 'top' twice


def test_iter_trainables_on_this_module() -> None:
    this = sys.modules[__name__]
    names = {qualname for qualname, _func, _spec in iter_trainables(this)}
    assert {"total", "discount", "receipt", "no_description", "Shop.tax", "Shop.label"} <= names
    assert "plain_total" not in names
    assert "trainable" not in names


# --- constants and constants-only mode ---------------------------------------------------


def test_constants_and_constants_only_are_part_of_the_spec() -> None:
    @trainable(constants=["TAX_RATE", "pricing.rates.VAT"], description="with tax")
    def with_tax(price: float) -> float:
        return price

    @trainable(constants_only=True)
    def fee() -> float:
        return 2.0

    assert spec_of(with_tax) == TrainableSpec("with tax", ("TAX_RATE", "pricing.rates.VAT"))
    assert spec_of(fee) == TrainableSpec(constants_only=True)
    assert with_tax(3.0) == 3.0 and fee() == 2.0  # still the functions themselves


@pytest.mark.parametrize(
    ("constants", "message"),
    [("TAX_RATE", "takes a list of names"), (["TAX RATE"], "is not a name"), (["a..b"], "is not")],
)
def test_bad_constant_names_are_rejected(constants: Any, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        trainable(constants=constants)


# --- marking without the decorator (--trace-trainable) -----------------------------------


@pytest.mark.parametrize(
    ("patterns", "module", "qualname", "expected"),
    [
        (["fake_shop:top"], "fake_shop", "top", True),
        (["fake_shop:top"], "fake_shop", "helper", False),
        (["fake_shop:*"], "fake_shop", "Cart.total", True),
        (["fake_shop:Cart.*"], "fake_shop", "Cart.Line.price", True),
        (["fake_shop:Cart.*"], "fake_shop", "helper", False),
        (["fake_*:help?r"], "fake_shop", "helper", True),
        (["fake_shop"], "fake_shop", "anything", True),
        (["other:top", " fake_shop : top "], "fake_shop", "top", True),
        (["fake_shop:top"], "fake_shop.sub", "top", False),
        ([], "fake_shop", "top", False),
        (["fake_shop:*"], "fake_shop", "Cart.__init__", False),
        (["fake_shop:*"], "fake_shop", "_private", True),
        (["fake_shop:*"], "fake_shop", "Cart._fill", True),
        (["fake_shop:Cart.*"], "fake_shop", "Cart.__mangled", True),
        (["fake_shop:Cart.*"], "fake_shop", "Cart.__eq__", False),
        (["fake_shop:_*"], "fake_shop", "_private", True),
        (["fake_shop:Cart.__init__"], "fake_shop", "Cart.__init__", True),
        (["fake_shop:Cart.__*"], "fake_shop", "Cart.__init__", True),
    ],
)
def test_patterns_match_module_and_qualname(
    patterns: list[str], module: str, qualname: str, expected: bool
) -> None:
    assert matches(patterns, module, qualname) is expected


@pytest.mark.parametrize("pattern", ["", ":f", "pkg.mod:", "  "])
def test_malformed_patterns_are_explained(pattern: str) -> None:
    with pytest.raises(ValueError, match=r"is not of the form package\.module:qualname"):
        check_pattern(pattern)
    assert check_pattern(" pkg.mod:f ") == "pkg.mod:f"


def test_a_module_alone_is_refused_with_the_form_to_use() -> None:
    with pytest.raises(ValueError, match=r"'pkg\.mod' names no function: write 'pkg\.mod:\*'"):
        check_pattern("pkg.mod")


def test_patterns_make_undecorated_functions_trainable() -> None:
    module = build_module()
    found = {q: spec for q, _f, spec in iter_trainables(module, ["fake_shop:helper"])}
    assert found["helper"] == TrainableSpec()
    assert "Cart.untouched" not in found
    everything = {q for q, _f, _s in iter_trainables(module, ["fake_shop:*"])}
    assert {"helper", "top", "Cart.untouched", "Cart.total", "Cart.Line.price"} <= everything
    assert "imported_trainable" not in everything  # defined elsewhere
    assert "ImportedClass.method" not in everything
    # A decorated function keeps its own spec when a pattern also matches it.
    assert {q: s for q, _f, s in iter_trainables(module, ["fake_shop:*"])}["Cart.total"] == (
        TrainableSpec("cart total")
    )
    assert {q for q, _f, _s in iter_trainables(module, ["other:*"])} == {
        q for q, _f, _s in iter_trainables(module)
    }


def test_the_package_ships_its_type_information() -> None:
    """``py.typed`` is in the package (and in its package data), so users' type checkers
    see ``@trainable``'s overloads: a decorated function keeps its signature."""
    import importlib.resources
    from pathlib import Path

    assert importlib.resources.files("pytest_trace").joinpath("py.typed").is_file()
    pyproject = (Path(__file__).parent.parent / "pyproject.toml").read_text()
    assert '[tool.setuptools.package-data]\npytest_trace = ["py.typed"]' in pyproject

"""--trace-trainable and the ini key trace_trainable: existing functions made trainable
without a decorator, end to end (the worker process finds them too)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import commit_new_repository, git, tree_state

from pytest_trace.settings import Settings

CART = '''\
"""Carts, without any pytest-trace import."""


def apply_discount(price: float, percent: float) -> float:
    """Return the price after taking off `percent` percent."""
    return price * percent / 100


class Cart:
    def __init__(self, prices: list[float]) -> None:
        self.prices = prices

    def total(self) -> float:
        return sum(self.prices[1:])
'''

TESTS = """\
from shop.cart import Cart, apply_discount


def test_discount():
    assert apply_discount(200, 10) == 180.0


def test_total():
    assert Cart([1, 2]).total() == 3
"""


@pytest.fixture
def shop(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    (pytester.path / "shop").mkdir()
    (pytester.path / "shop" / "__init__.py").write_text("")
    (pytester.path / "shop" / "cart.py").write_text(CART)
    (pytester.path / "tests").mkdir()
    (pytester.path / "tests" / "test_cart.py").write_text(TESTS)
    (pytester.path / "pyproject.toml").write_text('[tool.pytest.ini_options]\npythonpath = ["."]\n')
    commit_new_repository(pytester.path, "shop")
    return pytester


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(
        "--trace-optimize",
        "--trace-optimizer=search",
        f"--trace-report={pytester.path.parent / 'report.json'}",
        "-p",
        "no:cacheprovider",
        *args,
    )


def load(source: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    exec(compile(source, "cart.py", "exec"), namespace)
    return namespace


def groups(pytester: pytest.Pytester) -> list[dict[str, object]]:
    report = json.loads((pytester.path.parent / "report.json").read_text())
    return sorted(report["groups"], key=lambda group: group["parameters"])


def test_without_marks_nothing_is_trainable(shop: pytest.Pytester) -> None:
    result = run(shop)
    result.stdout.fnmatch_lines(["*no failing test reached a @trainable function*"])


def test_one_function_by_its_qualified_name_and_patterns_that_match_nothing(
    shop: pytest.Pytester,
) -> None:
    before = tree_state(shop.path)

    result = run(
        shop,
        "--trace-trainable",
        "shop.cart:apply_discount",
        "--trace-trainable=shop.carts:*",  # a typo in the module
        "--trace-trainable=shop.cart:Cart.totl",  # and in the method
    )

    result.stdout.fnmatch_lines(["FIXED: shop.cart.apply_discount (1 test)"])
    result.stdout.fnmatch_lines(
        [
            "--trace-trainable 'shop.carts:*' matched no function of the modules the tests "
            "imported*",
            "--trace-trainable 'shop.cart:Cart.totl' matched no function*",
        ]
    )
    report = json.loads((shop.path.parent / "report.json").read_text())
    assert report["unmatched_patterns"] == ["shop.carts:*", "shop.cart:Cart.totl"]
    assert tree_state(shop.path) == before
    [group] = groups(shop)
    assert group["parameters"] == ["shop.cart.apply_discount"]
    fixed = git(shop.path, "show", "trace-fix/apply_discount:shop/cart.py")
    namespace = load(fixed)
    assert namespace["apply_discount"](200, 10) == 180.0
    assert namespace["Cart"]([1, 2]).total() == 2  # not marked: unchanged
    assert fixed.split("def apply_discount")[0] == CART.split("def apply_discount")[0]
    assert fixed.split("class Cart")[1] == CART.split("class Cart")[1]


def test_ini_key_with_a_glob(shop: pytest.Pytester) -> None:
    with (shop.path / "pyproject.toml").open("a") as f:
        f.write('trace_trainable = ["shop.*:*"]\n')

    run(shop)

    assert [group["parameters"] for group in groups(shop)] == [
        ["shop.cart.Cart.total"],
        ["shop.cart.apply_discount"],
    ]
    assert [group["status"] for group in groups(shop)] == ["fixed", "fixed"]
    fixed = git(shop.path, "show", "trace-fix/total:shop/cart.py")  # a method, in place
    assert load(fixed)["Cart"]([1, 2]).total() == 3
    assert fixed.split("    def total")[0] == CART.split("    def total")[0]


def trainable_setting(pytester: pytest.Pytester, ini: str, *args: str) -> tuple[str, ...]:
    if ini:
        pytester.makepyprojecttoml(f"[tool.pytest.ini_options]\ntrace_trainable = {ini}\n")
    return Settings.from_config(pytester.parseconfig(*args)).trainable


def test_patterns_come_from_repeated_flags_or_the_ini_key_the_flags_first(
    pytester: pytest.Pytester,
) -> None:
    # (in process: the settings; the worker finds what they select in the runs above)
    flags = ("--trace-trainable=shop.cart:apply_discount", "--trace-trainable=shop.cart:Cart.*")
    assert trainable_setting(pytester, "", *flags) == (
        "shop.cart:apply_discount",
        "shop.cart:Cart.*",
    )
    assert trainable_setting(pytester, '["shop.*:*", "other:f"]') == ("shop.*:*", "other:f")
    assert trainable_setting(pytester, '["shop.cart:*"]', flags[1]) == ("shop.cart:Cart.*",)


@pytest.mark.parametrize("where", ["flag", "ini"])
def test_a_malformed_pattern_is_a_usage_error(shop: pytest.Pytester, where: str) -> None:
    if where == "ini":
        with (shop.path / "pyproject.toml").open("a") as f:
            f.write('trace_trainable = ["shop.cart:"]\n')
        result = run(shop)
    else:
        result = run(shop, "--trace-trainable=shop.cart:")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*'shop.cart:' is not of the form package.module:qualname*"])


def test_unmatched_patterns() -> None:
    import types

    from pytest_trace.trainable import unmatched_patterns

    module = types.ModuleType("shop.cart")
    exec(compile(CART, "cart.py", "exec"), module.__dict__)
    patterns = ["shop.cart:apply_*", "shop.cart:Cart.total", "shop.*:nothing", "other:*"]
    assert unmatched_patterns(patterns, [module]) == ["shop.*:nothing", "other:*"]
    assert unmatched_patterns(patterns, []) == patterns
    assert unmatched_patterns([], [module]) == []


RECEIPT = '''\
"""Receipts: the bug is in a private helper."""


class Receipt:
    def __init__(self, prices: list[float]) -> None:
        self.prices = prices

    def total(self, percent: float) -> float:
        return round(sum(_discounted(price, percent) for price in self.prices), 2)


def _discounted(price: float, percent: float) -> float:
    return price + price * percent / 100
'''

RECEIPT_TESTS = """\
from shop.receipt import Receipt


def test_receipt():
    assert Receipt([100, 50]).total(10) == 135.0
"""


def test_a_module_pattern_selects_its_private_helpers(shop: pytest.Pytester) -> None:
    (shop.path / "shop" / "receipt.py").write_text(RECEIPT)
    (shop.path / "tests" / "test_receipt.py").write_text(RECEIPT_TESTS)
    for args in (["add", "-A"], ["commit", "-qm", "receipts"]):
        git(shop.path, "-c", "user.name=T", "-c", "user.email=t@example.com", *args)

    result = run(shop, "tests/test_receipt.py", "--trace-trainable=shop.receipt:*")

    result.stdout.fnmatch_lines(
        [
            "FIXED: shop.receipt._discounted (1 test)",
            "--trace-trainable 'shop.receipt:*' selected "
            "shop.receipt.Receipt.total, shop.receipt._discounted",
        ]
    )
    report = json.loads((shop.path.parent / "report.json").read_text())
    assert report["selected"] == {
        "shop.receipt:*": ["shop.receipt.Receipt.total", "shop.receipt._discounted"]
    }  # not Receipt.__init__: special methods only by a pattern of their own
    [group] = report["groups"]
    assert group["changed"] == ["shop.receipt._discounted"]
    fixed = git(shop.path, "show", "trace-fix/_discounted:shop/receipt.py")
    assert load(fixed)["Receipt"]([100, 50]).total(10) == 135.0
    assert fixed.split("def _discounted")[0] == RECEIPT.split("def _discounted")[0]


@pytest.mark.parametrize("where", ["flag", "ini"])
def test_a_module_without_qualname_is_refused(shop: pytest.Pytester, where: str) -> None:
    if where == "ini":
        with (shop.path / "pyproject.toml").open("a") as f:
            f.write('trace_trainable = ["shop.cart"]\n')
        result = run(shop)
    else:
        result = run(shop, "--trace-trainable=shop.cart")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*'shop.cart' names no function: write 'shop.cart:*'*"])

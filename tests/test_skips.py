"""Skips, end to end: a failing test that, once fixed, gets as far as skipping itself on
its own condition (an optional dependency is missing) no longer fails; a test that
passed before and now skips, even on its own condition, is broken."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import commit_new_repository, git, tree_state

from pytest_trace.model import TestResult, result_from_json, to_json

PRICES = '''\
"""Prices."""

from pytest_trace import trainable


@trainable
def discounted(price: float, percent: float) -> float:
    """The price after taking off ``percent`` percent."""
    return price + price * percent / 100
'''

# The optional accelerated backend is not installed: the second half of the test skips.
TESTS = """\
import pytest

from shop.prices import discounted


def test_discount():
    assert discounted(200, 10) == 180.0
    fast = pytest.importorskip("shop_fast_backend")  # the optional C backend
    assert fast.discounted(200, 10) == 180.0


def test_no_discount():
    assert discounted(50, 0) == 50
"""

# A test that passes on the user's code, and skips when a backend is missing.
FREE = """

def test_free_stays_free():
    try:
        value = discounted(0, 30)
    except ImportError:
        pytest.skip("needs the decimal backend")
    assert value == 0
"""


@pytest.fixture
def shop(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    (pytester.path / "shop").mkdir()
    (pytester.path / "shop" / "__init__.py").write_text("")
    (pytester.path / "shop" / "prices.py").write_text(PRICES)
    (pytester.path / "tests").mkdir()
    (pytester.path / "tests" / "test_prices.py").write_text(TESTS)
    (pytester.path / "pyproject.toml").write_text('[tool.pytest.ini_options]\npythonpath = ["."]\n')
    commit_new_repository(pytester.path, "shop")
    return pytester


def commit(pytester: pytest.Pytester, message: str) -> None:
    for args in (["add", "-A"], ["commit", "-qm", message]):
        git(pytester.path, "-c", "user.name=T", "-c", "user.email=t@example.com", *args)


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(
        "--trace-optimize",
        f"--trace-report={pytester.path.parent / 'report.json'}",
        "-p",
        "no:cacheprovider",
        *args,
    )


def report(pytester: pytest.Pytester) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((pytester.path.parent / "report.json").read_text())
    return data


def test_a_failing_test_that_now_skips_on_its_own_condition_is_fixed(
    shop: pytest.Pytester,
) -> None:
    before = tree_state(shop.path)

    result = run(shop, "--trace-optimizer=search")

    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["FIXED: shop.prices.discounted (1 test)"])
    assert tree_state(shop.path) == before
    [group] = report(shop)["groups"]
    assert group["status"] == "fixed"
    fixed = git(shop.path, "show", "trace-fix/discounted:shop/prices.py")
    assert "return price - price * percent / 100" in fixed
    # On the branch, the test that failed gets as far as its optional dependency.
    git(shop.path, "checkout", "-q", "trace-fix/discounted")
    checked = shop.runpytest_subprocess("-p", "no:cacheprovider", "-rs")
    checked.assert_outcomes(passed=1, skipped=1)
    checked.stdout.fnmatch_lines(["*could not import 'shop_fast_backend'*"])


# Fixes the failing test, and makes the passing test_free_stays_free skip on its own
# condition: it raises the ImportError that test catches.
SKIPPER = (
    "def discounted(price, percent):\n"
    "    if price == 0:\n"
    "        raise ImportError('no decimal backend')\n"
    "    return price - price * percent / 100\n"
)


def test_a_candidate_that_makes_a_passing_test_skip_is_refused(shop: pytest.Pytester) -> None:
    with (shop.path / "tests" / "test_prices.py").open("a") as f:
        f.write(FREE)
    (shop.path / "conftest.py").write_text(
        "from pytest_trace.model import Proposal\n"
        "from pytest_trace.optimizers.base import OptimizerSpec\n\n\n"
        "class Skipper:\n"
        "    name = 'skipper'\n\n"
        "    def propose(self, problem):\n"
        f"        return [Proposal({{'shop.prices.discounted': {SKIPPER!r}}})]\n\n\n"
        "def pytest_trace_optimizers():\n"
        "    return [OptimizerSpec('skipper', 'one answer', lambda context: Skipper())]\n"
    )
    commit(shop, "the skipper")

    result = run(shop, "--trace-optimizer=skipper", "--trace-max-iterations=2")

    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["UNFIXED: shop.prices.discounted (1 test)"])
    assert "trace-fix/" not in git(shop.path, "branch", "--list")
    [group] = report(shop)["groups"]
    assert group["status"] == "unfixed"


def test_a_skip_of_its_own_is_carried_in_the_result() -> None:
    own = TestResult("t", "skipped", skip_own=True)
    assert own.not_failing and not own.ok
    assert result_from_json(to_json(own)) == own
    assert not TestResult("t", "skipped").not_failing  # raised by the code under test
    assert TestResult("t", "passed").not_failing
    assert not TestResult("t", "failed", skip_own=True).not_failing
    assert result_from_json({"nodeid": "t", "outcome": "skipped"}).skip_own is False

"""Trainable constants end to end: pytest --trace-optimize in a real git repository, the
search and OptoPrime (scripted server), constants of another module, constants-only mode."""

from __future__ import annotations

import json
import textwrap

import pytest
from conftest import answer, commit_new_repository, git, tree_state

SHOP = '''\
"""A shop."""

from pytest_trace import trainable

#: The tax rate.
TAX_RATE = 0.2  # keep in sync with the books


@trainable(constants=["TAX_RATE"])
def price_with_tax(price: float) -> float:
    """The price with the tax."""
    return round(price * (1 + TAX_RATE), 2)
'''

TESTS = """\
from shop import price_with_tax


def test_price_with_tax():
    assert price_with_tax(100) == 110.0


def test_price_with_tax_of_fifty():
    assert price_with_tax(50) == 55.0


def test_free():
    assert price_with_tax(0) == 0
"""


def make_repo(pytester: pytest.Pytester, files: dict[str, str]) -> None:
    for path, text in files.items():
        target = pytester.path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text) if path.startswith("tests") else text)
    (pytester.path / "pyproject.toml").write_text('[tool.pytest.ini_options]\npythonpath = ["."]\n')
    commit_new_repository(pytester.path, "shop")


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    report = pytester.path.parent / "report.json"
    return pytester.runpytest_subprocess(
        "--trace-optimize", f"--trace-report={report}", "-p", "no:cacheprovider", *args
    )


def report(pytester: pytest.Pytester) -> dict[str, object]:
    data: dict[str, object] = json.loads((pytester.path.parent / "report.json").read_text())
    return data


@pytest.fixture(autouse=True)
def no_llm(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


def test_the_search_tunes_a_constant_and_writes_it_back(pytester: pytest.Pytester) -> None:
    make_repo(pytester, {"shop.py": SHOP, "tests/test_shop.py": TESTS})
    before = tree_state(pytester.path)

    result = run(pytester, "--trace-optimizer=search")

    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines(["FIXED: shop.TAX_RATE (2 tests)", "  edit: tune constant"])
    assert tree_state(pytester.path) == before
    [branch] = git(
        pytester.path, "for-each-ref", "--format=%(refname:short)", "refs/heads/trace-fix"
    ).split()
    fixed = git(pytester.path, "show", f"{branch}:shop.py")
    assert fixed == SHOP.replace("TAX_RATE = 0.2  #", "TAX_RATE = 0.1  #")  # only the value
    [group] = report(pytester)["groups"]  # type: ignore[index]
    assert group["parameters"] == ["shop.price_with_tax", "shop.TAX_RATE"]
    assert group["changed"] == ["shop.TAX_RATE"]
    message = git(pytester.path, "log", "-1", "--format=%B", branch)
    assert "Parameters changed: shop.TAX_RATE\n" in message
    assert "Parameters unchanged: shop.price_with_tax\n" in message


def test_a_constant_of_another_module_imported_by_name(pytester: pytest.Pytester) -> None:
    """``from rates import TAX_RATE``: the forked candidates see the new value too."""
    shop = SHOP.replace(
        "TAX_RATE = 0.2  # keep in sync with the books\n", "from rates import TAX_RATE\n"
    ).replace('constants=["TAX_RATE"]', 'constants=["rates.TAX_RATE"]')
    rates = "TAX_RATE: float = 0.2\nOTHER = 1\n"
    make_repo(pytester, {"shop.py": shop, "rates.py": rates, "tests/test_shop.py": TESTS})

    result = run(pytester, "--trace-optimizer=search")

    result.stdout.fnmatch_lines(
        ["FIXED: rates.TAX_RATE (2 tests)", "*test runs: * forked, 1 in a new process"]
    )
    fixed = git(pytester.path, "show", "trace-fix/tax_rate:rates.py")
    assert fixed == "TAX_RATE: float = 0.1\nOTHER = 1\n"
    assert git(pytester.path, "show", "trace-fix/tax_rate:shop.py") == shop


def test_optoprime_sees_and_sets_a_constant(pytester: pytest.Pytester, llm: object) -> None:
    make_repo(pytester, {"shop.py": SHOP, "tests/test_shop.py": TESTS})
    script = [
        json.dumps({"reasoning": "r", "answer": "", "suggestion": {"shop.TAX_RATE": "ten"}}),
        json.dumps(
            {"reasoning": "the rate is 10 %", "answer": "", "suggestion": {"shop.TAX_RATE": 0.1}}
        ),
    ]
    server = llm(script)  # type: ignore[operator]

    result = run(pytester)

    result.stdout.fnmatch_lines(["FIXED: shop.TAX_RATE (2 tests)"])
    first = server.requests[0]["messages"][-1]["content"]
    assert "(float) shop.TAX_RATE = 0.2" in first
    assert "(code) shop.price_with_tax:def price_with_tax(price: float) -> float:" in first
    second = server.requests[1]["messages"][-1]["content"]
    assert "The new value of shop.TAX_RATE is not a float" in second
    fixed = git(pytester.path, "show", "trace-fix/tax_rate:shop.py")
    assert fixed == SHOP.replace("TAX_RATE = 0.2  #", "TAX_RATE = 0.1  #")


# Every reason a constant is set aside is tested in process (test_group_repair.py); these
# runs prove one the worker finds in a module and one of a module that does not exist
# reach the terminal and the report, and that the function is optimized all the same.
@pytest.mark.parametrize(
    ("change", "name", "reason"),
    [
        (
            ("TAX_RATE = 0.2", "TAX_RATE = 1 / 5"),
            "shop.TAX_RATE",
            "its value `1 / 5` is not a literal",
        ),
        (('["TAX_RATE"]', '["nowhere.TAX_RATE"]'), "nowhere.TAX_RATE", "there is no such module"),
    ],
)
def test_a_constant_that_cannot_be_edited_is_reported(
    pytester: pytest.Pytester, change: tuple[str, str], name: str, reason: str
) -> None:
    make_repo(pytester, {"shop.py": SHOP.replace(*change), "tests/test_shop.py": TESTS})

    result = run(pytester, "--trace-optimizer=search", "--trace-max-candidates=20")

    result.stdout.fnmatch_lines([f"pytest-trace: *{name} is not trainable: *{reason}*"])
    [group] = report(pytester)["groups"]  # type: ignore[index]
    assert group["parameters"] == ["shop.price_with_tax"]  # the function is optimized still
    assert group["candidates"] > 0
    assert f"{name} is not trainable" in group["message"]


SHIPPING_TESTS = """\
from shop import shipping


def test_light():
    assert shipping(1) == 5.5


def test_heavy():
    assert shipping(10) == 19.0
"""


def test_constants_only_mode_keeps_the_code(pytester: pytest.Pytester, llm: object) -> None:
    shop = '''\
from pytest_trace import trainable


@trainable(constants_only=True)
def shipping(weight: float) -> float:
    """Shipping cost: a base fee and a price per kilogram."""
    return 4.0 + weight * 2.0
'''
    make_repo(pytester, {"shop.py": shop, "tests/test_shop.py": SHIPPING_TESTS})
    structural = (
        "def shipping(weight: float) -> float:\n    return 4.0 + weight * 1.5 if weight else 4.0\n"
    )
    literal = (
        "def shipping(weight: float) -> float:\n"
        '    """Shipping cost: a base fee and a price per kilogram."""\n'
        "    return 4.0 + weight * 1.5\n"
    )
    server = llm([answer({"shop.shipping": structural}), answer({"shop.shipping": literal})])  # type: ignore[operator]

    result = run(pytester)

    result.stdout.fnmatch_lines(["FIXED: shop.shipping (2 tests)", "  2 iterations*"])
    assert (
        "constants-only: change only the literal values"
        in server.requests[0]["messages"][-1]["content"]
    )
    second = server.requests[1]["messages"][-1]["content"]
    assert "Only the literal values in shop.shipping may change" in second
    fixed = git(pytester.path, "show", "trace-fix/shipping:shop.py")
    assert fixed == shop.replace("weight * 2.0", "weight * 1.5")


def test_the_search_in_constants_only_mode(pytester: pytest.Pytester) -> None:
    shop = """\
from pytest_trace import trainable


@trainable(constants_only=True)
def shipping(weight: float) -> float:
    return 4.0 + weight * 2.0
"""
    make_repo(pytester, {"shop.py": shop, "tests/test_shop.py": SHIPPING_TESTS})

    result = run(pytester, "--trace-optimizer=search")

    result.stdout.fnmatch_lines(["FIXED: shop.shipping (2 tests)"])
    fixed = git(pytester.path, "show", "trace-fix/shipping:shop.py")
    assert fixed == shop.replace("weight * 2.0", "weight * 1.5")

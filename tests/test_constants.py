"""Trainable constants and constants-only functions: edits, checks, tuning, and how the
optimizers and the loop see them (pure parts; end-to-end runs in test_constants_e2e.py)."""

from __future__ import annotations

import json
import re
import sys
import types
from collections.abc import Mapping, Sequence

import pytest

from pytest_trace.llm.client import Completion
from pytest_trace.model import CallNode, Parameter, Problem, Proposal, TestResult, TraceGraph
from pytest_trace.optimizers.mutations import Hints
from pytest_trace.optimizers.optoprime import OptoPrime
from pytest_trace.optimizers.search import SearchOptimizer
from pytest_trace.optimizers.tuning import constant_edits
from pytest_trace.repair.constant_edits import (
    check_update,
    constant_source,
    normalize_constant,
    replace_constant,
    same_structure,
    tuned_values,
    value_type,
)
from pytest_trace.repair.loop import (
    Attempt,
    Budget,
    Callbacks,
    Group,
    group_failures,
    optimize_group,
)
from pytest_trace.repair.outcome import Ambiguity, Validation
from pytest_trace.repair.source_edits import EditError
from pytest_trace.runner.swap_constants import owner, set_constants

MODULE = '''"""Prices."""

from decimal import Decimal

#: The tax rate.
TAX_RATE: float = 0.2  # 20 %
GREETING = "héllo"; LIMIT = 3
COMPUTED = LIMIT * 2
PRECISE = Decimal("0.1")
TWICE = 1
TWICE = 2


def price_with_tax(price):
    return round(price * (1 + TAX_RATE), 2)
'''


def constant(name: str, source: str) -> Parameter:
    module, short = name.rsplit(".", 1)
    return Parameter(name, module, short, f"{module}.py", source, kind="constant")


TAX = constant("shop.TAX_RATE", "0.2")


# --- reading and writing the assignment ----------------------------------------------


def test_the_value_of_an_assignment_is_its_literal_text() -> None:
    assert constant_source(MODULE, "TAX_RATE") == "0.2"
    assert constant_source(MODULE, "GREETING") == '"héllo"'
    assert constant_source(MODULE, "LIMIT") == "3"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("COMPUTED", "its value `LIMIT * 2` is not a literal"),
        ("PRECISE", "is not a literal"),
        ("TWICE", "it is assigned 2 times (lines 10, 11)"),
        ("MISSING", "cannot find an assignment `MISSING = ...`"),
        ("price_with_tax", "cannot find an assignment"),
    ],
)
def test_what_cannot_be_a_constant_is_explained(name: str, message: str) -> None:
    with pytest.raises(EditError, match=re.escape(message)):
        constant_source(MODULE, name)


def test_replacing_a_value_keeps_every_other_byte() -> None:
    new = replace_constant(MODULE, "TAX_RATE", "0.1")
    assert new == MODULE.replace("TAX_RATE: float = 0.2  # 20 %", "TAX_RATE: float = 0.1  # 20 %")
    # After a non-ASCII character on the same line (columns are UTF-8 bytes).
    assert replace_constant(MODULE, "LIMIT", "4") == MODULE.replace("LIMIT = 3", "LIMIT = 4")


def test_crlf_bom_and_no_final_newline_are_kept() -> None:
    text = "\ufeffA = 1\r\nB = 'x'\r\nC = [1,\r\n     2]"
    assert replace_constant(text, "B", "'y'") == "\ufeffA = 1\r\nB = 'y'\r\nC = [1,\r\n     2]"
    assert replace_constant(text, "C", "[3]") == "\ufeffA = 1\r\nB = 'x'\r\nC = [3]"
    assert constant_source(text, "C") == "[1,\r\n     2]"


def test_a_value_that_breaks_the_file_is_refused() -> None:
    with pytest.raises(EditError, match="does not compile"):
        replace_constant(MODULE, "LIMIT", "3 +")


# --- checking new values -------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0.1", "0.1"), (0.1, "0.1"), ("0.10", "0.10"), (1, "1.0"), ("`0.15`", "0.15"), ("1", "1.0")],
)
def test_a_new_float_value_is_normalized(value: object, expected: str) -> None:
    assert normalize_constant(TAX, value) == expected


@pytest.mark.parametrize(
    ("parameter", "value", "message"),
    [
        (TAX, "abc", "is not a float"),
        (TAX, True, "is not a float"),
        (TAX, "TAX_RATE = 0.1", "is not a float"),
        (TAX, "1e999", "must be a finite number"),
        (constant("m.N", "3"), 2.5, "is not a int"),
        (constant("m.ON", "True"), "maybe", "is not a bool"),
        (constant("m.SIZES", "(1, 2)"), "[1, 2]", "must be a tuple literal"),
    ],
)
def test_a_value_of_another_kind_is_refused(
    parameter: Parameter, value: object, message: str
) -> None:
    with pytest.raises(EditError, match=message):
        normalize_constant(parameter, value)


def test_other_types_convert_when_exact() -> None:
    assert normalize_constant(constant("m.N", "3"), 4.0) == "4"
    assert normalize_constant(constant("m.ON", "True"), "false") == "False"
    assert normalize_constant(constant("m.NAME", "'a'"), "b c") == "'b c'"
    assert normalize_constant(constant("m.NAME", "'a'"), "'b'") == "'b'"
    assert value_type("(1, 2)") == "tuple"
    assert value_type("x + 1") == "object"


def test_constants_only_allows_literal_changes_only() -> None:
    base = "def rate(x):\n    return x * 0.2 + 1  # plus one\n"
    code = Parameter("m.rate", "m", "rate", "m.py", base, constants_only=True)
    assert same_structure(base, "def rate(x):\n    return x * -0.1 + 2\n")
    assert check_update(code, "def rate(x):\n    return x * 0.1 + 1\n") == ""
    problem = check_update(code, "def rate(x):\n    return x * 0.1 - 1\n")
    assert problem.startswith("only the literal values in m.rate may change")
    assert check_update(code, "def rate(y):\n    return y * 0.2 + 1\n") != ""
    # Without the mode, anything goes (the usual checks apply elsewhere).
    free = Parameter("m.rate", "m", "rate", "m.py", base)
    assert check_update(free, "def rate(x):\n    return x - 1\n") == ""
    assert "is not a float" in check_update(TAX, "rate")


# --- tuning ----------------------------------------------------------------------------


def test_tuning_solves_a_rate_from_actual_and_expected() -> None:
    # price * (1 + 0.2) gave 120.0 where 110.0 was expected: 0.1 is among the first values.
    values = tuned_values("0.2", [(120.0, 110.0)])
    assert "0.1" in values[:4]
    assert "0.2" not in values
    assert tuned_values("'text'", [(1.0, 2.0)]) == []
    assert tuned_values("True", []) == []
    assert all(value.lstrip("-").isdigit() for value in tuned_values("3", [(2.0, 5.0)]))


def test_constant_edits_add_the_mutation_operators_values() -> None:
    edits = list(constant_edits(TAX, Hints(numbers=((120.0, 110.0),))))
    sources = [edit.source for edit in edits]
    assert "0.1" in sources[:4]
    assert len(sources) == len(set(sources))
    assert all(edit.size == 1 and edit.description.startswith("`0.2` → ") for edit in edits)
    flag = list(constant_edits(constant("m.DEBUG", "False"), Hints()))
    assert [edit.source for edit in flag] == ["True"]


def test_the_search_proposes_constant_values_beside_code_edits() -> None:
    code = Parameter(
        "shop.price_with_tax",
        "shop",
        "price_with_tax",
        "shop.py",
        "def price_with_tax(price):\n    return round(price * (1 + TAX_RATE), 2)\n",
        global_names=("TAX_RATE",),
    )
    twin = constant("shop.DISCOUNT", "0.1")  # same value as the answer: still proposed
    problem = Problem(
        [code, TAX, twin], traces=[], feedback="assert 120.0 == 110.0\n +  where 120.0 = f(100)"
    )
    search = SearchOptimizer(batch_size=10_000)
    updates = [p.updates for p in search.propose(problem)]
    assert {"shop.TAX_RATE": "0.1"} in updates
    assert any(set(u) == {"shop.price_with_tax"} for u in updates)
    assert any(set(u) == {"shop.TAX_RATE", "shop.DISCOUNT"} for u in updates)


def test_the_search_keeps_a_constants_only_function_structure() -> None:
    source = "def fee(amount):\n    if amount > 100:\n        return amount * 0.05\n    return 2\n"
    code = Parameter("m.fee", "m", "fee", "m.py", source, constants_only=True)
    problem = Problem([code], traces=[], feedback="assert 5.0 == 10.0")
    search = SearchOptimizer(batch_size=100_000)
    updates = [p.updates["m.fee"] for p in search.propose(problem)]
    assert updates, "literal edits are proposed"
    assert all(same_structure(source, new) for new in updates)
    assert (
        "def fee(amount):\n    if amount > 100:\n        return amount * 0.1\n    return 2\n"
        in (updates)
    )


# --- OptoPrime ---------------------------------------------------------------------------


class OneAnswer:
    def __init__(self, text: str) -> None:
        self.text = text
        self.prompts: list[str] = []

    def complete(self, system: str, user: str) -> Completion:
        self.prompts.append(user)
        return Completion(self.text)


def _problem(*parameters: Parameter) -> Problem:
    trace = TraceGraph("t::test", calls=[CallNode(0, "shop.price_with_tax", {})])
    return Problem(list(parameters), traces=[trace], feedback="assert 120.0 == 110.0")


def _answer(suggestion: Mapping[str, object]) -> str:
    return json.dumps({"reasoning": "r", "answer": "", "suggestion": suggestion})


def test_optoprime_shows_a_constant_as_a_typed_variable() -> None:
    llm = OneAnswer(_answer({"shop.TAX_RATE": 0.1}))
    [proposal] = OptoPrime(llm).propose(_problem(TAX))
    assert proposal.updates == {"shop.TAX_RATE": "0.1"}
    prompt = llm.prompts[0]
    assert "(float) shop.TAX_RATE = 0.2" in prompt.split("#Variables", 1)[1]
    assert "(float) shop.TAX_RATE: a float literal" in prompt.split("#Constraints", 1)[1]


@pytest.mark.parametrize(
    ("value", "message"),
    [("TAX_RATE = 0.1", "is not a float"), ("ten percent", "is not a float"), ([0.1], "float")],
)
def test_optoprime_rejects_a_constant_value_of_another_kind(value: object, message: str) -> None:
    [proposal] = OptoPrime(OneAnswer(_answer({"shop.TAX_RATE": value}))).propose(_problem(TAX))
    assert proposal.updates == {}
    assert message in proposal.rejected
    assert proposal.rejected.startswith("The new value of shop.TAX_RATE")


def test_optoprime_rejects_a_structural_change_of_a_constants_only_function() -> None:
    base = "def fee(amount):\n    return amount * 0.05\n"
    code = Parameter("m.fee", "m", "fee", "m.py", base, constants_only=True)
    llm = OneAnswer(_answer({"m.fee": "def fee(amount):\n    return amount * 0.05 + 1\n"}))
    [proposal] = OptoPrime(llm).propose(_problem(code))
    assert proposal.updates == {}
    assert "constants-only mode" in proposal.rejected
    assert "constants-only: change only the literal values" in llm.prompts[0]
    good = OneAnswer(_answer({"m.fee": "def fee(amount):\n    return amount * 0.1\n"}))
    [accepted] = OptoPrime(good).propose(_problem(code))
    assert accepted.updates == {"m.fee": "def fee(amount):\n    return amount * 0.1\n"}


# --- the loop and the groups -------------------------------------------------------------


def _failing(test: str, *functions: str) -> TestResult:
    calls = [CallNode(i, name, {}) for i, name in enumerate(functions)]
    return TestResult(test, "failed", trace=TraceGraph(test, calls=calls))


def test_constants_join_the_group_of_the_functions_that_declare_them() -> None:
    results = [_failing("t::a", "m.f"), _failing("t::b", "m.g"), _failing("t::c", "m.h")]
    # f and g share a constant: one group; h is alone.
    groups, unreached = group_failures(results, {"m.f": ["m.RATE"], "m.g": ["m.RATE", "m.N"]})
    assert unreached == []
    assert sorted(groups, key=lambda g: g.tests) == [
        Group(("t::a", "t::b"), ("m.f", "m.g", "m.RATE", "m.N")),
        Group(("t::c",), ("m.h",)),
    ]


class Scripted:
    name = "scripted"

    def __init__(self, proposals: list[Proposal]) -> None:
        self.proposals = proposals
        self.problems: list[Problem] = []

    def propose(self, problem: Problem) -> list[Proposal]:
        self.problems.append(problem)
        return [self.proposals.pop(0)] if self.proposals else []


def test_the_loop_rejects_what_breaks_a_parameters_rules_and_says_why() -> None:
    evaluated: list[Mapping[str, str]] = []

    def evaluate(batch: Sequence[Mapping[str, str]]) -> list[dict[str, TestResult]]:
        evaluated.extend(batch)
        return [
            {"t::a": TestResult("t::a", "passed" if v["shop.TAX_RATE"] == "0.1" else "failed")}
            for v in batch
        ]

    def commit(values: Mapping[str, str], attempt: Attempt, ambiguity: Ambiguity) -> str:
        return "sha"

    optimizer = Scripted(
        [Proposal({"shop.TAX_RATE": "rate()"}), Proposal({"shop.TAX_RATE": "0.1"})]
    )
    result = optimize_group(
        Group(("t::a",), ("shop.TAX_RATE",)),
        {"shop.TAX_RATE": TAX},
        {"t::a": _failing("t::a", "shop.price_with_tax")},
        optimizer,
        Callbacks(evaluate, lambda values: Validation(), commit),
        Budget(max_iterations=3),
    )
    assert result.status == "fixed"
    assert [a.verdict for a in result.attempts] == ["rejected", "fixed"]
    assert evaluated == [{"shop.TAX_RATE": "0.1"}]  # the bad value never ran
    assert "the new value of shop.TAX_RATE is not a float" in optimizer.problems[1].feedback


# --- in a running process ----------------------------------------------------------------


def test_set_constants_rebinds_the_module_and_its_importers() -> None:
    rates = types.ModuleType("rates_for_test")
    rates.__file__ = "/nowhere/rates_for_test.py"
    rates.TAX_RATE = 0.2  # type: ignore[attr-defined]
    user = types.ModuleType("user_for_test")
    user.TAX_RATE = rates.TAX_RATE  # type: ignore[attr-defined]  # from rates import TAX_RATE
    other = types.ModuleType("other_for_test")
    other.TAX_RATE = 0.25  # type: ignore[attr-defined]  # its own constant of the same name
    set_constants(rates, ["TAX_RATE"], "TAX_RATE = 0.1\n", [rates, user, other])
    assert (rates.TAX_RATE, user.TAX_RATE, other.TAX_RATE) == (0.1, 0.1, 0.25)  # type: ignore[attr-defined]
    import linecache

    assert linecache.getline("/nowhere/rates_for_test.py", 1) == "TAX_RATE = 0.1\n"
    with pytest.raises(EditError):
        set_constants(rates, ["TAX_RATE", "MISSING"], "TAX_RATE = 0.3\n")
    assert rates.TAX_RATE == 0.1  # type: ignore[attr-defined]  # all or nothing
    assert "rates_for_test" not in sys.modules


def test_the_owner_of_a_declared_constant() -> None:
    this = sys.modules[__name__]
    assert owner(this, "TAX_RATE") == (this, "TAX_RATE")
    assert owner(this, "pytest_trace.repair.constant_edits.MAX_TUNED") == (
        sys.modules["pytest_trace.repair.constant_edits"],
        "MAX_TUNED",
    )
    assert owner(this, "no_such_module_anywhere.X") == (None, "X")

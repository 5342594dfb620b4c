"""The search's edit operators as registered objects: the registry, and an operator
added through the same seam the built-in ones use (``docs/extending.md``)."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from test_search import drain, parameter, problem

from pytest_trace.optimizers.mutations import Hints, double_edits, single_edits
from pytest_trace.optimizers.mutations.function import Function
from pytest_trace.optimizers.mutations.model import Raw
from pytest_trace.optimizers.mutations.registry import OPERATORS
from pytest_trace.optimizers.search import SearchOptimizer

DOUBLE = "def double(x):\n    y = x * 2\n    return y\n"


class NegateReturn:
    """A toy edit kind: a returned value negated, ``return e`` → ``return -e``."""

    name = "negate return"
    priority = 44

    def generate(self, function: Function) -> Iterator[Raw]:
        for site in function.sites:
            if site.role == "return" and isinstance(site.node, ast.expr):
                new = ast.UnaryOp(op=ast.USub(), operand=site.node)
                yield function.expr(site, new, self.name, self.priority, 1)


def test_the_registry_names_each_operator_once_with_a_priority() -> None:
    names = [operator.name for operator in OPERATORS]
    assert len(names) == len(set(names)) == len(OPERATORS)
    assert all(isinstance(operator.priority, int) for operator in OPERATORS)


def test_each_operator_makes_the_candidates_of_its_own_kind() -> None:
    source = "def f(xs, n):\n    if n < len(xs):\n        return xs[n] + 1\n    return None\n"
    function = Function(source, Hints())
    made = {operator.name: list(operator.generate(function)) for operator in OPERATORS}
    comparisons = {raw.operator for raw in made["comparison swap"]}
    assert comparisons == {"comparison swap"}
    assert {raw.operator for raw in made["delete statement"]} == {"delete statement"}
    assert all(raw.priority >= 0 for raws in made.values() for raw in raws)


def test_an_operator_added_to_the_list_adds_its_edits_after_the_others() -> None:
    without = list(single_edits(DOUBLE, Hints()))
    with_toy = list(single_edits(DOUBLE, Hints(), (*OPERATORS, NegateReturn())))
    added = [edit for edit in with_toy if edit.operators == ("negate return",)]
    assert [edit.source for edit in added] == ["def double(x):\n    y = x * 2\n    return -y\n"]
    assert added[0].description == "line 3: `return y` → `return -y`"
    assert added[0].lines == (3,) and added[0].size == 1
    # Its priority (44) ranks it after every built-in edit; theirs are unchanged.
    assert with_toy[: len(without)] == without
    assert with_toy[len(without) :] == added


def test_the_operators_given_are_the_only_ones_in_single_edits_and_pairs() -> None:
    singles = list(single_edits(DOUBLE, Hints(), (NegateReturn(),)))
    assert [edit.operators for edit in singles] == [("negate return",)]
    pairs = list(double_edits(DOUBLE, Hints(), singles, limit=10, operators=(NegateReturn(),)))
    assert pairs == []  # the only place it edits is taken by the first edit


def test_a_search_with_an_added_operator_proposes_its_edits() -> None:
    current = problem(parameter("m.double", DOUBLE))
    fix = "def double(x):\n    y = x * 2\n    return -y\n"
    assert fix not in [u["m.double"] for u in drain(SearchOptimizer(batch_size=500), current)]
    search = SearchOptimizer(batch_size=500, operators=(*OPERATORS, NegateReturn()))
    found = search.propose(current)
    [proposal] = [p for p in found if p.updates["m.double"] == fix]
    assert proposal.operators == ("negate return",)
    assert proposal.reasoning == "double: line 3: `return y` → `return -y`"

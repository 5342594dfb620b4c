"""What the recorder shows beyond calls of trainables: operators (the project's other
functions), the line an exception passed, locals line by line, ``self`` before and after,
and the bounds (the ring of the latest calls, the objects kept alive)."""

from __future__ import annotations

import gc
import importlib
import json
import sys
import textwrap
import types
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest

from pytest_trace.model import LineStep, TraceGraph, Value, to_json, trace_from_json
from pytest_trace.trace.lines import DEFAULT_LINE_LIMITS, LineLimits
from pytest_trace.trace.recorder import MAX_LINKED_OBJECTS, MAX_OPERATOR_CALLS, Recorder

SHOP = '''
import json


def to_cents(amount):
    """Convert an amount in euros to whole cents.

    Rounds half up.
    """
    return int(amount * 100 + 0.5)


def no_doc(x):
    return x


def make_prices(n):
    """Prices of n items, 1.5 each."""
    return [1.5] * n


def total(prices):
    cents = 0
    for price in prices:
        cents += to_cents(price)
    json.dumps(cents)
    return cents


def average(prices):
    count = len(prices) - len(prices)
    return total(prices) / count


def helper_calls_total(prices):
    return total(prices)


def drift(n):
    value = 1
    for i in range(n):
        value = value * 2 if i != 50 else -value
    return value


def long_loop(n):
    acc = 0
    for i in range(n):
        acc += i
    return acc


class Price:
    def __init__(self, amount):
        self.amount = amount
        self.seen = 0
        self.note = "x"

    @property
    def loud(self):
        self.seen += 1000
        return self.amount

    def discount(self, percent):
        self.amount = self.amount * (100 - percent) / 100
        self.seen += 1
        return self.amount

    def peek(self):
        return self.loud


class Box:
    def __init__(self, n):
        self.n = n
'''

TEST_FILE = """
def helper_in_test(x):
    return x + 1
"""


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[types.ModuleType]:
    package = tmp_path / "shop"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "calc.py").write_text(textwrap.dedent(SHOP))
    (package / "test_calc.py").write_text(textwrap.dedent(TEST_FILE))
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("shop.calc")
    yield module
    for name in ("shop", "shop.calc", "shop.test_calc"):
        sys.modules.pop(name, None)


def recorder(shop: types.ModuleType, *names: str, **options: object) -> Recorder:
    codes = {}
    for name in names:
        target: object = shop
        for part in name.split("."):
            target = getattr(target, part)
        codes[target.__code__] = f"shop.calc.{name}"  # type: ignore[attr-defined]
    root = Path(shop.__file__).parent.parent  # type: ignore[arg-type]
    return Recorder(codes, project_root=root, **options)  # type: ignore[arg-type]


# -- operators ----------------------------------------------------------------------------


def test_functions_called_inside_a_trainable_are_operators_with_their_docstring(shop):
    with recorder(shop, "total") as rec:
        shop.total([1.5, 2.25])
    graph = rec.graph("t")
    assert [(c.function, c.kind, c.parent) for c in graph.calls] == [
        ("shop.calc.total", "trainable", None),
        ("shop.calc.to_cents", "operator", 0),
        ("shop.calc.to_cents", "operator", 0),
    ]
    assert graph.calls[1].args == {"amount": Value("float", "1.5")}
    assert graph.calls[2].result == Value("int", "225")
    # only the first paragraph, on one line; json.dumps (the standard library) is not recorded
    assert graph.docs == {"shop.calc.to_cents": "Convert an amount in euros to whole cents."}
    assert graph.functions == ["shop.calc.total"]  # what grouping and reach see


def test_an_operator_whose_value_feeds_a_trainable_is_kept_with_the_edge(shop):
    with recorder(shop, "total") as rec:
        prices = shop.make_prices(2)
        shop.no_doc(3)  # its value goes nowhere: left out
        shop.total(prices)
    calls = rec.calls
    assert [c.function for c in calls if c.parent is None] == [
        "shop.calc.make_prices",
        "shop.calc.total",
    ]
    make, total = calls[0], calls[1]
    assert total.inputs_from == {"prices": make.id}
    assert make.kind == "operator"


def test_an_operator_that_calls_a_trainable_is_kept_as_its_caller(shop):
    with recorder(shop, "total") as rec:
        shop.helper_calls_total([1.0])
        shop.no_doc(shop.no_doc(1))  # values to nobody, no trainable inside: left out
    [helper, total, cents] = rec.calls
    assert (helper.function, helper.kind, helper.parent) == (
        "shop.calc.helper_calls_total",
        "operator",
        None,
    )
    assert total.parent == helper.id and cents.parent == total.id
    assert rec.graph("t").docs == {
        "shop.calc.helper_calls_total": "",
        "shop.calc.to_cents": "Convert an amount in euros to whole cents.",
    }


def test_operators_are_off_without_a_project_root_and_test_files_are_never_operators(shop):
    codes = {shop.total.__code__: "shop.calc.total"}
    with Recorder(codes) as rec:
        shop.total([1.0])
    assert [c.function for c in rec.calls] == ["shop.calc.total"]

    tests = importlib.import_module("shop.test_calc")
    with recorder(shop, "total") as rec:
        shop.total([tests.helper_in_test(1)])
    assert "helper_in_test" not in json.dumps(to_json(rec.graph("t")))


def test_operator_calls_outside_trainables_are_capped(shop):
    with recorder(shop, "total") as rec:
        for _ in range(MAX_OPERATOR_CALLS - 1):
            prices = shop.make_prices(1)
        shop.total(prices)  # the last call recorded fed total: kept, the others left out
    [made] = [c for c in rec.calls if c.function == "shop.calc.make_prices"]
    assert [c.inputs_from for c in rec.calls if c.function == "shop.calc.total"] == [
        {"prices": made.id}
    ]
    with recorder(shop, "total") as rec:
        for _ in range(MAX_OPERATOR_CALLS + 30):
            prices = shop.make_prices(1)
        shop.total(prices)  # past the cap: the call that made prices was not recorded
    assert [c.function for c in rec.calls if c.parent is None] == ["shop.calc.total"]
    assert rec.calls[0].inputs_from == {}


# -- exceptions ---------------------------------------------------------------------------


def test_the_line_an_exception_passed_is_recorded_from_the_def_line(shop):
    with recorder(shop, "average", "total") as rec, pytest.raises(ZeroDivisionError):
        shop.average([1.0])
    by_name = {c.function: c for c in rec.calls}
    average = by_name["shop.calc.average"]
    assert average.exception is not None and average.exception.type == "ZeroDivisionError"
    assert average.raised_line == 3  # return total(prices) / count
    assert by_name["shop.calc.total"].raised_line is None


# -- locals line by line ------------------------------------------------------------------


def test_locals_line_by_line_with_the_loop_summarized(shop):
    with recorder(shop, "long_loop") as rec:
        shop.long_loop(1000)
    [call] = rec.calls
    steps = call.lines
    assert steps[0] == LineStep(2, {"acc": Value("int", "0")}, 1, 0)
    assert steps[1] == LineStep(3, {"i": Value("int", "0")}, 1, 0)
    # the second iteration is shown, then most are counted, then the last ones
    assert LineStep(3, {"i": Value("int", "1")}, 2, 0) in steps
    assert sum(step.omitted for step in steps) > 1900
    assert steps[-1].line == 5 and steps[-1].visit == 1  # return acc
    assert any(step.changes.get("i") == Value("int", "999") for step in steps)
    assert len(steps) <= LineLimits().max_steps + LineLimits().tail + 1


def test_an_unexpected_change_in_a_loop_is_kept(shop):
    with recorder(shop, "drift") as rec:
        shop.drift(80)
    [call] = rec.calls
    # at i == 50 the value changed sign: that step is shown though it is the 51st iteration
    flipped = [s for s in call.lines if "value" in s.changes and s.changes["value"].repr[0] == "-"]
    assert flipped and flipped[0].visit == 51


def test_only_the_first_calls_of_a_function_are_recorded_line_by_line(shop):
    limits = LineLimits(calls_per_function=2, events=0)
    with recorder(shop, "long_loop", lines=limits) as rec:
        for n in range(4):
            shop.long_loop(n + 3)
    assert [bool(c.lines) for c in rec.calls] == [True, True, False, False]
    with recorder(shop, "long_loop", lines=LineLimits(calls_per_function=0)) as rec:
        shop.long_loop(3)
    assert rec.calls[0].lines == []


def test_the_first_and_the_latest_calls_keep_their_lines_while_the_budget_lasts(shop):
    limits = LineLimits(calls_per_function=1, latest=2)
    with recorder(shop, "long_loop", lines=limits) as rec:
        for n in range(6):
            shop.long_loop(n + 3)
    # the first call, and the two nearest the end of the test (the failure)
    assert [bool(c.lines) for c in rec.calls] == [True, False, False, False, True, True]

    spent = LineLimits(calls_per_function=1, latest=5, events=20)
    with recorder(shop, "long_loop", lines=spent) as rec:
        for _ in range(6):
            shop.long_loop(30)  # the first call makes 60 line events: the budget is spent
    assert [bool(c.lines) for c in rec.calls] == [True, False, False, False, False, False]


def test_calls_that_raised_keep_their_lines_and_show_every_local_there(shop):
    limits = LineLimits(calls_per_function=0, latest=1)
    with recorder(shop, "average", lines=limits) as rec:
        for prices in ([1, 2], [3], [4, 5, 6]):
            with pytest.raises(ZeroDivisionError):
                shop.average(prices)
    calls = [c for c in rec.calls if c.function == "shop.calc.average"]
    assert [bool(c.lines) for c in calls] == [True, True, True]  # not pushed out: they raised
    step = calls[0].lines[-1]
    assert step.line == calls[0].raised_line == 3
    assert {name: value.repr for name, value in step.changes.items()} == {
        "prices": "[1, 2]",
        "count": "0",
    }


def test_locals_are_bounded_reprs(shop):
    with recorder(shop, "total") as rec:
        shop.total([1.5] * 100_000)
    [total, *_] = rec.calls
    for step in total.lines:
        for value in step.changes.values():
            assert len(value.repr) <= 120


# -- self -------------------------------------------------------------------------------


def test_a_method_shows_the_attributes_it_uses_before_and_after(shop):
    with recorder(shop, "Price.discount", "Price.peek") as rec:
        price = shop.Price(200.0)
        price.discount(10)
        price.peek()
    discount, peek = [c for c in rec.calls if c.kind == "trainable"]
    assert discount.self_before == {"amount": Value("float", "200.0"), "seen": Value("int", "0")}
    assert discount.self_after == {"amount": Value("float", "180.0"), "seen": Value("int", "1")}
    # a property is code: it is not read by the recorder (seen went up only by the call)
    assert peek.self_before == {} and price.seen == 1001


# -- bounds -------------------------------------------------------------------------------


def test_the_first_and_the_latest_calls_are_kept(shop):
    with recorder(shop, "no_doc", max_calls=10) as rec:
        for i in range(100):
            shop.no_doc(i)
    graph = rec.graph("t")
    assert [c.args["x"].repr for c in graph.calls] == [str(i) for i in [*range(5), *range(95, 100)]]
    assert [c.id for c in graph.calls] == [0, 1, 2, 3, 4, 95, 96, 97, 98, 99]
    assert graph.dropped_calls == 90
    assert graph.dropped_at == 5


def test_returned_objects_kept_alive_are_bounded(shop):
    refs = []
    with recorder(shop, "no_doc") as rec:
        for i in range(MAX_LINKED_OBJECTS * 4):
            box = shop.no_doc(shop.no_doc(shop.Box(i)))
            refs.append(weakref.ref(box))
        del box
        gc.collect()
        alive = sum(ref() is not None for ref in refs)
    # at most twice the limit (trimmed to it now and then), and what the line logs of
    # the first calls hold
    assert alive <= 2 * MAX_LINKED_OBJECTS + DEFAULT_LINE_LIMITS.calls_per_function
    # the data flow of the latest calls still holds
    inner, outer = rec.calls[-2:]
    assert outer.inputs_from == {"x": inner.id}


def test_the_new_fields_survive_json_and_old_json_still_loads(shop):
    with recorder(shop, "average", "Price.discount") as rec, pytest.raises(ZeroDivisionError):
        shop.Price(10.0).discount(50)
        shop.average([1.0, 2.0])
    graph = rec.graph("t")
    assert any(c.lines for c in graph.calls) and any(c.self_after for c in graph.calls)
    assert trace_from_json(json.loads(json.dumps(to_json(graph)))) == graph
    old = {"test": "t", "calls": [{"id": 0, "function": "f", "args": {}}]}
    loaded = trace_from_json(old)
    assert loaded == TraceGraph("t", calls=loaded.calls)
    assert loaded.calls[0].kind == "trainable" and loaded.calls[0].lines == []


def test_a_call_past_the_line_by_line_ones_shows_its_locals_as_it_raised(shop):
    no_lines = LineLimits(calls_per_function=0)
    with recorder(shop, "average", lines=no_lines) as rec, pytest.raises(ZeroDivisionError):
        shop.average([2.0, 4.0])
    [average] = [c for c in rec.calls if c.function == "shop.calc.average"]
    assert average.lines == [
        LineStep(3, {"prices": Value("list", "[2.0, 4.0]"), "count": Value("int", "0")}, 1, 0)
    ]


def test_operators_under_any_of_several_roots(shop, tmp_path):
    codes = {shop.total.__code__: "shop.calc.total"}
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    with Recorder(codes, project_root=[elsewhere]) as rec:
        shop.total([1.0])
    assert [c.kind for c in rec.calls] == ["trainable"]
    with Recorder(codes, project_root=[elsewhere, tmp_path]) as rec:
        shop.total([1.0])
    assert [c.kind for c in rec.calls] == ["trainable", "operator"]

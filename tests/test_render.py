"""Rendering traces as OptoPrime's #Code, #Documentation, #Inputs, #Others, #Outputs."""

from __future__ import annotations

import pytest

from pytest_trace.model import CallNode, Parameter, TraceGraph, Value
from pytest_trace.trace.render import TraceSections, describe, render_traces

DISCOUNT = "pricing.cart.apply_discount"
RATE = "pricing.cart.rate"
TEST = "tests/test_cart.py::test_discount"
TEST_SOURCE = "def test_discount():\n    assert apply_discount(200, 10) == 180.0\n"


def parameter(name: str, source: str, description: str = "") -> Parameter:
    module, _, qualname = name.rpartition(".")
    return Parameter(
        name=name,
        module=module,
        qualname=qualname,
        path=module.replace(".", "/") + ".py",
        source=source,
        description=description,
    )


PARAMETERS = [
    parameter(
        DISCOUNT,
        'def apply_discount(price, percent):\n    """Apply a discount.\n\n    More."""\n'
        "    return price\n",
    ),
    parameter(RATE, "def rate(percent):\n    return percent / 100\n", "percent -> rate"),
]


def v(text: str, type_name: str = "int") -> Value:
    return Value(type_name, text)


def nested_trace(test: str = TEST) -> TraceGraph:
    """apply_discount calls rate inside; the test passes the result on to a second call,
    which raises."""
    return TraceGraph(
        test=test,
        test_source=TEST_SOURCE,
        calls=[
            CallNode(1, DISCOUNT, {"price": v("200"), "percent": v("10")}, v("20.0", "float")),
            CallNode(2, RATE, {"percent": v("10")}, v("0.1", "float"), parent=1),
            CallNode(
                3,
                DISCOUNT,
                {"price": v("20.0", "float"), "percent": v("200")},
                exception=Value("ValueError", "ValueError('percent > 100')"),
                inputs_from={"price": 1},
            ),
        ],
    )


def lines(text: str) -> list[str]:
    return text.splitlines()


# --- the sections --------------------------------------------------------------------------


def test_code_lines_with_names_data_flow_nesting_and_exceptions() -> None:
    sections = render_traces([nested_trace()], PARAMETERS)
    assert lines(sections.code) == [
        f"--- test {TEST} ---",
        "apply_discount0 = pricing.cart.apply_discount(price=apply_discount0_price, "
        "percent=apply_discount0_percent)",
        "    rate0 = pricing.cart.rate(percent=rate0_percent)  # in apply_discount0",
        "apply_discount1 = pricing.cart.apply_discount(price=apply_discount0, "
        "percent=apply_discount1_percent)  # raised ValueError",
    ]


def test_documentation_uses_description_then_docstring() -> None:
    sections = render_traces([nested_trace()], PARAMETERS)
    assert lines(sections.documentation) == [
        f"[{DISCOUNT}] Apply a discount.",
        f"[{RATE}] percent -> rate",
    ]


def test_documentation_of_an_unknown_function() -> None:
    trace = TraceGraph(test=TEST, calls=[CallNode(1, "m.f", {}, v("1"))])
    assert render_traces([trace], []).documentation == "[m.f] (no description)"


def test_inputs_hold_test_source_and_underived_arguments() -> None:
    sections = render_traces([nested_trace()], PARAMETERS)
    assert lines(sections.inputs) == [
        f"--- test {TEST} ---",
        f"(test code) {TEST}:def test_discount():",
        "    assert apply_discount(200, 10) == 180.0",
        "(int) apply_discount0_price=200",
        "(int) apply_discount0_percent=10",
        "(int) rate0_percent=10",
        "(int) apply_discount1_percent=200",
    ]
    assert "apply_discount1_price" not in sections.inputs  # it is apply_discount0


def test_others_hold_nested_and_consumed_values_outputs_the_rest() -> None:
    sections = render_traces([nested_trace()], PARAMETERS)
    assert lines(sections.others) == [
        f"--- test {TEST} ---",
        "(float) apply_discount0=20.0",
        "(float) rate0=0.1",
    ]
    assert lines(sections.outputs) == [
        f"--- test {TEST} ---",
        "(ValueError) apply_discount1 raised: ValueError('percent > 100')",
    ]


def test_call_without_result_is_marked() -> None:
    trace = TraceGraph(test=TEST, calls=[CallNode(1, DISCOUNT, {"price": v("1")})])
    outputs = render_traces([trace], PARAMETERS).outputs
    assert "(no value) apply_discount0: no return value was recorded" in outputs


def test_several_traces_get_labelled_blocks_and_unique_names() -> None:
    second = TraceGraph(
        test="tests/test_cart.py::test_zero",
        test_source="def test_zero():\n    assert apply_discount(5, 0) == 5\n",
        calls=[CallNode(1, DISCOUNT, {"price": v("5"), "percent": v("0")}, v("0.0", "float"))],
    )
    sections = render_traces([nested_trace(), second], PARAMETERS)
    code = lines(sections.code)
    assert code[4] == "--- test tests/test_cart.py::test_zero ---"
    assert code[5].startswith("apply_discount2 = pricing.cart.apply_discount(")
    inputs = sections.inputs
    assert inputs.index(f"(test code) {TEST}:") < inputs.index(
        "--- test tests/test_cart.py::test_zero ---"
    )
    assert "(test code) tests/test_cart.py::test_zero:def test_zero():" in inputs
    assert lines(sections.outputs)[-2:] == [
        "--- test tests/test_cart.py::test_zero ---",
        "(float) apply_discount2=0.0",
    ]
    assert sections.documentation.count(DISCOUNT) == 1


def test_trace_without_calls_and_no_traces() -> None:
    empty = TraceGraph(test=TEST, test_source=TEST_SOURCE)
    sections = render_traces([empty], PARAMETERS)
    assert "(no trainable function was called before the test ended)" in sections.code
    assert f"(test code) {TEST}:" in sections.inputs
    assert (sections.others, sections.outputs) == ("(none)", "(none)")
    nothing = render_traces([], PARAMETERS)
    assert nothing.code == "(no trace was recorded)"
    assert nothing.documentation == "(no function was called)"


# --- names ---------------------------------------------------------------------------------


def test_same_short_name_is_disambiguated_by_class() -> None:
    trace = TraceGraph(
        test=TEST,
        calls=[
            CallNode(1, "shop.Cart.total", {"self": v("Cart()", "Cart")}, v("1")),
            CallNode(2, "shop.Order.total", {"self": v("Order()", "Order")}, v("2")),
            CallNode(3, "shop.Cart.total", {"self": v("Cart()", "Cart")}, v("1")),
        ],
    )
    code = lines(render_traces([trace], []).code)
    assert [line.split(" = ")[0] for line in code[1:]] == [
        "Cart_total0",
        "Order_total0",
        "Cart_total1",
    ]
    assert "(Cart) Cart_total0_self=Cart()" in render_traces([trace], []).inputs


def test_names_ending_in_digits_and_odd_characters_stay_readable() -> None:
    trace = TraceGraph(
        test=TEST,
        calls=[
            CallNode(1, "m.step2", {"x": v("1")}, v("1")),
            CallNode(2, "m.outer.<locals>.inner", {"**kw": v("{}", "dict")}, v("1")),
        ],
    )
    sections = render_traces([trace], [])
    assert "step2_0 = m.step2(x=step2_0_x)" in sections.code
    assert "inner0 = m.outer.<locals>.inner(**kw=inner0_kw)" in sections.code


def test_colliding_input_names_are_made_unique() -> None:
    trace = TraceGraph(
        test=TEST,
        calls=[
            CallNode(1, "m.f", {"x0": v("1")}, v("1")),  # its input would be f0_x0 ...
            CallNode(2, "m.f0_x", {}, v("2")),  # ... which is this call's variable
        ],
    )
    sections = render_traces([trace], [])
    assert lines(sections.code)[1:] == ["f0 = m.f(x0=f0_x0_2)", "f0_x0 = m.f0_x()"]
    assert "(int) f0_x0_2=1" in sections.inputs


# --- budget --------------------------------------------------------------------------------


def long_trace(count: int) -> TraceGraph:
    calls = [
        CallNode(n, RATE, {"percent": v(str(n))}, v(str(n / 100), "float")) for n in range(count)
    ]
    return TraceGraph(test=TEST, test_source=TEST_SOURCE, calls=calls)


def test_long_trace_keeps_first_and_last_calls_and_summarizes_the_middle() -> None:
    sections = render_traces([long_trace(10_000)], PARAMETERS)
    code = lines(sections.code)
    assert code[1] == "rate0 = pricing.cart.rate(percent=rate0_percent)"
    assert code[-1] == "rate9999 = pricing.cart.rate(percent=rate9999_percent)"
    summary = [line for line in code if line.startswith("...")]
    assert len(summary) == 1
    assert summary[0].startswith("... ")
    assert "similar calls of pricing.cart.rate omitted" in summary[0]
    kept = len(code) - 2  # label and summary
    omitted = int(summary[0].split()[1].replace(",", ""))
    assert kept + omitted == 10_000
    assert "... the values of the omitted calls are not shown ..." in sections.outputs
    assert "(float) rate9999=99.99" in sections.outputs
    assert sections.total_chars <= 20_000


def test_first_raising_call_is_kept_in_a_long_trace() -> None:
    trace = long_trace(1000)
    trace.calls[500].exception = Value("ZeroDivisionError", "ZeroDivisionError('x')")
    trace.calls[500].result = None
    sections = render_traces([trace], PARAMETERS)
    assert "rate500 = pricing.cart.rate(percent=rate500_percent)  # raised ZeroDivisionError" in (
        sections.code
    )
    assert sum(line.startswith("... ") for line in lines(sections.code)) == 2


def test_mixed_omitted_calls_are_counted_per_function() -> None:
    calls = [CallNode(n, RATE if n % 2 else DISCOUNT, {}, v("0")) for n in range(200)]
    code = render_traces([TraceGraph(test=TEST, calls=calls)], PARAMETERS).code
    summary = next(line for line in lines(code) if line.startswith("..."))
    assert "calls omitted" in summary
    assert f"of {RATE}" in summary and f"of {DISCOUNT}" in summary


def test_dropped_calls_are_mentioned() -> None:
    trace = long_trace(3)
    trace.dropped_calls = 1234
    code = render_traces([trace], PARAMETERS).code
    assert "... 1,234 further calls were not recorded (recording limit) ..." in code


@pytest.mark.parametrize("max_chars", [400, 1_000, 3_000, 8_000])
def test_budget_is_respected(max_chars: int) -> None:
    big = Value("str", "'" + "x" * 50_000 + "'")
    trace = long_trace(2000)
    trace.calls[0].args["blob"] = big
    trace.test_source = "def test_big():\n" + "    x = 1\n" * 2000
    sections = render_traces([trace, nested_trace()], PARAMETERS, max_chars=max_chars)
    assert sections.total_chars <= max_chars
    if max_chars >= 1_000:
        assert sections.code.startswith(f"--- test {TEST} ---\nrate0 = ")


def test_long_values_are_shortened_with_a_count() -> None:
    trace = TraceGraph(test=TEST, calls=[CallNode(1, RATE, {"p": Value("str", "y" * 30_000)})])
    inputs = render_traces([trace], PARAMETERS, max_chars=5_000).inputs
    assert "characters omitted …" in inputs
    assert len(inputs) < 5_000


def test_small_traces_are_not_shortened() -> None:
    sections = render_traces([nested_trace()], PARAMETERS, max_chars=100_000)
    assert "..." not in sections.code + sections.inputs + sections.others + sections.outputs
    assert isinstance(sections, TraceSections)


# --- describe ------------------------------------------------------------------------------


def test_describe_prefers_description_and_survives_bad_source() -> None:
    assert describe(parameter("m.f", "def f(:\n", "  spaced\n  out ")) == "spaced out"
    assert describe(parameter("m.f", "def f(:\n")) == ""
    assert describe(parameter("m.f", "def f():\n    return 1\n")) == ""
    assert describe(parameter("m.f", 'async def f():\n    """Wait."""\n')) == "Wait."

"""Rendering what the trace shows beyond calls: operators in #Documentation, the raising
line marked, ``self`` before and after, locals line by line, the failing path kept."""

from __future__ import annotations

from pytest_trace.model import CallNode, LineStep, Parameter, TraceGraph, Value
from pytest_trace.trace.details import failing_path
from pytest_trace.trace.render import render_traces

MEAN = "stats.mean"
HELPER = "stats.to_cents"
TEST = "tests/test_stats.py::test_mean"
SOURCE = (
    "def mean(values):\n"
    "    total = 0\n"
    "    for v in values:\n"
    "        total += to_cents(v)\n"
    "    count = len(values) - len(values)\n"
    "    return total / count\n"
)
PARAMETERS = [Parameter(MEAN, "stats", "mean", "stats.py", SOURCE)]


def v(text: str, type_name: str = "int") -> Value:
    return Value(type_name, text)


def mean_trace() -> TraceGraph:
    steps = [
        LineStep(2, {"total": v("0")}),
        LineStep(3, {"v": v("1")}),
        LineStep(4, {"total": v("100")}),
        LineStep(3, {"v": v("2")}, visit=2),
        LineStep(4, {"total": v("300")}, visit=2),
        LineStep(3, {"v": v("50")}, visit=50, omitted=144),
        LineStep(4, {"total": v("127500")}, visit=50),
        LineStep(5, {"count": v("0")}),
        LineStep(6, {}),
    ]
    return TraceGraph(
        test=TEST,
        calls=[
            CallNode(
                0,
                MEAN,
                {"values": v("[1, 2, ... (50 items)]", "list")},
                exception=Value("ZeroDivisionError", "ZeroDivisionError('division by zero')"),
                raised_line=6,
                lines=steps,
            ),
            CallNode(1, HELPER, {"amount": v("1")}, v("100"), parent=0, kind="operator"),
        ],
        docs={HELPER: "Convert an amount in euros to whole cents."},
    )


def test_operators_are_documented_by_their_docstring_and_said_to_be_fixed() -> None:
    sections = render_traces([mean_trace()], PARAMETERS)
    assert (
        "[stats.to_cents] (operator: the project's own function, not in #Variables) "
        "Convert an amount in euros to whole cents."
    ) in sections.documentation.splitlines()
    assert "    to_cents0 = stats.to_cents(amount=to_cents0_amount)  # in mean0" in sections.code


def test_the_raising_line_is_marked_in_the_source() -> None:
    sections = render_traces([mean_trace()], PARAMETERS)
    outputs = sections.outputs.splitlines()
    error = "ZeroDivisionError('division by zero')"
    raised = outputs.index(f"(ZeroDivisionError) mean0 raised: {error}")
    assert outputs[raised + 1] == (
        "  at line 6 of stats.mean: `return total / count`  # <- raised ZeroDivisionError here"
    )


def test_locals_line_by_line_with_source_text_and_omissions() -> None:
    others = render_traces([mean_trace()], PARAMETERS).others.splitlines()
    start = others.index(
        "(locals) mean0, line by line (values after the line ran; line 1 is the def):"
    )
    assert others[start + 1 : start + 12] == [
        "  line 2 `total = 0`: total=0",
        "  line 3 `for v in values:`: v=1",
        "  line 4 `total += to_cents(v)`: total=100",
        "  line 3 `for v in values:` (2nd time): v=2",
        "  line 4 `total += to_cents(v)` (2nd time): total=300",
        "  … 144 steps omitted …",
        "  line 3 `for v in values:` (50th time): v=50",
        "  line 4 `total += to_cents(v)` (50th time): total=127500",
        "  line 5 `count = len(values) - len(values)`: count=0",
        "  line 6 `return total / count`: (no change)  # <- raised ZeroDivisionError here",
        "(int) to_cents0=100",
    ]


def test_locals_shrink_with_the_budget_first_and_last_steps_stay() -> None:
    trace = mean_trace()
    trace.test_source = "def test_mean():\n" + "    x = 1\n" * 400
    small = render_traces([trace], PARAMETERS, max_chars=1_500)
    assert small.total_chars <= 1_500
    lines = small.others.splitlines()
    if any(line.startswith("(locals)") for line in lines):
        assert "  line 2 `total = 0`: total=0" in lines


def test_self_attributes_before_and_after_with_the_changes_marked() -> None:
    call = CallNode(
        0,
        "shop.Price.discount",
        {"self": v("<Price object: amount=200.0>", "Price"), "percent": v("10")},
        v("180.0", "float"),
        self_before={"amount": v("200.0", "float"), "seen": v("0")},
        self_after={"amount": v("180.0", "float"), "seen": v("0")},
    )
    others = render_traces([TraceGraph(TEST, calls=[call])], []).others.splitlines()
    assert "(self attributes) discount0 before: amount=200.0, seen=0" in others
    assert "(self attributes) discount0 after: amount=180.0 (changed), seen=0" in others


def test_a_long_trace_keeps_the_failing_path_and_says_where_calls_were_dropped() -> None:
    calls = [CallNode(i, HELPER, {"amount": v(str(i))}, v(str(i * 100))) for i in range(500)]
    # call 250 made the value that the last call, which raised, received
    calls[-1] = CallNode(
        499,
        MEAN,
        {"values": v("[25000]", "list")},
        exception=Value("ZeroDivisionError", "ZeroDivisionError()"),
        inputs_from={"values": 250},
    )
    trace = TraceGraph(TEST, calls=calls, dropped_calls=9_000, dropped_at=300)
    code = render_traces([trace], PARAMETERS, max_chars=6_000).code.splitlines()
    assert any(line.startswith("to_cents250 = stats.to_cents(") for line in code)
    assert "mean0 = stats.mean(values=to_cents250)  # raised ZeroDivisionError" in code
    dropped = code.index("... 9,000 calls here were not recorded (recording limit) ...")
    assert any("omitted" in line for line in code[:dropped])


def test_failing_path_follows_callers_and_data_flow_nearest_first() -> None:
    calls = [
        CallNode(0, "a", {}, v("1")),
        CallNode(1, "b", {"x": v("1")}, v("2"), inputs_from={"x": 0}),
        CallNode(2, "c", {}, v("3")),
        CallNode(3, "d", {}, exception=Value("E", "E()"), parent=1),
    ]
    # the raising call, its caller, what the caller received; then the last top-level call
    assert failing_path(calls, 10) == [3, 1, 0, 2]
    assert failing_path(calls, 2) == [3, 1]
    assert failing_path([], 5) == []


def test_locals_are_shown_for_the_calls_nearest_to_the_failure_only() -> None:
    # recursion: every call raised and has its locals; the innermost ones are shown
    calls = [
        CallNode(
            i,
            MEAN,
            {"values": v(str(i))},
            exception=Value("ZeroDivisionError", "ZeroDivisionError()"),
            parent=i - 1 if i else None,
            raised_line=6,
            lines=[LineStep(6, {"depth": v(str(i))})],
        )
        for i in range(100)
    ]
    others = render_traces([TraceGraph(TEST, calls=calls)], PARAMETERS).others
    shown = [line for line in others.splitlines() if line.startswith("(locals)")]
    # half as many as the calls kept at each end (20 at the most detailed level)
    assert 1 <= len(shown) <= 10
    first = 100 - len(shown)
    assert shown == [f"(locals) mean{i}, line by line" + _HEADER_END for i in range(first, 100)]


_HEADER_END = " (values after the line ran; line 1 is the def):"

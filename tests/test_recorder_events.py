"""Where the recorder's events come from: ``sys.monitoring`` (3.12+) and ``sys.settrace``
give the same records; the recorder falls back to ``sys.settrace`` when no tool id is free."""

from __future__ import annotations

import contextlib
import sys
import types
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import test_recorder as calls
import test_recorder_details as details
from test_recorder_details import shop  # noqa: F401 - a fixture

from pytest_trace.model import to_json
from pytest_trace.trace.lines import LineLimits
from pytest_trace.trace.recorder import Recorder, codes_of

monitoring = pytest.mark.skipif(not hasattr(sys, "monitoring"), reason="sys.monitoring: 3.12+")


def scenario_calls() -> None:
    calls.outer(3.0)
    calls.factorial(5)
    calls.signature(1, 2, 3, key="z", extra=4)
    calls.passes_through(calls.double(2.0))
    calls.identity_list([1, 2])
    calls.safe_price(-1.0)
    calls.swallow()
    for failing in (lambda: calls.check_price(-2.0), lambda: list(calls.gen_fails())):
        with contextlib.suppress(Exception):
            failing()
    list(calls.count_up(3))
    gen = calls.count_and_return(2)
    next(gen)
    gen.close()
    resilient = calls.resilient()
    next(resilient)
    resilient.throw(ValueError("thrown"))
    calls.run_coroutine(calls.coro_add(1, 2))
    cart = calls.make_cart()
    cart.total(0.2)
    calls.Cart.rate("std")
    calls.Cart.empty()
    calls.decorated(1)


def record(codes: dict[types.CodeType, str], run: Callable[[], None], **options: Any) -> Any:
    graphs = []
    for use_monitoring in (False, True):
        with Recorder(codes, use_monitoring=use_monitoring, **options) as rec:
            run()
        assert rec.error is None
        assert rec.events == ("sys.monitoring" if use_monitoring else "sys.settrace")
        graphs.append(to_json(rec.graph("tests/test_x.py::test_x")))
    return graphs


@monitoring
def test_both_event_sources_record_the_same_calls() -> None:
    settrace, monitored = record(codes_of(calls.TRAINABLE), scenario_calls)
    assert monitored == settrace
    assert len(settrace["calls"]) > 20


@monitoring
def test_both_event_sources_record_the_same_details(shop: types.ModuleType) -> None:  # noqa: F811
    def run() -> None:
        shop.total([1.5, 2.0])
        shop.helper_calls_total([1.0])
        for n in range(30):
            shop.long_loop(n)
        shop.drift(60)
        for prices in ([1, 2], [3]):
            with pytest.raises(ZeroDivisionError):
                shop.average(prices)
        price = shop.Price(10.0)
        price.discount(10)
        price.peek()

    names = ("total", "long_loop", "drift", "average", "Price.discount", "Price.peek")
    codes = {}
    for name in names:
        target: Any = shop
        for part in name.split("."):
            target = getattr(target, part)
        codes[target.__code__] = f"shop.calc.{name}"
    root = details.Path(shop.__file__).parent.parent  # type: ignore[arg-type]
    limits = LineLimits(calls_per_function=2, events=200, latest=2)
    settrace, monitored = record(codes, run, project_root=root, lines=limits)
    assert monitored == settrace
    kinds = {call["kind"] for call in settrace["calls"]}
    assert kinds == {"trainable", "operator"}
    assert any(call["lines"] for call in settrace["calls"])


@pytest.fixture
def every_tool_id_taken() -> Iterator[None]:
    api: Any = getattr(sys, "monitoring")  # noqa: B009 - 3.12+ only
    taken = [tool for tool in range(6) if api.get_tool(tool) is None]
    for tool in taken:
        api.use_tool_id(tool, "test")
    yield
    for tool in taken:
        api.free_tool_id(tool)


@monitoring
@pytest.mark.usefixtures("every_tool_id_taken")
def test_without_a_free_tool_id_the_recorder_uses_settrace() -> None:
    with Recorder(codes_of(calls.TRAINABLE)) as rec:
        calls.double(2.0)
    assert rec.events == "sys.settrace"
    assert [call.function for call in rec.calls] == ["double"]
    assert sys.gettrace() is None


@monitoring
def test_monitoring_leaves_no_tool_id_or_events_behind() -> None:
    api: Any = getattr(sys, "monitoring")  # noqa: B009 - 3.12+ only
    before = [api.get_tool(tool) for tool in range(6)]
    with Recorder(codes_of(calls.TRAINABLE)) as rec:
        calls.double(2.0)
        inside = [api.get_tool(tool) for tool in range(6)]
    assert rec.events == "sys.monitoring"
    assert inside != before
    assert [api.get_tool(tool) for tool in range(6)] == before
    assert all(api.get_local_events(tool, calls.double.__code__) == 0 for tool in range(6))
    # the code objects disabled while recording are watched again by the next recorder
    with Recorder(codes_of(calls.TRAINABLE)) as again:
        calls.double(3.0)
    assert [call.args["x"].repr for call in again.calls] == ["3.0"]

"""Recording calls of trainable functions (pytest_trace.trace.recorder)."""

from __future__ import annotations

import contextlib
import functools
import sys
import threading
import types
from collections.abc import Callable, Generator, Iterator
from typing import Any, cast

import pytest

from pytest_trace.model import CallNode, Value
from pytest_trace.trace.lines import LineLimits
from pytest_trace.trace.recorder import Recorder, codes_of
from pytest_trace.trace.values import Renderer, ReprLimits

# -- the code under record ---------------------------------------------------------


class PriceError(ValueError):
    pass


SENTINEL_ERROR = PriceError("negative price")


def double(x: float) -> float:
    return x * 2


def add(a: float, b: float = 1.0) -> float:
    return a + b


def untraced_helper(x: float) -> float:
    return double(x) + 1


def outer(x: float) -> float:
    return add(double(x), untraced_helper(x))


def check_price(price: float) -> float:
    if price < 0:
        raise SENTINEL_ERROR
    return price


def safe_price(price: float) -> float | None:
    try:
        return check_price(price)
    except PriceError:
        return None


def swallow() -> None:
    try:
        raise KeyError("inside")
    except KeyError:
        pass


def passes_through(price: float) -> float:
    return check_price(price)


def factorial(n: int) -> int:
    return 1 if n <= 1 else n * factorial(n - 1)


def one_a() -> int:
    return 1


def one_b() -> int:
    return 1


def take(value: object) -> object:
    return value


def identity_list(items: list[int]) -> list[int]:
    return items


def make_cart() -> Cart:
    return Cart([1, 2])


def signature(a: int, /, b: int, *rest: int, key: str = "k", **extra: int) -> int:
    return a + b


def nothing() -> object:
    return None


def echo_through(value: float) -> float:
    take(value)
    return value


async def coro_echo(value: object) -> object:
    await _suspend()
    return value


def truth() -> bool:
    return True


class Cart:
    def __init__(self, items: list[int]) -> None:
        self.items = items

    def total(self, tax: float) -> float:
        return sum(self.items) * (1 + tax)

    @staticmethod
    def rate(kind: str) -> float:
        return 0.2 if kind == "std" else 0.0

    @classmethod
    def empty(cls) -> Cart:
        return cls([])


class BadRepr:
    def __repr__(self) -> str:
        raise RuntimeError("repr exploded")


def count_up(n: int) -> Generator[int, None, None]:
    yield from range(n)


def count_and_return(n: int) -> Generator[int, None, str]:
    yield from range(n)
    return "done"


def resilient() -> Generator[int | None, None, None]:
    with contextlib.suppress(ValueError):  # the exception thrown in is caught inside
        yield 1
    yield None


def gen_fails() -> Iterator[int]:
    yield 1
    raise PriceError("mid-way")


async def coro_add(a: int, b: int) -> int:
    await _suspend()
    return a + b


@types.coroutine
def _suspend() -> Generator[None, None, None]:
    yield None


def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    return wrapper


@decorator
def decorated(x: int) -> int:
    return x + 1


TRAINABLE: list[tuple[str, Any]] = [
    (f.__qualname__, f)
    for f in (
        double,
        add,
        outer,
        check_price,
        safe_price,
        swallow,
        passes_through,
        factorial,
        one_a,
        one_b,
        take,
        identity_list,
        make_cart,
        signature,
        nothing,
        truth,
        Cart.total,
        Cart.rate,
        vars(Cart)["empty"].__func__,
        count_up,
        count_and_return,
        resilient,
        gen_fails,
        coro_add,
        decorated,
        echo_through,
        coro_echo,
    )
]


def recorder(**kwargs: Any) -> Recorder:
    return Recorder(codes_of(TRAINABLE), **kwargs)


def calls_of(rec: Recorder) -> list[tuple[str, int | None]]:
    return [(call.function, call.parent) for call in rec.calls]


@pytest.fixture(autouse=True)
def _restore_trace_function() -> Iterator[None]:
    before = sys.gettrace()
    yield
    sys.settrace(before)


def run_coroutine(coro: Any) -> Any:
    try:
        while True:
            coro.send(None)
    except StopIteration as stop:
        return stop.value


# -- structure -----------------------------------------------------------------------


def test_nesting_gives_parents_and_skips_untraced_functions() -> None:
    with recorder() as rec:
        result = outer(3.0)
    assert result == 13.0
    assert calls_of(rec) == [("outer", None), ("double", 0), ("double", 0), ("add", 0)]
    # the second double() ran inside untraced_helper(): its parent is still outer()
    calls = rec.calls
    assert calls[0].args == {"x": Value("float", "3.0")}
    assert calls[3].args == {"a": Value("float", "6.0"), "b": Value("float", "7.0")}
    assert calls[3].result == Value("float", "13.0")
    assert [call.id for call in calls] == [0, 1, 2, 3]


def test_graph_carries_test_and_counts() -> None:
    with recorder() as rec:
        add(1.0)
        double(2.0)
    graph = rec.graph("tests/test_x.py::test_y", test_source="def test_y(): ...")
    assert graph.test == "tests/test_x.py::test_y"
    assert graph.test_source == "def test_y(): ..."
    assert graph.functions == ["add", "double"]
    assert graph.dropped_calls == 0
    assert graph.calls[0].args["b"] == Value("float", "1.0")  # defaults are recorded


def test_nothing_is_recorded_before_entering_or_after_leaving() -> None:
    rec = recorder()
    double(1.0)
    with rec:
        double(2.0)
    double(3.0)
    assert [call.args["x"].repr for call in rec.calls] == ["2.0"]
    assert sys.gettrace() is None


def test_recursion() -> None:
    with recorder() as rec:
        assert factorial(4) == 24
    calls = rec.calls
    assert [c.args["n"].repr for c in calls] == ["4", "3", "2", "1"]
    assert [c.parent for c in calls] == [None, 0, 1, 2]
    assert [c.result.repr if c.result else None for c in calls] == ["24", "6", "2", "1"]


def test_all_kinds_of_parameters_are_recorded() -> None:
    with recorder() as rec:
        signature(1, 2, 3, 4, key="z", more=5)
    assert rec.calls[0].args == {
        "a": Value("int", "1"),
        "b": Value("int", "2"),
        "key": Value("str", "'z'"),
        "rest": Value("tuple", "(3, 4)"),
        "extra": Value("dict", "{'more': 5}"),
    }


# -- methods ---------------------------------------------------------------------------


def test_methods_record_self_static_and_class_methods() -> None:
    cart = Cart([10, 20])
    with recorder() as rec:
        total = cart.total(Cart.rate("std"))
        empty = Cart.empty()
    assert total == pytest.approx(36.0)
    assert isinstance(empty, Cart)
    rate, total_call, empty_call = rec.calls
    assert rate.function == "Cart.rate"
    assert rate.args == {"kind": Value("str", "'std'")}
    assert total_call.args["self"] == Value("Cart", "<Cart object: items=[10, 20]>")
    assert total_call.inputs_from == {"tax": rate.id}
    assert empty_call.args == {"cls": Value("type", f"<class '{Cart.__module__}.Cart'>")}


# -- data flow -------------------------------------------------------------------------


def test_output_passed_as_argument_links_the_calls() -> None:
    with recorder() as rec:
        take(double(2.5))
        take(7.25)  # a value nobody returned: no edge
    double_call, take_call, other_take = rec.calls
    assert take_call.inputs_from == {"value": double_call.id}
    assert other_take.inputs_from == {}


def test_float_output_is_followed_through_several_calls() -> None:
    with recorder() as rec:
        first = double(1.5)
        second = add(first, 0.5)
        double(second)
        add(first)
    calls = rec.calls
    assert [c.function for c in calls] == ["double", "add", "double", "add"]
    assert calls[1].inputs_from == {"a": 0}  # b=0.5 came from the test itself
    assert calls[2].inputs_from == {"x": 1}
    assert calls[3].inputs_from == {"a": 0}


def test_a_value_is_linked_only_to_calls_that_had_returned_it_when_it_was_passed() -> None:
    big = 10**6  # one int object, stored as it is until the test ends
    with recorder() as rec:
        take(echo_through(2.5))  # echo_through returns its argument after passing it on
        coroutine = coro_echo(big)
        coroutine.send(None)  # suspended: it returns `big` later
        take(big)
        with pytest.raises(StopIteration):
            coroutine.send(None)
        take(big)
    calls = rec.calls
    assert [(c.function, c.inputs_from) for c in calls] == [
        ("echo_through", {}),
        ("take", {}),  # inside echo_through, before it returned its value
        ("take", {"value": 0}),
        ("coro_echo", {}),
        ("take", {}),  # the coroutine had not returned yet
        ("take", {"value": 3}),
    ]


def test_small_cached_ints_are_never_linked() -> None:
    # CPython caches -5 to 256: one_b() returns the very same object as one_a(), so
    # identity cannot say which call a 1 came from: no edge rather than a wrong one
    with recorder() as rec:
        take(one_a())
        first = one_a()
        one_b()
        take(first)
    calls = rec.calls
    assert [c.function for c in calls] == ["one_a", "take", "one_a", "one_b", "take"]
    assert [c.inputs_from for c in calls] == [{}, {}, {}, {}, {}]


def test_none_and_booleans_are_never_linked() -> None:
    with recorder() as rec:
        take(nothing())
        take(truth())
    assert [c.inputs_from for c in rec.calls] == [{}, {}, {}, {}]


def test_mutable_object_returned_then_passed() -> None:
    items = [1, 2, 3]
    with recorder() as rec:
        same = identity_list(items)
        take(same)
        cart = make_cart()
        cart.total(0.0)
    calls = rec.calls
    assert calls[1].inputs_from == {"value": calls[0].id}
    assert calls[3].function == "Cart.total"
    assert calls[3].inputs_from == {"self": calls[2].id}


# -- exceptions --------------------------------------------------------------------


def test_exception_propagating_out_is_recorded() -> None:
    with recorder() as rec, pytest.raises(PriceError) as excinfo:
        passes_through(-1.0)
    assert excinfo.value is SENTINEL_ERROR  # the function's own exception object
    outer_call, inner_call = rec.calls
    for call in (outer_call, inner_call):
        assert call.result is None
        assert call.exception == Value("PriceError", "PriceError('negative price')")
    assert inner_call.parent == outer_call.id


def test_exception_caught_inside_is_not_recorded_as_raised() -> None:
    with recorder() as rec:
        assert safe_price(-5.0) is None
        assert safe_price(5.0) == 5.0
        swallow()
    safe_neg, check_neg, safe_pos, check_pos, swallowed = rec.calls
    assert check_neg.exception is not None and check_neg.result is None
    assert safe_neg.exception is None
    assert safe_neg.result == Value("NoneType", "None")
    assert safe_pos.result == Value("float", "5.0") and check_pos.exception is None
    assert swallowed.exception is None
    assert swallowed.result == Value("NoneType", "None")


def test_values_are_the_functions_own_objects() -> None:
    items = [4, 5]
    with recorder() as rec:
        returned = identity_list(items)
        cart = make_cart()
    assert returned is items
    assert type(cart) is Cart and isinstance(cart, Cart)
    assert rec.calls[0].result == Value("list", "[4, 5]")


# -- generators and coroutines ---------------------------------------------------------


def test_generator_is_one_call_with_a_summary_of_what_it_yielded() -> None:
    with recorder() as rec:
        assert list(count_up(3)) == [0, 1, 2]
        assert list(count_and_return(2)) == [0, 1]
        for value in count_up(3):
            take(value)
    calls = rec.calls
    assert [c.function for c in calls] == ["count_up", "count_and_return", "count_up"] + [
        "take"
    ] * 3
    assert calls[0].result == Value("generator", "<generator: yielded [0, 1, 2]>")
    assert calls[1].result == Value("generator", "<generator: yielded [0, 1], returned 'done'>")
    assert calls[1].args == {"n": Value("int", "2")}
    # take() runs between resumptions of the generator, so it is not its child
    assert [c.parent for c in calls[3:]] == [None, None, None]


def test_generator_closed_early_or_left_suspended() -> None:
    with recorder() as rec:
        closed = count_up(5)
        next(closed)
        closed.close()
        left = count_up(5)
        next(left)
        next(left)
    first, second = rec.calls
    assert first.result is not None and first.exception is None
    # CPython 3.13 closes a generator without running it: then it looks suspended
    assert first.result.repr in (
        "<generator: yielded [0], closed>",
        "<generator: yielded [0], suspended>",
    )
    assert second.result == Value("generator", "<generator: yielded [0, 1], suspended>")


def test_generator_exceptions_raised_and_caught() -> None:
    with recorder() as rec:
        gen = resilient()
        assert next(gen) == 1
        assert gen.throw(ValueError("caught inside")) is None  # then it yields None
        with pytest.raises(PriceError):
            list(gen_fails())
    caught, failed = rec.calls
    assert caught.exception is None
    assert caught.result == Value("generator", "<generator: yielded [1, None], suspended>")
    assert failed.exception == Value("PriceError", "PriceError('mid-way')")
    assert failed.result == Value("generator", "<generator: yielded [1]>")


def test_coroutine_is_one_call_with_its_return_value() -> None:
    with recorder() as rec:
        assert run_coroutine(coro_add(2, 3)) == 5
        take(run_coroutine(coro_add(2000, 3000)))
    first, second, take_call = rec.calls
    assert first.function == "coro_add"
    assert first.result == Value("int", "5")
    assert second.result == Value("int", "5000")
    assert take_call.inputs_from == {"value": second.id}


# -- bounds and robustness ---------------------------------------------------------------


def test_max_calls_counts_the_rest_as_dropped() -> None:
    with recorder(max_calls=3) as rec:
        for i in range(10):
            double(float(i))
        list(count_up(2))  # a dropped generator is counted once, not per resumption
    assert len(rec.calls) == 3
    assert rec.dropped_calls == 8
    assert rec.graph("t").dropped_calls == 8


def test_huge_arguments_are_truncated() -> None:
    big_text = "x" * 10_000_000
    big_list = list(range(1_000_000))
    with recorder() as rec:
        assert take(big_text) is big_text
        assert take(big_list) is big_list
    text_call, list_call = rec.calls
    assert text_call.args["value"].repr.endswith("[10000000 chars]")
    assert list_call.result is not None
    assert list_call.result.repr.endswith("... (1000000 items)]")
    assert all(len(v.repr) <= 500 for c in rec.calls for v in c.args.values())


@pytest.mark.parametrize(
    "use_monitoring",
    [
        False,
        pytest.param(
            None, marks=pytest.mark.skipif(not hasattr(sys, "monitoring"), reason="3.12+")
        ),
    ],
    ids=["settrace", "monitoring"],
)
@pytest.mark.parametrize(
    "lines", [LineLimits(calls_per_function=0, events=0), LineLimits()], ids=["fast", "detailed"]
)
def test_scalars_kept_until_the_test_ends_show_as_when_they_were_passed(
    use_monitoring: bool | None, lines: LineLimits
) -> None:
    limits = ReprLimits(max_string=6, max_items=2, max_total=12)
    values: list[object] = [
        1 / 3,
        10**40,
        12345,
        "short",
        "a longer string",
        True,
        None,
        -0.0,
        [1, 2, 3],
    ]
    with recorder(limits=limits, use_monitoring=use_monitoring, lines=lines) as rec:
        for value in values:
            assert take(value) is value
        mutated = [1]
        identity_list(mutated)
        mutated.append(2)  # after the call: not what it was given
    renderer = Renderer(limits)
    shown = [call.args["value"] for call in rec.calls[: len(values)]]
    assert shown == [renderer.value(value) for value in values]
    assert [call.result for call in rec.calls[: len(values)]] == shown
    assert rec.calls[-1].args["items"] == Value("list", "[1]")


def test_limits_apply() -> None:
    with recorder(limits=ReprLimits(max_items=2)) as rec:
        identity_list([1, 2, 3])
    assert rec.calls[0].args["items"].repr == "[1, 2, ... (3 items)]"


def test_repr_that_raises_does_not_break_recording() -> None:
    bad = BadRepr()
    with recorder() as rec:
        assert take(bad) is bad
    assert rec.calls[0].args["value"] == Value(
        "BadRepr", "<BadRepr object (repr failed: RuntimeError: repr exploded)>"
    )
    assert rec.error is None


def test_previous_trace_function_is_restored() -> None:
    seen: list[str] = []

    def previous(frame: types.FrameType, event: str, arg: object) -> None:
        seen.append(frame.f_code.co_name)

    sys.settrace(previous)
    try:
        with recorder() as rec:
            double(1.0)
        restored = sys.gettrace()
    finally:
        sys.settrace(None)
    assert restored is previous
    assert len(rec.calls) == 1
    # sys.settrace: not forwarded while recording (see trace/settrace.py);
    # sys.monitoring (3.12+): the other trace function keeps all its events
    assert ("double" in seen) == (rec.events == "sys.monitoring")


def test_failure_inside_the_recorder_stops_it_without_harming_the_code(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(self: Renderer, obj: object) -> str:
        if obj == ["boom"]:
            raise RuntimeError("renderer bug")
        return "ok"

    monkeypatch.setattr(Renderer, "repr", broken)
    with recorder() as rec:
        # (lists: short strings are rendered when the test ends, not while recording)
        assert take(["a"]) == ["a"]
        assert take(["boom"]) == ["boom"]  # the renderer fails here: recording stops
        assert take(["b"]) == ["b"]
        active = sys.gettrace()
    assert active is None
    assert rec.error == "recording stopped: RuntimeError: renderer bug"
    assert [c.args["value"].repr for c in rec.calls] == ["ok"]


class Interrupt(BaseException):
    """Like the worker's TestTimeout, raised by a signal handler wherever code runs."""


def test_base_exception_inside_the_tracer_reaches_the_code_and_stops_recording(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def interrupted(self: Renderer, obj: object) -> str:
        if obj == ["boom"]:
            raise Interrupt
        return "ok"

    monkeypatch.setattr(Renderer, "repr", interrupted)
    with recorder() as rec, pytest.raises(Interrupt):
        take(["a"])
        take(["boom"])  # not swallowed: a timeout must reach the test
    assert sys.gettrace() is None
    assert rec.error is not None and "removed or replaced" in rec.error
    assert [c.args["value"].repr for c in rec.calls] == ["ok"]


def test_recursion_limit_in_user_code_leaves_things_clean() -> None:
    def forever(n: int) -> int:
        return forever(n + 1)

    rec = Recorder({forever.__code__: "forever"})
    with rec, pytest.raises(RecursionError):
        forever(0)
    assert sys.gettrace() is None
    assert len(rec.calls) > 10
    assert rec.calls[1].parent == 0
    # At the limit, either Python removed the trace function or the recorder's own work
    # raised RecursionError: the recorder stopped and says so
    assert rec.error is not None and rec.error.startswith("recording stopped")
    assert "removed or replaced" in rec.error or "RecursionError" in rec.error


def test_code_that_removes_the_trace_function_is_reported() -> None:
    with recorder() as rec:
        double(1.0)
        sys.settrace(None)
        double(2.0)
    if rec.events == "sys.monitoring":  # 3.12+: sys.settrace is another tool's business
        assert [c.args["x"].repr for c in rec.calls] == ["1.0", "2.0"]
        assert rec.error is None
        return
    assert [c.args["x"].repr for c in rec.calls] == ["1.0"]
    assert rec.error is not None and "removed or replaced" in rec.error


def test_other_threads_are_not_recorded() -> None:
    with recorder() as rec:
        worker = threading.Thread(target=double, args=(5.0,))
        worker.start()
        worker.join()
        double(1.0)
    assert [c.args["x"].repr for c in rec.calls] == ["1.0"]


def test_a_recorder_records_once() -> None:
    rec = recorder()
    with rec, pytest.raises(RuntimeError, match="records once"), rec:
        pass
    with pytest.raises(RuntimeError, match="records once"), rec:
        pass


def test_codes_of_sees_through_functools_wraps() -> None:
    codes = codes_of([("decorated", cast(types.FunctionType, decorated))])
    assert list(codes.values()) == ["decorated"]
    with Recorder(codes) as rec:
        assert decorated(1) == 2
    assert rec.calls == [
        CallNode(
            id=0,
            function="decorated",
            args={"x": Value("int", "1")},
            result=Value("int", "2"),
        )
    ]


def test_max_calls_must_not_be_negative() -> None:
    with pytest.raises(ValueError, match="max_calls"):
        Recorder({}, max_calls=-1)

"""Which trainables each test reaches, learned in the user's own run."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

import pytest

from pytest_trace.model import TestResult
from pytest_trace.runner.fresh import RunOutcome
from pytest_trace.runner.recording import (
    MIN_SHORT_CPU,
    MIN_SHORT_LIMIT,
    Watched,
    recording_requests,
    server_tests,
    short_limit,
    survey,
)
from pytest_trace.trace.reach import ReachMonitor, monitoring_available


def price(x: int) -> int:
    return x + 1


def tax(x: int) -> int:
    return price(x) * 2


def logged(func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)
    def wrapper(*args: Any) -> Any:
        return func(*args)

    return wrapper


@logged
def wrapped(x: int) -> int:
    return x


MODES = [
    pytest.param(False, id="settrace"),
    pytest.param(
        True,
        id="sys.monitoring",
        marks=pytest.mark.skipif(not monitoring_available(), reason="Python 3.12+"),
    ),
]


def watch(monitor: ReachMonitor, action: Callable[[], object]) -> list[str]:
    """One test: reset, run ``action`` in a watched phase, what it reached."""
    monitor.reset()
    with monitor.watching():
        action()
    return list(monitor.names)


@pytest.mark.parametrize("use_monitoring", MODES)
def test_each_test_reaches_its_own_trainables(use_monitoring: bool) -> None:
    tracer = sys.gettrace()
    sys.settrace(None)  # coverage.py or a debugger would make the tracer step aside
    monitor = ReachMonitor(use_monitoring=use_monitoring)
    try:
        monitor.add([("m.price", price), ("m.tax", tax), ("m.wrapped", wrapped)])
        monitor.start()
        assert watch(monitor, lambda: tax(1)) == ["m.tax", "m.price"]
        assert watch(monitor, lambda: None) == []
        # what fired in one test fires again in the next
        assert watch(monitor, lambda: [price(2), price(3)]) == ["m.price"]
        assert watch(monitor, lambda: wrapped(1)) == ["m.wrapped"]
        assert not monitor.blind
    finally:
        monitor.stop()
        sys.settrace(tracer)
    # stopped: nothing is watched any more
    monitor.names.clear()
    price(1)
    assert monitor.names == {}


def test_trainables_announced_after_the_start_are_watched() -> None:
    monitor = ReachMonitor()
    monitor.start()
    try:
        monitor.add([("m.price", price)])
        tracer = sys.gettrace()
        sys.settrace(None)
        try:
            assert watch(monitor, lambda: tax(1)) == ["m.price"]
        finally:
            sys.settrace(tracer)
    finally:
        monitor.stop()


def test_the_tracer_steps_aside_for_another_tool() -> None:
    monitor = ReachMonitor(use_monitoring=False)
    monitor.add([("m.price", price)])
    monitor.start()

    def other(frame: object, event: str, arg: object) -> None:
        return None

    tracer = sys.gettrace()
    sys.settrace(other)
    try:
        assert watch(monitor, lambda: price(1)) == []
        assert monitor.blind
        assert sys.gettrace() is other
    finally:
        sys.settrace(tracer)
        monitor.stop()


WATCHED = Watched(
    outcomes={
        "t::a": "passed",
        "t::fails": "failed",
        "t::b": "passed",
        "t::hangs": "failed",
        "t::c": "passed",
        "t::skip": "skipped",
    },
    durations={"t::a": 0.5, "t::b": 0.01, "t::hangs": 60.0, "t::c": 0.0, "t::fails": 0.1},
    reached={"t::a": ["m.f"], "t::fails": ["m.f"], "t::hangs": ["m.g"]},
    timed_out={"t::hangs"},
    blind={"t::c"},
)


def test_only_the_failing_tests_are_recorded_and_a_hanging_one_apart() -> None:
    failed = ["t::fails", "t::hangs"]
    # the server collects what a candidate may run: no passing test that reached nothing
    assert server_tests(WATCHED, failed) == ["t::a", "t::fails", "t::hangs", "t::c"]
    whole, hanging = recording_requests(WATCHED, failed, timeout=60.0)
    assert (whole.tests, whole.trace, whole.reach) == (("t::fails", "t::c"), ("t::fails",), True)
    assert whole.timeout == 0.0  # the runner's default
    assert (hanging.tests, hanging.trace) == (("t::hangs",), ("t::hangs",))
    # ten times the slowest test that ended, not the hanging one's 60 s
    assert hanging.timeout == short_limit(WATCHED, 60.0) == 5.0
    assert short_limit(WATCHED, 3.0) == 3.0
    assert short_limit(Watched({"t::x": "failed"}), 0.0) == MIN_SHORT_LIMIT
    # its CPU time is bounded alike, at least MIN_SHORT_CPU: a busy loop ends sooner
    assert (hanging.cpu_timeout, hanging.cpu_tests) == (5.0, ("t::hangs",))
    [quick] = recording_requests(Watched({"t::x": "failed"}, timed_out={"t::x"}), ["t::x"], 0.0)
    assert (quick.timeout, quick.cpu_timeout) == (MIN_SHORT_LIMIT, MIN_SHORT_CPU)


def test_the_survey_joins_the_recording_and_the_users_run() -> None:
    recorded = RunOutcome(
        results={
            "t::fails": TestResult("t::fails", "failed", 0.2, "boom", reached=["m.f"]),
            "t::c": TestResult("t::c", "passed", 0.3, reached=["m.g"]),
        },
        finished=True,
    )
    hung = RunOutcome(results={"t::hangs": TestResult("t::hangs", "timeout", 5.0)})
    merged = survey(WATCHED, [recorded, hung])
    assert not merged.finished
    assert merged.results["t::fails"].feedback == "boom"
    assert merged.results["t::c"].reached == ["m.g"]  # learned by the re-run
    assert merged.results["t::a"] == TestResult("t::a", "passed", 0.5, reached=["m.f"])
    assert merged.results["t::b"].reached == []
    assert merged.results["t::hangs"].duration == 0.0  # no calibration from a hang
    assert "t::skip" not in merged.results


def test_a_phase_within_a_phase_is_watched_by_the_same_tracer() -> None:
    monitor = ReachMonitor(use_monitoring=False)
    monitor.add([("m.price", price)])
    tracer = sys.gettrace()
    sys.settrace(None)
    try:
        monitor.reset()
        with monitor.watching():
            with monitor.watching():  # a fixture set up inside a fixture's setup
                price(1)
            tax(1)
        assert not monitor.blind
        assert list(monitor.names) == ["m.price"]
    finally:
        sys.settrace(tracer)


def test_a_worker_that_reports_nothing_leaves_every_reach_to_learn(
    pytestconfig: pytest.Config,
) -> None:
    from types import SimpleNamespace

    from pytest_trace.reaching import OUTPUT_KEY, ReachPlugin, watched_by

    outcomes = {"t::a": "passed", "t::b": "passed", "t::c": "failed"}
    reach = ReachPlugin(pytestconfig, ())
    found = {"reached": {"t::a": ["m.f"]}, "timed_out": ["t::c"], "blind": ["t::b"]}
    reach.pytest_testnodedown(SimpleNamespace(workeroutput={OUTPUT_KEY: found}), None)
    watched = watched_by(reach, outcomes, {})
    assert (watched.reached, watched.timed_out) == ({"t::a": ["m.f"]}, {"t::c"})
    assert watched.unknown_reach() == ["t::b"]

    reach.pytest_testnodedown(SimpleNamespace(workeroutput={}), None)  # a crashed worker
    assert watched_by(reach, outcomes, {}).unknown_reach() == ["t::a", "t::b"]
    assert watched_by(None, outcomes, {}).unknown_reach() == ["t::a", "t::b"]

"""The time limits of candidate runs, calibrated by the tests' durations."""

from __future__ import annotations

from types import SimpleNamespace

from pytest_trace.model import TestResult
from pytest_trace.repair.workspace import (
    MIN_CALIBRATED_CPU,
    MIN_CANDIDATE_CPU,
    MIN_CANDIDATE_TIMEOUT,
    ORIGINAL_HANG_CPU,
    Workspace,
)


def workspace(candidate_timeout: float = 0.0) -> Workspace:
    """The limits read only the settings and what the runs so far told."""
    space = object.__new__(Workspace)
    space.settings = SimpleNamespace(candidate_timeout=candidate_timeout, timeout=10.0)  # type: ignore[assignment]
    space.durations = {"t::quick": 0.001, "t::hangs": 0.0, "t::slow": 0.05}
    space.hanging = {"t::hangs"}
    space.fixed_durations = {}
    return space


def test_only_the_tests_that_hung_get_a_cpu_limit_calibrated_by_the_others() -> None:
    space = workspace()
    assert space.hung(["t::quick", "t::hangs"]) == ("t::hangs",)
    assert space.time_limit(["t::quick", "t::hangs"]) == MIN_CANDIDATE_TIMEOUT
    assert space.cpu_limit(["t::quick", "t::hangs"]) == MIN_CANDIDATE_CPU
    assert space.cpu_limit(["t::slow", "t::hangs"]) == 0.5  # ten times the slowest
    # the original hangs there again: only what it did before the loop is of use
    assert space.cpu_limit(["t::hangs"], original=True) == ORIGINAL_HANG_CPU
    assert workspace(candidate_timeout=5.0).cpu_limit(["t::hangs"]) == 0.0  # the user's


def test_a_candidate_that_made_a_hung_test_pass_calibrates_its_limit() -> None:
    space = workspace()
    space.learn({"t::hangs": TestResult("t::hangs", "timeout", duration=0.3)})
    assert space.fixed_durations == {}  # it hung again: nothing learned
    space.learn({"t::hangs": TestResult("t::hangs", "passed", duration=0.002)})
    assert space.cpu_limit(["t::quick", "t::hangs"]) == MIN_CALIBRATED_CPU
    space.learn({"t::hangs": TestResult("t::hangs", "passed", duration=0.04)})
    assert space.cpu_limit(["t::hangs"]) == 0.4  # the slowest pass seen, ten times

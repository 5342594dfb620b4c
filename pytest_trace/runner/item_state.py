"""What the worker learns of one test from pytest's reports of its phases.

:class:`TestState` adds up a test's setup, call and teardown reports into one outcome,
duration and feedback (the timeout of ``--trace-timeout`` told apart from a failure, and
a skip of the test's own making told apart from one raised by the code under test);
:func:`source_of_test` gives the test's source for its trace. Pure pytest glue: no output.
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from pytest_trace.model import Outcome, TestResult
from pytest_trace.repair.feedback import TestTimeout, render_feedback
from pytest_trace.runner.report_feedback import failure_from_report
from pytest_trace.text.clip import clip

MAX_TEST_SOURCE = 4000
MAX_FALLBACK_FEEDBACK = 4000


@dataclass
class TestState:
    """One test's outcome so far."""

    __test__ = False  # not a test class, whatever pytest's collection thinks

    outcome: Outcome = "passed"
    duration: float = 0.0
    feedback: list[str] = field(default_factory=list)
    skip_own: bool = False

    def add_report(
        self,
        item: pytest.Item,
        call: pytest.CallInfo[None],
        report: pytest.TestReport,
        *,
        root: Path,
        feedback: bool,
        under_test: Callable[[], Collection[str]],
    ) -> None:
        """Add the report of one phase of a test run here; ``under_test`` gives the files
        of the code under test (a skip raised there is not the test's own)."""
        self.duration += report.duration
        if report.failed:
            timed_out = call.excinfo is not None and call.excinfo.errisinstance(TestTimeout)
            if timed_out:
                self.outcome = "timeout"
            elif report.when == "call" and self.outcome != "timeout":
                self.outcome = "failed"
            elif self.outcome == "passed":
                self.outcome = "error"
            failure = failure_from_report(item, call, report, root) if feedback else None
            if failure is not None:
                self.feedback.append(render_feedback(failure))
        elif report.skipped and self.outcome == "passed":
            self.outcome = "skipped"
            self.skip_own = not hasattr(report, "wasxfail") and own_skip(call, under_test())

    def add_remote_report(self, report: pytest.TestReport) -> None:
        """Add the report of a phase of a test run elsewhere (a pytest-xdist worker)."""
        self.duration += report.duration
        if report.failed:
            self.outcome = "failed" if report.when == "call" else "error"
            text = clip(str(report.longreprtext), MAX_FALLBACK_FEEDBACK, keep="tail")
            self.feedback.append(f"{report.nodeid} failed ({report.when}):\n{text}")
        elif report.skipped and self.outcome == "passed":
            self.outcome = "skipped"

    def result(self, nodeid: str) -> TestResult:
        return TestResult(
            nodeid=nodeid,
            outcome=self.outcome,
            duration=self.duration,
            feedback="\n\n".join(self.feedback),
            skip_own=self.skip_own,
        )


def own_skip(call: pytest.CallInfo[None], under_test: Collection[str]) -> bool:
    """Whether the skip ``call`` raised comes from the test's own code: no frame of
    its traceback is in a file of ``under_test`` (the modules of the trainable functions,
    candidates included: a swapped function keeps its module's file name)."""
    if call.excinfo is None:
        return False
    tb: types.TracebackType | None = call.excinfo.tb
    while tb is not None:
        file = tb.tb_frame.f_code.co_filename
        if file in under_test or str(Path(file).resolve()) in under_test:
            return False
        tb = tb.tb_next
    return True


def source_of_test(item: pytest.Item) -> str:
    func = getattr(item, "obj", None)
    try:
        source = inspect.getsource(func) if func is not None else ""
    except (OSError, TypeError):
        return ""
    if len(source) > MAX_TEST_SOURCE:
        source = source[:MAX_TEST_SOURCE] + "\n# ... (test source truncated)\n"
    return source

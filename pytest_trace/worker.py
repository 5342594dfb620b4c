"""The worker: a pytest plugin that runs inside the process testing one candidate.

The controller (``session``) starts ``python -m pytest --trace-worker=REQUEST`` in a
temporary git worktree holding the candidate's files. The worker runs the requested
tests (in the requested order), optionally records the trace of the trainable
functions, turns failures into feedback, and appends one JSON line per event to the
output file as it goes, so that a crash of the process loses only the test that was
running.
"""

from __future__ import annotations

import inspect
import json
import sys
import types
from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pytest

from pytest_trace._report_feedback import failure_from_report
from pytest_trace.feedback import TestTimeout, render_feedback
from pytest_trace.model import Outcome, TestResult, to_json
from pytest_trace.timeout import TestTimeLimit
from pytest_trace.trace.recorder import Recorder, codes_of
from pytest_trace.trainable import iter_trainables

MAX_TEST_SOURCE = 4000


@dataclass
class WorkerRequest:
    """What the controller asks a worker to do (read from a JSON file)."""

    output: str
    root: str
    tests: list[str] | None = None
    record: bool = False
    timeout: float = 0.0
    user_root: str = ""
    stop_at_first_failure: bool = False

    @classmethod
    def load(cls, path: str) -> WorkerRequest:
        with open(path, encoding="utf-8") as f:
            return cls(**json.load(f))

    def dump(self, path: Path) -> None:
        path.write_text(json.dumps(self.__dict__), encoding="utf-8")


@dataclass
class _TestState:
    outcome: Outcome = "passed"
    duration: float = 0.0
    feedback: list[str] = field(default_factory=list)


def _first_paragraph(doc: str | None) -> str:
    return inspect.cleandoc(doc).split("\n\n")[0] if doc else ""


def _inside(path: str | None, root: Path) -> bool:
    if not path:
        return False
    try:
        Path(path).resolve().relative_to(root)
    except ValueError:
        return False
    return True


class Worker:
    """pytest plugin object of the worker process."""

    def __init__(self, config: pytest.Config, request: WorkerRequest) -> None:
        self.config = config
        self.request = request
        self.root = Path(request.root).resolve()
        self.user_root = Path(request.user_root).resolve() if request.user_root else None
        self.codes: dict[types.CodeType, str] = {}
        self.modules_seen = 0
        self.states: dict[str, _TestState] = {}
        self.out: IO[str] = open(request.output, "a", encoding="utf-8")  # noqa: SIM115
        config.pluginmanager.register(TestTimeLimit(request.timeout), "trace-worker-timeout")

    def _emit(self, kind: str, data: dict[str, Any]) -> None:
        self.out.write(json.dumps({"kind": kind, **data}) + "\n")
        self.out.flush()

    def _discover(self) -> None:
        """Find the trainable functions of the project's modules (again if more were imported)."""
        modules = list(sys.modules.values())
        if len(modules) == self.modules_seen:
            return
        self.modules_seen = len(modules)
        for module in modules:
            file = getattr(module, "__file__", None)
            if not isinstance(module, types.ModuleType) or not file:
                continue
            inside = _inside(file, self.root)
            if not inside and not (self.user_root and _inside(file, self.user_root)):
                continue
            for qualname, func, spec in iter_trainables(module):
                name = f"{module.__name__}.{qualname}"
                codes = codes_of([(name, func)])  # the innermost of functools.wraps layers
                if codes.keys() <= self.codes.keys():
                    continue
                self.codes.update(codes)
                self._emit(
                    "parameter",
                    {
                        "name": name,
                        "module": module.__name__,
                        "qualname": qualname,
                        "file": str(Path(file).resolve()),
                        "inside": inside,
                        "description": spec.description or _first_paragraph(func.__doc__),
                    },
                )

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(
        self, session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        wanted = self.request.tests
        if wanted is None:
            return
        by_id = {item.nodeid: item for item in items}
        selected = [by_id[nodeid] for nodeid in dict.fromkeys(wanted) if nodeid in by_id]
        chosen = {id(item) for item in selected}
        deselected = [item for item in items if id(item) not in chosen]
        if deselected:
            config.hook.pytest_deselected(items=deselected)
        items[:] = selected
        for nodeid in wanted:
            if nodeid not in by_id:
                self._emit(
                    "result",
                    to_json(TestResult(nodeid, "error", feedback=f"{nodeid}: test not found")),
                )

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self._discover()

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self._emit(
                "collection_error",
                {"nodeid": report.nodeid, "text": str(report.longreprtext)[-4000:]},
            )

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(
        self, item: pytest.Item, nextitem: pytest.Item | None
    ) -> Generator[None, object, object]:
        self.states[item.nodeid] = _TestState()
        if not self.request.record:
            result = yield
            self._finish(item, None)
            return result
        self._discover()
        recorder = Recorder(self.codes)
        with recorder:
            result = yield
        self._finish(item, recorder)
        return result

    def _finish(self, item: pytest.Item, recorder: Recorder | None) -> None:
        state = self.states.pop(item.nodeid)
        trace = None
        if recorder is not None:
            trace = recorder.graph(item.nodeid, _test_source(item))
        if state.outcome not in ("passed", "skipped") and self.request.stop_at_first_failure:
            item.session.shouldstop = "pytest-trace: a targeted test failed"
        result = TestResult(
            nodeid=item.nodeid,
            outcome=state.outcome,
            duration=state.duration,
            feedback="\n\n".join(state.feedback),
            trace=trace,
        )
        self._emit("result", to_json(result))

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        state = self.states.get(item.nodeid)
        if state is None:
            return report
        state.duration += report.duration
        if report.failed:
            timed_out = call.excinfo is not None and call.excinfo.errisinstance(TestTimeout)
            if timed_out:
                state.outcome = "timeout"
            elif report.when == "call" and state.outcome != "timeout":
                state.outcome = "failed"
            elif state.outcome == "passed":
                state.outcome = "error"
            failure = failure_from_report(item, call, report, self.root)
            if failure is not None:
                state.feedback.append(render_feedback(failure))
        elif report.skipped and state.outcome == "passed":
            state.outcome = "skipped"
        return report

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self._emit("done", {})
        self.out.close()


def _test_source(item: pytest.Item) -> str:
    func = getattr(item, "obj", None)
    try:
        source = inspect.getsource(func) if func is not None else ""
    except (OSError, TypeError):
        return ""
    if len(source) > MAX_TEST_SOURCE:
        source = source[:MAX_TEST_SOURCE] + "\n# ... (test source truncated)\n"
    return source

"""The worker: a pytest plugin that runs inside the process that tests candidates.

The controller (``session``) starts ``python -m pytest --trace-worker-request=REQUEST`` in a
temporary git worktree. In ``run`` mode the worker runs one
:class:`~pytest_trace.runner.protocol.WorkerRun` (the candidate's files are already on
disk) and exits. In ``serve`` mode it collects the suite once and then serves runs from
a pipe (``forkserver``): each one runs in a forked child that swaps the candidate's
functions in memory (``swap``) and runs the already collected test items, so a
candidate costs a fork instead of a pytest start-up.

Either way, each test's result (outcome, duration, feedback, and the trace or the set of
trainables it reached, when asked) is appended to the run's output file as one JSON
line as soon as the test ends, so that a crash loses only the test that was running.
The requests and events are those of ``protocol``; the trainables are found by
``discovery``.
"""

from __future__ import annotations

import importlib
import inspect
import os
import sys
from collections.abc import Generator, Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import IO, Any

import pytest

from pytest_trace.model import TestResult, to_json
from pytest_trace.runner.discovery import Discovery
from pytest_trace.runner.item_state import TestState, source_of_test
from pytest_trace.runner.line_coverage import start_coverage, stop_coverage
from pytest_trace.runner.protocol import (
    ParameterLocation,
    RunRequest,
    ServerReady,
    WorkerRequest,
    WorkerRun,
    encode,
    event,
    result_line,
)
from pytest_trace.runner.timeout import TestTimeLimit
from pytest_trace.runner.unrewritten import import_unrewritten
from pytest_trace.text.redact import NAME_KEYS, Redactor
from pytest_trace.trace.reach import Reach
from pytest_trace.trace.recorder import Recorder

#: Exit code of a serve-mode child whose candidate could not be swapped in memory.
SWAP_FAILED = 3


class Worker:
    """pytest plugin object of the worker process."""

    def __init__(self, config: pytest.Config, request: WorkerRequest) -> None:
        self.config = config
        self.request = request
        self.root = Path(request.root).resolve()
        self.user_root = Path(request.user_root).resolve() if request.user_root else None
        # Every line written is redacted: what leaves this process keeps no secret.
        self.redact = Redactor.from_environment(os.environ, [self.user_root or self.root])
        self.found = Discovery(self.root, self.user_root, request.patterns, self._announce)
        self.collection_errors: list[dict[str, str]] = []
        #: The selected items by the ids of the user's run, and the ids of this process
        #: that differ from them (``selection.resolve``); every id collected here.
        self.items: dict[str, pytest.Item] = {}
        self.alias: dict[str, str] = {}
        self.collected: list[str] = []
        self.states: dict[str, TestState] = {}
        self.remote: dict[str, TestState] = {}
        self.stopped = False
        self.run: RunRequest | None = None
        self.out: IO[str] | None = None
        self.coverage: Any = None
        self.time_limit = TestTimeLimit(request.timeout)
        config.pluginmanager.register(self.time_limit, "trace-worker-timeout")
        if request.mode == "run" and request.run is not None:
            self._begin(request.run)

    # -- output -----------------------------------------------------------------------

    def _begin(self, job: WorkerRun) -> None:
        run = job.request
        self.run, self.stopped = run, False
        self.coverage = start_coverage(run.coverage) if run.coverage else None
        self.out = open(job.output, "a", encoding="utf-8")  # noqa: SIM115 - closed in _end
        if run.timeout:
            self.time_limit.seconds = run.timeout
        for parameter in self.found.parameters:
            self._announce(parameter)

    def _announce(self, parameter: ParameterLocation) -> None:
        self._emit("parameter", parameter.to_json())

    def _discover(self) -> None:
        self.found.discover()

    def _end(self) -> None:
        if self.coverage is not None:
            for file, lines in stop_coverage(self.coverage).items():
                self._emit("coverage", {"file": file, "lines": lines})
            self.coverage = None
        if self.out is not None:
            self._emit("done", {})
            self.out.close()
            self.out = None

    def _emit(self, kind: str, data: dict[str, Any]) -> None:
        if self.out is not None:
            self.out.write(encode(self.redact.scrubbed(event(kind, data), NAME_KEYS)))
            self.out.flush()

    def _emit_result(self, result: TestResult) -> None:
        if self.out is not None:
            self.out.write(result_line(result))
            self.out.flush()

    # -- collection -------------------------------------------------------------------

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(
        self, session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        from pytest_trace.runner.picking import pick

        wanted = self.run.tests if self.run is not None else self.request.tests
        roots = [str(self.root), *([str(self.user_root)] if self.user_root else [])]
        picked = pick(config, items, wanted, self.request.keys, roots)
        self.items, self.alias, self.collected = picked.items, picked.alias, picked.collected

    def _id(self, nodeid: str) -> str:
        """The id of the user's run of the test this process calls ``nodeid``."""
        return self.alias.get(nodeid, nodeid)

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self._discover()
        if self.run is not None:
            self._report_missing(self.run.tests)

    def _report_missing(self, tests: Sequence[str]) -> None:
        from pytest_trace.runner.selection import missing_feedback

        missing = [nodeid for nodeid in dict.fromkeys(tests) if nodeid not in self.items]
        feedback = [missing_feedback(nodeid, self.collected) for nodeid in missing]
        for nodeid, text in zip(missing, feedback, strict=True):
            self._emit("result", to_json(TestResult(nodeid, "error", feedback=text)))
        if missing:
            message = f"{len(missing)} of the tests could not be selected in the worker process"
            self._emit("unselected", {"tests": missing, "message": f"{message}: {feedback[0]}"})

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            error = {"nodeid": report.nodeid, "text": str(report.longreprtext)[-4000:]}
            self.collection_errors.append(error)
            self._emit("collection_error", error)

    # -- serving ----------------------------------------------------------------------

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> bool | None:
        if self.request.mode != "serve":
            return None
        from pytest_trace.runner import forkserver

        self._prepare_children()
        forkserver.serve(
            self.request.jobs_fd,
            self.request.answers_fd,
            self._run_job,
            workers=self.request.workers,
            memory_mb=self.request.memory_mb,
            ready=ServerReady(
                tests=tuple(self.items),
                parameters=tuple(self.found.parameters),
                collection_errors=tuple(self.collection_errors),
            ).to_json(),
        )
        return True

    def _prepare_children(self) -> None:
        """Do once, before forking, what every child would otherwise do again: the
        imports of swapping (which would also make ``_discover`` scan ``sys.modules``
        again in each child), the discovery of the trainables."""
        import pytest_trace.runner.swap  # imported by every child that swaps
        import pytest_trace.runner.swap_constants  # noqa: F401 - and its constants, parsing

        # The checks' child (and Hypothesis with it), and the server's own end: Hypothesis's
        # pytest plugin imports Hypothesis in its terminal summary.
        import_unrewritten("pytest_trace.checks.child")
        self._discover()
        # pytest's traceback formatting looks modules up by file: fill inspect's cache.
        inspect.getmodule(self._prepare_children.__code__)

    def _run_job(self, payload: dict[str, Any]) -> int:
        """In a forked child: swap the candidate in, run the tests, report."""
        if "probe" in payload:
            return self._run_probe(payload["probe"])
        job = WorkerRun.from_json(payload)
        run = job.request
        terminal = self.config.pluginmanager.get_plugin("terminalreporter")
        if terminal is not None:
            self.config.pluginmanager.unregister(terminal)
        if not run.feedback:  # nobody reads these reports: the cheapest traceback style
            self.config.option.tbstyle = "line"
        self._begin(job)
        try:
            self._swap(run)
        except Exception as error:  # any reason means: test it in a fresh process
            self._emit("swap_error", {"message": f"{type(error).__name__}: {error}"})
            self._end()
            return SWAP_FAILED
        self._report_missing(run.tests)
        items = [self.items[nodeid] for nodeid in run.tests if nodeid in self.items]
        for index, item in enumerate(items):
            following = items[index + 1] if index + 1 < len(items) else None
            item.ihook.pytest_runtest_protocol(item=item, nextitem=following)
            if self.stopped:
                break
        self._end()
        return 0

    def _run_probe(self, payload: dict[str, Any]) -> int:
        """In a forked child: the checks of candidates that run their code (``checks``):
        the tests once on the original code, recording arguments, then the candidates
        on docstring examples and generated inputs; the answer is one JSON line."""
        from pytest_trace.runner.swap import innermost

        import_unrewritten("pytest_trace.checks.child")  # the server did, before forking
        from pytest_trace.checks.child import ProbeJob, run_probe

        job = ProbeJob(**payload)
        terminal = self.config.pluginmanager.get_plugin("terminalreporter")
        if terminal is not None:
            self.config.pluginmanager.unregister(terminal)
        request = RunRequest(
            tuple(job.tests),
            timeout=job.timeout,
            cpu_timeout=job.cpu_timeout,
            cpu_tests=tuple(job.cpu_tests),
        )
        self._begin(WorkerRun(job.output, request))
        self._discover()
        functions = self.found.functions
        targets = {n: innermost(functions[n].function) for n in job.functions if n in functions}
        items = [self.items[nodeid] for nodeid in job.tests if nodeid in self.items]

        def run_tests() -> None:
            for index, item in enumerate(items):
                following = items[index + 1] if index + 1 < len(items) else None
                item.ihook.pytest_runtest_protocol(item=item, nextitem=following)

        sources = [source_of_test(self.items[t]) for t in job.expecting if t in self.items]
        answer = run_probe(job, targets, run_tests, sources)
        self._emit("probe", answer)
        self._end()
        return 0

    def _swap(self, run: RunRequest) -> None:
        from pytest_trace.runner.swap import apply_candidate, innermost
        from pytest_trace.runner.swap_constants import project_modules, set_constants

        for module_name, qualnames in run.changes.items():
            module = sys.modules.get(module_name) or importlib.import_module(module_name)
            file = str(Path(str(module.__file__)).resolve())
            if file not in run.files:
                raise RuntimeError(f"no candidate text for {file}")
            self._discover()
            functions = {}
            constants = []
            for qualname in qualnames:
                if f"{module_name}.{qualname}" in self.found.constants:
                    constants.append(qualname)
                    continue
                found = self.found.functions.get(f"{module_name}.{qualname}")
                if found is None:
                    raise RuntimeError(f"{module_name}.{qualname} is not a known trainable")
                functions[qualname] = innermost(found.function)
            if functions:
                apply_candidate(functions, str(module.__file__), run.files[file])
            if constants:
                set_constants(module, constants, run.files[file], project_modules(self.root))
        if run.changes:
            self.found.refresh_codes()

    # -- running tests ----------------------------------------------------------------

    def _recording(self, nodeid: str) -> AbstractContextManager[Recorder | Reach | None]:
        assert self.run is not None
        if nodeid in self.run.trace:
            self._discover()
            roots = [self.root, *([self.user_root] if self.user_root else [])]
            return Recorder(self.found.codes, project_root=roots)
        if self.run.reach:
            self._discover()
            return Reach(self.found.codes)
        return nullcontext()

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(
        self, item: pytest.Item, nextitem: pytest.Item | None
    ) -> Generator[None, object, object]:
        if self.run is None:
            return (yield)
        nodeid = self._id(item.nodeid)
        self.states[nodeid] = TestState()
        self.time_limit.cpu_seconds = self.run.cpu_timeout * (nodeid in self.run.cpu_tests)
        if self.coverage is not None:
            self.coverage.switch_context(nodeid)
        with self._recording(nodeid) as recording:
            result = yield
        self._finish(item, recording)
        return result

    def _finish(self, item: pytest.Item, recording: Recorder | Reach | None) -> None:
        assert self.run is not None
        nodeid = self._id(item.nodeid)
        state = self.states.pop(nodeid)
        trace = reached = None
        if isinstance(recording, Recorder):
            trace = recording.graph(nodeid, source_of_test(item))
            reached = trace.functions
        elif isinstance(recording, Reach):
            reached = list(recording.names)
        # A test that must pass may not skip either, but a skip of the test's own making
        # does not stop the run: the controller judges it (``TestResult.not_failing``).
        failed = state.outcome != "passed" and not state.skip_own
        if failed and nodeid in self.run.stop_on_failure:
            self.stopped = True
            item.session.shouldstop = "pytest-trace: a test that must pass failed"
        result = state.result(nodeid)
        result.trace, result.reached = trace, reached or []
        self._emit_result(result)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        state = self.states.get(self._id(item.nodeid))
        if state is not None:
            feedback = self.run is not None and self.run.feedback
            state.add_report(
                item, call, report, root=self.root, feedback=feedback, under_test=self._under_test
            )
        return report

    def _under_test(self) -> set[str]:
        """The files of the modules of the trainable functions, candidates' included."""
        self._discover()
        under_test: set[str] = set(self.run.files) if self.run is not None else set()
        for module_name in self.found.module_names():
            file = getattr(sys.modules.get(module_name), "__file__", None)
            if file:
                under_test |= {file, str(Path(file).resolve())}
        return under_test

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Results of tests run elsewhere (pytest-xdist workers) arrive only as reports."""
        if self.run is not None and self._id(report.nodeid) not in self.states:
            state = self.remote.setdefault(report.nodeid, TestState())
            state.add_remote_report(report)
            if report.when == "teardown":
                del self.remote[report.nodeid]
                self._emit("result", to_json(state.result(report.nodeid)))

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self._end()
        # Hypothesis's pytest plugin (loaded wherever Hypothesis is installed, as with
        # pytest-trace) imports Hypothesis in its terminal summary, rewriting the
        # asserts of its modules, with no cache in a worker: a second. Import it as
        # Python would.
        if self.config.pluginmanager.has_plugin("hypothesispytest"):
            import_unrewritten("hypothesis")

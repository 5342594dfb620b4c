"""The worker: a pytest plugin that runs inside the process that tests candidates.

The controller (``session``) starts ``python -m pytest --trace-worker-request=REQUEST`` in a
temporary git worktree. In ``run`` mode the worker runs one :class:`RunSpec` (the
candidate's files are already on disk) and exits. In ``serve`` mode it collects the
suite once and then serves run specs from a pipe (``forkserver``): each one runs in a
forked child that swaps the candidate's functions in memory (``swap``) and runs the
already collected test items, so a candidate costs a fork instead of a pytest start-up.

Either way, each test's result (outcome, duration, feedback, and the trace or the set of
trainables it reached, when asked) is appended to the run's output file as one JSON
line as soon as the test ends, so that a crash loses only the test that was running.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import sys
import types
from collections.abc import Generator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

import pytest

from pytest_trace.model import Outcome, TestResult, to_json
from pytest_trace.repair.feedback import TestTimeout, render_feedback
from pytest_trace.runner.report_feedback import failure_from_report
from pytest_trace.runner.timeout import TestTimeLimit
from pytest_trace.text.clip import clip
from pytest_trace.text.redact import NAME_KEYS, Redactor
from pytest_trace.trace.reach import Reach
from pytest_trace.trace.recorder import Recorder, codes_of
from pytest_trace.trainable import iter_trainables

MAX_TEST_SOURCE = 4000
MAX_FALLBACK_FEEDBACK = 4000
#: Exit code of a serve-mode child whose candidate could not be swapped in memory.
SWAP_FAILED = 3
_REWRITE = "_pytest.assertion.rewrite"


@dataclass
class RunSpec:
    """One run: which tests, in which order, recorded how, and the candidate (serve mode).

    ``trace`` lists the tests whose full trace is recorded; with ``reach``, the others
    record which trainables they reached. The run stops after a test in
    ``stop_on_failure`` fails. ``files`` maps absolute paths to the candidate's text and
    ``changes`` maps module names to the qualnames changed in them (serve mode only;
    in run mode the files are on disk). ``coverage`` lists files whose line coverage is
    measured per test (coverage.py, one context per test), for fault localization.
    Without ``feedback`` only outcomes are reported, and pytest is spared the work of
    rendering failures (the search optimizer needs only pass or fail).
    """

    output: str
    tests: list[str] = field(default_factory=list)
    trace: list[str] = field(default_factory=list)
    reach: bool = False
    stop_on_failure: list[str] = field(default_factory=list)
    timeout: float = 0.0
    files: dict[str, str] = field(default_factory=dict)
    changes: dict[str, list[str]] = field(default_factory=dict)
    coverage: list[str] = field(default_factory=list)
    feedback: bool = True


@dataclass
class WorkerRequest:
    """What the controller asks a worker process to do (read from a JSON file)."""

    root: str
    user_root: str = ""
    mode: str = "run"
    run: dict[str, Any] | None = None
    tests: list[str] | None = None
    jobs_fd: int = -1
    answers_fd: int = -1
    workers: int = 1
    memory_mb: float = 0.0
    timeout: float = 0.0
    #: ``--trace-trainable`` patterns (``module:qualname``): trainable without the decorator.
    patterns: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, path: str) -> WorkerRequest:
        with open(path, encoding="utf-8") as f:
            return cls(**json.load(f))

    def dump(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self)), encoding="utf-8")


@dataclass
class _TestState:
    outcome: Outcome = "passed"
    duration: float = 0.0
    feedback: list[str] = field(default_factory=list)
    skip_own: bool = False


#: At most this many module-level names are offered to the search as replacements.
MAX_GLOBAL_NAMES = 200


def _global_names(module: types.ModuleType) -> list[str]:
    """Module-level names a function of ``module`` can use: values, functions, classes."""
    names = [
        name
        for name, value in vars(module).items()
        if not name.startswith("__") and not isinstance(value, types.ModuleType)
    ]
    return names[:MAX_GLOBAL_NAMES]


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
        # Every line written is redacted: what leaves this process keeps no secret.
        self.redact = Redactor.from_environment(os.environ, [self.user_root or self.root])
        self.codes: dict[types.CodeType, str] = {}
        self.functions: dict[str, tuple[str, str, types.FunctionType]] = {}
        self.constants: dict[str, tuple[str, str]] = {}
        self.parameters: list[dict[str, Any]] = []
        self.collection_errors: list[dict[str, str]] = []
        self.items: dict[str, pytest.Item] = {}
        self.examined: set[str] = set()
        self.states: dict[str, _TestState] = {}
        self.remote: dict[str, _TestState] = {}
        self.stopped = False
        self.run: RunSpec | None = None
        self.out: IO[str] | None = None
        self.coverage: Any = None
        self.time_limit = TestTimeLimit(request.timeout)
        config.pluginmanager.register(self.time_limit, "trace-worker-timeout")
        if request.mode == "run" and request.run is not None:
            self._begin(RunSpec(**request.run))

    # -- output -----------------------------------------------------------------------

    def _begin(self, run: RunSpec) -> None:
        self.run, self.stopped = run, False
        self.coverage = _start_coverage(run.coverage) if run.coverage else None
        self.out = open(run.output, "a", encoding="utf-8")  # noqa: SIM115 - closed in _end
        if run.timeout:
            self.time_limit.seconds = run.timeout
        for parameter in self.parameters:
            self._emit("parameter", parameter)

    def _end(self) -> None:
        if self.coverage is not None:
            for file, lines in _stop_coverage(self.coverage).items():
                self._emit("coverage", {"file": file, "lines": lines})
            self.coverage = None
        if self.out is not None:
            self._emit("done", {})
            self.out.close()
            self.out = None

    def _emit(self, kind: str, data: dict[str, Any]) -> None:
        if self.out is not None:
            event = self.redact.scrubbed({"kind": kind, **data}, NAME_KEYS)
            self.out.write(json.dumps(event) + "\n")
            self.out.flush()

    def _emit_result(self, result: TestResult) -> None:
        """``result`` as one JSON line, its trace included: the model's dataclasses are
        encoded from their ``__dict__`` as they are, without ``asdict``'s deep copies."""
        if self.out is not None:
            self.out.write(json.dumps({"kind": "result", **vars(result)}, default=vars) + "\n")
            self.out.flush()

    # -- trainables -------------------------------------------------------------------

    def _discover(self) -> None:
        """Find the trainable functions of the project's modules not examined yet."""
        if len(sys.modules) == len(self.examined):
            return
        for name, module in list(sys.modules.items()):
            if name in self.examined:
                continue
            self.examined.add(name)
            file = getattr(module, "__file__", None)
            if not isinstance(module, types.ModuleType) or not file:
                continue
            inside = _inside(file, self.root)
            if not inside and not (self.user_root and _inside(file, self.user_root)):
                continue
            for qualname, func, spec in iter_trainables(module, self.request.patterns):
                name = f"{module.__name__}.{qualname}"
                if name in self.functions:
                    continue
                codes = codes_of([(name, func)])  # the innermost of functools.wraps layers
                self.codes.update(codes)
                self.functions[name] = (module.__name__, qualname, func)
                constants = [self._constant(module, constant, name) for constant in spec.constants]
                parameter = {
                    "name": name,
                    "module": module.__name__,
                    "qualname": qualname,
                    "file": str(Path(file).resolve()),
                    "inside": inside,
                    "description": spec.description or _first_paragraph(func.__doc__),
                    "global_names": _global_names(module),
                    "constants_only": spec.constants_only,
                    "constants": [constant for constant in constants if constant],
                }
                self.parameters.append(parameter)
                self._emit("parameter", parameter)

    def _constant(self, module: types.ModuleType, constant: str, user: str) -> str:
        """Announce the constant that ``user`` declared; its name."""
        from pytest_trace.runner.swap_constants import owner

        found, short = owner(module, constant)
        file = getattr(found, "__file__", None) or ""
        name = f"{found.__name__}.{short}" if found else constant
        if name not in self.constants:
            self.constants[name] = (name.rpartition(".")[0], short)
            parameter: dict[str, Any] = {"name": name, "module": self.constants[name][0]}
            parameter |= {"qualname": short, "file": file and str(Path(file).resolve())}
            parameter |= {"inside": _inside(file, self.root), "constant": True}
            self.parameters.append({**parameter, "description": f"used by {user}"})
            self._emit("parameter", self.parameters[-1])
        return name

    # -- collection -------------------------------------------------------------------

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(
        self, session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        self.items = {item.nodeid: item for item in items}
        wanted = self.run.tests if self.run is not None else self.request.tests
        if wanted is None:
            return
        selected = [self.items[nodeid] for nodeid in dict.fromkeys(wanted) if nodeid in self.items]
        chosen = {id(item) for item in selected}
        deselected = [item for item in items if id(item) not in chosen]
        if deselected:
            config.hook.pytest_deselected(items=deselected)
        items[:] = selected

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self._discover()
        if self.run is not None:
            self._report_missing(self.run.tests)

    def _report_missing(self, tests: list[str]) -> None:
        for nodeid in tests:
            if nodeid not in self.items:
                result = TestResult(nodeid, "error", feedback=f"{nodeid}: test not found")
                self._emit("result", to_json(result))

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
            ready={
                "tests": list(self.items),
                "parameters": self.parameters,
                "collection_errors": self.collection_errors,
            },
        )
        return True

    def _prepare_children(self) -> None:
        """Do once, before forking, what every child would otherwise do again: the
        imports of swapping (which would also make ``_discover`` scan ``sys.modules``
        again in each child), the discovery of the trainables."""
        import pytest_trace.runner.swap  # imported by every child that swaps
        import pytest_trace.runner.swap_constants  # noqa: F401 - and its constants, parsing

        self._discover()
        # pytest's traceback formatting looks modules up by file: fill inspect's cache.
        inspect.getmodule(self._prepare_children.__code__)

    def _run_job(self, payload: dict[str, Any]) -> int:
        """In a forked child: swap the candidate in, run the tests, report."""
        if "probe" in payload:
            return self._run_probe(payload["probe"])
        run = RunSpec(**payload)
        terminal = self.config.pluginmanager.get_plugin("terminalreporter")
        if terminal is not None:
            self.config.pluginmanager.unregister(terminal)
        if not run.feedback:  # nobody reads these reports: the cheapest traceback style
            self.config.option.tbstyle = "line"
        self._begin(run)
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

        # pytest rewrites the asserts of the packages of its plugins, Hypothesis's among
        # them, on import and without caching here: seconds. Import it as Python would.
        finders = list(sys.meta_path)
        sys.meta_path[:] = [f for f in finders if type(f).__module__ != _REWRITE]
        try:
            from pytest_trace.checks.child import ProbeJob, run_probe
        finally:
            sys.meta_path[:] = finders

        job = ProbeJob(**payload)
        terminal = self.config.pluginmanager.get_plugin("terminalreporter")
        if terminal is not None:
            self.config.pluginmanager.unregister(terminal)
        self._begin(RunSpec(output=job.output, tests=job.tests, timeout=job.timeout))
        self._discover()
        targets = {n: innermost(self.functions[n][2]) for n in job.functions if n in self.functions}
        items = [self.items[nodeid] for nodeid in job.tests if nodeid in self.items]

        def run_tests() -> None:
            for index, item in enumerate(items):
                following = items[index + 1] if index + 1 < len(items) else None
                item.ihook.pytest_runtest_protocol(item=item, nextitem=following)

        sources = [_test_source(self.items[t]) for t in job.expecting if t in self.items]
        answer = run_probe(job, targets, run_tests, sources)
        self._emit("probe", answer)
        self._end()
        return 0

    def _swap(self, run: RunSpec) -> None:
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
                if f"{module_name}.{qualname}" in self.constants:
                    constants.append(qualname)
                    continue
                entry = self.functions.get(f"{module_name}.{qualname}")
                if entry is None:
                    raise RuntimeError(f"{module_name}.{qualname} is not a known trainable")
                functions[qualname] = innermost(entry[2])
            if functions:
                apply_candidate(functions, str(module.__file__), run.files[file])
            if constants:
                set_constants(module, constants, run.files[file], project_modules(self.root))
        if run.changes:  # the recorder finds trainables by code object: the new ones now
            self.codes = codes_of((name, entry[2]) for name, entry in self.functions.items())

    # -- running tests ----------------------------------------------------------------

    def _recording(self, nodeid: str) -> AbstractContextManager[Recorder | Reach | None]:
        assert self.run is not None
        if nodeid in self.run.trace:
            self._discover()
            roots = [self.root, *([self.user_root] if self.user_root else [])]
            return Recorder(self.codes, project_root=roots)
        if self.run.reach:
            self._discover()
            return Reach(self.codes)
        return nullcontext()

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(
        self, item: pytest.Item, nextitem: pytest.Item | None
    ) -> Generator[None, object, object]:
        if self.run is None:
            return (yield)
        self.states[item.nodeid] = _TestState()
        if self.coverage is not None:
            self.coverage.switch_context(item.nodeid)
        with self._recording(item.nodeid) as recording:
            result = yield
        self._finish(item, recording)
        return result

    def _finish(self, item: pytest.Item, recording: Recorder | Reach | None) -> None:
        assert self.run is not None
        state = self.states.pop(item.nodeid)
        trace = reached = None
        if isinstance(recording, Recorder):
            trace = recording.graph(item.nodeid, _test_source(item))
            reached = trace.functions
        elif isinstance(recording, Reach):
            reached = list(recording.names)
        # A test that must pass may not skip either, but a skip of the test's own making
        # does not stop the run: the controller judges it (``TestResult.not_failing``).
        failed = state.outcome != "passed" and not state.skip_own
        if failed and item.nodeid in self.run.stop_on_failure:
            self.stopped = True
            item.session.shouldstop = "pytest-trace: a test that must pass failed"
        result = TestResult(
            nodeid=item.nodeid,
            outcome=state.outcome,
            duration=state.duration,
            feedback="\n\n".join(state.feedback),
            trace=trace,
            reached=reached or [],
            skip_own=state.skip_own,
        )
        self._emit_result(result)

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
            wanted = self.run is not None and self.run.feedback
            failure = failure_from_report(item, call, report, self.root) if wanted else None
            if failure is not None:
                state.feedback.append(render_feedback(failure))
        elif report.skipped and state.outcome == "passed":
            state.outcome = "skipped"
            state.skip_own = not hasattr(report, "wasxfail") and self._own_skip(call)
        return report

    def _own_skip(self, call: pytest.CallInfo[None]) -> bool:
        """Whether the skip ``call`` raised comes from the test's own code: no frame of
        its traceback is in a module of the trainable functions (the code under test,
        candidates included: a swapped function keeps its module's file name)."""
        if call.excinfo is None:
            return False
        self._discover()
        under_test: set[str] = set(self.run.files) if self.run is not None else set()
        for module_name in {entry[0] for entry in self.functions.values()}:
            file = getattr(sys.modules.get(module_name), "__file__", None)
            if file:
                under_test |= {file, str(Path(file).resolve())}
        tb: types.TracebackType | None = call.excinfo.tb
        while tb is not None:
            file = tb.tb_frame.f_code.co_filename
            if file in under_test or str(Path(file).resolve()) in under_test:
                return False
            tb = tb.tb_next
        return True

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Results of tests run elsewhere (pytest-xdist workers) arrive only as reports."""
        if self.run is not None and report.nodeid not in self.states:
            self._remote(report)

    def _remote(self, report: pytest.TestReport) -> None:
        state = self.remote.setdefault(report.nodeid, _TestState())
        state.duration += report.duration
        if report.failed:
            state.outcome = "failed" if report.when == "call" else "error"
            text = clip(str(report.longreprtext), MAX_FALLBACK_FEEDBACK, keep="tail")
            state.feedback.append(f"{report.nodeid} failed ({report.when}):\n{text}")
        elif report.skipped and state.outcome == "passed":
            state.outcome = "skipped"
        if report.when == "teardown":
            del self.remote[report.nodeid]
            result = TestResult(
                report.nodeid, state.outcome, state.duration, "\n\n".join(state.feedback)
            )
            self._emit("result", to_json(result))

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self._end()


def _start_coverage(files: list[str]) -> Any:
    """Line coverage of ``files``, one context per test (switched by the worker)."""
    import coverage

    measurement = coverage.Coverage(data_file=None, include=files, config_file=False)
    measurement.start()
    return measurement


def _stop_coverage(measurement: Any) -> dict[str, dict[str, list[str]]]:
    """For each measured file: line number → the tests that ran it."""
    measurement.stop()
    data = measurement.get_data()
    return {
        file: {
            str(line): [context for context in contexts if context]
            for line, contexts in data.contexts_by_lineno(file).items()
        }
        for file in data.measured_files()
    }


def _test_source(item: pytest.Item) -> str:
    func = getattr(item, "obj", None)
    try:
        source = inspect.getsource(func) if func is not None else ""
    except (OSError, TypeError):
        return ""
    if len(source) > MAX_TEST_SOURCE:
        source = source[:MAX_TEST_SOURCE] + "\n# ... (test source truncated)\n"
    return source

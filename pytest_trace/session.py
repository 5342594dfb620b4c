"""One ``--trace-optimize`` run: the pytest plugin object that owns all its state.

After the suite has run as usual, the session snapshots the code under test (with any
uncommitted work) into a temporary git worktree, re-runs the failing tests there while
recording their traces, groups them by the trainable functions they reach, and runs the
optimization loop of each group. Improvements are committed to ``trace-fix/...``
branches; the terminal summary and the JSON report say what happened.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Generator, Mapping, Sequence
from contextlib import ExitStack, closing
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_trace import __version__
from pytest_trace.model import Parameter, TestResult
from pytest_trace.report import GroupReport, RunReport, summary_lines, write_json
from pytest_trace.settings import Settings
from pytest_trace.trainable import iter_trainables

if TYPE_CHECKING:
    import git

    from pytest_trace.engine import ForkEngine
    from pytest_trace.evaluate import RunOutcome, RunRequest, WorkerRunner

    Evaluator = ForkEngine | WorkerRunner
    from pytest_trace.loop import Attempt, Group
    from pytest_trace.optimizers.base import Optimizer
    from pytest_trace.vcs import Base

FAILED = ("failed", "error")
#: Candidate time limits: at least this many seconds per test, and this many times the
#: slowest test's duration in the baseline run.
MIN_CANDIDATE_TIMEOUT = 2.0
CALIBRATION_FACTOR = 10.0


class OptimizeSession:
    """pytest plugin object registered by ``--trace-optimize`` (in the controller only)."""

    def __init__(self, config: pytest.Config, settings: Settings) -> None:
        self.config = config
        self.settings = settings
        self.outcomes: dict[str, str] = {}
        self.report: RunReport | None = None

    # -- the ordinary run ---------------------------------------------------------

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        current = self.outcomes.get(report.nodeid, "passed")
        if report.failed:
            current = "failed" if report.when == "call" else "error"
        elif report.skipped and current == "passed":
            current = "skipped"
        self.outcomes[report.nodeid] = current

    @pytest.hookimpl(wrapper=True)
    def pytest_runtestloop(self, session: pytest.Session) -> Generator[None, object, object]:
        try:
            result = yield
        except session.Failed:  # -x / --maxfail: the failures are there all the same
            self._run()
            raise
        self._run()
        return result

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.report is None:
            return
        terminalreporter.write_sep("=", "pytest-trace")
        for line in summary_lines(self.report):
            terminalreporter.write_line(line)

    # -- the optimization ---------------------------------------------------------

    def _progress(self, line: str) -> None:
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None and self.config.get_verbosity() >= 0:
            reporter.write_line(f"pytest-trace: {line}")

    def _run(self) -> None:
        if self.config.option.collectonly:
            return
        from pytest_trace.llm import LLMConfig

        llm_config = LLMConfig.from_env(self.settings.model, os.environ)
        self.report = report = RunReport(optimizer="optoprime", model=self.settings.model)
        try:
            self._optimize(report, llm_config)
        finally:
            if self.settings.report:
                write_json(report, Path(self.settings.report))

    def _optimize(self, report: RunReport, llm_config: Any) -> None:
        from pytest_trace import vcs

        failed = [nodeid for nodeid, outcome in self.outcomes.items() if outcome in FAILED]
        if not failed:
            report.message = "nothing to optimize: no test failed"
            return
        if not llm_config.is_configured:
            report.message = (
                "no LLM configured, so nothing was optimized. Set OPENAI_API_KEY for OpenAI, "
                "or OPENAI_BASE_URL (and OPENAI_API_KEY if it needs one) for another "
                "OpenAI-compatible endpoint such as Azure, vLLM, Ollama or LiteLLM; choose "
                "the model with --trace-model or the ini key trace_model."
            )
            return
        try:
            repo = vcs.open_repo(self.config.rootpath)
        except vcs.VcsError as error:
            report.message = f"nothing was optimized: {error}"
            return
        with closing(repo):
            base = vcs.snapshot(repo)
            report.base_commit, report.includes_uncommitted = base.sha, base.includes_uncommitted
            with vcs.Worktree(repo, base.sha) as worktree:
                self._optimize_in(repo, base, Path(worktree.path), failed, report, llm_config)

    def _optimize_in(
        self,
        repo: git.Repo,
        base: Base,
        worktree: Path,
        failed: list[str],
        report: RunReport,
        llm_config: Any,
    ) -> None:
        from pytest_trace.engine import EngineError, ForkEngine, fork_available
        from pytest_trace.evaluate import RunRequest, WorkerRunner

        repo_root = Path(str(repo.working_tree_dir)).resolve()
        rootdir = self.config.rootpath.resolve()
        settings = self.settings
        runner = WorkerRunner(
            root=worktree / rootdir.relative_to(repo_root),
            worktree=worktree,
            user_root=repo_root,
            pythonpath=_import_roots(repo_root, worktree),
            timeout=settings.timeout,
            extra_args=_xdist_args(self.config, len(self.outcomes)),
        )
        tests = list(self.outcomes)
        with ExitStack() as stack:
            evaluator: Evaluator = runner
            if fork_available():
                self._progress(f"collecting {len(tests)} tests in a worker process")
                try:
                    evaluator = stack.enter_context(
                        ForkEngine(
                            runner.with_args(["-n", "0"] if _has_xdist(self.config) else []),
                            tests,
                            workers=settings.workers,
                            memory_mb=settings.memory_limit,
                        )
                    )
                except EngineError as error:
                    self._progress(f"{error}; testing candidates in fresh processes instead")
            self._progress(
                f"re-running the suite with the trace of {len(failed)} failing test(s) recorded"
            )
            survey = evaluator.run(RunRequest(tuple(tests), trace=tuple(failed), reach=True))
            try:
                self._optimize_groups(
                    repo, base, worktree, failed, survey, runner, evaluator, report, llm_config
                )
            finally:
                report.process_runs = runner.runs
                if isinstance(evaluator, ForkEngine):
                    report.forked_runs = evaluator.forked
                    report.process_runs += evaluator.runner.runs

    def _optimize_groups(
        self,
        repo: git.Repo,
        base: Base,
        worktree: Path,
        failed: list[str],
        survey: RunOutcome,
        runner: WorkerRunner,
        evaluator: Evaluator,
        report: RunReport,
        llm_config: Any,
    ) -> None:
        from pytest_trace.llm import OpenAIChat
        from pytest_trace.loop import group_failures
        from pytest_trace.optimizers.optoprime import OptoPrime

        reproduced = [nodeid for nodeid in failed if not survey.passed(nodeid)]
        report.not_reproduced = [nodeid for nodeid in failed if survey.passed(nodeid)]
        groups, report.unreached = group_failures(
            [survey.results[n] for n in reproduced if n in survey.results]
        )
        if not groups:
            report.message = (
                "nothing to optimize: no failing test reached a @trainable function"
                if reproduced
                else "nothing to optimize: the failing tests passed when re-run"
            )
            return
        optimizer = OptoPrime(OpenAIChat(llm_config))
        context = _Context(self, repo, base, worktree, runner, evaluator, survey)
        for group in groups:
            self._progress(
                f"optimizing {', '.join(group.parameters)} for {len(group.tests)} failing test(s)"
            )
            report.groups.append(context.optimize(group, optimizer))


class _Context:
    """What the groups of one run share: the repository, the worktree, the evaluators."""

    def __init__(
        self,
        session: OptimizeSession,
        repo: git.Repo,
        base: Base,
        worktree: Path,
        runner: WorkerRunner,
        evaluator: Evaluator,
        survey: RunOutcome,
    ) -> None:
        from pytest_trace import edits, vcs

        self.session = session
        self.repo = repo
        self.base = base
        self.runner = runner
        self.evaluator = evaluator
        self.baseline = survey
        self.identity = vcs.identity(repo, os.environ)
        self.all_tests = list(session.outcomes)
        self.passed_before = [n for n, o in session.outcomes.items() if o == "passed"]
        # A test that passed in the user's run but fails in the snapshot depends on
        # something git does not have: it cannot tell anything about a candidate.
        self.fail_on_base: set[str] = {n for n in self.passed_before if not survey.passed(n)}
        self.durations = {n: r.duration for n, r in survey.results.items()}
        self.reaching: dict[str, list[str]] = {}
        for nodeid in self.passed_before:
            result = survey.results.get(nodeid)
            for name in result.reached if result else ():
                self.reaching.setdefault(name, []).append(nodeid)
        self.texts: dict[str, str] = {}
        self.parameters: dict[str, Parameter] = {}
        self.outside: dict[str, str] = {}
        for name, location in survey.parameters.items():
            if not location.inside:
                self.outside[name] = location.file
                continue
            path = Path(location.file).relative_to(worktree).as_posix()
            text = self.texts.setdefault(path, _read(worktree / path))
            self.parameters[name] = Parameter(
                name=name,
                module=location.module,
                qualname=location.qualname,
                path=path,
                source=edits.function_source(text, location.qualname),
                description=location.description,
            )

    def files(self, values: Mapping[str, str]) -> dict[str, str]:
        """The files of a candidate: each changed function replaced in its file."""
        from pytest_trace.edits import replace_function

        files: dict[str, str] = {}
        for name in self.changed(values):
            parameter = self.parameters[name]
            text = files.get(parameter.path, self.texts[parameter.path])
            files[parameter.path] = replace_function(text, parameter.qualname, values[name])
        return files

    def changed(self, values: Mapping[str, str]) -> list[str]:
        return [name for name, source in values.items() if source != self.parameters[name].source]

    def request(
        self, values: Mapping[str, str], tests: Sequence[str], **options: Any
    ) -> RunRequest:
        """A run of ``tests`` on the candidate ``values``."""
        from pytest_trace.evaluate import RunRequest

        changes: dict[str, tuple[str, ...]] = {}
        for name in self.changed(values):
            parameter = self.parameters[name]
            changes[parameter.module] = (*changes.get(parameter.module, ()), parameter.qualname)
        options.setdefault("timeout", self.time_limit(tests))
        return RunRequest(tuple(tests), files=self.files(values), changes=changes, **options)

    def guard(self, changed: Sequence[str], exclude: Sequence[str]) -> list[str]:
        """Tests that passed before and reach a changed function, fastest first."""
        skip = set(exclude) | self.fail_on_base
        tests = {t for name in changed for t in self.reaching.get(name, ()) if t not in skip}
        return sorted(tests, key=lambda t: (self.durations.get(t, 0.0), t))

    def time_limit(self, tests: Sequence[str]) -> float:
        """Per-test time limit of a candidate run: calibrated from the baseline durations."""
        settings = self.session.settings
        if settings.candidate_timeout:
            return settings.candidate_timeout
        slowest = max((self.durations.get(t, 0.0) for t in tests), default=0.0)
        limit = max(MIN_CANDIDATE_TIMEOUT, round(CALIBRATION_FACTOR * slowest, 1))
        return min(limit, settings.timeout) if settings.timeout > 0 else limit

    def optimize(self, group: Group, optimizer: Optimizer) -> GroupReport:
        from pytest_trace.loop import optimize_group

        group_report = GroupReport(list(group.tests), list(group.parameters), "error")
        outside = [name for name in group.parameters if name in self.outside]
        if outside:
            group_report.message = "\n".join(
                f"{name} was imported from {self.outside[name]}, outside the checkout under "
                "test, so changes to it cannot be tested (is the project installed in "
                "site-packages instead of from its source?)"
                for name in outside
            )
            return group_report
        state = _GroupState(self, group, optimizer.name)
        hook = self.session.config.hook

        def on_attempt(attempt: Attempt, line: str) -> None:
            self.session._progress(line)
            hook.pytest_trace_candidate_evaluated(attempt=attempt)

        result = optimize_group(
            group,
            self.parameters,
            self.baseline.results,
            optimizer,
            state.evaluate,
            state.find_regressions,
            state.commit,
            max_iterations=self.session.settings.max_iterations,
            on_attempt=on_attempt,
        )
        hook.pytest_trace_group_finished(result=result, branch=state.branch)
        group_report.status = result.status
        group_report.branch = state.branch
        group_report.commit = result.commit
        group_report.iterations = result.iterations
        group_report.candidates = result.candidates
        group_report.seconds = result.seconds
        group_report.tokens = result.tokens
        group_report.changed = result.changed
        group_report.message = result.message
        return group_report


class _GroupState:
    """The callbacks of one group's loop: evaluate, check regressions, commit."""

    def __init__(self, context: _Context, group: Group, optimizer: str) -> None:
        self.context = context
        self.group = group
        self.optimizer = optimizer
        self.branch: str | None = None
        self.head = context.base.sha
        self.regression_run = 0
        self.guard_failures: dict[tuple[tuple[str, str], ...], list[TestResult]] = {}

    def evaluate(self, values: Mapping[str, str]) -> Mapping[str, TestResult]:
        """The group's tests (traced), then the tests that reach the changed functions."""
        context = self.context
        guard = context.guard(context.changed(values), self.group.tests)
        request = context.request(
            values, [*self.group.tests, *guard], trace=self.group.tests, stop_on_failure=guard
        )
        outcome = context.evaluator.run(request)
        self.guard_failures[_key(values)] = [
            outcome.results[t] for t in guard if t in outcome.results and not outcome.passed(t)
        ]
        return outcome.results

    def find_regressions(self, values: Mapping[str, str]) -> list[TestResult]:
        """Failures among the tests that passed before: the guard tests first, then the
        whole suite in a clean pytest process on the patched files."""
        if failures := self.guard_failures.get(_key(values)):
            return failures
        context = self.context
        run = context.runner.run(context.request(values, context.all_tests, timeout=0.0))
        self.regression_run = len(run.results)
        suspects = [
            nodeid
            for nodeid in context.passed_before
            if not run.passed(nodeid) and nodeid not in context.fail_on_base
        ]
        if suspects:  # a test that fails in the checkout without any change is no regression
            from pytest_trace.evaluate import RunRequest

            on_base = context.runner.run(RunRequest(tuple(suspects)))
            context.fail_on_base.update(
                n for n in suspects if n in on_base.results and not on_base.passed(n)
            )
        return [
            run.results.get(nodeid) or TestResult(nodeid, "error", feedback=run.problem)
            for nodeid in suspects
            if nodeid not in context.fail_on_base
        ]

    def commit(self, values: Mapping[str, str], attempt: Attempt) -> str:
        from pytest_trace import vcs

        context = self.context
        message = commit_message(
            self.group, values, context, attempt, self.optimizer, self.regression_run
        )
        self.head = vcs.commit_files(
            context.repo, self.head, context.files(values), message, context.identity
        )
        if self.branch is None:
            self.branch = vcs.branch_name(context.repo, self.group.slug)
        vcs.set_branch(context.repo, self.branch, self.head)
        return self.head


def _key(values: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(values.items()))


def _has_xdist(config: pytest.Config) -> bool:
    return config.pluginmanager.hasplugin("xdist")


def _xdist_args(config: pytest.Config, tests: int) -> list[str]:
    """pytest-xdist options of the validation runs: as many processes as the user's run
    had (``-n``), or none."""
    if not _has_xdist(config):
        return []
    processes = getattr(config.option, "numprocesses", None)
    return ["-n", str(processes)] if processes and tests > 1 else ["-n", "0"]


def commit_message(
    group: Group,
    values: Mapping[str, str],
    context: _Context,
    attempt: Attempt,
    optimizer: str,
    regression_run: int,
) -> str:
    changed = [n for n, v in values.items() if v != context.parameters[n].source]
    short = ", ".join(name.rsplit(".", 1)[-1] for name in changed)
    reason = next((line.strip() for line in attempt.reasoning.splitlines() if line.strip()), "")
    subject = f"fix({short}): {reason or 'make the failing tests pass'}"
    if len(subject) > 72:
        subject = subject[:71].rstrip() + "…"
    base = context.base
    base_line = f"Base: {base.sha}" + (
        f" (HEAD {base.head_sha} plus uncommitted changes)" if base.includes_uncommitted else ""
    )
    settings = context.session.settings
    body = [
        "Parameters changed: " + ", ".join(changed),
        f"Tests passing now ({attempt.passed} of {len(group.tests)}):",
        *(f"  {nodeid}" for nodeid in group.tests),
        f"Regression run: {regression_run} tests, none newly failing",
        f"Iteration {attempt.iteration}; optimizer {optimizer} (model {settings.model})",
        base_line,
    ]
    if attempt.reasoning:
        body += ["", "Reasoning:", attempt.reasoning.strip()[:2000]]
    return f"{subject}\n\n" + "\n".join(body) + f"\n\nOptimized-by: pytest-trace {__version__}\n"


def _import_roots(repo_root: Path, worktree: Path) -> list[str]:
    """Where the worker must import the project from: the worktree's copies of the
    directories the project's trainable modules were imported from here."""
    roots: list[str] = []
    for module in list(sys.modules.values()):
        file = getattr(module, "__file__", None)
        name = getattr(module, "__name__", "")
        if not file or name == "__main__" or not any(True for _ in iter_trainables(module)):
            continue
        path = Path(file).resolve()
        if path.stem == "__init__":
            path = path.parent
        root = path.parents[len(name.split(".")) - 1]
        try:
            relative = root.relative_to(repo_root)
        except ValueError:
            continue
        roots.append(str(worktree / relative))
    roots += [str(worktree), str(worktree / "src")]
    return list(dict.fromkeys(roots))


def _read(path: Path) -> str:
    """A file's text with its line endings as they are (CRLF stays CRLF)."""
    with path.open(encoding="utf-8", newline="") as f:
        return f.read()

"""One ``--trace-optimize`` run: the pytest plugin object that owns all its state.

While the suite runs, ``reaching`` notes which trainables each test reaches; then the
code under test (with uncommitted work) is checked out in a temporary git worktree, the
failing tests are re-run there, traced (``recording``), grouped by the trainables they
reach, and each group is repaired (``repair``, ``loop``) on a ``trace-fix/...`` branch.
"""

from __future__ import annotations

import os
import sys
import types
from collections.abc import Callable, Generator
from contextlib import ExitStack, closing
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_trace.interrupts import Interrupts, accounted
from pytest_trace.reports.formats import destinations, write_reports
from pytest_trace.reports.run import RunReport, summary_lines
from pytest_trace.settings import Settings
from pytest_trace.text.redact import REPORT_NAMES, Redactor
from pytest_trace.trainable import selected

if TYPE_CHECKING:
    import git

    from pytest_trace.llm.client import LLMConfig
    from pytest_trace.optimizers.base import OptimizerSpec
    from pytest_trace.runner.forked import ForkEngine
    from pytest_trace.runner.fresh import RunOutcome, WorkerRunner
    from pytest_trace.vcs.git import Base

    Evaluator = ForkEngine | WorkerRunner

FAILED = ("failed", "error")


class OptimizeSession:
    """pytest plugin object registered by ``--trace-optimize`` (in the controller only)."""

    def __init__(self, config: pytest.Config, settings: Settings) -> None:
        self.config = config
        self.settings = settings
        self.outcomes: dict[str, str] = {}
        self.durations: dict[str, float] = {}
        self.report: RunReport | None = None
        self.redactor = Redactor()
        self.interrupts = Interrupts()

    # -- the ordinary run ---------------------------------------------------------

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        current = self.outcomes.get(report.nodeid, "passed")
        if report.failed:
            current = "failed" if report.when == "call" else "error"
        elif report.skipped and current == "passed":
            current = "skipped"
        self.outcomes[report.nodeid] = current
        self.durations[report.nodeid] = self.durations.get(report.nodeid, 0.0) + report.duration

    @pytest.hookimpl(wrapper=True)
    def pytest_runtestloop(self, session: pytest.Session) -> Generator[None, object, object]:
        # SIGTERM ends the run as Ctrl-C does: cleaned up, summarized, exit status 2.
        with self.interrupts:
            try:
                result = yield
            except session.Failed:  # -x / --maxfail: the failures are there all the same
                self._run()
                raise
            except KeyboardInterrupt as error:
                if self.interrupts.signum:  # (not pytest's own stop after collection errors)
                    self.report = RunReport(message=self.interrupts.describe(error, None))
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

    def _labelled(self, label: str) -> Callable[[str], None]:
        """Progress lines of one group, each starting with ``label``."""
        return lambda line: self._progress(f"{label}: {line}")

    def _run(self) -> None:
        if self.config.option.collectonly:
            return
        from pytest_trace.llm.client import LLMConfig

        llm_config = LLMConfig.from_env(
            self.settings.model, os.environ, timeout=self.settings.llm_timeout
        )
        self.redactor = Redactor.from_environment(
            os.environ, [self.config.rootpath, self.config.invocation_params.dir]
        )
        self.report = report = RunReport()
        self.interrupts.phase = "the start of the optimization"
        try:
            self._optimize(report, llm_config)
        except KeyboardInterrupt as error:  # (before the repository was opened)
            report.message = report.message or self.interrupts.describe(error, {})
            raise
        finally:
            # the reports and the summary keep no secret, whatever the tests printed
            self.report = report = self.redactor.scrubbed(report, REPORT_NAMES)
            write_reports(report, self.settings, self._progress)

    def _choose(self, llm_config: LLMConfig, report: RunReport) -> OptimizerSpec | None:
        """The optimizer of this run; the report says which and why."""
        from pytest_trace.optimizers.choice import choose, offered

        specs = offered(self.config.hook.pytest_trace_optimizers())
        endpoint = llm_config.endpoint if llm_config.is_configured else None
        choice = choose(specs, self.settings.optimizer, llm_endpoint=endpoint)
        if choice.spec is None:
            report.message = choice.reason
            return None
        spec = choice.spec
        report.optimizer, report.optimizer_reason = spec.name, choice.reason
        report.model = self.settings.model if spec.needs_llm else ""
        return spec

    def _optimize(self, report: RunReport, llm_config: LLMConfig) -> None:
        failed = [nodeid for nodeid, outcome in self.outcomes.items() if outcome in FAILED]
        if not failed:
            report.message = "nothing to optimize: no test failed"
            return
        # (imported only now: GitPython alone is a tenth of a second)
        from pytest_trace.runner import tempdirs
        from pytest_trace.vcs import git as vcs
        from pytest_trace.vcs.fixbase import fix_branches
        from pytest_trace.vcs.worktree import Worktree, remove_abandoned

        spec = self._choose(llm_config, report)
        if spec is None:
            return
        try:
            repo = vcs.open_repo(self.config.rootpath)
        except vcs.VcsError as error:
            report.message = f"nothing was optimized: {error}"
            return
        self._progress(f"optimizer {spec.name}: {report.optimizer_reason}")
        with closing(repo), accounted(self.interrupts, report, lambda: fix_branches(repo)):
            self.interrupts.phase = "the snapshot of the working tree"
            base = vcs.snapshot(repo, exclude=self._outputs())
            # (the fix branches are built on HEAD: base_commit..branch shows the fix)
            report.base_commit, report.includes_uncommitted = (
                base.head_sha,
                base.includes_uncommitted,
            )
            for path in remove_abandoned(repo):
                self._progress(f"removed the worktree of a run that was killed: {path}")
            for path in tempdirs.remove_abandoned():
                self._progress(f"removed the temporary directory of a killed run: {path}")
            self.interrupts.phase = "the creation of the temporary worktree"
            with Worktree(repo, base.sha) as worktree:
                self._optimize_in(repo, base, Path(worktree.path), failed, report, spec, llm_config)

    def _optimize_in(
        self,
        repo: git.Repo,
        base: Base,
        worktree: Path,
        failed: list[str],
        report: RunReport,
        spec: OptimizerSpec,
        llm_config: LLMConfig,
    ) -> None:
        from pytest_trace.reaching import watched_by
        from pytest_trace.runner.forked import EngineError, ForkEngine, fork_available
        from pytest_trace.runner.fresh import WorkerRunner
        from pytest_trace.runner.recording import recording_requests, server_tests
        from pytest_trace.runner.recording import survey as merge_survey
        from pytest_trace.vcs.worktree import copy_ignored, import_roots

        repo_root = Path(str(repo.working_tree_dir)).resolve()
        rootdir = self.config.rootpath.resolve()
        settings = self.settings
        imported = _project_modules(repo_root)
        copied = copy_ignored([path for _, path in imported], repo_root, worktree)
        if copied:
            self._progress(f"copied files the tests imported that git ignores: {', '.join(copied)}")
        runner = WorkerRunner(
            root=worktree / rootdir.relative_to(repo_root),
            worktree=worktree,
            user_root=repo_root,
            pythonpath=import_roots(imported, repo_root, worktree, settings.trainable),
            timeout=settings.timeout,
            extra_args=_xdist_args(self.config, len(self.outcomes)),
            patterns=settings.trainable,
            memory_mb=settings.memory_limit,
            keep=copied,
        )
        if settings.trainable and not getattr(self.config.option, "numprocesses", None):
            # (under pytest-xdist the tests imported the project in other processes)
            modules = [module for module, _ in imported]
            report.selected = selected(settings.trainable, modules)
            report.unmatched_patterns = [p for p, names in report.selected.items() if not names]
        reach = self.config.pluginmanager.get_plugin("trace-reach")
        watched = watched_by(reach, self.outcomes, self.durations)
        runner.keys = dict(watched.keys)
        tests = server_tests(watched, failed)
        with ExitStack() as stack:
            evaluator: Evaluator = runner
            if fork_available():
                self.interrupts.phase = "the start of the worker process"
                self._progress(f"collecting {len(tests)} tests in a worker process")
                try:
                    engine = stack.enter_context(
                        ForkEngine(
                            runner.with_args(["-n", "0"] if _has_xdist(self.config) else []),
                            tests,
                            workers=settings.workers,
                            memory_mb=settings.memory_limit,
                        )
                    )
                except EngineError as error:
                    self._progress(f"{error}; testing candidates in fresh processes instead")
                else:
                    evaluator = engine
                    runner.baseline = max(runner.baseline, engine.runner.baseline)
            self.interrupts.phase = "the recording run"
            self._progress(f"recording the trace of {len(failed)} failing test(s)")
            requests = recording_requests(watched, failed, settings.timeout)
            survey = merge_survey(watched, evaluator.run_many(requests))
            unselected = [nodeid for nodeid in failed if nodeid in survey.unselected]
            if unselected:
                self._progress(f"{len(unselected)} failing test(s) not found: {survey.problem}")
            try:
                self._repair(
                    repo,
                    base,
                    worktree,
                    failed,
                    survey,
                    runner,
                    evaluator,
                    report,
                    spec,
                    llm_config,
                )
            finally:
                report.process_runs = runner.runs
                if isinstance(evaluator, ForkEngine):
                    report.forked_runs = evaluator.forked
                    report.process_runs += evaluator.runner.runs

    def _repair(
        self,
        repo: git.Repo,
        base: Base,
        worktree: Path,
        failed: list[str],
        survey: RunOutcome,
        runner: WorkerRunner,
        evaluator: Evaluator,
        report: RunReport,
        spec: OptimizerSpec,
        llm_config: LLMConfig,
    ) -> None:
        from pytest_trace.llm.stack import group_llm
        from pytest_trace.optimizers.base import OptimizerContext
        from pytest_trace.repair.group import Workspace
        from pytest_trace.repair.loop import group_failures
        from pytest_trace.reports.run import GroupReport
        from pytest_trace.vcs.fixbase import carried, carried_note

        reproduced = [nodeid for nodeid in failed if not survey.passed(nodeid)]
        report.not_reproduced = [nodeid for nodeid in failed if survey.passed(nodeid)]
        declared = {name: loc.constants for name, loc in survey.parameters.items() if loc.constants}
        groups, report.unreached = group_failures(
            [survey.results[n] for n in reproduced if n in survey.results], declared
        )
        if not groups:
            report.message = (
                "nothing to optimize: no failing test reached a @trainable function"
                if reproduced
                else "nothing to optimize: the failing tests passed when re-run"
            )
            errors = [survey.results.get(nodeid) for nodeid in failed]
            if survey.problem and all(r is None or r.outcome == "error" for r in errors):
                report.message = (
                    "nothing to optimize: the re-run of the tests in a temporary worktree of "
                    f"the repository failed, {survey.problem}"
                )
            return
        workspace = Workspace(
            repo=repo,
            base=base,
            worktree=worktree,
            runner=runner,
            evaluator=evaluator,
            survey=survey,
            outcomes=self.outcomes,
            settings=self.settings,
        )
        for number, group in enumerate(groups, 1):
            label = f"[group {number}/{len(groups)}] {group.slug}"
            self.interrupts.phase = f"group {number} of {len(groups)} ({group.slug})"
            self._progress(
                f"{label}: optimizing {', '.join(group.parameters)} "
                f"for {len(group.tests)} failing test(s)"
            )
            llm = (
                group_llm(
                    llm_config,
                    time_budget=self.settings.time_budget,
                    cache_directory=self._cache_directory(),
                    model=self.settings.model,
                    redactor=self.redactor,
                    progress=self._labelled(label),
                )
                if llm_config.is_configured
                else None
            )
            try:
                optimizer = spec.factory(OptimizerContext(self.settings, llm))
                group_report = workspace.optimize(
                    group,
                    optimizer,
                    spec,
                    model=self.settings.model if spec.needs_llm else "",
                    hook=self.config.hook,
                    progress=self._labelled(label),
                )
            except Exception as error:  # one group's failure must not cost the others
                group_report = GroupReport(list(group.tests), list(group.parameters), "error")
                group_report.message = (
                    f"the optimization of this group ended on an error: "
                    f"{type(error).__name__}: {error}"
                )
            if group_report.branch:
                note = carried_note(carried(repo, base, group_report.branch))
                group_report.message = "\n".join(filter(None, [group_report.message, note]))
            report.groups.append(group_report)

    def _outputs(self) -> list[Path]:
        """The files and directories this run writes its reports to."""
        here = self.config.invocation_params.dir
        return [here / where for _, where in destinations(self.settings)]

    def _cache_directory(self) -> Callable[[], Path] | None:
        """Where LLM answers are cached (pytest's cache directory), unless
        ``--trace-no-cache`` or ``-p no:cacheprovider``."""
        cache = getattr(self.config, "cache", None)
        if cache is None or self.settings.no_cache:
            return None
        return lambda: Path(cache.mkdir("trace-llm"))


def _has_xdist(config: pytest.Config) -> bool:
    return config.pluginmanager.hasplugin("xdist")


def _xdist_args(config: pytest.Config, tests: int) -> list[str]:
    """pytest-xdist options of the validation runs: as many processes as the user's run
    had (``-n``), or none."""
    if not _has_xdist(config):
        return []
    processes = getattr(config.option, "numprocesses", None)
    return ["-n", str(processes)] if processes and tests > 1 else ["-n", "0"]


def _project_modules(repo_root: Path) -> list[tuple[types.ModuleType, Path]]:
    """The modules imported here from files of the repository, with their files."""
    modules = []
    for module in list(sys.modules.values()):
        file = getattr(module, "__file__", None)
        if file and getattr(module, "__name__", "__main__") != "__main__":
            path = Path(file).resolve()
            if path.is_relative_to(repo_root):
                modules.append((module, path))
    return modules

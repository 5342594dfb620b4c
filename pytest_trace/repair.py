"""Repairing the groups of one run: the glue between the loop and the test runs.

:class:`Workspace` holds what all groups of a run share: the repository and its
snapshot, the parameters found by the recording run (with their sources in the
snapshot), which passing tests reach which trainable, and the two ways to run tests
(the fork engine for candidates, a fresh pytest process for validation).
:class:`GroupRepair` gives ``loop.optimize_group`` its callbacks for one group:
evaluate a batch of candidates, find regressions, localize faults, commit.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pytest_trace import __version__
from pytest_trace.evaluate import RunOutcome, RunRequest, WorkerRunner
from pytest_trace.model import Parameter, TestResult
from pytest_trace.report import GroupReport

if TYPE_CHECKING:
    import git

    from pytest_trace.engine import ForkEngine
    from pytest_trace.loop import Attempt, Group
    from pytest_trace.optimizers.base import Optimizer
    from pytest_trace.settings import Settings
    from pytest_trace.vcs import Base

    Evaluator = ForkEngine | WorkerRunner

#: Candidate time limits: at least this many seconds per test, and this many times the
#: slowest test's duration in the recording run.
MIN_CANDIDATE_TIMEOUT = 2.0
CALIBRATION_FACTOR = 10.0


class Workspace:
    """What the groups of one run share."""

    def __init__(
        self,
        *,
        repo: git.Repo,
        base: Base,
        worktree: Path,
        runner: WorkerRunner,
        evaluator: Evaluator,
        survey: RunOutcome,
        outcomes: Mapping[str, str],
        settings: Settings,
    ) -> None:
        from pytest_trace import edits, vcs
        from pytest_trace.constants import constant_source

        self.repo = repo
        self.base = base
        self.worktree = worktree
        self.runner = runner
        self.evaluator = evaluator
        self.survey = survey
        self.settings = settings
        self.identity = vcs.identity(repo, os.environ)
        self.all_tests = list(outcomes)
        self.passed_before = [n for n, o in outcomes.items() if o == "passed"]
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
        #: Constants declared trainable that cannot be edited, and why.
        self.unusable: dict[str, str] = {}
        #: For a constant, the functions that declared it (their tests guard its changes).
        self.users: dict[str, list[str]] = {}
        for name, location in survey.parameters.items():
            for used in location.constants:
                self.users.setdefault(used, []).append(name)
            constant = location.constant
            if not location.inside:
                if constant:
                    self.unusable[name] = (
                        f"it is defined in {location.file}, outside the checkout"
                        if location.file
                        else "there is no such module"
                    )
                else:
                    self.outside[name] = location.file
                continue
            path = Path(location.file).relative_to(worktree).as_posix()
            text = self.texts.setdefault(path, _read(worktree / path))
            try:
                source = (
                    constant_source(text, location.qualname)
                    if constant
                    else edits.function_source(text, location.qualname)
                )
            except edits.EditError as error:
                if not constant:
                    raise
                self.unusable[name] = str(error)
                continue
            self.parameters[name] = Parameter(
                name=name,
                module=location.module,
                qualname=location.qualname,
                path=path,
                source=source,
                description=location.description,
                kind="constant" if constant else "code",
                global_names=location.global_names,
                constants_only=location.constants_only,
            )

    # -- candidates -------------------------------------------------------------------

    def changed(self, values: Mapping[str, str]) -> list[str]:
        return [name for name, source in values.items() if source != self.parameters[name].source]

    def files(self, values: Mapping[str, str]) -> dict[str, str]:
        """The files of a candidate: each changed function or constant replaced in its file."""
        from pytest_trace.constants import replace_constant
        from pytest_trace.edits import replace_function

        files: dict[str, str] = {}
        for name in self.changed(values):
            parameter = self.parameters[name]
            text = files.get(parameter.path, self.texts[parameter.path])
            replace = replace_constant if parameter.kind == "constant" else replace_function
            files[parameter.path] = replace(text, parameter.qualname, values[name])
        return files

    def request(
        self, values: Mapping[str, str], tests: Sequence[str], **options: Any
    ) -> RunRequest:
        """A run of ``tests`` on the candidate ``values``."""
        changes: dict[str, tuple[str, ...]] = {}
        for name in self.changed(values):
            parameter = self.parameters[name]
            changes[parameter.module] = (*changes.get(parameter.module, ()), parameter.qualname)
        options.setdefault("timeout", self.time_limit(tests))
        return RunRequest(tuple(tests), files=self.files(values), changes=changes, **options)

    def guard(self, names: Sequence[str], exclude: Sequence[str]) -> list[str]:
        """Tests that passed before and reach one of ``names``, fastest first."""
        skip = set(exclude) | self.fail_on_base
        names = [*names, *(user for name in names for user in self.users.get(name, ()))]
        tests = {t for name in names for t in self.reaching.get(name, ()) if t not in skip}
        return sorted(tests, key=lambda t: (self.durations.get(t, 0.0), t))

    def time_limit(self, tests: Sequence[str]) -> float:
        """Per-test time limit of a candidate run: calibrated from the recorded durations."""
        if self.settings.candidate_timeout:
            return self.settings.candidate_timeout
        slowest = max((self.durations.get(t, 0.0) for t in tests), default=0.0)
        limit = max(MIN_CANDIDATE_TIMEOUT, round(CALIBRATION_FACTOR * slowest, 1))
        return min(limit, self.settings.timeout) if self.settings.timeout > 0 else limit

    # -- one group --------------------------------------------------------------------

    def optimize(
        self,
        group: Group,
        optimizer: Optimizer,
        *,
        fail_fast: bool,
        accept_partial: bool,
        batches: bool,
        hook: Any,
        progress: Callable[[str], None],
    ) -> GroupReport:
        from pytest_trace.loop import optimize_group

        notes = [
            f"{name} is not trainable: {self.unusable[name]}"
            for name in group.parameters
            if name in self.unusable
        ]
        if notes:
            kept = tuple(name for name in group.parameters if name not in self.unusable)
            group = dataclasses.replace(group, parameters=kept)
            for note in notes:
                progress(note)
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
        repair = GroupRepair(self, group, optimizer.name, fail_fast=fail_fast)
        result = optimize_group(
            group,
            self.parameters,
            self.survey.results,
            optimizer,
            repair.evaluate,
            repair.find_regressions,
            repair.commit,
            max_iterations=None if batches else self.settings.max_iterations,
            max_candidates=self.settings.max_candidates,
            time_budget=self.settings.time_budget,
            suspicious=repair.localize,
            accept_partial=accept_partial,
            on_attempt=lambda attempt: hook.pytest_trace_candidate_evaluated(attempt=attempt),
            on_iteration=progress,
        )
        hook.pytest_trace_group_finished(result=result, branch=repair.branch)
        group_report.status = result.status
        group_report.branch = repair.branch
        group_report.commit = result.commit
        group_report.iterations = result.iterations
        group_report.candidates = result.candidates
        group_report.seconds = result.seconds
        group_report.tokens = result.tokens
        group_report.changed = result.changed
        group_report.message = "\n".join(filter(None, [*notes, result.message]))
        group_report.operators = sorted({op for a in result.path for op in a.operators})
        return group_report


class GroupRepair:
    """The callbacks of one group's loop: evaluate, find regressions, localize, commit."""

    def __init__(self, workspace: Workspace, group: Group, optimizer: str, *, fail_fast: bool):
        self.workspace = workspace
        self.group = group
        self.optimizer = optimizer
        self.fail_fast = fail_fast
        self.branch: str | None = None
        self.head = workspace.base.sha
        self.regression_run = 0
        self.guard_failures: dict[tuple[tuple[str, str], ...], list[TestResult]] = {}

    def evaluate(self, batch: Sequence[Mapping[str, str]]) -> list[dict[str, TestResult]]:
        """Per candidate: the group's tests, then the passing tests that reach the changed
        functions, fastest first (stopping at the first failure of those; of any test when
        the optimizer only needs pass or fail)."""
        workspace, tests = self.workspace, self.group.tests
        requests, guards = [], []
        for values in batch:
            guard = workspace.guard(workspace.changed(values), tests)
            requests.append(
                workspace.request(
                    values,
                    [*tests, *guard],
                    trace=() if self.fail_fast else tests,
                    stop_on_failure=(*tests, *guard) if self.fail_fast else guard,
                    feedback=not self.fail_fast,
                )
            )
            guards.append(guard)
        results = []
        for values, guard, outcome in zip(
            batch, guards, workspace.evaluator.run_many(requests), strict=True
        ):
            self.guard_failures[_key(values)] = [
                outcome.results[t] for t in guard if t in outcome.results and not outcome.passed(t)
            ]
            results.append(outcome.results)
        return results

    def find_regressions(self, values: Mapping[str, str]) -> list[TestResult]:
        """Failures among the tests that passed before: the guard tests first, then the
        whole suite in a clean pytest process on the patched files."""
        if failures := self.guard_failures.get(_key(values)):
            return failures
        workspace = self.workspace
        run = workspace.runner.run(workspace.request(values, workspace.all_tests, timeout=0.0))
        self.regression_run = len(run.results)
        suspects = [
            nodeid
            for nodeid in workspace.passed_before
            if not run.passed(nodeid) and nodeid not in workspace.fail_on_base
        ]
        if suspects:  # a test that fails in the checkout without any change is no regression
            on_base = workspace.runner.run(RunRequest(tuple(suspects)))
            workspace.fail_on_base.update(
                n for n in suspects if n in on_base.results and not on_base.passed(n)
            )
        return [
            run.results.get(nodeid) or TestResult(nodeid, "error", feedback=run.problem)
            for nodeid in suspects
            if nodeid not in workspace.fail_on_base
        ]

    def localize(self, values: Mapping[str, str]) -> dict[str, dict[int, float]]:
        """Ochiai suspiciousness of the lines of the group's functions, for ``values``:
        line coverage of the group's tests and of the passing tests that reach them."""
        from pytest_trace.edits import EditError, locate_function
        from pytest_trace.localize import function_lines, ochiai

        workspace, group = self.workspace, self.group
        parameters = [workspace.parameters[name] for name in group.parameters]
        guard = workspace.guard(group.parameters, group.tests)
        paths = sorted({p.path for p in parameters})
        request = workspace.request(values, [*group.tests, *guard], coverage=tuple(paths))
        [outcome] = workspace.evaluator.run_many([request])
        failing = [t for t in group.tests if t in outcome.results and not outcome.passed(t)]
        passing = [t for t in (*group.tests, *guard) if outcome.passed(t)]
        files = workspace.files(values)
        suspicious: dict[str, dict[int, float]] = {}
        for parameter in parameters:
            lines = outcome.coverage.get(str((workspace.worktree / parameter.path).resolve()))
            if not lines:
                continue
            text = files.get(parameter.path, workspace.texts[parameter.path])
            try:
                span = locate_function(text, parameter.qualname)
            except EditError:
                continue
            scores = ochiai(lines, failing, passing)
            suspicious[parameter.name] = function_lines(scores, span.def_line, span.end)
        return suspicious

    def commit(self, values: Mapping[str, str], attempt: Attempt) -> str:
        from pytest_trace import vcs

        workspace = self.workspace
        message = commit_message(
            self.group,
            workspace.changed(values),
            workspace.base,
            attempt,
            self.optimizer,
            workspace.settings.model if self.optimizer == "optoprime" else "",
            self.regression_run,
        )
        self.head = vcs.commit_files(
            workspace.repo, self.head, workspace.files(values), message, workspace.identity
        )
        if self.branch is None:
            self.branch = vcs.branch_name(workspace.repo, self.group.slug)
        vcs.set_branch(workspace.repo, self.branch, self.head)
        return self.head


def commit_message(
    group: Group,
    changed: Sequence[str],
    base: Base,
    attempt: Attempt,
    optimizer: str,
    model: str,
    regression_run: int,
) -> str:
    short = ", ".join(name.rsplit(".", 1)[-1] for name in changed)
    reason = next((line.strip() for line in attempt.reasoning.splitlines() if line.strip()), "")
    subject = f"fix({short}): {reason or 'make the failing tests pass'}"
    if len(subject) > 72:
        subject = subject[:71].rstrip() + "…"
    base_line = f"Base: {base.sha}" + (
        f" (HEAD {base.head_sha} plus uncommitted changes)" if base.includes_uncommitted else ""
    )
    unchanged = [name for name in group.parameters if name not in changed]
    body = [
        "Parameters changed: " + ", ".join(changed),
        *(["Parameters unchanged: " + ", ".join(unchanged)] if unchanged else []),
        f"Tests passing now ({attempt.passed} of {len(group.tests)}):",
        *(f"  {nodeid}" for nodeid in group.tests),
        f"Regression run: {regression_run} tests, none newly failing",
        f"Iteration {attempt.iteration}; optimizer {optimizer}"
        + (f" (model {model})" if model else ""),
    ]
    if attempt.operators:
        body.append("Edit operators: " + ", ".join(attempt.operators))
    body.append(base_line)
    if attempt.reasoning:
        body += ["", "Reasoning:", attempt.reasoning.strip()[:2000]]
    return f"{subject}\n\n" + "\n".join(body) + f"\n\nOptimized-by: pytest-trace {__version__}\n"


def _key(values: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(values.items()))


def _read(path: Path) -> str:
    """A file's text with its line endings as they are (CRLF stays CRLF)."""
    with path.open(encoding="utf-8", newline="") as f:
        return f.read()

"""What the groups of one run share, and the repair of one group from start to end.

:class:`Workspace` holds the repository and its snapshot, the parameters found by the
recording run (with their sources in the snapshot: ``parameters``), which passing tests
reach which trainable, and the two ways to run tests (the fork engine for candidates, a
fresh pytest process for validation). It turns a candidate's values into its files and
its runs (with the guard tests and the time limit), and :meth:`Workspace.optimize` runs
one group's loop with the callbacks of a ``group.GroupRepair`` and reports on it.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pytest_trace.model import Parameter, TestResult
from pytest_trace.repair.parameters import load_parameters
from pytest_trace.reports.run import GroupReport
from pytest_trace.runner.fresh import WorkerRunner
from pytest_trace.runner.protocol import RunOutcome, RunRequest

if TYPE_CHECKING:
    import git

    from pytest_trace.optimizers.base import Optimizer, OptimizerSpec
    from pytest_trace.repair.loop import Group
    from pytest_trace.repair.source_edits import FunctionSpan
    from pytest_trace.runner.forked import ForkEngine
    from pytest_trace.settings import Settings
    from pytest_trace.vcs.git import Base

    Evaluator = ForkEngine | WorkerRunner

#: Candidate time limits: at least this many seconds per test, and this many times the
#: slowest test's duration in the recording run; the same for the CPU time of each test
#: that hung in the user's run, at least MIN_CANDIDATE_CPU seconds (a candidate that
#: loops forever as the original did costs that much), or MIN_CALIBRATED_CPU once a
#: candidate made it pass and its duration calibrates the limit too.
MIN_CANDIDATE_TIMEOUT = 2.0
MIN_CANDIDATE_CPU = 0.25
MIN_CALIBRATED_CPU = 0.05
CALIBRATION_FACTOR = 10.0
#: The CPU time of a test that hung, in a run of the original code (localization, the
#: checks' recording of calls): it hangs again, and only what it did before is of use.
ORIGINAL_HANG_CPU = 0.1


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
        from pytest_trace.vcs import git as vcs

        self.repo = repo
        self.base = base
        self.worktree = worktree
        self.runner = runner
        self.evaluator = evaluator
        self.survey = survey
        self.settings = settings
        self.identity = vcs.Signature.of(repo, os.environ)
        self.all_tests = list(outcomes)
        self.passed_before = [n for n, o in outcomes.items() if o == "passed"]
        # A test that passed in the user's run but fails in the snapshot depends on
        # something git does not have: it cannot tell anything about a candidate.
        self.fail_on_base: set[str] = {n for n in self.passed_before if not survey.passed(n)}
        #: Tests that passed before checked on the snapshot itself (``fail_on_base``).
        self.checked: set[str] = set()
        self.durations = {n: r.duration for n, r in survey.results.items()}
        #: The tests that hit the time limit in the user's run and in the recording.
        self.hanging = {n for n, r in survey.results.items() if r.outcome == "timeout"}
        #: Their durations in candidate runs that made them pass (``learn``).
        self.fixed_durations: dict[str, float] = {}
        self.reaching: dict[str, list[str]] = {}
        #: The tests that passed before whose reach the user's run (or the recording) knows.
        self.known_reach = {n for n in self.passed_before if n in survey.results}
        for nodeid in self.passed_before:
            result = survey.results.get(nodeid)
            for name in result.reached if result else ():
                self.reaching.setdefault(name, []).append(nodeid)
        found = load_parameters(survey.parameters, worktree)
        self.parameters: dict[str, Parameter] = found.parameters
        self.texts: dict[str, str] = found.texts
        self.spans: dict[str, FunctionSpan] = {}
        self.outside = found.outside
        #: Constants declared trainable that cannot be edited, and why.
        self.unusable = found.unusable
        #: For a constant, the functions that declared it (their tests guard its changes).
        self.users = found.users

    # -- candidates -------------------------------------------------------------------

    def changed(self, values: Mapping[str, str]) -> list[str]:
        return [name for name, source in values.items() if source != self.parameters[name].source]

    def files(self, values: Mapping[str, str]) -> dict[str, str]:
        """The files of a candidate: each changed function or constant replaced in its file."""
        from pytest_trace.repair.constant_edits import replace_constant
        from pytest_trace.repair.source_edits import replace_function

        files: dict[str, str] = {}
        for name in self.changed(values):
            parameter = self.parameters[name]
            text = files.get(parameter.path, self.texts[parameter.path])
            if parameter.kind == "constant":
                files[parameter.path] = replace_constant(text, parameter.qualname, values[name])
                continue
            # In the file as it is, where the function is was found once.
            span = self._span(parameter) if parameter.path not in files else None
            files[parameter.path] = replace_function(text, parameter.qualname, values[name], span)
        return files

    def _span(self, parameter: Parameter) -> FunctionSpan:
        """Where ``parameter``'s function is in its file as it is (parsed once)."""
        from pytest_trace.repair.source_edits import locate_function

        if parameter.name not in self.spans:
            text = self.texts[parameter.path]
            self.spans[parameter.name] = locate_function(text, parameter.qualname)
        return self.spans[parameter.name]

    def request(
        self, values: Mapping[str, str], tests: Sequence[str], **options: Any
    ) -> RunRequest:
        """A run of ``tests`` on the candidate ``values``."""
        changes: dict[str, tuple[str, ...]] = {}
        for name in self.changed(values):
            parameter = self.parameters[name]
            changes[parameter.module] = (*changes.get(parameter.module, ()), parameter.qualname)
        options.setdefault("timeout", self.time_limit(tests))
        options.setdefault("cpu_timeout", self.cpu_limit(tests))
        options.setdefault("cpu_tests", self.hung(tests))
        return RunRequest(tuple(tests), files=self.files(values), changes=changes, **options)

    def guard(self, names: Sequence[str], exclude: Sequence[str]) -> list[str]:
        """Tests that passed before and reach one of ``names``, fastest first."""
        skip = set(exclude) | self.fail_on_base
        names = [*names, *(user for name in names for user in self.users.get(name, ()))]
        tests = {t for name in names for t in self.reaching.get(name, ()) if t not in skip}
        return sorted(tests, key=lambda t: (self.durations.get(t, 0.0), t))

    def validation_tests(self, group: Group, values: Mapping[str, str]) -> list[str]:
        """The tests the validation of ``values`` runs: every test, or with
        ``--trace-validate reached`` the group's, those that reached a changed function
        and those whose reach is not known (every test when a constant changed: any code
        may read it)."""
        changed = self.changed(values)
        if self.settings.validate == "all" or any(
            self.parameters[name].kind == "constant" for name in changed
        ):
            return self.all_tests
        unknown = [t for t in self.passed_before if t not in self.known_reach]
        wanted = {*group.tests, *self.guard(changed, group.tests), *unknown}
        return [t for t in self.all_tests if t in wanted]

    def time_limit(self, tests: Sequence[str]) -> float:
        """Per-test time limit of a candidate run: calibrated from the recorded durations."""
        if self.settings.candidate_timeout:
            return self.settings.candidate_timeout
        slowest = max((self.durations.get(t, 0.0) for t in tests), default=0.0)
        limit = max(MIN_CANDIDATE_TIMEOUT, round(CALIBRATION_FACTOR * slowest, 1))
        return min(limit, self.settings.timeout) if self.settings.timeout > 0 else limit

    def hung(self, tests: Sequence[str]) -> tuple[str, ...]:
        """The ``tests`` that hung in the user's run: where a candidate that does not fix
        the loop loops too, their CPU time is bounded (``cpu_limit``)."""
        return tuple(t for t in tests if t in self.hanging)

    def cpu_limit(self, tests: Sequence[str], *, original: bool = False) -> float:
        """Per-test CPU time limit of a candidate run's tests that hung (``hung``),
        calibrated the same way, also by their durations once a candidate made them
        pass (``learn``); for a run of the ``original`` code, :data:`ORIGINAL_HANG_CPU`.
        0 (none) when ``--trace-candidate-timeout`` sets the limit. Only those tests:
        another may import a heavy module on its first run in a forked child, which its
        duration in the user's run does not show."""
        if self.settings.candidate_timeout:
            return 0.0
        if original:
            return ORIGINAL_HANG_CPU
        hung = self.hung(tests)
        known = [self.fixed_durations[t] for t in hung if t in self.fixed_durations]
        floor = MIN_CALIBRATED_CPU if hung and len(known) == len(hung) else MIN_CANDIDATE_CPU
        slowest = max([*(self.durations.get(t, 0.0) for t in tests), *known], default=0.0)
        limit = max(floor, round(CALIBRATION_FACTOR * slowest, 2))
        return min(limit, self.time_limit(tests))

    def learn(self, results: Mapping[str, TestResult]) -> None:
        """Note how long the tests that hung took in a candidate run that made them pass:
        what the CPU limit of the next runs is calibrated by."""
        for nodeid in self.hanging:
            result = results.get(nodeid)
            if result is not None and result.ok:
                before = self.fixed_durations.get(nodeid, 0.0)
                self.fixed_durations[nodeid] = max(before, result.duration)

    # -- one group --------------------------------------------------------------------

    def optimize(
        self,
        group: Group,
        optimizer: Optimizer,
        spec: OptimizerSpec,
        *,
        model: str,
        hook: Any,
        progress: Callable[[str], None],
    ) -> GroupReport:
        """Optimize one group with ``optimizer``, made from ``spec``; commit its improvements
        and record every candidate. ``model`` names the LLM it uses, if any."""
        from pytest_trace.optimizers.base import Metered
        from pytest_trace.repair.group import GroupRepair
        from pytest_trace.repair.loop import Budget, Callbacks, optimize_group
        from pytest_trace.reports.group import describe

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
        metered = Metered(optimizer)
        repair = GroupRepair(self, group, metered, fail_fast=spec.fail_fast, model=model)
        repair.fixes.graph = self.graph(group)
        callbacks = Callbacks(
            evaluate=repair.evaluate,
            find_regressions=repair.find_regressions,
            commit=repair.commit,
            check=repair.check,
            compare=repair.probe_disagreements,
            suspicious=repair.localize,
            on_attempt=lambda attempt: hook.pytest_trace_candidate_evaluated(attempt=attempt),
            on_iteration=progress,
        )
        budget = Budget(
            max_iterations=None if spec.batches else self.settings.max_iterations,
            max_candidates=self.settings.max_candidates,
            time_budget=self.settings.time_budget,
            # An LLM's alternatives cost tokens: it stops at the first candidate that
            # passes the tests and the checks.
            alternatives=self.settings.alternatives if spec.batches else 0,
        )
        result = optimize_group(
            group,
            self.parameters,
            self.survey.results,
            metered,
            callbacks,
            budget,
            accept_partial=spec.accept_partial,
        )
        describe(group_report, result, self.parameters)
        group_report.graph = repair.fixes.graph
        if self.settings.graph_dot:
            group_report.graph_dot = self.graph(result.group, dot=True)
        fixes = repair.fixes
        record, note = fixes.finish(result, fixes.graph)
        hook.pytest_trace_group_finished(result=result, branch=fixes.branch)
        group_report.branch = fixes.branch
        group_report.commit = record.commit if fixes.branch else result.commit
        group_report.record = record.ref
        group_report.branch_note = note
        group_report.message = "\n".join(filter(None, [*notes, result.message]))
        if fixes.branch is not None:
            group_report.diff = (
                self.repo.git.diff(
                    "--no-color", "--no-ext-diff", f"{self.base.head_sha}..{fixes.branch}"
                )
                + "\n"
            )
        return group_report

    def graph(self, group: Group, *, dot: bool = False) -> str:
        """The trace of the group's failing tests as recorded, with their failures, as
        a Mermaid flowchart (or Graphviz DOT), for the commits and the reports."""
        from pytest_trace.repair.group_feedback import failure_feedback
        from pytest_trace.trace.graph_formats import to_dot, to_mermaid

        results = self.survey.results
        traces = [
            trace for nodeid in group.tests if (r := results.get(nodeid)) and (trace := r.trace)
        ]
        parameters = [self.parameters[name] for name in group.parameters]
        render = to_dot if dot else to_mermaid
        return render(traces, parameters, failure_feedback(group, results))

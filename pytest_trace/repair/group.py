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
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pytest_trace.checks.candidates import GroupChecks
from pytest_trace.model import Parameter, TestResult
from pytest_trace.repair.alternatives import Validation
from pytest_trace.reports.run import GroupReport
from pytest_trace.runner.fresh import RunOutcome, RunRequest, WorkerRunner
from pytest_trace.vcs.messages import CommitFacts, commit_message, function_locations

if TYPE_CHECKING:
    import git

    from pytest_trace.checks import Concern
    from pytest_trace.checks.ambiguity import Disagreement
    from pytest_trace.optimizers.base import Metered, Optimizer, OptimizerSpec
    from pytest_trace.repair.alternatives import Ambiguity
    from pytest_trace.repair.loop import Attempt, Group, GroupResult
    from pytest_trace.repair.source_edits import FunctionSpan
    from pytest_trace.runner.forked import ForkEngine
    from pytest_trace.settings import Settings
    from pytest_trace.vcs.git import Base
    from pytest_trace.vcs.record import FixRecord

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
        from pytest_trace.repair import source_edits as edits
        from pytest_trace.repair.constant_edits import constant_source
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
        self.reaching: dict[str, list[str]] = {}
        #: The tests that passed before whose reach the user's run (or the recording) knows.
        self.known_reach = {n for n in self.passed_before if n in survey.results}
        for nodeid in self.passed_before:
            result = survey.results.get(nodeid)
            for name in result.reached if result else ():
                self.reaching.setdefault(name, []).append(nodeid)
        self.texts: dict[str, str] = {}
        self.spans: dict[str, FunctionSpan] = {}
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
                module_text=text,
                constants_only=location.constants_only,
            )

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
        repair.graph = self.graph(group)
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
        group_report.graph = repair.graph
        if self.settings.graph_dot:
            group_report.graph_dot = self.graph(result.group, dot=True)
        record, note = repair.finish(result, repair.graph)
        hook.pytest_trace_group_finished(result=result, branch=repair.branch)
        group_report.branch = repair.branch
        group_report.commit = record.commit if repair.branch else result.commit
        group_report.record = record.ref
        group_report.branch_note = note
        group_report.message = "\n".join(filter(None, [*notes, result.message]))
        if repair.branch is not None:
            group_report.diff = (
                self.repo.git.diff(
                    "--no-color", "--no-ext-diff", f"{self.base.head_sha}..{repair.branch}"
                )
                + "\n"
            )
        return group_report

    def graph(self, group: Group, *, dot: bool = False) -> str:
        """The trace of the group's failing tests as recorded, with their failures, as
        a Mermaid flowchart (or Graphviz DOT), for the commits and the reports."""
        from pytest_trace.repair.loop import failure_feedback
        from pytest_trace.trace.graph import to_dot, to_mermaid

        results = self.survey.results
        traces = [
            trace for nodeid in group.tests if (r := results.get(nodeid)) and (trace := r.trace)
        ]
        parameters = [self.parameters[name] for name in group.parameters]
        render = to_dot if dot else to_mermaid
        return render(traces, parameters, failure_feedback(group, results))


class GroupRepair:
    """The callbacks of one group's loop: evaluate, find regressions, localize, commit."""

    def __init__(
        self,
        workspace: Workspace,
        group: Group,
        optimizer: Metered,
        *,
        fail_fast: bool,
        model: str,
    ) -> None:
        from pytest_trace.vcs import fixes
        from pytest_trace.vcs.record import record_id

        self.workspace = workspace
        self.group = group
        self.optimizer = optimizer
        self.fail_fast = fail_fast
        self.model = model
        self.branch: str | None = None
        self.graph = ""  # the group's trace, in Mermaid, for the commit messages
        # Fix commits grow on HEAD, not on the snapshot of uncommitted work: the branch
        # carries the fix's files alone (and their uncommitted changes, if they had any).
        self.head = workspace.base.head_sha
        self.candidates = 0
        results = [workspace.survey.results.get(nodeid) for nodeid in group.tests]
        self.checks = GroupChecks(
            {name: workspace.parameters[name] for name in group.parameters},
            [r.trace for r in results if r is not None and r.trace is not None],
            [workspace.texts[workspace.parameters[n].path] for n in group.parameters],
        )
        base = workspace.base
        self.record_id = record_id(
            group.slug, base.tree or base.sha, base.head_sha, group.tests, group.parameters
        )
        # A run before this one on the same code and the same failure: its branch is
        # reused (moved only if this run does better) rather than piling up copies.
        self.previous = fixes.reusable_record(workspace.repo, self.record_id)
        self.reused = self.previous is not None and self.previous.branch is not None
        if self.previous is not None and self.previous.branch is not None:
            self.branch = self.previous.branch

    def evaluate(self, batch: Sequence[Mapping[str, str]]) -> list[dict[str, TestResult]]:
        """Per candidate: the group's tests, then the passing tests that reach the changed
        functions, fastest first (stopping at the first failure of those; of any test when
        the optimizer only needs pass or fail). The results hold both."""
        workspace, tests = self.workspace, self.group.tests
        requests = []
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
        self.candidates += len(batch)
        results = []
        for outcome in workspace.evaluator.run_many(requests):
            # A guard test that fails on the unchanged snapshot too tells nothing.
            failing = [r for n, r in outcome.results.items() if n not in tests and not r.ok]
            real = {r.nodeid for r in self._on_base_too(failing)} if failing else set()
            results.append(
                {n: r for n, r in outcome.results.items() if n in tests or r.ok or n in real}
            )
        return results

    def find_regressions(self, values: Mapping[str, str]) -> Validation:
        """Failures among the tests that passed before: the whole suite in a clean pytest
        process on the patched files (with ``--trace-validate reached``, the tests that may
        reach a changed function)."""
        workspace = self.workspace
        tests = workspace.validation_tests(self.group, values)
        run = workspace.runner.run(workspace.request(values, tests, timeout=0.0))
        ran = set(tests)
        suspects = [
            nodeid
            for nodeid in workspace.passed_before
            if nodeid in ran and not run.passed(nodeid) and nodeid not in workspace.fail_on_base
        ]
        if suspects:  # a test that fails in the checkout without any change is no regression
            on_base = workspace.runner.run(RunRequest(tuple(suspects)))
            workspace.fail_on_base.update(
                n for n in suspects if n in on_base.results and not on_base.passed(n)
            )
        regressions = [
            run.results.get(nodeid) or TestResult(nodeid, "error", feedback=run.problem)
            for nodeid in suspects
            if nodeid not in workspace.fail_on_base
        ]
        return Validation(tuple(regressions), len(run.results))

    def _on_base_too(self, failures: list[TestResult]) -> list[TestResult]:
        """``failures`` of guard tests, without those that fail on the unchanged snapshot
        too (checked once per test: the user's run said they passed, not the snapshot)."""
        workspace = self.workspace
        unchecked = tuple(r.nodeid for r in failures if r.nodeid not in workspace.checked)
        if unchecked:
            on_base = workspace.evaluator.run(RunRequest(unchecked))
            workspace.checked.update(unchecked)
            workspace.fail_on_base.update(n for n in unchecked if not on_base.passed(n))
        return [r for r in failures if r.nodeid not in workspace.fail_on_base]

    def localize(self, values: Mapping[str, str]) -> dict[str, dict[int, float]]:
        """Ochiai suspiciousness of the lines of the group's functions, for ``values``:
        line coverage of the group's tests and of the passing tests that reach them."""
        from pytest_trace.repair.localize import function_lines, ochiai
        from pytest_trace.repair.source_edits import EditError, locate_function

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

    def commit(self, values: Mapping[str, str], attempt: Attempt, ambiguity: Ambiguity) -> str:
        """Commit an accepted candidate on top of the previous one; put it on the fix
        branch, unless the branch is an earlier run's, which :meth:`finish` decides on."""
        from pytest_trace.repair.loop import slug_of
        from pytest_trace.vcs import git as vcs

        workspace = self.workspace
        message = commit_message(
            CommitFacts(
                changed=workspace.changed(values),
                parameters=self.group.parameters,
                tests=self.group.tests,
                passing=attempt.passing,
                regression_run=attempt.validation.tests if attempt.validation else 0,
                suite=len(workspace.all_tests) if workspace.settings.validate != "all" else 0,
                iteration=attempt.iteration,
                candidates=self.candidates,
                optimizer=self.optimizer.name,
                model=self.model,
                tokens=self.optimizer.tokens,
                base=workspace.base,
                reasoning=attempt.reasoning,
                operators=attempt.operators,
                record=self.record_id,
                graph=self.graph,
                locations=function_locations(
                    [workspace.parameters[n] for n in workspace.changed(values)],
                    {**workspace.texts, **workspace.files(values)},
                ),
                carried=sorted(set(workspace.files(values)) & set(workspace.base.uncommitted)),
                verdict=attempt.verdict if attempt.verdict in ("fixed", "plausible") else "partial",
                concerns=attempt.concerns,
                alternatives=ambiguity.alternatives,
                disagreements=ambiguity.disagreements,
            )
        )
        self.head = vcs.commit_files(
            workspace.repo, self.head, workspace.files(values), message, workspace.identity
        )
        if not self.reused:
            if self.branch is None:  # named after what the first fix commit changed
                slug = slug_of(workspace.changed(values)) or self.group.slug
                self.branch = vcs.branch_name(workspace.repo, slug)
            vcs.set_branch(workspace.repo, self.branch, self.head)
        return self.head

    def finish(self, result: GroupResult, graph: str) -> tuple[FixRecord, str]:
        """Record the group's candidates; settle the branch of an earlier run
        (``branch_policy``). Returns the record that describes the branch and a note on
        what became of the branch."""
        from pytest_trace.vcs import fixes, record
        from pytest_trace.vcs.branch_policy import settle_branch

        workspace, base = self.workspace, self.workspace.base
        new = record.of_result(
            result,
            id=self.record_id,
            base=base,
            branch=None if self.reused else self.branch,
            optimizer=self.optimizer.name,
            model=self.model,
            created=_now(),
            graph=graph,
        )
        if not self.reused or self.previous is None or self.branch is None:
            fixes.write_record(workspace.repo, new, workspace.identity)
            return new, ""
        return settle_branch(workspace.repo, workspace.identity, self.branch, self.previous, new)

    def probe(
        self, batch: Sequence[Mapping[str, str]], *, compare_only: bool = False
    ) -> tuple[list[list[Concern]], list[Disagreement]]:
        """The checks that run candidate code, for alternatives that pass the tests (in
        rank order), in a forked child (``checks.probe``): per candidate, the docstring
        examples it breaks and the generated inputs near the recorded ones on which it
        raises where the original returned; and the inputs on which the first and each
        other one disagree (only those, with ``compare_only``)."""
        from pytest_trace.checks.probe import GUARD_TESTS, probe

        workspace, tests = self.workspace, self.group.tests
        # The calls of a few passing tests that reach the functions are inputs too.
        recorded = [*tests, *workspace.guard(self.group.parameters, tests)[:GUARD_TESTS]]
        original = RunRequest(tuple(recorded), timeout=workspace.time_limit(recorded))
        candidates = [workspace.request(values, tests) for values in batch]
        return probe(
            workspace.evaluator, original, candidates, expecting=tests, compare_only=compare_only
        )

    def check(self, batch: Sequence[Mapping[str, str]]) -> list[list[Concern]]:
        """The loop's ``check``: per candidate that passes the tests, the concerns of the
        checks that read it (``checks.candidates``) and of those that run it (``probe``)."""
        read = self.checks.check(batch)
        run = self.probe_concerns(batch)
        return [[*found, *more] for found, more in zip(read, run, strict=True)]

    def probe_concerns(self, batch: Sequence[Mapping[str, str]]) -> list[list[Concern]]:
        """Per candidate of ``batch`` (all pass the tests): its ``new-crash`` and
        ``doctest`` concerns. Shaped as the loop's ``check`` callback."""
        return self.probe(batch)[0]

    def probe_disagreements(self, batch: Sequence[Mapping[str, str]]) -> list[Disagreement]:
        """Where the first of ``batch`` and each other one disagree on generated inputs.
        Shaped as the loop's ``compare`` callback."""
        return self.probe(batch, compare_only=True)[1]


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _read(path: Path) -> str:
    """A file's text with its line endings as they are (CRLF stays CRLF)."""
    with path.open(encoding="utf-8", newline="") as f:
        return f.read()

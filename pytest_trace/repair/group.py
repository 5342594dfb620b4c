"""The callbacks of one group's optimization loop: the glue between the loop and the runs.

:class:`GroupRepair` gives ``loop.optimize_group`` its callbacks for one group:
evaluate a batch of candidates (the group's tests and the guard tests that reach what
changed), localize faults, run the checks that run candidate code; the regression check
is ``regressions``, the commits and the fix branch ``fix_commits``. What the groups of a
run share is the ``workspace``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from pytest_trace.checks.candidates import GroupChecks
from pytest_trace.model import TestResult
from pytest_trace.repair.fix_commits import FixCommits
from pytest_trace.repair.outcome import Validation
from pytest_trace.repair.regressions import find_regressions, without_failing_on_base
from pytest_trace.repair.workspace import Workspace as Workspace  # where the session finds it
from pytest_trace.runner.protocol import RunRequest

if TYPE_CHECKING:
    from pytest_trace.checks import Concern
    from pytest_trace.checks.ambiguity import Disagreement
    from pytest_trace.optimizers.base import Metered
    from pytest_trace.repair.loop import Attempt, Group
    from pytest_trace.repair.outcome import Ambiguity


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
        self.workspace = workspace
        self.group = group
        self.optimizer = optimizer
        self.fail_fast = fail_fast
        self.fixes = FixCommits(workspace, group, optimizer, model=model)
        self.candidates = 0
        results = [workspace.survey.results.get(nodeid) for nodeid in group.tests]
        self.checks = GroupChecks(
            {name: workspace.parameters[name] for name in group.parameters},
            [r.trace for r in results if r is not None and r.trace is not None],
            [workspace.texts[workspace.parameters[n].path] for n in group.parameters],
        )

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
            workspace.learn(outcome.results)
            # A guard test that fails on the unchanged snapshot too tells nothing.
            failing = [r for n, r in outcome.results.items() if n not in tests and not r.ok]
            real = (
                {r.nodeid for r in without_failing_on_base(workspace, failing)}
                if failing
                else set()
            )
            results.append(
                {n: r for n, r in outcome.results.items() if n in tests or r.ok or n in real}
            )
        return results

    def find_regressions(self, values: Mapping[str, str]) -> Validation:
        """Failures among the tests that passed before (``regressions``)."""
        return find_regressions(self.workspace, self.group, values)

    def localize(self, values: Mapping[str, str]) -> dict[str, dict[int, float]]:
        """Ochiai suspiciousness of the lines of the group's functions, for ``values``:
        line coverage of the group's tests and of the passing tests that reach them."""
        from pytest_trace.repair.localize import function_lines, ochiai
        from pytest_trace.repair.source_edits import EditError, locate_function

        workspace, group = self.workspace, self.group
        parameters = [workspace.parameters[name] for name in group.parameters]
        guard = workspace.guard(group.parameters, group.tests)
        paths = sorted({p.path for p in parameters})
        tests = [*group.tests, *guard]
        original = not workspace.changed(values)
        request = workspace.request(
            values,
            tests,
            coverage=tuple(paths),
            cpu_timeout=workspace.cpu_limit(tests, original=original),
        )
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
        """Commit an accepted candidate (``fix_commits``)."""
        return self.fixes.commit(values, attempt, ambiguity, candidates=self.candidates)

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
        original = RunRequest(
            tuple(recorded),
            timeout=workspace.time_limit(recorded),
            cpu_timeout=workspace.cpu_limit(recorded, original=True),
            cpu_tests=workspace.hung(recorded),
        )
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

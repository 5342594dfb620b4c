"""The commits of one group's fixes and its fix branch.

:class:`FixCommits` commits each accepted candidate on top of the previous one (on
HEAD, not on the snapshot of uncommitted work), names the fix branch after what the
first commit changed, and at the end records the group's candidates and settles the
branch of an earlier run of the same failure on the same code (``vcs.branch_policy``):
such a branch is reused, and moved only if this run did better.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from pytest_trace.vcs.messages import CommitFacts, commit_message, function_locations

if TYPE_CHECKING:
    from pytest_trace.optimizers.base import Metered
    from pytest_trace.repair.loop import Attempt, Group, GroupResult
    from pytest_trace.repair.outcome import Ambiguity
    from pytest_trace.repair.workspace import Workspace
    from pytest_trace.vcs.record import FixRecord


class FixCommits:
    """The fix commits and the fix branch of one group."""

    def __init__(
        self, workspace: Workspace, group: Group, optimizer: Metered, *, model: str
    ) -> None:
        from pytest_trace.vcs import fixes
        from pytest_trace.vcs.record import record_id

        self.workspace = workspace
        self.group = group
        self.optimizer = optimizer
        #: The LLM the optimizer uses, if any (the commit and the record name it).
        self.model = model
        self.branch: str | None = None
        self.graph = ""  # the group's trace, in Mermaid, for the commit messages
        # Fix commits grow on HEAD, not on the snapshot of uncommitted work: the branch
        # carries the fix's files alone (and their uncommitted changes, if they had any).
        self.head = workspace.base.head_sha
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

    def commit(
        self,
        values: Mapping[str, str],
        attempt: Attempt,
        ambiguity: Ambiguity,
        *,
        candidates: int,
    ) -> str:
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
                candidates=candidates,
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


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

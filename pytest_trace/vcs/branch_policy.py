"""What becomes of the fix branch of an earlier run on the same code and failure.

A re-run finds the record of the run before (same base, same tests, same parameters)
and reuses its branch rather than making another: it keeps it when it holds the same
fix or a better one (more of the tests pass, or as many and its verdict is ``fixed``
where this run's is only ``plausible``), and moves it to this run's fix otherwise.
Every run's candidates are kept in the record.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_trace.vcs import fixes, record
from pytest_trace.vcs import git as vcs

if TYPE_CHECKING:
    import git

    from pytest_trace.vcs.record import FixRecord

#: How a verdict ranks when two fixes make as many tests pass.
_RANK = {"fixed": 2, "plausible": 1}


def settle_branch(
    repo: git.Repo, identity: vcs.Signature, branch: str, previous: FixRecord, new: FixRecord
) -> tuple[FixRecord, str]:
    """Keep or move ``branch`` (the earlier run's, described by ``previous``) given this
    run's record ``new``; write the record of every run's candidates. Returns the record
    that describes the branch and a note on what became of it."""
    kept = record.with_earlier_candidates(previous, previous, later=new)
    total = len(new.tests)
    if new.commit is None:
        note = f"kept {branch}, the fix of an earlier run on the same code"
    elif fixes.same_tree(repo, f"refs/heads/{branch}", new.commit):
        note = f"unchanged: {branch} already holds this fix"
    elif len(previous.passing) > len(new.passing):
        note = (
            f"kept {branch}: an earlier run's fix makes {len(previous.passing)} of "
            f"{total} tests pass, this run's {len(new.passing)}"
        )
    elif len(previous.passing) == len(new.passing) and _RANK.get(previous.status, 0) > _RANK.get(
        new.status, 0
    ):
        note = f"kept {branch}: an earlier run's fix is {previous.status}, this run's {new.status}"
    else:
        vcs.set_branch(repo, branch, new.commit)
        new.branch = branch
        kept = record.with_earlier_candidates(new, previous)
        note = f"updated {branch}, which held an earlier fix of the same failure"
    fixes.write_record(repo, kept, identity)  # every run's candidates
    return kept, note

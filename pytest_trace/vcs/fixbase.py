"""What a fix branch is built on, and what it carries besides the fix.

The tests run on a snapshot of the working tree (``vcs.snapshot``: HEAD plus the
uncommitted work, so that they see what the user sees), but the fix commits are built
on HEAD with the fix's files alone (``repair.GroupRepair``): untracked files the user
had not committed (``.env``, logs, bytecode) never reach a branch. When a file the fix
changes had uncommitted changes of its own, the branch carries them; this module names
those files for the summary. It also lists the fix branches, so that an interrupted
run can say which ones it committed.
"""

from __future__ import annotations

import git

from pytest_trace.vcs.git import BRANCH_PREFIX, Base, run


def carried(repo: git.Repo, base: Base, branch: str) -> list[str]:
    """The paths where ``branch`` (built on HEAD) carries uncommitted changes of the
    working tree along with the fix: the fix's files that differed from HEAD."""
    if not base.uncommitted:
        return []
    changed = run(repo, ["diff", "-z", "--name-only", "--no-renames", base.head_sha, branch])
    return sorted(set(changed.split("\0")) & set(base.uncommitted))


def carried_note(paths: list[str]) -> str:
    """The summary's line about ``carried`` files (empty when there are none)."""
    if not paths:
        return ""
    which = "that file" if len(paths) == 1 else "those files"
    return (
        "the branch is built on HEAD and also carries the uncommitted changes you had in "
        f"{', '.join(paths)} (the fix changes {which})"
    )


def fix_branches(repo: git.Repo) -> dict[str, str]:
    """The ``trace-fix/...`` branches and their commits."""
    out = run(repo, ["for-each-ref", "--format=%(refname) %(objectname)", "refs/heads/"])
    refs = (line.split(" ", 1) for line in out.splitlines() if line)
    return {
        ref.removeprefix("refs/heads/"): sha
        for ref, sha in refs
        if ref.startswith("refs/heads/" + BRANCH_PREFIX)
    }

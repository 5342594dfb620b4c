"""The fix branches of a repository and their records (git glue of ``pytest-trace``).

A fix branch ``trace-fix/<slug>`` is a line of fix commits (each with the trailer
``Optimized-by: pytest-trace``) on top of its base: the commit under test, or a snapshot
of uncommitted work on top of it. The record of the run that made it
(:mod:`pytest_trace.vcs.record`) is a commit holding ``record.json``, pointed to by
``refs/trace/<id>``. Reading, applying, dropping and pruning all go through git; the
logic that needs no git is in :mod:`pytest_trace.vcs.review`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import git

from pytest_trace.vcs import git as vcs
from pytest_trace.vcs import record as records
from pytest_trace.vcs import review
from pytest_trace.vcs.fix_branch import FixBranch, is_fix_message, parse_message, subject


class FixError(Exception):
    """A review command cannot do what was asked; the message says why and what to do."""


# --- records ---------------------------------------------------------------------------


def write_record(
    repo: git.Repo, record: records.FixRecord, who: vcs.Identity | vcs.Signature
) -> str:
    """Store ``record`` as a root commit holding ``record.json`` at ``refs/trace/<id>``."""
    subject = f"pytest-trace record {record.id}: {record.status}"
    message = subject + (f", branch {record.branch}" if record.branch else "") + "\n"
    sha = vcs.commit_files(repo, None, {records.RECORD_FILE: records.to_json(record)}, message, who)
    vcs.set_ref(repo, record.ref, sha)
    return sha


def read_record(repo: git.Repo, ref: str) -> records.FixRecord | None:
    """The record at ``ref`` (a full ref name), or None if there is none or it is unreadable."""
    status, out, _ = vcs.execute(repo, ["cat-file", "blob", f"{ref}:{records.RECORD_FILE}"])
    if status != 0:
        return None
    try:
        return records.from_json(out)
    except ValueError:
        return None


def all_records(repo: git.Repo) -> list[records.FixRecord]:
    refs = vcs.run(repo, ["for-each-ref", "--format=%(refname)", records.RECORD_PREFIX]).split()
    found = [read_record(repo, ref) for ref in refs]
    return [record for record in found if record is not None]


def reusable_record(repo: git.Repo, record_id: str) -> records.FixRecord | None:
    """The record of an earlier run with this id. Its ``branch`` is cleared unless the
    branch is still exactly as that run left it (so it may be moved again)."""
    record = read_record(repo, records.RECORD_PREFIX + record_id)
    if record is None:
        return None
    if record.branch and vcs.resolve(repo, f"refs/heads/{record.branch}") != record.commit:
        record.branch = None
    return record


def same_tree(repo: git.Repo, one: str, other: str) -> bool:
    first = vcs.resolve(repo, f"{one}^{{tree}}")
    return first is not None and first == vcs.resolve(repo, f"{other}^{{tree}}")


# --- branches --------------------------------------------------------------------------


def fix_branches(repo: git.Repo) -> list[FixBranch]:
    """Every ``trace-fix/...`` branch, oldest first."""
    names = vcs.run(
        repo, ["for-each-ref", "--format=%(refname:short)", "refs/heads/" + vcs.BRANCH_PREFIX]
    ).split()
    found = all_records(repo)
    branches = [branch_info(repo, name, found) for name in names]
    return sorted(branches, key=lambda b: (b.time, b.name))


def orphan_records(repo: git.Repo) -> list[records.FixRecord]:
    """Records of runs that made no branch (or whose branch is gone), oldest first."""
    names = set(
        vcs.run(
            repo,
            ["for-each-ref", "--format=%(refname:short)", "refs/heads/" + vcs.BRANCH_PREFIX],
        ).split()
    )
    orphans = [r for r in all_records(repo) if r.branch not in names]
    return sorted(orphans, key=lambda r: (r.created, r.id))


def find_record(repo: git.Repo, name: str) -> records.FixRecord | None:
    """The record ``name``: an id, or a ref under ``refs/trace/``."""
    ref = name if name.startswith(records.RECORD_PREFIX) else records.RECORD_PREFIX + name
    return read_record(repo, ref) if vcs.execute(repo, ["check-ref-format", ref])[0] == 0 else None


def find_branch(repo: git.Repo, name: str) -> FixBranch:
    """The fix branch ``name`` (``trace-fix/`` may be left out)."""
    for candidate in dict.fromkeys([name, vcs.BRANCH_PREFIX + name]):
        if candidate.startswith(vcs.BRANCH_PREFIX) and vcs.resolve(repo, f"refs/heads/{candidate}"):
            return branch_info(repo, candidate, all_records(repo))
    known = [b.name for b in fix_branches(repo)]
    hint = (
        "the fix branches are: " + ", ".join(known)
        if known
        else "there are no fix branches (`pytest --trace-optimize` makes them)"
    )
    raise FixError(f"no fix branch {name!r}: {hint}")


def branch_info(repo: git.Repo, name: str, found: Sequence[records.FixRecord] = ()) -> FixBranch:
    """The branch ``name``; its record is the one among ``found`` that names it (the one
    made for its tip commit, if there are several)."""
    log = vcs.run(
        repo,
        ["log", "--first-parent", "-n", "1000", "--format=%H%x1f%P%x1f%ct%x1f%B%x1e", name],
    )
    entries = [entry.strip("\n").split("\x1f", 3) for entry in log.split("\x1e") if entry.strip()]
    commits, base, parents = [], entries[-1][0], ""
    for sha, parent_list, _, message in entries:
        if not is_fix_message(message):
            base, parents = sha, parent_list
            break
        commits.append(sha)
    snapshot_message = entries[len(commits)][3].strip() if len(commits) < len(entries) else ""
    includes_uncommitted = snapshot_message == vcs.SNAPSHOT_MESSAGE
    head = parents.split()[0] if includes_uncommitted and parents else base
    tip = entries[0][0]
    current = vcs.resolve(repo, "HEAD") or ""
    mine = sorted((r for r in found if r.branch == name), key=lambda r: r.commit == tip)
    record = mine[-1] if mine else None
    return FixBranch(
        name=name,
        tip=tip,
        time=int(entries[0][2]),
        facts=parse_message(entries[0][3]),
        commits=commits,
        base=base,
        head=head,
        includes_uncommitted=includes_uncommitted,
        base_in_history=_is_ancestor(repo, head, current),
        merged=_merged(repo, tip, base, current),
        record=record,
    )


def _is_ancestor(repo: git.Repo, ancestor: str, descendant: str) -> bool:
    args = ["merge-base", "--is-ancestor", ancestor, descendant]
    return bool(descendant) and vcs.execute(repo, args)[0] == 0


def _merged(repo: git.Repo, tip: str, base: str, current: str) -> bool:
    """The fix is in the current branch: merged, or its commits cherry-picked."""
    if _is_ancestor(repo, tip, current):
        return True
    status, out, _ = vcs.execute(repo, ["cherry", current, tip, base])
    lines = out.splitlines()
    return status == 0 and bool(lines) and all(line.startswith("-") for line in lines)


# --- changing things -------------------------------------------------------------------


def dirty(repo: git.Repo) -> list[str]:
    """Tracked files with changes, staged or not, and unfinished merges; empty if clean."""
    out = vcs.run(repo, ["status", "--porcelain=v1", "--untracked-files=no"])
    lines = [line for line in out.splitlines() if line.strip()]
    git_dir = Path(repo.git_dir)
    for marker, what in (
        ("MERGE_HEAD", "a merge"),
        ("CHERRY_PICK_HEAD", "a cherry-pick"),
        ("REBASE_HEAD", "a rebase"),
    ):
        if (git_dir / marker).exists():
            lines.append(f"{what} is in progress")
    return lines


def apply(repo: git.Repo, branch: FixBranch) -> str:
    """Bring the fix into the current branch; returns what was done.

    A fix whose base is in the current branch's history is merged (``--no-ff``, so the
    fix commits stay as they are); a fix made on uncommitted work is cherry-picked (with
    ``-x``). Refuses a dirty tree; on a conflict, aborts and leaves everything as it was.
    """
    current = vcs.execute(repo, ["symbolic-ref", "--short", "-q", "HEAD"])[1] or "HEAD"
    if branch.merged:
        return f"{branch.name} is already in {current}: nothing to do"
    changes = dirty(repo)
    if changes:
        listing = "\n".join(f"  {line}" for line in changes[:20])
        raise FixError(
            f"the working tree has uncommitted changes, which `apply` would mix with the "
            f"fix:\n{listing}\nCommit or stash them (`git stash`), then run "
            f"`pytest-trace apply {branch.name}` again."
        )
    if branch.base_in_history and not branch.includes_uncommitted:
        title = subject(branch.facts.message)
        args = ["merge", "--no-ff", "--no-edit", "-m", f"Merge {branch.name}: {title}"]
        command, abort = [*args, branch.name], ["merge", "--abort"]
        done = f"merged {branch.name} into {current}"
    else:
        command = ["cherry-pick", "-x", f"{branch.base}..{branch.tip}"]
        abort = ["cherry-pick", "--abort"]
        done = (
            f"applied {len(branch.commits)} commit(s) of {branch.name} onto {current} "
            "(cherry-picked: its base was uncommitted work or is not in this branch)"
        )
    status, out, err = vcs.execute(repo, command)
    if status == 0:
        return done
    conflicts = vcs.execute(repo, ["diff", "--name-only", "--diff-filter=U"])[1].split()
    vcs.execute(repo, abort)
    if conflicts:
        raise FixError(
            f"{branch.name} conflicts with {current} in: {', '.join(conflicts)}. Nothing was "
            "changed (the operation was aborted). Run `pytest --trace-optimize` again on the "
            f"current code, or merge by hand: git merge {branch.name}"
        )
    raise FixError(f"`git {' '.join(command)}` failed; nothing was changed: {err or out or status}")


def drop(repo: git.Repo, branch: FixBranch) -> list[str]:
    """Delete the branch and the records that describe it; returns the refs deleted."""
    listing = vcs.run(repo, ["worktree", "list", "--porcelain"])
    if f"branch refs/heads/{branch.name}" in listing.splitlines():
        raise FixError(f"{branch.name} is checked out; switch to another branch first")
    refs = [f"refs/heads/{branch.name}"] + [
        r.ref for r in all_records(repo) if r.branch == branch.name
    ]
    vcs.delete_refs(repo, refs)
    return refs


@dataclass(frozen=True)
class Pruned:
    branches: list[str]
    records: list[str]


def prune(
    repo: git.Repo, *, merged: bool, older_than: float | None, dry_run: bool = False
) -> Pruned:
    """Drop the fix branches that are merged (``merged``) or older than ``older_than``
    seconds, with their records; and records of no branch older than that."""
    now = time.time()
    checked_out = vcs.run(repo, ["worktree", "list", "--porcelain"]).splitlines()
    branches = [
        b
        for b in fix_branches(repo)
        if ((merged and b.merged) or (older_than is not None and now - b.time > older_than))
        and f"branch refs/heads/{b.name}" not in checked_out
    ]
    names = {b.name for b in branches}
    existing = {b.name for b in fix_branches(repo)}
    stale = [
        r.ref
        for r in all_records(repo)
        if r.branch in names
        or (r.branch is not None and r.branch not in existing)  # its branch is gone
        or (
            (r.branch is None or r.branch not in existing)
            and older_than is not None
            and now - review.parse_time(r.created) > older_than
        )
    ]
    if not dry_run:
        vcs.delete_refs(repo, [f"refs/heads/{b.name}" for b in branches] + stale)
    return Pruned(sorted(names), stale)


def diff(repo: git.Repo, branch: FixBranch, color: bool) -> str:
    args = ["diff", "--stat", "--patch", f"--color={'always' if color else 'never'}"]
    return vcs.run(repo, [*args, branch.base, branch.tip])

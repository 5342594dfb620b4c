"""Git plumbing: snapshots, throwaway worktrees and fix commits, all out of the user's way.

Nothing here touches the user's working tree, index, HEAD, current branch, other
branches or stashes. Uncommitted work is captured with a temporary index file, the
candidates are tested in a detached worktree in a temporary directory, and a fix is a
commit built from trees and blobs, pointed to by a new ``trace-fix/...`` branch.

Commands run through GitPython's :class:`git.Git` with ``LC_ALL=C``, so git's own
error messages can be passed on to the user (``commands``). The temporary worktrees are
in ``worktree``.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import git

from pytest_trace.runner.tempdirs import OwnedTempDir
from pytest_trace.text.sanitize import printable
from pytest_trace.vcs.commands import VcsError as VcsError  # the error of every git operation
from pytest_trace.vcs.commands import (
    config_value,
    execute_git,
    private_index,
    run_git,
    run_with_input,
)

SNAPSHOT_MESSAGE = "pytest-trace: snapshot of uncommitted changes"
TOOL_IDENTITY_NAME = "pytest-trace"
TOOL_IDENTITY_EMAIL = "pytest-trace@localhost"
BRANCH_PREFIX = "trace-fix/"
_MAX_SLUG = 60
_REGULAR_FILE_MODES = ("100644", "100755")


@dataclass(frozen=True)
class Base:
    """The commit candidates start from.

    ``sha`` is HEAD, or a snapshot commit on top of HEAD (``head_sha``) holding the
    uncommitted changes of the working tree when there are any.
    """

    sha: str
    head_sha: str
    includes_uncommitted: bool
    #: The tree of ``sha``: the same code has the same tree, whenever it was snapshotted.
    tree: str = ""
    #: The paths whose content differs between HEAD and ``sha`` (uncommitted changes,
    #: untracked files): a fix built on HEAD that writes one of them carries its
    #: uncommitted changes along (:func:`carried`).
    uncommitted: tuple[str, ...] = ()


@dataclass(frozen=True)
class Identity:
    """An author or committer of the commits pytest-trace creates."""

    name: str
    email: str


@dataclass(frozen=True)
class Signature:
    """Who a commit is by: its author and its committer, as git would record them."""

    author: Identity
    committer: Identity

    @classmethod
    def of(cls, repo: git.Repo, environ: Mapping[str, str]) -> Signature:
        """The author and committer git would use in ``repo`` (see :func:`identity`)."""
        return cls(identity(repo, environ), identity(repo, environ, "committer"))


def open_repo(path: Path) -> git.Repo:
    """The repository whose working tree contains ``path`` (searching parent directories).

    Discovery is git's own, so ``GIT_CEILING_DIRECTORIES``, ``safe.directory`` and the
    like apply. Raises :class:`VcsError` for a path outside any repository, a bare
    repository, the inside of a ``.git`` directory and a repository without commits.
    The caller closes the returned repository (``repo.close()`` or ``with``).
    """
    start = Path(path).absolute()
    if not start.exists():
        raise VcsError(f"pytest-trace cannot find {start}: no such file or directory")
    directory = start if start.is_dir() else start.parent
    status, out, err = execute_git(
        git.Git(directory), ["rev-parse", "--is-bare-repository", "--is-inside-work-tree"]
    )
    if status != 0:
        if "not a git repository" in err:
            raise VcsError(
                f"pytest-trace needs a git repository: {directory} is not inside one; "
                "run `git init` and commit your code first"
            )
        raise VcsError(f"pytest-trace cannot use the git repository at {directory}: {err}")
    bare, inside_work_tree = out.split()
    if bare == "true":
        raise VcsError(
            f"pytest-trace needs a working tree, but {directory} is in a bare git repository; "
            "run it in a clone with a working tree"
        )
    if inside_work_tree != "true":
        raise VcsError(
            f"pytest-trace needs a working tree, but {directory} is inside a .git directory"
        )
    top = run_git(git.Git(directory), ["rev-parse", "--show-toplevel"])
    repo = git.Repo(top)
    try:
        if execute_git(repo.git, ["rev-parse", "--verify", "--quiet", "HEAD^{commit}"])[0] != 0:
            raise VcsError(
                f"pytest-trace needs a commit to start from, but the git repository at {top} "
                "has no commits yet; commit your code first "
                '(`git add -A && git commit -m "initial commit"`)'
            )
    except BaseException:
        repo.close()
        raise
    return repo


def snapshot(repo: git.Repo, exclude: Sequence[Path] = ()) -> Base:
    """HEAD, or a commit on top of HEAD holding the working tree's uncommitted changes.

    The snapshot holds tracked files as they are on disk (staged or not) and untracked
    files that are not ignored, but the paths of ``exclude`` (pytest-trace's own
    reports: a report written by one run is no code under test for the next);
    submodules stay gitlinks. It is built in a copy of the
    index (keeping stat data and sparse-checkout bits), so the user's index, working
    tree, HEAD, reflogs, branches and stashes are left alone. The snapshot commit is
    not referenced by any ref.
    """
    head = run_git(repo.git, ["rev-parse", "--verify", "HEAD^{commit}"])
    head_tree = run_git(repo.git, ["rev-parse", "--verify", "HEAD^{tree}"])
    with OwnedTempDir("index") as temp:
        env = private_index(repo, temp)
        run_git(
            repo.git,
            [
                "-c",
                "core.splitIndex=false",
                "-c",
                "core.fsmonitor=false",
                "-c",
                "advice.addEmbeddedRepo=false",
                "add",
                "--all",
                "--",
                ".",
                *_excluded(repo, exclude),
            ],
            env,
        )
        tree = run_git(repo.git, ["write-tree"], env)
    if tree == head_tree:
        return Base(sha=head, head_sha=head, includes_uncommitted=False, tree=tree)
    sha = _commit_tree(repo, tree, head, SNAPSHOT_MESSAGE, Signature.of(repo, os.environ))
    changed = run_git(repo.git, ["diff-tree", "-r", "-z", "--name-only", "--no-renames", head, sha])
    paths = tuple(path for path in changed.split("\0") if path)
    return Base(sha=sha, head_sha=head, includes_uncommitted=True, tree=tree, uncommitted=paths)


def _excluded(repo: git.Repo, paths: Sequence[Path]) -> list[str]:
    """Pathspecs leaving out those of ``paths`` that lie inside the repository."""
    root = Path(str(repo.working_tree_dir)).resolve()
    specs = []
    for path in paths:
        resolved = path.resolve()
        if resolved != root and resolved.is_relative_to(root):
            specs.append(f":(exclude,top){resolved.relative_to(root).as_posix()}")
    return specs


def identity(
    repo: git.Repo, environ: Mapping[str, str], role: Literal["author", "committer"] = "author"
) -> Identity:
    """The author (or committer) identity git would use, without git's guessing.

    Git's own order, field by field: ``GIT_AUTHOR_NAME`` (``GIT_COMMITTER_NAME``) from
    ``environ``, then ``author.name`` (``committer.name``) and ``user.name`` from the
    repository's configuration (read by git, with all its scopes, includes and ``-c``
    settings); for the address ``GIT_AUTHOR_EMAIL`` (``GIT_COMMITTER_EMAIL``),
    ``author.email`` (``committer.email``), ``user.email``, then ``EMAIL``. Where git
    would fall back on a name and address made up from the system account and the host
    name, the field names the tool instead: ``pytest-trace <pytest-trace@localhost>``.
    """
    upper = role.upper()
    name = (
        environ.get(f"GIT_{upper}_NAME", "").strip()
        or config_value(repo, f"{role}.name")
        or config_value(repo, "user.name")
        or TOOL_IDENTITY_NAME
    )
    email = (
        environ.get(f"GIT_{upper}_EMAIL", "").strip()
        or config_value(repo, f"{role}.email")
        or config_value(repo, "user.email")
        or environ.get("EMAIL", "").strip()
        or TOOL_IDENTITY_EMAIL
    )
    return Identity(name=name, email=email)


def commit_files(
    repo: git.Repo,
    parent: str | None,
    files: Mapping[str, str],
    message: str,
    identity: Identity | Signature,
) -> str:
    """A new commit: ``parent``'s tree with ``files`` (POSIX path -> text) replaced.

    Texts are stored as UTF-8 through git's clean filters for their paths (as
    ``git add`` would store them); replaced files keep their mode (executable bit), new
    files are ``100644``. Without a parent the commit is a root holding just ``files``.
    ``identity`` is the author and committer, or a :class:`Signature` naming both.
    No working tree, index or ref is touched. Returns the sha.
    """
    parent_sha = (
        None
        if parent is None
        else run_git(repo.git, ["rev-parse", "--verify", f"{parent}^{{commit}}"])
    )
    with OwnedTempDir("index") as temp:
        env = {"GIT_INDEX_FILE": str(temp / "index"), "GIT_LITERAL_PATHSPECS": "1"}
        run_git(repo.git, ["read-tree", parent_sha or "--empty"], env)
        for number, (path, text) in enumerate(sorted(files.items())):
            _check_path(path)
            mode = _file_mode(repo, parent_sha, path) if parent_sha else "100644"
            blob_file = temp / f"blob-{number}"
            blob_file.write_bytes(text.encode("utf-8"))
            blob = run_git(repo.git, ["hash-object", "-w", f"--path={path}", str(blob_file)])
            run_git(
                repo.git, ["update-index", "--add", "--cacheinfo", f"{mode},{blob},{path}"], env
            )
        tree = run_git(repo.git, ["write-tree"], env)
    return _commit_tree(repo, tree, parent_sha, message, identity)


def branch_name(repo: git.Repo, slug: str) -> str:
    """A free branch name ``trace-fix/<slug>`` (``-2``, ``-3``, ... when taken).

    The slug is made a safe ref component: lowercase ``[a-z0-9._-]``, no ``..``, no
    leading or trailing ``.``/``-``, no ``.lock`` suffix, at most 60 characters.
    """
    base = BRANCH_PREFIX + _sanitize(slug)
    taken = [
        ref.removeprefix("refs/heads/").lower()
        for ref in run_git(repo.git, ["for-each-ref", "--format=%(refname)", "refs/heads/"]).split()
    ]
    if BRANCH_PREFIX.rstrip("/") in taken:
        raise VcsError(
            f"a branch named {BRANCH_PREFIX.rstrip('/')} exists, so pytest-trace cannot "
            f"create {BRANCH_PREFIX}... branches; rename it first"
        )
    for number in range(1, 10_000):
        name = base if number == 1 else f"{base}-{number}"
        key = name.lower()
        if not any(ref == key or ref.startswith(key + "/") for ref in taken):
            return name
    raise VcsError(f"too many {base} branches; delete some of them")


def set_branch(repo: git.Repo, name: str, sha: str) -> None:
    """Create ``refs/heads/<name>`` at ``sha``, or move it there.

    Refuses (:class:`VcsError`) a name that is not a valid branch name and a branch
    checked out in the working tree or in any other worktree of the repository.
    """
    ref = f"refs/heads/{name}"
    if execute_git(repo.git, ["check-ref-format", ref])[0] != 0 or name.startswith("-"):
        raise VcsError(f"{name!r} is not a valid branch name")
    listing = run_git(repo.git, ["worktree", "list", "--porcelain"])
    worktree = ""
    for line in listing.splitlines():
        if line.startswith("worktree "):
            worktree = line.removeprefix("worktree ")
        elif line == f"branch {ref}":
            raise VcsError(
                f"pytest-trace will not move branch {name}: it is checked out in {worktree}"
            )
    commit = run_git(repo.git, ["rev-parse", "--verify", f"{sha}^{{commit}}"])
    run_git(repo.git, ["update-ref", "-m", "pytest-trace: fix", ref, commit])


def run(repo: git.Repo, args: Sequence[str]) -> str:
    """``git <args>`` in ``repo``: its output, or :class:`VcsError` with git's message."""
    return run_git(repo.git, args)


def execute(repo: git.Repo, args: Sequence[str]) -> tuple[int, str, str]:
    """``git <args>`` in ``repo``: exit status, output and error output."""
    return execute_git(repo.git, args)


def resolve(repo: git.Repo, revision: str) -> str | None:
    """The object id ``revision`` names, or None when it names nothing."""
    status, out, _ = execute_git(repo.git, ["rev-parse", "--verify", "--quiet", revision])
    return out if status == 0 and out else None


def set_ref(repo: git.Repo, ref: str, sha: str) -> None:
    """Create or move ``ref`` (a full name under ``refs/``) to ``sha``."""
    run_git(repo.git, ["update-ref", "-m", "pytest-trace", ref, sha])


def delete_refs(repo: git.Repo, refs: Sequence[str]) -> None:
    """Delete ``refs`` (full names) in one transaction; missing ones are ignored."""
    existing = [ref for ref in refs if resolve(repo, ref) is not None]
    if existing:
        commands = "".join(f"delete {ref}\n" for ref in existing)
        run_with_input(repo, ["update-ref", "--stdin"], commands)


# --- commits and names --------------------------------------------------------------------------


def _commit_tree(
    repo: git.Repo, tree: str, parent: str | None, message: str, who: Identity | Signature
) -> str:
    signature = who if isinstance(who, Signature) else Signature(who, who)
    env = {
        "GIT_AUTHOR_NAME": signature.author.name,
        "GIT_AUTHOR_EMAIL": signature.author.email,
        "GIT_COMMITTER_NAME": signature.committer.name,
        "GIT_COMMITTER_EMAIL": signature.committer.email,
    }
    parents = [] if parent is None else ["-p", parent]
    args = ["commit-tree", tree, *parents, "--no-gpg-sign", "-F", "-"]
    # The message goes through stdin (an argument cannot hold a NUL, and has a size
    # limit), cleaned of what a commit message should not hold.
    result = subprocess.run(
        [git.Git.GIT_PYTHON_GIT_EXECUTABLE or "git", *args],
        cwd=repo.working_dir,
        input=printable(message).encode("utf-8"),
        capture_output=True,
        env={**os.environ, **env},
        check=False,
    )
    if result.returncode != 0:
        error = result.stderr.decode("utf-8", "replace").strip()
        raise VcsError(f"`git {' '.join(args)}` failed: {error}")
    return result.stdout.decode("ascii", "replace").strip()


def _file_mode(repo: git.Repo, commit: str, path: str) -> str:
    listing = run_git(
        repo.git,
        ["ls-tree", "--full-tree", commit, "--", path],
        {"GIT_LITERAL_PATHSPECS": "1"},
    )
    if not listing:
        return "100644"
    mode, kind, _ = listing.split(maxsplit=2)
    if mode not in _REGULAR_FILE_MODES:
        what = {"120000": "a symbolic link", "160000": "a submodule"}.get(mode, f"a {kind}")
        raise VcsError(f"pytest-trace cannot write {path}: it is {what} in commit {commit}")
    return mode


def _check_path(path: str) -> None:
    parts = path.split("/")
    if (
        not path
        or path.startswith("/")
        or "\\" in path
        or any(part in ("", ".", "..") for part in parts)
        or any(part.lower() == ".git" for part in parts)
    ):
        raise VcsError(f"{path!r} is not a repository-relative POSIX path to a file")


def _sanitize(slug: str) -> str:
    text = re.sub(r"[^a-z0-9._-]+", "-", slug.lower())
    text = re.sub(r"\.{2,}", ".", text)
    text = re.sub(r"-{2,}", "-", text)[:_MAX_SLUG]
    while True:
        trimmed = text.strip(".-").removesuffix(".lock")
        if trimmed == text:
            return text or "fix"
        text = trimmed

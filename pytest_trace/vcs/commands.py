"""Running git: a command's status and output, or :class:`VcsError` with git's own
message (commands run with ``LC_ALL=C`` through GitPython's :class:`git.Git`), and the
environment that gives git a private copy of the user's index."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

import git


class VcsError(Exception):
    """A git operation pytest-trace needs is impossible; the message tells the user why."""


def execute_git(
    runner: git.Git, args: Sequence[str], env: Mapping[str, str] | None = None
) -> tuple[int, str, str]:
    """Run ``git <args>``; return the exit status, stdout and stderr (stripped)."""
    result = runner.execute(
        [git.Git.GIT_PYTHON_GIT_EXECUTABLE or "git", *args],
        with_extended_output=True,
        with_exceptions=False,
        env=env,
    )
    if not isinstance(result, tuple):  # pragma: no cover - GitPython's contract
        raise VcsError(f"unexpected output from `git {' '.join(args)}`")
    status, out, err = result
    out_text = out.decode(errors="replace") if isinstance(out, bytes) else out or ""
    return status, out_text.strip(), (err or "").strip()


def run_git(runner: git.Git, args: Sequence[str], env: Mapping[str, str] | None = None) -> str:
    """Run ``git <args>``; return stdout, or raise :class:`VcsError` with git's message."""
    status, out, err = execute_git(runner, args, env)
    if status != 0:
        where = f" in {runner.working_dir}" if runner.working_dir else ""
        raise VcsError(f"`git {' '.join(args)}` failed{where}: {err or f'exit status {status}'}")
    return out


def run_with_input(repo: git.Repo, args: Sequence[str], text: str) -> str:
    """Run ``git <args>`` with ``text`` on its standard input."""
    result = subprocess.run(
        [git.Git.GIT_PYTHON_GIT_EXECUTABLE or "git", *args],
        cwd=repo.working_dir,
        input=text,
        capture_output=True,
        text=True,
        env={**os.environ, "LC_ALL": "C"},
        check=False,
    )
    if result.returncode != 0:
        raise VcsError(f"`git {' '.join(args)}` failed: {result.stderr.strip()}")
    return result.stdout.strip()


def config_value(repo: git.Repo, key: str) -> str:
    status, out, _ = execute_git(repo.git, ["config", "--get", key])
    return out if status == 0 else ""


def private_index(repo: git.Repo, temp: Path) -> dict[str, str]:
    """An environment with ``GIT_INDEX_FILE`` set to a copy of the user's index.

    The copy keeps the index's mtime: git compares the contents of an entry whose file
    was written in the same clock tick as the index ("racily clean") only while the
    index is no newer than that, so a fresh mtime would hide such an edit.
    """
    index = temp / "index"
    env = {"GIT_INDEX_FILE": str(index), "GIT_OPTIONAL_LOCKS": "0"}
    user_index = Path(repo.working_dir) / run_git(repo.git, ["rev-parse", "--git-path", "index"])
    if user_index.is_file():
        shutil.copy2(user_index, index)
    else:
        run_git(repo.git, ["read-tree", "HEAD"], env)
    return env

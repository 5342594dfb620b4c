"""The temporary worktree where candidates are tested (with the ignored files the tests
import, and the import roots of the project in it), and the clean-up of those that a
killed run left behind.

A worktree is created detached, in a fresh temporary directory, with git hooks off,
and *locked* with the reason ``pytest-trace pid <pid>``: git leaves a locked worktree
alone (``git worktree prune`` keeps it), and the next run recognizes one whose process
is gone (killed with SIGKILL, which no ``finally`` survives) and removes it.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType, TracebackType

import git

from pytest_trace.runner.reaper import alive
from pytest_trace.trainable import iter_trainables
from pytest_trace.vcs.git import execute, run

_LOCK_REASON = "pytest-trace pid {pid}"
_LOCKED = re.compile(r"^locked pytest-trace pid (\d+)$")


class Worktree:
    """A detached worktree of ``sha`` in a fresh temporary directory, for one ``with``.

    On exit, also after an exception or a KeyboardInterrupt, the worktree is removed
    with its directory and its administrative files in ``.git/worktrees``. Git hooks
    do not run when it is created. The main working tree, index, HEAD and branches are
    not touched.
    """

    def __init__(self, repo: git.Repo, sha: str) -> None:
        self._repo = repo
        self._sha = sha
        self._temp: Path | None = None
        self._path: Path | None = None
        self._admin: Path | None = None

    @property
    def path(self) -> Path:
        """The root of the worktree (only inside the ``with`` block)."""
        if self._path is None:
            raise RuntimeError("the worktree exists only inside its `with` block")
        return self._path

    def __enter__(self) -> Worktree:
        temp = Path(tempfile.mkdtemp(prefix="pytest-trace-"))
        self._temp = temp
        try:
            hooks = temp / "no-hooks"
            hooks.mkdir()
            name = Path(self._repo.working_tree_dir or "worktree").name or "worktree"
            path = temp / name
            run(
                self._repo,
                [
                    "-c",
                    f"core.hooksPath={hooks}",
                    "worktree",
                    "add",
                    "--detach",
                    "--quiet",
                    "--lock",
                    "--reason",
                    _LOCK_REASON.format(pid=os.getpid()),
                    str(path),
                    self._sha,
                ],
            )
            self._path = path
            self._admin = _worktree_admin_dir(self._repo, path)
        except BaseException:
            self._cleanup()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._cleanup()

    def _cleanup(self) -> None:
        path, admin, temp = self._path, self._admin, self._temp
        self._path = self._admin = self._temp = None
        if path is not None:
            removed = execute(self._repo, ["worktree", "remove", "--force", "--force", str(path)])
            if removed[0] != 0:
                shutil.rmtree(path, ignore_errors=True)
                if admin is not None:
                    shutil.rmtree(admin, ignore_errors=True)
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)


def copy_ignored(files: Sequence[Path], repo_root: Path, worktree: Path) -> list[str]:
    """Copy into the worktree those of ``files`` (of the repository: the files of the
    modules the tests imported) that it lacks: files git ignores, such as a generated
    ``_version.py`` or an extension built in place. Returns their paths, relative to
    the repository; the worktree's resets keep them (``litter``)."""
    copied = []
    for path in files:
        relative = path.relative_to(repo_root)
        target = worktree / relative
        if path.is_file() and not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
            copied.append(relative.as_posix())
    return copied


def import_roots(
    imported: list[tuple[ModuleType, Path]],
    repo_root: Path,
    worktree: Path,
    patterns: tuple[str, ...] = (),
) -> list[str]:
    """Where the worker must import the project from: the worktree's copies of the
    directories the project's trainable modules were imported from here."""
    roots: list[str] = []
    for module, path in imported:
        name = module.__name__
        if not any(True for _ in iter_trainables(module, patterns)):
            continue
        if path.stem == "__init__":
            path = path.parent
        root = path.parents[len(name.split(".")) - 1]
        roots.append(str(worktree / root.relative_to(repo_root)))
    roots += [str(worktree), str(worktree / "src")]
    return list(dict.fromkeys(roots))


def _worktree_admin_dir(repo: git.Repo, path: Path) -> Path | None:
    """The ``.git/worktrees/<id>`` directory of a linked worktree, from its ``.git`` file."""
    try:
        content = (path / ".git").read_text(encoding="utf-8").strip()
    except OSError:
        return None
    admin = (path / content.removeprefix("gitdir:").strip()).resolve()
    worktrees = (Path(repo.common_dir) / "worktrees").resolve()
    return admin if content.startswith("gitdir:") and admin.parent == worktrees else None


def remove_abandoned(repo: git.Repo) -> list[Path]:
    """Remove the worktrees of pytest-trace runs whose process no longer exists (with
    their temporary directories); returns their paths."""
    status, out, _ = execute(repo, ["worktree", "list", "--porcelain"])
    if status != 0:
        return []
    removed: list[Path] = []
    for entry in out.split("\n\n"):
        lines = entry.splitlines()
        path = next((Path(line[9:]) for line in lines if line.startswith("worktree ")), None)
        pid = next((int(m.group(1)) for line in lines if (m := _LOCKED.match(line))), None)
        if path is None or pid is None or alive(pid):
            continue
        execute(repo, ["worktree", "remove", "--force", "--force", str(path)])
        if path.parent.name.startswith("pytest-trace-"):
            shutil.rmtree(path.parent, ignore_errors=True)
        removed.append(path)
    return removed

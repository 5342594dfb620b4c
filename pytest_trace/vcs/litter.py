"""Litter between candidates: the temporary worktree put back to its commit.

Whatever a candidate or its tests wrote into the worktree (the candidate's files in a
fresh-process run, files written by tests, ignored or not) goes before the next
candidate runs; only the ignored files the tests import, copied in at the start
(``keep``), stay. Forked candidates share the worktree while they run, so the fork
engine resets it after each round of them; a fresh-process run resets it before and
after (``evaluate``). Nothing here touches the user's working tree.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path


def reset_if_dirty(worktree: Path, keep: Sequence[str] = ()) -> None:
    """Reset ``worktree`` if anything changed in it, ignored files included (a cheap
    check first: one ``git status``)."""
    # Not --no-optional-locks: the worktree is ours, and letting git save the index
    # it refreshed keeps this check fast (no re-reading of racily clean files).
    status = subprocess.run(
        ["git", "status", "--porcelain", "-z", "-uall", "--ignored=matching"],
        cwd=worktree,
        check=False,
        stdin=subprocess.DEVNULL,
        capture_output=True,
    )
    kept = {f"!! {path}".encode() for path in keep}
    entries = [entry for entry in status.stdout.split(b"\0") if entry.strip()]
    if status.returncode != 0 or any(entry not in kept for entry in entries):
        reset(worktree, keep)


def reset(worktree: Path, keep: Sequence[str] = ()) -> None:
    """Put ``worktree`` back to its commit: changed and new files go, ignored ones
    too, but for ``keep`` (paths relative to the worktree)."""
    spared = [arg for path in keep for arg in ("-e", "/" + _glob_escape(path))]
    for args in (["reset", "--hard", "-q"], ["clean", "-ffdxq", *spared]):
        subprocess.run(
            ["git", *args],
            cwd=worktree,
            check=False,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )


def _glob_escape(path: str) -> str:
    """``path`` as a gitignore pattern matching just that path."""
    return "".join("\\" + c if c in "*?[]\\!# " else c for c in path)

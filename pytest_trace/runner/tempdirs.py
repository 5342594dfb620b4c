"""Temporary directories of a run, marked with their owner so that a later run can
remove those that a killed run left.

A run removes its temporary directories itself when it ends, also on Ctrl-C and
SIGTERM; a run killed with SIGKILL cannot. Each directory made here therefore holds an
owner file naming the process (its pid and, on Linux, its start time, so that a
recycled pid is not taken for the owner); :func:`remove_abandoned` removes the
directories whose owner is gone. Worktrees are handled by ``worktree`` (git must
forget them too). Nothing here needs git or pytest.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from types import TracebackType

from pytest_trace.runner.reaper import alive

PREFIX = "pytest-trace-"
OWNER_FILE = ".pytest-trace-owner"


def _start_time(pid: int) -> str:
    """When ``pid`` started, in clock ticks since boot (Linux), else ``""``."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    fields = text[text.rfind(")") + 2 :].split()
    return fields[19] if len(fields) > 19 else ""


def _owner(pid: int) -> str:
    return f"{pid} {_start_time(pid)}".strip()


def _alive(owner: str) -> bool:
    words = owner.split()
    try:
        pid = int(words[0])
    except (IndexError, ValueError):
        return True  # not ours to judge
    if not alive(pid):
        return False
    return len(words) < 2 or _start_time(pid) in ("", words[1])


class OwnedTempDir:
    """A fresh temporary directory ``pytest-trace-<kind>-*`` owned by this process;
    removed by :meth:`cleanup` (or at the end of a ``with`` block)."""

    def __init__(self, kind: str) -> None:
        self.path = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{kind}-"))
        (self.path / OWNER_FILE).write_text(_owner(os.getpid()))

    @property
    def name(self) -> str:
        return str(self.path)

    def cleanup(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)

    def __enter__(self) -> Path:
        return self.path

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.cleanup()


def remove_abandoned(directory: Path | None = None) -> list[Path]:
    """Remove the owned temporary directories whose owner no longer runs; returns them."""
    root = Path(directory or tempfile.gettempdir())
    removed = []
    with contextlib.suppress(OSError):
        for path in root.glob(f"{PREFIX}*"):
            try:
                owner = (path / OWNER_FILE).read_text()
            except OSError:
                continue  # not made here (a worktree's directory, say), or not ours
            if not _alive(owner):
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path)
    return removed

"""Temporary directories of a run (``runner.tempdirs``), in process: each holds its owner,
and a later run removes those whose owner is gone, and only those."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from pytest_trace.runner.tempdirs import OWNER_FILE, OwnedTempDir, remove_abandoned


@pytest.fixture
def temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def dead_pid() -> int:
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout)


def left(temp: Path, name: str, owner: str | None) -> Path:
    path = temp / name
    path.mkdir()
    (path / "server.log").write_text("")
    if owner is not None:
        (path / OWNER_FILE).write_text(owner)
    return path


def test_a_directory_is_owned_by_this_process_and_removed_when_done(temp):
    with OwnedTempDir("engine") as path:
        assert path.parent == temp and path.name.startswith("pytest-trace-engine-")
        assert (path / OWNER_FILE).read_text().split()[0] == str(os.getpid())
        assert remove_abandoned() == []  # its owner runs
    assert not path.exists()


def test_only_the_directories_of_gone_owners_are_removed(temp):
    pid = dead_pid()
    killed = left(temp, "pytest-trace-engine-killed", f"{pid}")
    mine = OwnedTempDir("run")
    # a recycled pid: the process runs, but it started later than the owner did
    recycled = left(temp, "pytest-trace-run-recycled", f"{os.getpid()} 1")
    unowned = left(temp, "pytest-trace-worktree-x", None)  # a worktree's: not ours
    unreadable = left(temp, "pytest-trace-run-odd", "not a pid")
    other = left(temp, "someone-else", f"{pid}")

    removed = remove_abandoned()

    expected = [killed] + ([recycled] if Path("/proc/self/stat").exists() else [])
    assert sorted(removed) == sorted(expected)
    assert not killed.exists()
    assert all(p.exists() for p in (mine.path, unowned, unreadable, other))
    mine.cleanup()

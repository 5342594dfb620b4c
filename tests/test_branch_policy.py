"""The branch policy of a re-run (``vcs.branch_policy.settle_branch``), in process on a real
git repository: which fix the branch keeps, the note that says so, and the record of every
run's candidates written beside it."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import git as gitpython
import pytest

from pytest_trace.vcs import fixes
from pytest_trace.vcs import git as vcs
from pytest_trace.vcs.branch_policy import settle_branch
from pytest_trace.vcs.record import CandidateRecord, FixRecord

BRANCH = "trace-fix/apply_discount"
TESTS = ["test_a", "test_b", "test_c"]
WHO = vcs.Identity("Test Author", "author@example.com")


def sh(path: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=path, check=True, capture_output=True, text=True
    ).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[gitpython.Repo]:
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    path = tmp_path / "project"
    path.mkdir()
    sh(path, "init", "-q", "-b", "main")
    (path / "cart.py").write_text("def apply(p):\n    return p\n")
    sh(path, "add", "-A")
    sh(path, "-c", "user.name=A", "-c", "user.email=a@x", "commit", "-qm", "first")
    with gitpython.Repo(path) as opened:
        yield opened


def fix_commit(repo: gitpython.Repo, body: str) -> str:
    return vcs.commit_files(repo, "HEAD", {"cart.py": body}, "fix\n", WHO)


def fix_record(
    commit: str | None, passing: int, status: str, *updates: str, branch: str | None = None
) -> FixRecord:
    return FixRecord(
        id="apply-0123456789ab",
        base="base",
        head="head",
        includes_uncommitted=False,
        tests=TESTS,
        parameters=["cart.apply"],
        status=status,
        passing=TESTS[:passing],
        branch=branch,
        commit=commit,
        candidates=[
            CandidateRecord(number, 1, "accepted", passing, {"cart.apply": text})
            for number, text in enumerate(updates, 1)
        ],
    )


def earlier(repo: gitpython.Repo, body: str, passing: int, status: str) -> FixRecord:
    """The record of the run before, whose fix is on BRANCH."""
    commit = fix_commit(repo, body)
    vcs.set_branch(repo, BRANCH, commit)
    return fix_record(commit, passing, status, "first 1", "first 2", branch=BRANCH)


def tip(repo: gitpython.Repo) -> str:
    return vcs.run(repo, ["rev-parse", BRANCH])


def stored(repo: gitpython.Repo) -> FixRecord:
    found = fixes.read_record(repo, "refs/trace/apply-0123456789ab")
    assert found is not None
    return found


def test_a_better_fix_moves_the_branch_and_the_record_holds_both_runs(repo):
    previous = earlier(repo, "def apply(p):\n    return p * 2\n", 2, "partial")
    new = fix_record(fix_commit(repo, "def apply(p):\n    return p * 3\n"), 3, "fixed", "second")

    kept, note = settle_branch(repo, WHO, BRANCH, previous, new)

    assert note == f"updated {BRANCH}, which held an earlier fix of the same failure"
    assert tip(repo) == new.commit
    assert (kept.commit, kept.branch, kept.status) == (new.commit, BRANCH, "fixed")
    assert [(c.number, c.run, c.updates["cart.apply"]) for c in kept.candidates] == [
        (1, 1, "first 1"),
        (2, 1, "first 2"),
        (3, 2, "second"),
    ]
    assert stored(repo) == kept


def test_a_run_that_makes_fewer_tests_pass_keeps_the_branch(repo):
    previous = earlier(repo, "def apply(p):\n    return p * 2\n", 2, "partial")
    before = tip(repo)
    new = fix_record(fix_commit(repo, "def apply(p):\n    return 0\n"), 1, "partial", "worse")

    kept, note = settle_branch(repo, WHO, BRANCH, previous, new)

    assert note == f"kept {BRANCH}: an earlier run's fix makes 2 of 3 tests pass, this run's 1"
    assert tip(repo) == before
    assert (kept.commit, kept.branch, kept.passing) == (previous.commit, BRANCH, TESTS[:2])
    # the candidates of the run whose fix was not kept are in the record all the same
    assert [(c.number, c.run) for c in kept.candidates] == [(1, 1), (2, 1), (3, 2)]
    assert stored(repo) == kept


def test_as_many_tests_passing_keeps_a_fixed_branch_over_a_plausible_fix(repo):
    previous = earlier(repo, "def apply(p):\n    return p * 2\n", 3, "fixed")
    before = tip(repo)
    new = fix_record(fix_commit(repo, "def apply(p):\n    return p + p\n"), 3, "plausible", "x")

    _, note = settle_branch(repo, WHO, BRANCH, previous, new)

    assert note == f"kept {BRANCH}: an earlier run's fix is fixed, this run's plausible"
    assert tip(repo) == before


def test_as_many_tests_passing_moves_a_plausible_branch_to_a_fixed_fix(repo):
    previous = earlier(repo, "def apply(p):\n    return p * 2\n", 3, "plausible")
    new = fix_record(fix_commit(repo, "def apply(p):\n    return p + p\n"), 3, "fixed", "x")

    _, note = settle_branch(repo, WHO, BRANCH, previous, new)

    assert note.startswith(f"updated {BRANCH}")
    assert tip(repo) == new.commit


def test_the_same_fix_again_leaves_the_branch_unchanged(repo):
    body = "def apply(p):\n    return p * 2\n"
    previous = earlier(repo, body, 3, "fixed")
    before = tip(repo)
    # a new commit (another message, another time) with the same tree
    new_commit = vcs.commit_files(repo, "HEAD", {"cart.py": body}, "again\n", WHO)
    assert new_commit != before
    new = fix_record(new_commit, 3, "fixed", "same")

    kept, note = settle_branch(repo, WHO, BRANCH, previous, new)

    assert note == f"unchanged: {BRANCH} already holds this fix"
    assert tip(repo) == before
    assert kept.commit == before
    assert len(stored(repo).candidates) == 3


def test_a_run_without_a_fix_keeps_the_earlier_one(repo):
    previous = earlier(repo, "def apply(p):\n    return p * 2\n", 1, "partial")
    before = tip(repo)
    new = replace(fix_record(None, 0, "unfixed", "nothing"), passing=[])

    kept, note = settle_branch(repo, WHO, BRANCH, previous, new)

    assert note == f"kept {BRANCH}, the fix of an earlier run on the same code"
    assert tip(repo) == before
    assert kept.status == "partial"
    assert [c.run for c in stored(repo).candidates] == [1, 1, 2]


def test_a_third_run_numbers_its_candidates_after_both_earlier_runs(repo):
    previous = earlier(repo, "def apply(p):\n    return p * 2\n", 1, "partial")
    second = fix_record(fix_commit(repo, "def apply(p):\n    return 0\n"), 0, "unfixed", "w")
    kept, _ = settle_branch(repo, WHO, BRANCH, previous, second)
    third = fix_record(fix_commit(repo, "def apply(p):\n    return p * 3\n"), 3, "fixed", "f")

    final, note = settle_branch(repo, WHO, BRANCH, kept, third)

    assert note.startswith(f"updated {BRANCH}")
    assert [(c.number, c.run, c.updates["cart.apply"]) for c in final.candidates] == [
        (1, 1, "first 1"),
        (2, 1, "first 2"),
        (3, 2, "w"),
        (4, 3, "f"),
    ]

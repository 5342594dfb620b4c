"""``pytest-trace``: list, show, apply, drop, prune on real git repositories.

Fix branches are made here the way the session makes them (commit messages from
``repair.commit_message``, commits from ``vcs.commit_files``, records from
``fixes.write_record``), without running an optimization.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pytest_trace import cli
from pytest_trace.model import TokenUsage
from pytest_trace.vcs import fixes, review
from pytest_trace.vcs.git import Base, Identity, commit_files, open_repo, set_branch
from pytest_trace.vcs.messages import CommitFacts, commit_message
from pytest_trace.vcs.record import CandidateRecord, FixRecord, IterationScore

BUGGY = "def f(x):\n    return x + 1\n"
FIXED = "def f(x):\n    return x + 2\n"
TESTS = ["tests/test_m.py::test_f", "tests/test_m.py::test_g"]
DAY = 86400


def git(cwd: Path, *args: str, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        ["git", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
    )
    assert result.returncode == 0, f"git {' '.join(args)}: {result.stderr}"
    return result.stdout.strip()


@pytest.fixture(autouse=True)
def isolated_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "gitconfig").write_text("[user]\n\tname = Rev Iewer\n\temail = rev@example.com\n")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = tmp_path / "project"
    (path / "m").mkdir(parents=True)
    (path / "m" / "__init__.py").write_text(BUGGY)
    (path / "README.md").write_text("project\n")
    git(path, "init", "-q", "-b", "main")
    git(path, "add", "-A")
    git(path, "commit", "-qm", "first")
    return path


def make_fix(
    path: Path,
    name: str = "f",
    *,
    text: str = FIXED,
    passing: list[str] = TESTS,
    age: float = 0.0,
    base_rev: str = "HEAD",
    record: bool = True,
) -> str:
    """A fix branch trace-fix/<name> on ``base_rev``, as the session makes it."""
    with open_repo(path) as repo:
        head = git(path, "rev-parse", base_rev)
        base = Base(sha=head, head_sha=head, includes_uncommitted=False)
        message = commit_message(
            CommitFacts(
                changed=["m.f"],
                tests=TESTS,
                passing=passing,
                regression_run=3,
                iteration=2,
                candidates=2,
                optimizer="optoprime",
                model="gpt-4o-mini",
                tokens=TokenUsage(100, 20),
                base=base,
                reasoning="f adds 1 instead of 2",
                record=f"{name}-rec",
            )
        )
        stamp = f"{int(time.time() - age)} +0000"
        os.environ["GIT_COMMITTER_DATE"] = os.environ["GIT_AUTHOR_DATE"] = stamp
        try:
            sha = commit_files(repo, head, {"m/__init__.py": text}, message, Identity("T", "t@x"))
        finally:
            del os.environ["GIT_COMMITTER_DATE"], os.environ["GIT_AUTHOR_DATE"]
        set_branch(repo, f"trace-fix/{name}", sha)
        if record:
            fixes.write_record(
                repo,
                FixRecord(
                    id=f"{name}-rec",
                    base=head,
                    head=head,
                    includes_uncommitted=False,
                    tests=TESTS,
                    parameters=["m.f"],
                    status="fixed" if passing == TESTS else "partial",
                    passing=passing,
                    changed=["m.f"],
                    branch=f"trace-fix/{name}",
                    commit=sha,
                    path=[sha],
                    rationale="f adds 1 instead of 2",
                    optimizer="optoprime",
                    iterations=2,
                    candidate_count=2,
                    trajectory=[IterationScore(1, 1, 0, 0), IterationScore(2, 1, 2, 2)],
                    candidates=[
                        CandidateRecord(1, 1, "worse", 0, {"m.f": BUGGY}, "try 0", "still 1"),
                        CandidateRecord(2, 2, "fixed", 2, {"m.f": FIXED}, "add 2", "", sha),
                    ],
                    graph="graph TD\n  test_f --> m.f",
                ),
                Identity("T", "t@x"),
            )
    return sha


def run(path: Path, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stderr
    sys.stderr = err
    try:
        status = cli.main(["-C", str(path), *args], out=out)
    finally:
        sys.stderr = saved
    return status, out.getvalue(), err.getvalue()


def state(path: Path) -> tuple[str, ...]:
    return (
        git(path, "rev-parse", "HEAD"),
        git(path, "status", "--porcelain=v1", "-uall"),
        (path / "m" / "__init__.py").read_text(),
        git(path, "for-each-ref"),
    )


# --- list ---------------------------------------------------------------------------------


def test_list_shows_status_age_tests_parameters_and_base(repo: Path) -> None:
    make_fix(repo, "f", age=3 * DAY)
    make_fix(repo, "g", passing=TESTS[:1], record=False)
    status, out, _ = run(repo, "list")
    assert status == 0
    lines = out.splitlines()
    assert lines[0].split() == ["BRANCH", "STATUS", "AGE", "TESTS", "PARAMETERS", "BASE"]
    head = git(repo, "rev-parse", "HEAD")[:10]
    assert lines[1].split() == [
        "trace-fix/f",
        "fixed",
        "3",
        "days",
        "2/2",
        "fixed",
        "m.f",
        head,
        "(ancestor)",
    ]
    assert lines[2].split()[:5] == ["trace-fix/g", "partial", "just", "now", "1/2"]
    # The base stops being an ancestor once the current branch no longer has it.
    git(repo, "checkout", "-q", "--orphan", "other")
    git(repo, "commit", "-qm", "unrelated")
    assert "(NOT an ancestor)" in run(repo, "list")[1]


def test_list_without_fix_branches(repo: Path) -> None:
    assert run(repo, "list") == (
        0,
        "no fix branches (`pytest --trace-optimize` makes them when tests fail)\n",
        "",
    )


# --- show ---------------------------------------------------------------------------------


def test_show_prints_the_fix(repo: Path) -> None:
    make_fix(repo, "f")
    status, out, _ = run(repo, "show", "f")
    assert status == 0
    assert out.startswith("branch trace-fix/f: fixed\n")
    for expected in [
        "optimizer optoprime; 2 iteration(s), 2 candidate(s) tested; tokens 0 prompt + 0 "
        "completion",
        "record refs/trace/f-rec",
        f"  PASS {TESTS[0]}",
        "Rationale:\n  f adds 1 instead of 2",
        "Trajectory (failing tests passing, of 2):\n  iteration 1: best 0",
        "  iteration 2: best 2 (1 candidate(s) tested, the best of them 2)",
        "Rejected candidates (1; `show --candidates` for all):\n  #1 (iteration 1) worse",
        "Trace graph (Mermaid):\n```mermaid\ngraph TD\n  test_f --> m.f\n```",
        "-    return x + 1\n+    return x + 2",
    ]:
        assert expected in out
    status, out, _ = run(repo, "show", "trace-fix/f", "--candidates")
    assert status == 0
    assert "  #1 (iteration 1) worse, 0 passing\n    reasoning: try 0\n" in out
    assert "    feedback:\n      still 1\n" in out


def test_show_without_a_record_still_shows_the_tests_and_diff(repo: Path) -> None:
    make_fix(repo, "f", passing=TESTS[:1], record=False)
    status, out, _ = run(repo, "show", "f")
    assert status == 0
    assert "branch trace-fix/f: partial\n" in out
    assert f"  PASS {TESTS[0]}" in out
    assert "Trajectory" not in out and "+    return x + 2" in out
    assert run(repo, "show", "f", "--candidates")[0] == 1


# --- apply --------------------------------------------------------------------------------


def test_apply_merges_the_fix(repo: Path) -> None:
    tip = make_fix(repo, "f")
    status, out, _ = run(repo, "apply", "f")
    assert (status, out) == (0, "merged trace-fix/f into main\n")
    assert (repo / "m" / "__init__.py").read_text() == FIXED
    assert git(repo, "rev-parse", "HEAD^2") == tip
    assert git(repo, "log", "-1", "--format=%s").startswith("Merge trace-fix/f: fix(f): ")
    assert run(repo, "apply", "f")[1] == "trace-fix/f is already in main: nothing to do\n"
    assert "fixed (merged)" in run(repo, "list")[1]


def test_apply_refuses_a_dirty_tree(repo: Path) -> None:
    make_fix(repo, "f")
    (repo / "README.md").write_text("edited\n")
    before = state(repo)
    status, out, err = run(repo, "apply", "f")
    assert (status, out) == (1, "")
    assert "uncommitted changes, which `apply` would mix with the fix" in err
    assert " M README.md" in err and "git stash" in err
    assert state(repo) == before


def test_apply_reports_a_conflict_and_changes_nothing(repo: Path) -> None:
    make_fix(repo, "f")
    (repo / "m" / "__init__.py").write_text("def f(x):\n    return x + 3\n")
    git(repo, "commit", "-qam", "another change")
    before = state(repo)
    status, _, err = run(repo, "apply", "f")
    assert status == 1
    assert "trace-fix/f conflicts with main in: m/__init__.py. Nothing was changed" in err
    assert state(repo) == before
    assert not (repo / ".git" / "MERGE_HEAD").exists()


def test_apply_cherry_picks_a_fix_whose_base_is_not_in_history(repo: Path) -> None:
    (repo / "README.md").write_text("work in progress\n")
    git(repo, "commit", "-qam", "wip")
    make_fix(repo, "f")
    git(repo, "reset", "-q", "--hard", "HEAD~1")  # the fix's base is gone from main
    status, out, _ = run(repo, "apply", "f")
    assert status == 0
    assert out.startswith("applied 1 commit(s) of trace-fix/f onto main (cherry-picked")
    assert (repo / "m" / "__init__.py").read_text() == FIXED
    assert (repo / "README.md").read_text() == "project\n"
    assert "(cherry picked from commit" in git(repo, "log", "-1", "--format=%B")
    assert "fixed (merged)" in run(repo, "list")[1]


# --- drop and prune -----------------------------------------------------------------------


def test_drop_deletes_the_branch_and_its_record(repo: Path) -> None:
    make_fix(repo, "f")
    make_fix(repo, "g")
    status, out, _ = run(repo, "drop", "trace-fix/f")
    assert status == 0
    assert out.startswith("dropped trace-fix/f (was ")
    assert "  deleted refs/trace/f-rec" in out
    refs = git(repo, "for-each-ref", "--format=%(refname)").split()
    assert refs == ["refs/heads/main", "refs/heads/trace-fix/g", "refs/trace/g-rec"]


def test_drop_refuses_a_checked_out_branch(repo: Path) -> None:
    make_fix(repo, "f")
    git(repo, "checkout", "-q", "trace-fix/f")
    status, _, err = run(repo, "drop", "f")
    assert status == 1
    assert "trace-fix/f is checked out; switch to another branch first" in err
    assert git(repo, "rev-parse", "--verify", "-q", "trace-fix/f")


def test_prune_merged_and_old(repo: Path) -> None:
    make_fix(repo, "merged")
    make_fix(repo, "old", text=FIXED + "# old\n", age=20 * DAY)
    make_fix(repo, "new", text=FIXED + "# new\n", age=DAY)
    run(repo, "apply", "merged")
    status, out, _ = run(repo, "prune", "--merged", "--dry-run")
    assert (status, out) == (
        0,
        "would delete trace-fix/merged\nwould delete refs/trace/merged-rec\n",
    )
    assert run(repo, "prune", "--merged")[1].splitlines() == [
        "deleted trace-fix/merged",
        "deleted refs/trace/merged-rec",
    ]
    assert run(repo, "prune", "--older-than", "14d")[1].splitlines() == [
        "deleted trace-fix/old",
        "deleted refs/trace/old-rec",
    ]
    assert run(repo, "prune", "--older-than", "2w")[1] == "nothing to prune\n"
    refs = git(repo, "for-each-ref", "--format=%(refname)", "refs/heads/trace-fix", "refs/trace")
    assert refs.split() == ["refs/heads/trace-fix/new", "refs/trace/new-rec"]


# --- errors -------------------------------------------------------------------------------


def test_a_missing_branch_is_named_with_the_ones_there_are(repo: Path) -> None:
    status, _, err = run(repo, "show", "nope")
    assert status == 1
    assert "no fix branch 'nope': there are no fix branches" in err
    make_fix(repo, "f")
    for command in ("show", "apply", "drop"):
        status, _, err = run(repo, command, "nope")
        assert status == 1
        assert err == "pytest-trace: no fix branch 'nope': the fix branches are: trace-fix/f\n"
    # Only fix branches: main is not one.
    assert run(repo, "drop", "main")[0] == 1


def test_outside_a_repository(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    status, _, err = run(plain, "list")
    assert status == 2
    assert "pytest-trace needs a git repository" in err and "is not inside one" in err


def test_usage_errors_exit_with_2(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for args in (["prune"], ["prune", "--older-than", "soon"], ["frobnicate"], []):
        with pytest.raises(SystemExit) as exit_info:
            cli.main(["-C", str(repo), *args])
        assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "prune needs --merged, --older-than AGE, or both" in err
    assert "'soon' is not an age" in err


def test_the_console_script_is_installed(repo: Path) -> None:
    make_fix(repo, "f")
    script = Path(sys.executable).with_name("pytest-trace")
    result = subprocess.run([str(script), "list"], cwd=repo, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "trace-fix/f" in result.stdout


# --- pure helpers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("14d", 14 * DAY),
        ("12h", 43200),
        ("30m", 1800),
        ("2w", 14 * DAY),
        ("90s", 90),
        ("3", 3 * DAY),
        ("1.5d", 1.5 * DAY),
    ],
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert review.parse_duration(text) == seconds


def test_format_age() -> None:
    assert [review.format_age(s) for s in (5, 60, 7200, DAY, 3 * DAY, 15 * DAY)] == [
        "just now",
        "1 minute",
        "2 hours",
        "1 day",
        "3 days",
        "2 weeks",
    ]


def test_runs_without_a_branch_are_listed_and_shown_by_id(repo: Path) -> None:
    head = git(repo, "rev-parse", "HEAD")
    unfixed = FixRecord(
        id="f-unfixed",
        base=head,
        head=head,
        includes_uncommitted=False,
        tests=TESTS,
        parameters=["m.f"],
        status="unfixed",
        optimizer="search",
        message="the search optimizer has no more candidates",
        created="2026-01-02T03:04:05Z",
        trajectory=[IterationScore(1, 1, 0, 0)],
        candidates=[CandidateRecord(1, 1, "worse", 0, {"m.f": BUGGY}, "x + 0", "no")],
    )
    with open_repo(repo) as opened:
        fixes.write_record(opened, unfixed, Identity("T", "t@x"))
    status, out, _ = run(repo, "list")
    assert status == 0
    assert out.splitlines()[-2:] == [
        "Runs without a fix branch (`pytest-trace show ID`):",
        "  f-unfixed  unfixed  2 test(s)  1 candidate(s)  2026-01-02T03:04:05Z",
    ]
    status, out, _ = run(repo, "show", "f-unfixed", "--candidates")
    assert status == 0
    assert out.startswith("record refs/trace/f-unfixed: unfixed, no branch\n")
    assert "the search optimizer has no more candidates\n" in out
    assert f"  FAIL {TESTS[0]}\n" in out
    assert "  #1 (iteration 1) worse, 0 passing: x + 0\n" in out
    assert "    feedback:\n      no\n" in out
    # Old enough: pruned with the old branches.
    assert run(repo, "prune", "--older-than", "30d")[1] == "deleted refs/trace/f-unfixed\n"


def test_prune_removes_records_whose_branch_is_gone(repo: Path) -> None:
    make_fix(repo, "f")
    make_fix(repo, "g", text=FIXED + "# g\n")
    git(repo, "branch", "-D", "trace-fix/f")
    assert "f-rec" in run(repo, "list")[1]  # listed as a run without a branch
    assert run(repo, "prune", "--merged")[1] == "deleted refs/trace/f-rec\n"
    refs = git(repo, "for-each-ref", "--format=%(refname)", "refs/trace").split()
    assert refs == ["refs/trace/g-rec"]

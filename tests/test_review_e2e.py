"""End to end: fix commits, the record of every candidate, re-runs, and ``pytest-trace``
on the branches ``pytest --trace-optimize`` makes (real git, the scripted LLM server)."""

from __future__ import annotations

import json
import subprocess
import sys
from fnmatch import fnmatch

import pytest
from conftest import Project, answer, git

SIGNATURE = "def apply_discount(price: float, percent: float) -> float:\n"
FIX = SIGNATURE + "    return price * (100 - percent) / 100\n"
WRONG = SIGNATURE + "    return price - percent\n"
HALF = SIGNATURE + (
    "    if percent == 100:\n        return price * 2\n    return price * (100 - percent) / 100\n"
)
NAME = "pricing.cart.apply_discount"
BRANCH = "trace-fix/apply_discount"


def review(project: Project, *args: str) -> subprocess.CompletedProcess[str]:
    """``pytest-trace ARGS`` in the project, through the installed console script."""
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "from pytest_trace.cli import main; raise SystemExit(main())",
            *args,
        ],
        cwd=project.path,
        capture_output=True,
        text=True,
    )


def record(project: Project, ref: str) -> dict[str, object]:
    data: dict[str, object] = json.loads(git(project.path, "show", f"{ref}:record.json"))
    return data


def tip(project: Project) -> str:
    return git(project.path, "rev-parse", BRANCH).strip()


def test_a_rerun_asks_the_llm_nothing_keeps_the_branch_and_review_applies_it(project, llm):
    server = llm([answer({NAME: FIX}, "the discount, not the price"), answer({NAME: FIX})])
    first = project.run()
    first.stdout.fnmatch_lines([f"FIXED: {NAME} (5 tests)", f"*branch {BRANCH};*"])
    sha = tip(project)
    assert len(server.requests) == 1
    before = project.state()

    again = project.run()

    again.stdout.fnmatch_lines([f"FIXED: {NAME} (5 tests)", f"  unchanged: {BRANCH} already *"])
    assert len(server.requests) == 1  # answered from .pytest_cache
    assert (project.branches(), tip(project)) == ([BRANCH], sha)
    assert project.state() == before
    assert project.report()["groups"][0]["tokens"] == {"prompt": 0, "completion": 0}

    bypass = project.run("--trace-no-cache")

    bypass.stdout.fnmatch_lines([f"  unchanged: {BRANCH} already holds this fix"])
    assert len(server.requests) == 2
    assert (project.branches(), tip(project)) == ([BRANCH], sha)

    # the branch of these runs, reviewed, applied and pruned
    listed = review(project, "list")
    assert listed.returncode == 0
    head = git(project.path, "rev-parse", "HEAD")[:10]
    row = listed.stdout.splitlines()[1].split()
    # (the age, "just now" or "1 minute", depends on the machine's speed)
    assert row[:2] + row[-5:] == [BRANCH, "fixed", "5/5", "fixed", NAME, head, "(ancestor)"]
    applied = review(project, "apply", BRANCH)
    assert (applied.returncode, applied.stdout) == (0, f"merged {BRANCH} into main\n")
    assert "return price * (100 - percent) / 100" in (project.path / "pricing/cart.py").read_text()
    assert project.pytester.runpytest_subprocess("-q").ret == pytest.ExitCode.OK

    pruned = review(project, "prune", "--merged")

    assert pruned.returncode == 0
    assert pruned.stdout.splitlines()[0] == f"deleted {BRANCH}"
    assert project.branches() == []
    assert git(project.path, "for-each-ref", "refs/trace/") == ""


def test_a_better_rerun_moves_the_branch_and_the_record_keeps_both_runs(project, llm):
    # Which fix a re-run keeps (worse, as good, plausible or fixed, no fix) is decided by
    # vcs.branch_policy, tested in process in test_branch_policy.py; this run proves the
    # record of the run before is found and the branch moved through the whole pipeline.
    server = llm([answer({NAME: HALF}, "most cases"), answer({NAME: FIX}, "all")])
    project.run("--trace-max-iterations=1").stdout.fnmatch_lines([f"PARTIAL: {NAME} (5 tests)"])
    partial = tip(project)

    better = project.run("--trace-no-cache", "--trace-max-iterations=1")

    better.stdout.fnmatch_lines(
        [f"FIXED: {NAME} (5 tests)", f"  updated {BRANCH}, which held an earlier fix*"]
    )
    assert project.branches() == [BRANCH]  # no trace-fix/apply_discount-2
    assert tip(project) != partial
    assert git(project.path, "show", f"{BRANCH}:pricing/cart.py").count("(100 - percent)") == 1
    assert len(server.requests) == 2
    # the record keeps the candidates of both runs
    [ref] = git(project.path, "for-each-ref", "--format=%(refname)", "refs/trace/").split()
    candidates = record(project, ref)["candidates"]
    assert [(c["number"], c["run"], c["updates"][NAME]) for c in candidates] == [
        (1, 1, HALF),
        (2, 2, FIX),
    ]


def test_the_commit_explains_itself_and_every_candidate_is_recorded_and_shown(
    project, llm, monkeypatch
):
    monkeypatch.setenv("GIT_COMMITTER_NAME", "CI Bot")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "ci@example.com")
    llm([answer({NAME: WRONG}, "subtract"), answer({NAME: FIX}, "keep 100 - percent percent")])

    project.run()

    head = git(project.path, "rev-parse", "HEAD").strip()
    fields = "%an <%ae>|%cn <%ce>|%s|%(trailers:key=Optimized-by,valueonly,separator=)"
    line = git(project.path, "log", "-1", f"--format={fields}", BRANCH).strip()
    assert line == (
        "Test Author <author@example.com>|CI Bot <ci@example.com>"
        "|fix(apply_discount): keep 100 - percent percent|pytest-trace 0.1.0"
    )
    body = git(project.path, "log", "-1", "--format=%b", BRANCH)
    assert "Parameters changed: pricing.cart.apply_discount\nTests passing now (5 of 5):\n" in body
    assert "Regression run: 7 tests, none newly failing\n" in body
    assert (
        "Iteration 2, 2 candidates tested so far; optimizer optoprime, model gpt-4o-mini\n" in body
    )
    assert "Tokens: 22 prompt + 14 completion\n" in body
    assert f"Base: {head} (HEAD, no uncommitted changes)\n" in body
    graph = body.split("Trace of the failing tests:\n```mermaid\n", 1)[1].split("\n```\n")[0]
    assert graph.startswith("flowchart TD") and "apply_discount(price=200, percent=10)" in graph

    [group] = project.report()["groups"]
    assert group["convergence"] == [
        {"iteration": 1, "candidates": 1, "passed": 1, "best": 0},
        {"iteration": 2, "candidates": 1, "passed": 5, "best": 5},
    ]
    ref = group["record"]
    assert ref.startswith("refs/trace/apply_discount-")
    data = record(project, ref)
    assert (data["branch"], data["commit"], data["status"]) == (BRANCH, tip(project), "fixed")
    wrong, right = data["candidates"]
    # price - percent makes test_no_discount pass, and breaks a test that passed.
    assert (wrong["verdict"], wrong["passed"]) == ("regressed", 1)
    assert (wrong["updates"], wrong["commit"]) == ({NAME: WRONG}, None)
    assert "test_full_discount_is_free[0]" in wrong["feedback"]
    assert (right["verdict"], right["commit"]) == ("fixed", tip(project))
    assert data["rationale"] == "keep 100 - percent percent"
    assert data["graph"].startswith("flowchart") and "apply_discount" in data["graph"]

    shown = review(project, "show", BRANCH)

    assert shown.returncode == 0, shown.stderr
    for expected in [
        f"branch {BRANCH}: fixed",
        "optimizer optoprime, model gpt-4o-mini; 2 iteration(s), 2 candidate(s) tested*",
        "  iteration 2: best 5 (1 candidate(s) tested, the best of them 5)",
        "  #1 (iteration 1) regressed, 1 passing: subtract",
        "+    return price * (100 - percent) / 100",
        "*flowchart*",
    ]:
        assert any(fnmatch(line, expected) for line in shown.stdout.splitlines()), expected


def test_without_an_identity_the_commit_names_the_tool(project, llm, monkeypatch, tmp_path):
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "no-gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in ("EMAIL", "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME"):
        monkeypatch.delenv(name, raising=False)
    git(project.path, "config", "--unset", "user.name")
    git(project.path, "config", "--unset", "user.email")
    llm([answer({NAME: FIX})])

    project.run()

    who = git(project.path, "log", "-1", "--format=%an <%ae>|%cn <%ce>", BRANCH).strip()
    assert who == "pytest-trace <pytest-trace@localhost>|pytest-trace <pytest-trace@localhost>"


def test_the_cache_can_be_turned_off_in_the_ini_file(project, llm):
    server = llm([answer({NAME: FIX}), answer({NAME: FIX})])
    pyproject = project.path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + "trace_no_cache = true\n")
    git(project.path, "commit", "-qam", "no cache")
    project.run()
    project.run()
    assert len(server.requests) == 2
    assert not (project.path / ".pytest_cache" / "d" / "trace-llm").exists()
    pyproject.write_text(pyproject.read_text().replace("= true", '= "maybe"'))
    bad = project.pytester.runpytest_subprocess("--trace-optimize")
    bad.stderr.fnmatch_lines(["*ini key trace_no_cache: 'maybe' is not true or false*"])

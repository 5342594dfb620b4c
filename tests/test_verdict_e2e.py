"""End to end: a fix that only copies the test's answer is labelled plausible, never FIXED;
OptoPrime is told why and its next, general answer is the fix."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import answer, commit_new_repository, git

NAME = "words.plural.plural"
MODULE = '''from pytest_trace import trainable


@trainable
def plural(count):
    """How to say ``count`` things."""
    return f"{count} things"
'''
TESTS = """from words.plural import plural


def test_many():
    assert plural(3) == "3 things"


def test_one():
    assert plural(1) == "1 thing"
"""
COPIED = (
    "def plural(count):\n"
    '    """How to say ``count`` things."""\n'
    "    if count == 1:\n"
    '        return "1 thing"\n'
    '    return f"{count} things"\n'
)
GENERAL = (
    "def plural(count):\n"
    '    """How to say ``count`` things."""\n'
    '    return f"{count} thing" + ("" if count == 1 else "s")\n'
)
REASON = "returns a literal that appears only in the test: '1 thing'"


@pytest.fixture
def words(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """A project whose failing test checks one input only, in a fresh git repository."""
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    path = pytester.path
    (path / "words").mkdir()
    (path / "words" / "__init__.py").write_text("")
    (path / "words" / "plural.py").write_text(MODULE)
    (path / "tests").mkdir()
    (path / "tests" / "test_plural.py").write_text(TESTS)
    commit_new_repository(path, "words")
    return pytester


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    report = pytester.path.parent / "report.json"
    return pytester.runpytest_subprocess(
        "--trace-optimize", f"--trace-report={report}", "-p", "no:cacheprovider", *args
    )


def review(pytester: pytest.Pytester, *args: str) -> subprocess.CompletedProcess[str]:
    """``pytest-trace ARGS`` in the project."""
    command = "from pytest_trace.cli import main; raise SystemExit(main())"
    return subprocess.run(
        [sys.executable, "-c", command, *args], cwd=pytester.path, capture_output=True, text=True
    )


def report(pytester: pytest.Pytester) -> dict[str, object]:
    import json

    data: dict[str, object] = json.loads((pytester.path.parent / "report.json").read_text())
    return data


def test_the_searchs_literal_guard_is_plausible_not_fixed(words: pytest.Pytester) -> None:
    result = run(words, "--trace-optimizer=search", "--trace-max-candidates=400")

    result.stdout.fnmatch_lines(
        [f"PLAUSIBLE: {NAME} (1 test)", "*", f"  plausible, not fixed: it {REASON}"],
    )
    assert "FIXED" not in result.stdout.str()
    [group] = report(words)["groups"]  # type: ignore[index]
    assert group["status"] == "plausible"
    assert group["verdict_reason"] == REASON
    assert group["concerns"] == [{"check": "test-literal", "reason": REASON, "blocking": True}]
    branch = group["branch"]
    assert branch == "trace-fix/plural"  # still committed, to be judged by the user
    fixed = git(words.path, "show", f"{branch}:words/plural.py")
    assert "'1 thing'" in fixed or '"1 thing"' in fixed
    message = git(words.path, "log", "-1", "--format=%B", branch)
    assert f"Verdict: plausible ({REASON})" in message
    assert "test-literal: " + REASON in message
    listed = review(words, "list").stdout
    assert f"{branch}  plausible" in listed
    shown = review(words, "show", branch).stdout.splitlines()
    assert shown[0] == f"branch {branch}: plausible"
    assert f"plausible, not fixed: it {REASON}" in shown


def test_optoprime_is_told_why_and_its_general_answer_is_the_fix(words, llm) -> None:  # type: ignore[no-untyped-def]
    server = llm(
        [
            answer({NAME: COPIED}, "return the expected text for one"),
            answer({NAME: GENERAL}, "no plural s for one thing"),
        ]
    )
    result = run(words, "--trace-optimizer=optoprime")

    result.stdout.fnmatch_lines([f"FIXED: {NAME} (1 test)"])
    [group] = report(words)["groups"]  # type: ignore[index]
    assert (group["status"], group["iterations"], group["candidates"]) == ("fixed", 2, 2)
    assert group["concerns"] == [] and group["verdict_reason"] == ""
    assert [a["chosen"] for a in group["alternatives"]] == [True, False]
    assert group["alternatives"][1]["concerns"] == [REASON]
    assert git(words.path, "show", "trace-fix/plural:words/plural.py").endswith(
        '    return f"{count} thing" + ("" if count == 1 else "s")\n'
    )
    # One commit: the plausible candidate was never put on the branch.
    assert git(words.path, "rev-list", "--count", "main..trace-fix/plural").strip() == "1"
    message = git(words.path, "log", "-1", "--format=%B", "trace-fix/plural")
    assert "Verdict: fixed" in message
    assert "Alternatives: 1 other candidate also passes the tests" in message
    second = server.requests[1]["messages"][-1]["content"]
    assert "only plausible" in second and REASON in second

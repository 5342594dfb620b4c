"""End to end: when fixes as good by every check disagree on an input the tests do not
cover, the group is only plausible and the summary prints the test that settles it."""

from __future__ import annotations

import json

import pytest
from conftest import commit_new_repository, git

MODULE = '''from pytest_trace import trainable


@trainable
def is_adult(age):
    """Whether someone of ``age`` years is an adult."""
    return age < 18
'''
TESTS = """from people.ages import is_adult


def test_nineteen():
    assert is_adult(19)


def test_seventeen():
    assert not is_adult(17)
"""


@pytest.fixture
def people(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """A comparison the tests pin down on both sides of 18, but not at 18."""
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    path = pytester.path
    (path / "people").mkdir()
    (path / "people" / "__init__.py").write_text("")
    (path / "people" / "ages.py").write_text(MODULE)
    (path / "tests").mkdir()
    (path / "tests" / "test_ages.py").write_text(TESTS)
    commit_new_repository(path, "people")
    return pytester


def test_alternatives_that_disagree_leave_a_plausible_fix_and_the_settling_test(
    people: pytest.Pytester,
) -> None:
    report = people.path.parent / "report.json"
    result = people.runpytest_subprocess(
        "--trace-optimize", f"--trace-report={report}", "-p", "no:cacheprovider"
    )

    result.stdout.fnmatch_lines(
        [
            "PLAUSIBLE: people.ages.is_adult (2 tests)",
            "*",
            "  plausible, not fixed: it disagrees with * other fixes as good on is_adult(18) "
            "(* vs *): a test that settles it: assert is_adult(18) == *",
        ]
    )
    assert "FIXED" not in result.stdout.str()
    [group] = json.loads(report.read_text())["groups"]
    assert group["status"] == "plausible"
    assert group["verdict_reason"].startswith("disagrees with ")
    assert [c["check"] for c in group["concerns"]] == ["ambiguous"]
    message = git(people.path, "log", "-1", "--format=%B", group["branch"])
    assert "Verdict: plausible (disagrees with " in message

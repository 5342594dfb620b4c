"""End to end: when fixes as good by every check disagree on an input the tests do not
cover, the group is only plausible and the summary prints the test that settles it."""

from __future__ import annotations

import json
from typing import Any

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


def replace_project(people: pytest.Pytester, module: str, source: str, tests: str) -> None:
    """``people/<module>.py`` and its tests instead of the ages, committed."""
    (people.path / "people" / f"{module}.py").write_text(source)
    (people.path / "tests" / "test_ages.py").unlink()
    (people.path / "tests" / f"test_{module}.py").write_text(tests)
    git(people.path, "add", "-A")
    git(people.path, "commit", "-qm", module)


def optimize(people: pytest.Pytester) -> tuple[pytest.RunResult, dict[str, Any]]:
    """``pytest --trace-optimize`` on the project: its output and its one group's report."""
    report = people.path.parent / "report.json"
    result = people.runpytest_subprocess(
        "--trace-optimize", f"--trace-report={report}", "-p", "no:cacheprovider"
    )
    [group] = json.loads(report.read_text())["groups"]
    return result, group


def test_alternatives_that_disagree_leave_a_plausible_fix_and_the_settling_test(
    people: pytest.Pytester,
) -> None:
    result, group = optimize(people)

    result.stdout.fnmatch_lines(
        [
            "PLAUSIBLE: people.ages.is_adult (2 tests)",
            "*",
            "  plausible, not fixed: it disagrees with * other fixes as good on is_adult(18) "
            "(* vs *): a test that settles it: assert is_adult(18) == *",
        ]
    )
    assert "FIXED" not in result.stdout.str()
    assert group["status"] == "plausible"
    assert group["verdict_reason"].startswith("disagrees with ")
    assert [c["check"] for c in group["concerns"]] == ["ambiguous"]
    message = git(people.path, "log", "-1", "--format=%B", group["branch"])
    assert "Verdict: plausible (disagrees with " in message


YEARS = '''from pytest_trace import trainable


def _pad(when, digits):
    return str(when.year).zfill(digits)


@trainable
def year_of(when, digits):
    """The year of ``when``, zero-padded to ``digits`` digits, after a "Y"."""
    return "Y" + _pad(digits, when)


@trainable
def label(when, digits):
    """The label of ``when``: its year."""
    return year_of(when, digits)
'''
YEAR_TESTS = """from datetime import date

from people.years import label


def test_four_digits():
    assert label(date(1985, 4, 12), 4) == "Y1985"


def test_three_digits():
    assert label(date(7, 1, 1), 3) == "Y007"
"""


def test_the_callee_s_own_fix_beats_undoing_its_fault_in_the_caller(
    people: pytest.Pytester,
) -> None:
    # year_of swaps the arguments of its call; label could swap its own to compensate.
    # Both edits change two tokens on lines blamed alike: the callee's ranks first, and
    # the caller's, which leaves year_of raising as it did, puts it in no doubt.
    replace_project(people, "years", YEARS, YEAR_TESTS)

    result, group = optimize(people)

    assert group["status"] == "fixed", group["verdict_reason"]
    assert group["changed"] == ["people.years.year_of"]
    assert '+    return "Y" + _pad(when, digits)' in group["diff"]
    result.stdout.fnmatch_lines(["FIXED: people.years.year_of (2 tests)"])
    callers = [a for a in group["alternatives"] if a["changed"] == ["people.years.label"]]
    assert callers and not callers[0]["chosen"]  # the caller's swap was found, not chosen


PERIODS = '''from pytest_trace import trainable


@trainable
def days(text):
    """The days of a period written "P<days>"; anything else is refused."""
    if text.endswith("P"):
        return int(text[1:])
    raise ValueError(f"not a period: {text!r}")
'''
PERIOD_TESTS = """from people.periods import days


def test_twelve_days():
    assert days("P12") == 12


def test_three_days():
    assert days("P3") == 3
"""


def test_of_fixes_that_rank_alike_the_one_that_refuses_what_the_original_refused_wins(
    people: pytest.Pytester,
) -> None:
    # "not text.endswith" and "text.startswith" both make the tests pass, one token
    # each, on the same line: they disagree on "X12", which the original refused and
    # only startswith still refuses. That one is committed, and it is in no doubt.
    replace_project(people, "periods", PERIODS, PERIOD_TESTS)

    result, group = optimize(people)

    assert group["status"] == "fixed", group["verdict_reason"]
    assert '+    if text.startswith("P"):' in group["diff"]
    result.stdout.fnmatch_lines(["FIXED: people.periods.days (2 tests)"])
    diffs = [a["diff"] for a in group["alternatives"] if not a["chosen"]]
    assert any('+    if not text.endswith("P"):' in diff for diff in diffs), diffs

"""End to end: failing tests whose parametrization ids differ between the user's run and
the worker process (as a set's order differs between processes), with ``+``, ``%`` and
``[`` in their ids, are still selected by their parameters and healed; when their
parameters cannot tell them apart either, the run says so once, without a storm of
processes."""

from __future__ import annotations

import json
from glob import escape
from pathlib import Path

import pytest
from conftest import commit_new_repository, git

from pytest_trace.runner.fresh import RunRequest, WorkerRunner

MODULE = '''from pytest_trace import trainable


class Money:
    def __init__(self, cents):
        self.cents = cents

    def __eq__(self, other):
        return isinstance(other, Money) and other.cents == self.cents

    def __hash__(self):
        return hash(self.cents)
{repr}

@trainable
def parse_amount(text):
    """The amount of ``text`` ("+1", "[3]", "4%"), in cents."""
    digits = text.strip("[]%")
    return Money(int(digits) * 10)
'''
REPR = """
    def __repr__(self):
        return f"Money({self.cents})"
"""
# pytest names the Money parameters by their position (expected0, expected1, ...). The
# cases come in another order in the worker's checkout (a git worktree: its .git is a
# file), as the elements of a set can come in another order in another process.
TESTS = """from pathlib import Path

import pytest

from money.amounts import Money, parse_amount

CASES = [("+1", Money(100)), ("-2", Money(-200)), ("[3]", Money(300)), ("4%", Money(400))]
if (Path(__file__).resolve().parent.parent / ".git").is_file():
    CASES.reverse()


@pytest.mark.parametrize("text,expected", CASES)
def test_parse(text, expected):
    assert parse_amount(text) == expected


def test_zero():
    assert parse_amount("0") == Money(0)
"""


def money_project(pytester: pytest.Pytester, *, stable_repr: bool) -> Path:
    path = pytester.path
    (path / "money").mkdir()
    (path / "money" / "__init__.py").write_text("")
    (path / "money" / "amounts.py").write_text(MODULE.format(repr=REPR if stable_repr else ""))
    (path / "tests").mkdir()
    (path / "tests" / "test_amounts.py").write_text(TESTS)
    commit_new_repository(path, "money")
    return path


@pytest.fixture(autouse=True)
def no_llm(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


def test_tests_whose_ids_differ_in_the_worker_are_selected_by_their_parameters(pytester):
    path = money_project(pytester, stable_repr=True)
    report = path.parent / "money-report.json"

    result = pytester.runpytest_subprocess("--trace-optimize", f"--trace-report={report}")

    result.stdout.fnmatch_lines(
        [
            "FIXED: money.amounts.parse_amount (4 tests)",
            escape("FAILED tests/test_amounts.py::test_parse[+1-expected0]") + "*",
            escape("FAILED tests/test_amounts.py::test_parse[[3]-expected2]") + "*",
            escape("FAILED tests/test_amounts.py::test_parse[4%-expected3]") + "*",
        ]
    )
    fixed = git(path, "show", "trace-fix/parse_amount:money/amounts.py")
    assert "int(digits) * 100" in fixed
    data = json.loads(report.read_text())
    assert data["groups"][0]["status"] == "fixed"
    assert data["unreached_tests"] == []


def test_tests_that_cannot_be_told_apart_in_the_worker_are_reported_once(pytester):
    # Without a repr, the parameters show only their address: no key can match them.
    path = money_project(pytester, stable_repr=False)
    report = path.parent / "money-report.json"

    result = pytester.runpytest_subprocess("--trace-optimize", f"--trace-report={report}")

    result.stdout.fnmatch_lines(
        [
            escape(
                "nothing to optimize: the re-run of the tests in a temporary worktree of the "
                "repository failed, 4 of the tests could not be selected in the worker "
                "process: tests/test_amounts.py::test_parse[+1-expected0]: not collected "
                "under this id in the worker process, although "
                "tests/test_amounts.py::test_parse was: its parametrization ids differ "
                "between processes"
            )
            + "*",
        ]
    )
    assert "INTERNALERROR" not in result.stdout.str()
    data = json.loads(report.read_text())
    assert data["groups"] == []
    assert data["runs"]["forked"] + data["runs"]["fresh_process"] == 1  # the recording run


def test_a_fresh_process_is_not_started_again_for_tests_no_process_could_select(pytester):
    path = money_project(pytester, stable_repr=False)
    runner = WorkerRunner(root=path, worktree=path, user_root=path)
    wanted = ("tests/test_amounts.py::test_parse[+1-expected9]",)

    first = runner.run(RunRequest(wanted))
    again = runner.run(RunRequest(wanted))

    assert first.unselected == list(wanted)
    assert "not collected under this id" in first.results[wanted[0]].feedback
    assert again.results[wanted[0]].feedback == first.results[wanted[0]].feedback
    assert runner.runs == 1
    # A run that asks for others too still runs them.
    both = runner.run(RunRequest((*wanted, "tests/test_amounts.py::test_zero")))
    assert both.passed("tests/test_amounts.py::test_zero")
    assert runner.runs == 2

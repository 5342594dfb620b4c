"""Several trainables at once: a bug upstream, seen only in a downstream result, is fixed
where it is (the `invoice` sample), by the search and by OptoPrime (scripted server)."""

from __future__ import annotations

import json

import pytest
from conftest import SAMPLES, Project, git

PARSE = "invoice.parse.parse_amount"
TOTAL = "invoice.totals.invoice_total"
BRANCH = "trace-fix/parse_amount"
FAILING = ["tests/test_totals.py::test_total", "tests/test_totals.py::test_total_with_thousands"]


@pytest.fixture
def invoice(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Project:
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    return Project(pytester, "invoice")


def _check_upstream_fix(invoice: Project) -> str:
    """The fix branch changes parse.py only; returns its commit message."""
    assert invoice.branches() == [BRANCH]
    changed = git(invoice.path, "diff", "--name-only", f"main..{BRANCH}").split()
    assert changed == ["invoice/parse.py"]
    fixed = invoice.file_on(BRANCH, "invoice/parse.py")
    assert 'return int(units or 0) * 100 + int(cents.ljust(2, "0")[:2])' in fixed
    assert (
        invoice.file_on(BRANCH, "invoice/totals.py")
        == (invoice.path / "invoice/totals.py").read_text()
    )
    message = git(invoice.path, "log", "-1", "--format=%B", BRANCH)
    assert f"Parameters changed: {PARSE}\n" in message
    assert f"Parameters unchanged: {TOTAL}\n" in message
    return message


def test_the_search_fixes_the_bug_upstream_and_the_sample_passes_on_the_branch(
    invoice: Project,
) -> None:
    before = invoice.state()

    result = invoice.run("--trace-optimizer=search", "-p", "no:cacheprovider")

    result.assert_outcomes(passed=2, failed=2)
    # 100: the number the word `cents` around the literal calls for
    result.stdout.fnmatch_lines([f"FIXED: {PARSE} (2 tests)", "  edit: usual constant"])
    assert invoice.state() == before
    message = _check_upstream_fix(invoice)
    assert message.startswith("fix(parse_amount): ")
    [group] = invoice.report()["groups"]  # type: ignore[index]
    assert sorted(group["tests"]) == FAILING
    assert group["parameters"] == [TOTAL, PARSE]  # the problem holds both
    assert group["changed"] == [PARSE]
    # The branch is a real fix: the whole suite passes on it.
    git(invoice.path, "checkout", "-q", BRANCH)
    checked = invoice.pytester.runpytest_subprocess("-p", "no:cacheprovider")
    checked.assert_outcomes(passed=4)


def test_optoprime_fixes_the_bug_upstream_after_a_downstream_attempt(
    invoice: Project, llm: object
) -> None:
    script = json.loads((SAMPLES / "scripted" / "invoice.json").read_text())
    server = llm(script)  # type: ignore[operator]

    result = invoice.run("-p", "no:cacheprovider")

    result.stdout.fnmatch_lines([f"FIXED: {PARSE} (2 tests)", "  2 iterations*"])
    _check_upstream_fix(invoice)
    first = server.requests[0]["messages"][-1]["content"]
    # Both trainables are variables of the problem, upstream and downstream.
    assert f"(code) {TOTAL}:def invoice_total(lines: list[str]) -> str:" in first
    assert f"(code) {PARSE}:def parse_amount(text: str) -> int:" in first
    assert 'assert invoice_total(["12.50", "0.75"]) == "13.25"' in first
    # The downstream attempt was tested, rolled back and explained.
    second = server.requests[1]["messages"][-1]["content"]
    assert "0 of 2 failing tests pass with it" in second
    [group] = invoice.report()["groups"]  # type: ignore[index]
    assert group["status"] == "fixed"
    assert group["changed"] == [PARSE]
    assert group["iterations"] == 2

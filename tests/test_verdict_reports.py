"""A plausible fix and a disagreement as every output shows them: the terminal summary,
the JSON and Markdown reports, the commit message read back, the record (pure)."""

from __future__ import annotations

from test_commits import facts, trailers

from pytest_trace.checks import Concern
from pytest_trace.checks.ambiguity import Disagreement
from pytest_trace.reports.markdown import to_markdown
from pytest_trace.reports.run import AlternativeReport, GroupReport, RunReport, summary_lines
from pytest_trace.reports.run import to_json as report_json
from pytest_trace.vcs.record import FixRecord, from_json, to_json
from pytest_trace.vcs.review import parse_message, record_lines

REASON = "returns a literal that appears only in the test: 'Ann and Bob'"
CONCERN = Concern("test-literal", REASON)
DISAGREEMENT = Disagreement("m.f", "f(3, [])", ("4", "5"), "assert f(3, []) == ...")
SETTLES = (
    "2 alternatives pass the tests and disagree on f(3, []): 4 vs 5 — "
    "a test that settles it: assert f(3, []) == ..."
)


def group(status: str = "plausible") -> GroupReport:
    return GroupReport(
        tests=["t::a"],
        parameters=["m.f"],
        status=status,
        branch="trace-fix/f",
        changed=["m.f"],
        passed=1,
        verdict_reason=REASON if status == "plausible" else "",
        concerns=[CONCERN] if status == "plausible" else [],
        alternatives=[
            AlternativeReport(
                ["m.f"], 3, [REASON] if status == "plausible" else [], "-a\n+b", True
            ),
            AlternativeReport(["m.f"], 5, [], "-a\n+c"),
        ],
        disagreements=[DISAGREEMENT],
    )


def test_the_summary_never_says_fixed_for_a_plausible_fix() -> None:
    lines = summary_lines(RunReport(base_commit="a" * 40, groups=[group()]))
    assert lines[0] == "PLAUSIBLE: m.f (1 test)"
    assert f"  plausible, not fixed: it {REASON}" in lines
    assert "  1 other candidate also passes the tests; the committed one ranks first" in lines
    assert f"  {SETTLES}" in lines
    assert not any("FIXED" in line for line in lines)
    fixed = summary_lines(RunReport(groups=[group("fixed")]))
    assert fixed[0] == "FIXED: m.f (1 test)"
    assert not any("plausible" in line for line in fixed)


def test_the_json_report_has_the_verdict_and_the_disagreement() -> None:
    [data] = report_json(RunReport(groups=[group()]))["groups"]
    assert (data["status"], data["verdict_reason"]) == ("plausible", REASON)
    assert data["concerns"] == [{"check": "test-literal", "reason": REASON, "blocking": True}]
    assert [a["chosen"] for a in data["alternatives"]] == [True, False]
    assert data["alternatives"][1] == {
        "changed": ["m.f"],
        "tokens": 5,
        "concerns": [],
        "diff": "-a\n+c",
        "chosen": False,
    }
    assert data["disagreements"] == [
        {
            "function": "m.f",
            "call": "f(3, [])",
            "results": ["4", "5"],
            "test": "assert f(3, []) == ...",
            "text": SETTLES,
        }
    ]


def test_the_markdown_report_shows_the_reason_the_alternatives_and_the_settling_test() -> None:
    markdown = to_markdown(RunReport(groups=[group()]))
    assert "| 🟠 plausible |" in markdown
    assert "## 1. `m.f`: 🟠 plausible" in markdown
    assert (
        "**Plausible, not fixed:** it returns a literal that appears only in the test:" in markdown
    )
    assert "### Alternatives" in markdown
    assert "1 other candidate also passes the tests" in markdown
    assert "```python\nassert f(3, []) == ...\n```" in markdown
    assert "<summary>Alternative 1: 5 tokens changed</summary>" in markdown
    assert "✅" not in markdown


def test_the_commit_message_carries_the_verdict_and_reads_back() -> None:
    message = commit_message_of(verdict="plausible", concerns=[CONCERN], alternatives=1)
    assert f"Verdict: plausible ({REASON})" in trailers(message)
    assert f"  test-literal: {REASON}" in message
    assert "Alternatives: 1 other candidate also passes the tests; this one ranks first" in message
    assert SETTLES in message
    parsed = parse_message(message)
    assert (parsed.status, parsed.reason) == ("plausible", REASON)
    fixed = parse_message(commit_message_of())
    assert (fixed.status, fixed.reason) == ("fixed", "")
    assert "Verdict: fixed\n" in trailers(commit_message_of())


def commit_message_of(**changes: object) -> str:
    from pytest_trace.vcs.messages import commit_message

    return commit_message(facts(disagreements=[DISAGREEMENT], **changes))


def test_the_record_keeps_the_verdict() -> None:
    record = FixRecord(
        id="f-0123",
        base="a" * 40,
        head="a" * 40,
        includes_uncommitted=False,
        tests=["t::a"],
        parameters=["m.f"],
        status="plausible",
        verdict_reason=REASON,
        concerns=[REASON],
        alternatives=1,
        disagreements=[SETTLES],
    )
    assert from_json(to_json(record)) == record
    lines = record_lines(record)
    assert f"plausible, not fixed: it {REASON}" in lines
    assert SETTLES in lines

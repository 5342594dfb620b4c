"""The Markdown report and the terminal summary, from hand-made run reports.

The Markdown is checked for structure the way a renderer reads it: fenced blocks closed
(with fences longer than the backticks inside), tables with one column count, balanced
``<details>``, Mermaid blocks that parse (``test_graph.parse_mermaid``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from test_graph import FEEDBACK, PARAMETERS, nested_trace, parse_mermaid

from pytest_trace.model import Step, TokenUsage
from pytest_trace.reports.markdown import MAX_DIFF_LINES, MAX_STEPS, code, text, to_markdown
from pytest_trace.reports.run import GroupReport, RunReport, summary_lines
from pytest_trace.trace.graph_formats import to_mermaid

BASE = "0123456789abcdef0123456789abcdef01234567"
DIFF = (
    "diff --git a/pricing/cart.py b/pricing/cart.py\n"
    "--- a/pricing/cart.py\n"
    "+++ b/pricing/cart.py\n"
    "@@ -1,2 +1,2 @@\n"
    " def apply_discount(price, percent):\n"
    "-    return price * percent / 100\n"
    "+    return price * (100 - percent) / 100\n"
)


def fixed_group() -> GroupReport:
    return GroupReport(
        tests=["tests/test_cart.py::test_discount", "tests/test_cart.py::test_total"],
        parameters=["pricing.cart.apply_discount"],
        status="fixed",
        branch="trace-fix/apply_discount",
        commit="c" * 40,
        iterations=2,
        candidates=3,
        seconds=1.25,
        tokens=TokenUsage(100, 20),
        changed=["pricing.cart.apply_discount"],
        passed=2,
        passed_before=0,
        feedback_before=FEEDBACK,
        feedback_after="",
        steps=[Step(1, 1, 1, 1), Step(2, 2, 2, 2)],
        diff=DIFF,
        graph=to_mermaid([nested_trace()], PARAMETERS, FEEDBACK),
    )


def run_report(*groups: GroupReport, **fields: object) -> RunReport:
    report = RunReport(
        optimizer="optoprime",
        optimizer_reason="an LLM is configured (http://127.0.0.1:1/v1)",
        model="gpt-4o-mini",
        base_commit=BASE,
        groups=list(groups),
    )
    for name, value in fields.items():
        setattr(report, name, value)
    return report


# --- a reader of the Markdown's block structure -----------------------------------------


@dataclass
class Block:
    info: str
    body: str


@dataclass
class Doc:
    fences: list[Block] = field(default_factory=list)
    tables: list[list[list[str]]] = field(default_factory=list)
    headings: list[str] = field(default_factory=list)
    prose: list[str] = field(default_factory=list)  # lines outside fences and tables


def split_row(line: str) -> list[str]:
    assert line.startswith("| ") and line.endswith(" |"), line
    cells = re.split(r"(?<!\\) \| ", line[2:-2])
    assert all(re.search(r"(?<!\\)\|", c) is None for c in cells), line  # no bare pipe
    return cells


def read(markdown: str) -> Doc:
    doc = Doc()
    lines = markdown.split("\n")
    assert markdown.endswith("\n") and not markdown.endswith("\n\n")
    index = 0
    details = 0
    while index < len(lines):
        line = lines[index]
        if m := re.fullmatch(r"(`{3,})([\w-]*)", line):
            fence, body = m[1], []
            index += 1
            # CommonMark: a closing fence is indented 0-3 spaces, at least as long
            while index < len(lines) and not re.fullmatch(rf" {{0,3}}{fence}`* *", lines[index]):
                body.append(lines[index])
                index += 1
            assert index < len(lines), f"fence {fence}{m[2]} not closed"
            doc.fences.append(Block(m[2], "\n".join(body)))
        elif line.startswith("|"):
            rows = [split_row(line)]
            while index + 1 < len(lines) and lines[index + 1].startswith("|"):
                index += 1
                rows.append(split_row(lines[index]))
            assert index == 0 or lines[index - len(rows)] == "", "a table after a blank line"
            assert all(re.fullmatch(r"-{3,}:?", c) for c in rows[1]), rows[1]
            assert {len(row) for row in rows} == {len(rows[0])}, rows
            doc.tables.append(rows)
        else:
            if line.startswith("#"):
                doc.headings.append(line)
            details += line.count("<details>") - line.count("</details>")
            assert details >= 0
            doc.prose.append(line)
        index += 1
    assert details == 0, "<details> not closed"
    return doc


# --- the Markdown report ----------------------------------------------------------------


def test_a_fixed_group_has_its_table_row_diff_feedback_convergence_and_graph():
    markdown = to_markdown(run_report(fixed_group()))
    doc = read(markdown)

    assert doc.headings == [
        "# pytest-trace report",
        "## 1. `pricing.cart.apply_discount`: ✅ fixed",
        "### The fix",
        "### Feedback",
        "### Convergence",
        "### Trace",
    ]
    summary, convergence = doc.tables
    assert summary == [
        ["#", "group", "status", "tests fixed", "branch", "iterations", "candidates", "time"],
        ["---:", "---", "---", "---:", "---", "---:", "---:", "---:"],
        [
            "1",
            "`pricing.cart.apply_discount`",
            "✅ fixed",
            "2/2",
            "`trace-fix/apply_discount`",
            "2",
            "3",
            "1.2 s",
        ],
    ]
    assert convergence[2:] == [
        ["1", "1", "1/2", "█████░░░░░ 1/2"],
        ["2", "2", "2/2", "█" * 10 + " 2/2"],
    ]
    infos = [block.info for block in doc.fences]
    assert infos == ["sh", "diff", "text", "mermaid"]
    review, diff, before, graph = doc.fences
    assert review.body == (
        "git diff 0123456789ab..trace-fix/apply_discount\n"
        "pytest-trace show trace-fix/apply_discount"
    )
    assert diff.body + "\n" == DIFF
    assert before.body == FEEDBACK.rstrip("\n")
    parsed = parse_mermaid(graph.body + "\n")
    assert parsed.nodes["t0_c3"][1].startswith("apply_discount(price=20.0, percent=200)")
    assert "After: all targeted tests pass." in doc.prose
    assert "<summary>Before: 2 failing tests</summary>" in doc.prose
    assert doc.prose[2].startswith("**1 group of failing tests: 1 fixed** · optimizer `optoprime`")
    assert "base commit `0123456789ab`" in doc.prose[2]
    assert "120" not in doc.prose[2] and "100 prompt + 20 completion tokens" in doc.prose[2]


def test_a_partial_group_shows_what_still_fails_and_an_unfixed_one_says_so():
    partial = fixed_group()
    partial.status, partial.passed = "partial", 1
    partial.feedback_after = "tests/test_cart.py::test_total failed\nassert 3 == 4"
    unfixed = GroupReport(
        tests=["t.py::u"],
        parameters=["m.f"],
        status="unfixed",
        iterations=1,
        candidates=1,
        feedback_before="t.py::u failed\nboom",
        steps=[Step(1, 1, 0, 0)],
        message="stopped after the budget of 1 candidates",
    )
    doc = read(to_markdown(run_report(partial, unfixed)))

    assert [row[2] for row in doc.tables[0][2:]] == ["🟡 partial", "❌ unfixed"]
    assert [row[4] for row in doc.tables[0][2:]] == ["`trace-fix/apply_discount`", "—"]
    assert "<summary>After: 1 failing test</summary>" in doc.prose
    after = [b for b in doc.fences if b.info == "text"]
    assert after[1].body == partial.feedback_after
    assert "After: no candidate was accepted; the feedback is unchanged." in doc.prose
    assert "stopped after the budget of 1 candidates" in doc.prose
    assert "## 2. `m.f`: ❌ unfixed" in doc.headings
    # no branch, no diff, no review commands for the unfixed group
    assert [b.info for b in doc.fences].count("sh") == 1


def test_hostile_names_and_texts_stay_in_their_cells_blocks_and_spans():
    group = fixed_group()
    group.tests = ["tests/t.py::test_x[a|b`c]", "tests/t.py::test_<script>"]
    group.changed = ["m.weird|name"]
    group.diff = DIFF + " ```\n+````python\n  ```` \n"
    group.feedback_before = "t failed\nCaptured stdout:\n```\nout\n```\n"
    group.message = "see <b>this</b> & *that* | [link](x) `tick`"
    doc = read(to_markdown(run_report(group, message="# not a heading <i>")))

    assert doc.tables[0][2][1] == "`m.weird\\|name`"
    diff = next(block for block in doc.fences if block.info == "diff")
    assert diff.body + "\n" == group.diff
    before = next(block for block in doc.fences if block.info == "text")
    assert before.body + "\n" == group.feedback_before
    assert "- ``tests/t.py::test_x[a|b`c]``" in doc.prose
    assert "- `tests/t.py::test_<script>`" in doc.prose
    assert "\\# not a heading \\<i\\>" in doc.prose
    assert "see \\<b\\>this\\</b\\> &amp; \\*that\\* \\| \\[link\\](x) \\`tick\\`" in doc.prose
    assert "## 1. `m.weird|name`: ✅ fixed" in doc.headings


def test_long_diffs_and_many_iterations_are_bounded():
    group = fixed_group()
    group.diff = "".join(f"+line {i}\n" for i in range(MAX_DIFF_LINES + 50))
    group.steps = [Step(i, 10, 0, 0) for i in range(1, 101)]
    markdown = to_markdown(run_report(group))
    doc = read(markdown)

    diff = next(block for block in doc.fences if block.info == "diff")
    assert diff.body.split("\n") == [f"+line {i}" for i in range(MAX_DIFF_LINES)]
    assert "50 more lines: see `git diff 0123456789ab..trace-fix/apply_discount`." in doc.prose
    rows = doc.tables[1][2:]
    assert len(rows) == MAX_STEPS + 1
    assert rows[MAX_STEPS // 2] == ["…", "…", "…", "…"]
    assert [rows[0][0], rows[-1][0]] == ["1", "100"]


def test_a_run_without_groups_says_why_and_lists_what_was_not_optimized():
    report = RunReport(
        message="nothing to optimize: no failing test reached a @trainable function",
        unreached=["t.py::a"],
        not_reproduced=["t.py::b"],
    )
    doc = read(to_markdown(report))
    assert doc.tables == [] and doc.fences == []
    assert "nothing to optimize: no failing test reached a @trainable function" in doc.prose
    assert "## Not optimized" in doc.headings
    assert "- `t.py::a`" in doc.prose and "- `t.py::b`" in doc.prose


@pytest.mark.parametrize(
    ("value", "expected"),
    [("plain", "`plain`"), ("a`b", "``a`b``"), ("`x`", "`` `x` ``"), ("a\nb", "`a b`")],
)
def test_code_spans_hold_any_text(value, expected):
    assert code(value) == expected


def test_text_keeps_line_breaks_as_hard_breaks():
    assert text("one *\ntwo") == "one \\*  \ntwo"


# --- the terminal summary ---------------------------------------------------------------


def test_the_summary_ends_with_the_commands_to_review_each_fix():
    second = fixed_group()
    second.branch = "trace-fix/rate"
    unfixed = GroupReport(tests=["t::u"], parameters=["m.f"], status="unfixed")
    lines = summary_lines(run_report(fixed_group(), unfixed, second))

    assert lines[-7:] == [
        "review the 2 fixes:",
        "  git diff 0123456789ab..trace-fix/apply_discount",
        "  pytest-trace show trace-fix/apply_discount",
        "  pytest-trace apply trace-fix/apply_discount  # to merge it into your branch",
        "  git diff 0123456789ab..trace-fix/rate",
        "  pytest-trace show trace-fix/rate",
        "  pytest-trace apply trace-fix/rate  # to merge it into your branch",
    ]
    assert lines[-8].startswith("optimizer optoprime (gpt-4o-mini)")


def test_without_a_fix_the_summary_has_no_review_commands():
    unfixed = GroupReport(tests=["t::u"], parameters=["m.f"], status="unfixed")
    lines = summary_lines(run_report(unfixed))
    assert lines[-1].startswith("optimizer optoprime")
    assert not any("pytest-trace show" in line for line in lines)


# --- a real Markdown and Mermaid parser, when one is installed -------------------------


def test_markdown_it_and_mermaid_read_the_report(tmp_path):
    where = os.environ.get("PYTEST_TRACE_MERMAID")
    if not where or not shutil.which("node"):
        pytest.skip("set PYTEST_TRACE_MERMAID to a directory with `npm install mermaid jsdom`")
    if not (Path(where) / "node_modules" / "markdown-it").is_dir():
        pytest.skip("markdown-it is not installed next to mermaid (`npm install markdown-it`)")
    partial = fixed_group()
    partial.status, partial.feedback_after = "partial", "x failed"
    path = tmp_path / "report.md"
    path.write_text(to_markdown(run_report(fixed_group(), partial)), encoding="utf-8")
    run = subprocess.run(
        ["node", str(Path(__file__).with_name("mermaid_check.mjs")), str(path)],
        cwd=where,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.stdout.split("\n")[0] == f"OK {path}: 3 tables, 2 mermaid diagrams", run.stdout

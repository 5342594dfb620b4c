"""End to end: the reports people read (Markdown, Graphviz files), live progress and the
summary's review commands, from real runs of pytest --trace-optimize in git repositories."""

from __future__ import annotations

import json

import pytest
from conftest import Project, answer, git
from test_e2e import FIX, NAME, SIGNATURE, WRONG
from test_graph import parse_dot, parse_mermaid
from test_report_md import read

THERMO = "thermo.convert.to_fahrenheit"
THERMO_FAILING = [
    "tests/test_convert.py::test_boiling_point",
    "tests/test_convert.py::test_freezing_point",
    "tests/test_convert.py::test_minus_forty_is_the_same_in_both_scales",
    "tests/test_convert.py::test_describe",
]


@pytest.fixture
def thermo(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Project:
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    return Project(pytester, "thermo")


def test_search_run_writes_markdown_and_graphviz_and_shows_progress(thermo):
    markdown_path = thermo.path.parent / "out" / "report.md"
    graphs = thermo.path.parent / "graphs"
    before = thermo.state()

    result = thermo.run(
        "--trace-optimizer=search",
        f"--trace-report-md={markdown_path}",
        f"--trace-graph-dot={graphs}",
        "-p",
        "no:cacheprovider",
    )

    assert thermo.state() == before
    base = git(thermo.path, "rev-parse", "HEAD").strip()
    result.stdout.fnmatch_lines(
        [
            f"pytest-trace: [[]group 1/1] to_fahrenheit: optimizing {THERMO} for 4 failing test(s)",
            "pytest-trace: [[]group 1/1] to_fahrenheit: iteration 1: * candidates "
            "(* tested in all), fixed (best 4/4 failing tests pass)",
            f"pytest-trace: wrote 1 Graphviz file(s) to {graphs} *",
        ]
    )
    # the summary ends with the commands to review the fix
    result.stdout.fnmatch_lines(
        [
            "optimizer search, because chosen with --trace-optimizer; *",
            "review the fix:",
            f"  git diff {base[:12]}..trace-fix/to_fahrenheit",
            "  pytest-trace show trace-fix/to_fahrenheit",
            "  pytest-trace apply trace-fix/to_fahrenheit  # to merge it into your branch",
            "*= short test summary info =*",
        ],
        consecutive=True,
    )

    doc = read(markdown_path.read_text(encoding="utf-8"))
    assert doc.tables[0][2] == [
        "1",
        f"`{THERMO}`",
        "✅ fixed",
        "4/4",
        "`trace-fix/to_fahrenheit`",
        doc.tables[0][2][5],
        doc.tables[0][2][6],
        doc.tables[0][2][7],
    ]
    # The search goes on for alternatives after the fix: more than one iteration.
    assert int(doc.tables[0][2][5]) >= 1
    assert int(doc.tables[0][2][6]) >= 1
    fences = {block.info: block.body for block in doc.fences}
    assert fences["diff"] + "\n" == git(thermo.path, "diff", f"{base}..trace-fix/to_fahrenheit")
    assert "+    freezing_point = 32.0" in fences["diff"]
    assert "AssertionError: assert 23.0 == 32" in fences["text"]
    assert "After: all targeted tests pass." in doc.prose
    assert doc.tables[1][2][2:] == ["4/4", "██████████ 4/4"]
    graph = parse_mermaid(fences["mermaid"] + "\n")
    assert sorted(graph.clusters.values()) == sorted(THERMO_FAILING)
    assert graph.nodes["p0"][1].startswith(THERMO)
    assert graph.nodes["t1_c0"][1] == "to_fahrenheit(celsius=0)\n→ 23.0"
    assert ("t1_c0", "feedback", "") in {(s, t, label) for s, t, _, label in graph.edges}

    [dot_file] = graphs.iterdir()
    assert dot_file.name == "group-1-to_fahrenheit.dot"
    dot = parse_dot(dot_file.read_text(encoding="utf-8"))
    assert {label for _, label, _ in dot.nodes.values()} == {
        label for _, label, _ in graph.nodes.values()
    }

    [group] = thermo.report()["groups"]
    assert (group["passed_before"], group["passed"]) == (0, 4)
    assert group["convergence"][-1]["best"] == 4
    assert group["diff"] == fences["diff"] + "\n"
    assert group["graph"] == fences["mermaid"] + "\n"


def test_quiet_runs_show_no_progress_but_the_summary(thermo):
    result = thermo.run("--trace-optimizer=search", "-q", "-p", "no:cacheprovider")

    assert "pytest-trace:" not in result.stdout.str()
    result.stdout.fnmatch_lines(
        [f"FIXED: {THERMO} (4 tests)", "review the fix:", "  pytest-trace show *"]
    )


def test_reports_written_inside_the_project_stay_out_of_the_fix(thermo):
    (thermo.path / "report.md").write_text("# left by an earlier run\n")
    (thermo.path / "graphs").mkdir()
    (thermo.path / "graphs" / "group-1-old.dot").write_text("digraph {}\n")

    result = thermo.run(
        "--trace-optimizer=search", "--trace-report-md=report.md", "--trace-graph-dot=graphs"
    )

    result.stdout.fnmatch_lines([f"FIXED: {THERMO} (4 tests)"])
    files = git(thermo.path, "ls-tree", "-r", "--name-only", "trace-fix/to_fahrenheit").split()
    assert "thermo/convert.py" in files
    assert not [name for name in files if name == "report.md" or name.startswith("graphs/")]
    assert (thermo.path / "report.md").read_text().startswith("# pytest-trace")


def test_convergence_of_an_llm_run_and_its_markdown(project, llm):
    half = SIGNATURE + (
        "    if percent == 100:\n"
        "        return price * 2\n"
        "    return price * (100 - percent) / 100\n"
    )
    llm([answer({NAME: WRONG}, "wrong"), answer({NAME: half}, "most"), answer({NAME: FIX})])
    markdown_path = project.path.parent / "report.md"

    result = project.run(f"--trace-report-md={markdown_path}")

    result.stdout.fnmatch_lines(
        [
            "pytest-trace: [[]group 1/1] apply_discount: iteration 1/10: regressed, "
            "1/5 failing tests pass (best 0/5)",
            "pytest-trace: [[]group 1/1] apply_discount: iteration 2/10: improved, "
            "3/5 failing tests pass (best 3/5)",
            "pytest-trace: [[]group 1/1] apply_discount: iteration 3/10: fixed, "
            "5/5 failing tests pass (best 5/5)",
        ]
    )
    [group] = project.report()["groups"]
    assert group["convergence"] == [
        # the wrong answer makes one test pass, but breaks another: not accepted
        {"iteration": 1, "candidates": 1, "passed": 1, "best": 0},
        {"iteration": 2, "candidates": 1, "passed": 3, "best": 3},
        {"iteration": 3, "candidates": 1, "passed": 5, "best": 5},
    ]
    assert group["feedback_after"] == ""
    assert group["feedback_before"].count(" failed\n") == 5
    doc = read(markdown_path.read_text(encoding="utf-8"))
    assert [row[2:] for row in doc.tables[1][2:]] == [
        ["1/5", "░░░░░░░░░░ 0/5"],
        ["3/5", "██████░░░░ 3/5"],
        ["5/5", "██████████ 5/5"],
    ]
    diff = next(block.body for block in doc.fences if block.info == "diff")
    # the diff covers the whole branch (two commits): base to fix
    assert "-    return price * percent / 100" in diff
    assert "+    return price * (100 - percent) / 100" in diff
    assert "price * 2" not in diff


def test_an_unfixed_group_has_no_diff_and_says_the_feedback_is_unchanged(project, llm):
    llm([answer({NAME: WRONG})], repeat_last=True)
    markdown_path = project.path.parent / "report.md"

    result = project.run("--trace-max-iterations=2", f"--trace-report-md={markdown_path}")

    result.stdout.fnmatch_lines([f"UNFIXED: {NAME} (5 tests)"])
    assert "review the fix" not in result.stdout.str()
    doc = read(markdown_path.read_text(encoding="utf-8"))
    assert doc.tables[0][2][2:5] == ["❌ unfixed", "0/5", "—"]
    assert [block.info for block in doc.fences] == ["text", "mermaid"]
    assert "After: no candidate was accepted; the feedback is unchanged." in doc.prose
    report = json.loads(project.report_path.read_text())
    assert report["groups"][0]["diff"] == ""

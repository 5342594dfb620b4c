"""The report files of a run come from one table of formats."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from types import SimpleNamespace
from typing import cast

from pytest_trace.reports.formats import FORMATS, destinations, write_reports
from pytest_trace.reports.run import GroupReport, RunReport
from pytest_trace.settings import Settings


def _settings(**where: str | None) -> Settings:
    return cast(Settings, SimpleNamespace(**where))  # the fields the formats read


def _report() -> RunReport:
    group = GroupReport(["tests/test_a.py::test_a"], ["pkg.mod.f"], "fixed")
    group.graph_dot = "digraph { a -> b }"
    report = RunReport()
    report.groups.append(group)
    return report


def test_every_format_asked_for_is_written_and_said(tmp_path: Path) -> None:
    settings = _settings(
        report=str(tmp_path / "r.json"),
        report_md=str(tmp_path / "r.md"),
        graph_dot=str(tmp_path / "dot"),
    )
    said: list[str] = []
    write_reports(_report(), settings, said.append)
    assert json.loads((tmp_path / "r.json").read_text())["groups"][0]["status"] == "fixed"
    assert (tmp_path / "r.md").read_text().startswith("# pytest-trace report")
    assert [p.read_text() for p in (tmp_path / "dot").iterdir()] == ["digraph { a -> b }"]
    assert said == [
        f"wrote 1 Graphviz file(s) to {tmp_path / 'dot'} "
        "(render one with: dot -Tsvg FILE.dot -o FILE.svg)"
    ]


def test_nothing_is_written_unless_asked(tmp_path: Path) -> None:
    assert destinations(_settings(report=None, report_md="", graph_dot=None)) == []
    assert {fmt.setting for fmt in FORMATS} <= {f.name for f in dataclasses.fields(Settings)}


def test_failing_tests_that_reached_nothing_selected_by_a_wildcard_get_a_hint() -> None:
    from pytest_trace.reports.run import summary_lines

    report = RunReport(
        selected={"semver.version:*": ["semver.version.Version.compare"]},
        unreached=["tests/test_semver.py::test_negative"],
    )
    lines = summary_lines(report)
    assert "1 failing test reached no @trainable function:" in lines
    hint = next(line for line in lines if "special method" in line)
    assert "__init__" in hint and "'package.module:Class.__init__'" in hint
    report.selected = {"semver.version:Version.compare": ["semver.version.Version.compare"]}
    assert not any("special method" in line for line in summary_lines(report))

"""The report files a run can write, in one table: a new format is one writer and one
entry of :data:`FORMATS` (and its option in ``settings``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pytest_trace.reports.run import RunReport
    from pytest_trace.settings import Settings


@dataclass(frozen=True)
class ReportFormat:
    """One kind of report file.

    ``setting`` is the :class:`~pytest_trace.settings.Settings` field that holds where it
    goes (empty: not asked for); ``write`` writes it there and returns a line for the
    user, or ``""``.
    """

    setting: str
    write: Callable[[RunReport, Path], str]


def _json(report: RunReport, path: Path) -> str:
    from pytest_trace.reports.run import write_json

    write_json(report, path)
    return ""


def _markdown(report: RunReport, path: Path) -> str:
    from pytest_trace.reports.markdown import write_markdown

    write_markdown(report, path)
    return ""


def _graphviz(report: RunReport, path: Path) -> str:
    from pytest_trace.reports.run import write_dot_files

    if not report.groups:
        return ""
    written = write_dot_files(report, path)
    return (
        f"wrote {len(written)} Graphviz file(s) to {path} "
        "(render one with: dot -Tsvg FILE.dot -o FILE.svg)"
    )


#: ``--trace-report`` (JSON), ``--trace-report-md``, ``--trace-graph-dot``.
FORMATS: tuple[ReportFormat, ...] = (
    ReportFormat("report", _json),
    ReportFormat("report_md", _markdown),
    ReportFormat("graph_dot", _graphviz),
)


def destinations(settings: Settings) -> list[tuple[ReportFormat, str]]:
    """The formats the run was asked for, with where each goes (as given)."""
    chosen = [(fmt, str(getattr(settings, fmt.setting) or "")) for fmt in FORMATS]
    return [(fmt, where) for fmt, where in chosen if where]


def write_reports(report: RunReport, settings: Settings, say: Callable[[str], None]) -> None:
    """Write every report file the run was asked for."""
    for fmt, where in destinations(settings):
        line = fmt.write(report, Path(where))
        if line:
            say(line)

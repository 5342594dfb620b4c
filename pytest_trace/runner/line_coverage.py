"""Per-test line coverage in the worker (coverage.py, one context per test), for fault
localization: which tests ran which lines of the files under repair."""

from __future__ import annotations

from typing import Any


def start_coverage(files: list[str] | tuple[str, ...]) -> Any:
    """Line coverage of ``files``, one context per test (switched by the worker)."""
    import coverage

    measurement = coverage.Coverage(data_file=None, include=list(files), config_file=False)
    measurement.start()
    return measurement


def stop_coverage(measurement: Any) -> dict[str, dict[str, list[str]]]:
    """For each measured file: line number → the tests that ran it."""
    measurement.stop()
    data = measurement.get_data()
    return {
        file: {
            str(line): [context for context in contexts if context]
            for line, contexts in data.contexts_by_lineno(file).items()
        }
        for file in data.measured_files()
    }

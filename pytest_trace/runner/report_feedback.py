"""Build a :class:`~pytest_trace.repair.feedback.Failure` from pytest's report of a test phase.

Called from a ``pytest_runtest_makereport`` hookwrapper in the worker. pytest's objects
are used by duck typing only (their types are imported for the type checker), so this
module imports nothing of pytest at run time.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_trace.repair.feedback import Failure, Frame, TestTimeout

if TYPE_CHECKING:
    import pytest
    from _pytest._code.code import TracebackEntry

#: Top-level packages whose frames are never the user's code.
_INTERNAL_PACKAGES = frozenset({"_pytest", "pytest", "pluggy", "pytest_trace"})
#: Directories holding installed, third-party code.
_INSTALLED_DIRS = frozenset({"site-packages", "dist-packages"})


def failure_from_report(
    item: pytest.Item,
    call: pytest.CallInfo[None],
    report: pytest.TestReport,
    rootdir: Path,
) -> Failure | None:
    """The failure ``report`` describes, or None when the phase passed or was skipped.

    Expected failures (xfail) are skipped, not failed, so they give None too; a strict
    xfail that passed fails with pytest's own message (``[XPASS(strict)] ...``).
    Frames are the user's code: files under ``rootdir`` that are neither installed
    packages nor pytest's, pluggy's or pytest-trace's, nor hidden with
    ``__tracebackhide__``.
    """
    if not report.failed:
        return None
    excinfo = call.excinfo
    value = None if excinfo is None else excinfo.value
    return Failure(
        nodeid=item.nodeid,
        when=report.when,
        exception="" if excinfo is None else excinfo.typename,
        message=_failure_message(value, report),
        frames=() if excinfo is None else _user_frames(excinfo, rootdir),
        stdout=report.capstdout,
        stderr=report.capstderr,
        log=report.caplog,
        timed_out=isinstance(value, TestTimeout),
        timeout_seconds=value.seconds if isinstance(value, TestTimeout) else None,
        timeout_cpu=isinstance(value, TestTimeout) and value.cpu,
    )


def _failure_message(value: BaseException | None, report: pytest.TestReport) -> str:
    """The exception's message, or pytest's text when it has none to give.

    pytest's outcome exceptions (``pytest.fail(...)``) carry their message in ``msg``;
    its other exceptions (a missing fixture, say) are explained in the report only.
    """
    if value is None:
        return _longrepr_text(report)
    if _is_internal(type(value).__module__):
        msg = getattr(value, "msg", None)
        return msg if isinstance(msg, str) and msg else _longrepr_text(report)
    return _message(value)


def _message(value: BaseException) -> str:
    """``str(value)``: for a rewritten ``assert``, pytest's explanation."""
    try:
        return str(value)
    except Exception:  # a broken __str__ must not lose the failure
        return f"<unprintable {type(value).__name__} object>"


def _longrepr_text(report: pytest.TestReport) -> str:
    """pytest's own text for a failure without an exception of the test's making.

    ``longrepr`` is a plain string for a strict xpass, a ``(path, lineno, reason)``
    tuple for a skip, else one of pytest's representations.
    """
    longrepr = report.longrepr
    if longrepr is None:
        return ""
    if isinstance(longrepr, str):
        return longrepr
    if isinstance(longrepr, tuple):
        return str(longrepr[-1])
    return report.longreprtext


def _is_internal(module: str) -> bool:
    return module.partition(".")[0] in _INTERNAL_PACKAGES


def _user_frames(excinfo: pytest.ExceptionInfo[BaseException], rootdir: Path) -> tuple[Frame, ...]:
    """The frames of the user's code in the traceback, outermost first."""
    frames = (_user_frame(entry, rootdir) for entry in excinfo.traceback)
    return tuple(frame for frame in frames if frame is not None)


def _user_frame(entry: TracebackEntry, rootdir: Path) -> Frame | None:
    """``entry`` as a :class:`Frame` if it is the user's code, else None."""
    frame = entry.frame
    if _is_internal(str(frame.f_globals.get("__name__", ""))) or _hidden(entry):
        return None
    path = _relative_path(entry.path, rootdir)
    if path is None or _INSTALLED_DIRS.intersection(path.split("/")):
        return None
    return Frame(path=path, lineno=entry.lineno + 1, function=entry.name, source=_source(entry))


def _hidden(entry: TracebackEntry) -> bool:
    """Whether the frame asks to be hidden with a true ``__tracebackhide__``."""
    frame = entry.frame
    hide = frame.f_locals.get("__tracebackhide__", frame.f_globals.get("__tracebackhide__"))
    return bool(hide) and not callable(hide)


def _relative_path(path: Path | str, rootdir: Path) -> str | None:
    """``path`` relative to ``rootdir`` in POSIX form, or None when outside it."""
    if isinstance(path, str):  # "<string>" and the like: no file
        return None
    for candidate, root in ((path, rootdir), (path.resolve(), rootdir.resolve())):
        try:
            return candidate.relative_to(root).as_posix()
        except ValueError:
            continue
    return None


def _source(entry: TracebackEntry) -> str:
    """The statement running in ``entry``, dedented; empty when there is no source."""
    try:
        return textwrap.dedent(str(entry.statement)).strip()
    except Exception:  # no source file (pytest asserts it has one), or it changed
        return ""

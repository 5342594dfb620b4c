"""SIGINT and SIGTERM during an optimization run: a clean end, and a summary that says
what was interrupted and what was kept.

While :class:`Interrupts` is active, SIGINT raises ``KeyboardInterrupt`` and SIGTERM
:class:`Interrupted` (a ``KeyboardInterrupt`` too, so pytest ends with its *interrupted*
status, 2) in the controller's main thread; the ``with`` and ``finally`` blocks of the
run then remove the temporary worktree and directories and stop the worker processes.
A second signal while that clean-up runs is ignored, so that the clean-up is not
cut short (the clean-up itself is bounded: worker processes get a few seconds before
SIGKILL). Nothing here knows about pytest or git.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from types import FrameType, TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pytest_trace.reports.run import RunReport

SIGNALS = (signal.SIGINT, signal.SIGTERM)
#: The phase before the optimization: the user's own tests, in this process.
TEST_RUN = "the test run"


class Interrupted(KeyboardInterrupt):
    """The run got SIGINT or SIGTERM."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(f"pytest-trace was interrupted by {signal_name(signum)}")


def signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


class Interrupts:
    """Turns SIGINT and SIGTERM into :class:`Interrupted` inside a ``with`` block (in the
    main thread; elsewhere it does nothing) and remembers what the run was doing."""

    def __init__(self) -> None:
        #: What the run is doing, for the summary: "during <phase>".
        self.phase = TEST_RUN
        self.signum = 0
        self._previous: dict[int, Any] = {}

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.signum and self.phase != TEST_RUN:
            return  # already ending: let the clean-up finish
        self.signum = signum
        if signum == signal.SIGINT:
            raise KeyboardInterrupt  # as Python's own handler does: pytest reports it as such
        raise Interrupted(signum)

    def __enter__(self) -> Interrupts:
        if threading.current_thread() is threading.main_thread():
            for signum in SIGNALS:
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)
        self._previous.clear()

    def describe(self, error: BaseException, committed: Mapping[str, str] | None) -> str:
        """The summary's account of an interruption: which signal, during what, what
        was committed (``committed``: branch → "new" or "moved"; None: the optimization
        had not begun) and what was removed."""
        signum = error.signum if isinstance(error, Interrupted) else self.signum or signal.SIGINT
        if committed is None:
            return (
                f"interrupted by {signal_name(signum)} during {self.phase}: "
                "nothing was optimized or committed"
            )
        kept = (
            "; ".join(f"{branch} ({how})" for branch, how in sorted(committed.items()))
            if committed
            else "nothing"
        )
        return (
            f"interrupted by {signal_name(signum)} during {self.phase}; committed: {kept}. "
            "The temporary worktree and directories were removed and the worker processes "
            "stopped; your working tree, index and branches were not touched."
        )


@contextmanager
def accounted(
    interrupts: Interrupts, report: RunReport, branches: Callable[[], Mapping[str, str]]
) -> Iterator[None]:
    """On an interruption inside the block, ``report.message`` says what happened and
    which of the ``branches()`` (name → sha) were created or moved meanwhile."""
    before = branches()
    try:
        yield
    except KeyboardInterrupt as error:
        report.message = interrupts.describe(error, changed_refs(before, branches()))
        raise


def changed_refs(before: Mapping[str, str], after: Mapping[str, str]) -> dict[str, str]:
    """Branches new or moved between two listings (name → sha): name → "new"/"moved"."""
    return {
        name: "new" if name not in before else "moved"
        for name, sha in after.items()
        if before.get(name) != sha
    }

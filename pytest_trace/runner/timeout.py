"""A per-test time limit, so that a hanging test cannot hang an optimization run.

Under ``--trace-optimize`` (and in the worker processes that test candidates) the
setup and call phases of each test get ``--trace-timeout`` seconds together. On expiry
a ``SIGALRM`` handler raises :class:`~pytest_trace.repair.feedback.TestTimeout`, a
``BaseException`` so that the code under test cannot swallow it with
``except Exception``; pytest reports the test as failed and the optimizer gets
"timed out after N s" as feedback. Where ``SIGALRM`` is not available (Windows, or
a test run outside the main thread), the limit is enforced by the controller killing
the worker process instead.

A run may also bound the CPU time of a test (``cpu_seconds``: the tests that hung in the
user's run, when they are recorded and in the candidates' runs, with limits calibrated
to the other tests' durations): a
``SIGPROF`` timer (``ITIMER_PROF``) ends a busy loop after that much CPU time, however
long a busy machine makes it wait for a CPU, while the wall-clock limit still ends a test
that hangs without computing (sleeping, waiting for I/O).

Cost: one timer per test (armed when its setup starts, cleared when its call ends), and
the handler installed once (again only if a test replaced it); pytest's own work
between the two phases is never interrupted: a limit that expires there fails the call
phase before it starts.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Generator
from types import FrameType
from typing import Any

import pytest

from pytest_trace.repair.feedback import TestTimeout


class TestTimeLimit:
    """pytest plugin object: a time limit for the setup and call phases of each test."""

    __test__ = False

    def __init__(self, seconds: float, cpu_seconds: float = 0.0) -> None:
        self.seconds = seconds
        self.cpu_seconds = cpu_seconds
        self._armed = 0.0  # the limit of the running timer, 0 when none runs
        self._inside = False  # in a setup or call phase: expiry may interrupt
        #: A limit that expired between the phases: the call phase fails with it.
        self._expired: TestTimeout | None = None
        self._installed = False
        self._previous: Any = None
        self._cpu = 0.0  # the CPU limit of the running timer, 0 when none runs
        self._previous_prof: Any = None

    def _usable(self) -> bool:
        return (
            self.seconds > 0
            and hasattr(signal, "SIGALRM")
            and threading.current_thread() is threading.main_thread()
        )

    def _expire(self, signum: int, frame: FrameType | None) -> None:
        __tracebackhide__ = True  # the test's traceback ends in the test's code
        cpu = signum == getattr(signal, "SIGPROF", None)
        timeout = TestTimeout(self._cpu if cpu else self._armed, cpu=cpu)
        if self._armed and self._inside:
            raise timeout
        self._expired = timeout if self._armed else None

    def _arm(self) -> None:
        """Start the test's timers (the handlers installed, if a test replaced them too)."""
        if signal.getsignal(signal.SIGALRM) != self._expire:
            previous = signal.signal(signal.SIGALRM, self._expire)
            if not self._installed:
                self._previous, self._installed = previous, True
        self._expired = None
        self._armed = self.seconds
        signal.setitimer(signal.ITIMER_REAL, self.seconds)
        if self.cpu_seconds > 0 and hasattr(signal, "SIGPROF"):
            if signal.getsignal(signal.SIGPROF) != self._expire:
                previous = signal.signal(signal.SIGPROF, self._expire)
                if self._previous_prof is None:
                    self._previous_prof = previous
            self._cpu = self.cpu_seconds
            signal.setitimer(signal.ITIMER_PROF, self.cpu_seconds)

    def _disarm(self) -> None:
        if self._armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            self._armed = 0.0
        if self._cpu:
            signal.setitimer(signal.ITIMER_PROF, 0)
            self._cpu = 0.0
        self._expired = None

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> Generator[None, Any, Any]:
        if not self._usable():
            return (yield)
        self._arm()
        self._inside = True
        try:
            return (yield)
        except BaseException:
            self._disarm()  # no call phase follows
            raise
        finally:
            self._inside = False

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, Any, Any]:
        if not self._armed:
            return (yield)
        try:
            if self._expired is not None:
                raise self._expired
            self._inside = True
            return (yield)
        finally:
            self._inside = False
            self._disarm()

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_teardown(self, item: pytest.Item) -> None:
        """A call phase that did not run (``--setup-only``) leaves no timer behind."""
        if self._armed:
            self._disarm()

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        self._disarm()
        if self._installed and signal.getsignal(signal.SIGALRM) == self._expire:
            signal.signal(signal.SIGALRM, self._previous)
        self._installed = False
        if self._previous_prof is not None and signal.getsignal(signal.SIGPROF) == self._expire:
            signal.signal(signal.SIGPROF, self._previous_prof)
        self._previous_prof = None

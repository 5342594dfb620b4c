"""A per-test time limit, so that a hanging test cannot hang an optimization run.

Under ``--trace-optimize`` (and in the worker processes that test candidates) the
setup and call phases of each test get ``--trace-timeout`` seconds. On expiry a
``SIGALRM`` handler raises :class:`~pytest_trace.repair.feedback.TestTimeout`, a
``BaseException`` so that the code under test cannot swallow it with
``except Exception``; pytest reports the test as failed and the optimizer gets
"timed out after N s" as feedback. Where ``SIGALRM`` is not available (Windows, or
a test run outside the main thread), the limit is enforced by the controller killing
the worker process instead.
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
    """pytest plugin object: a time limit for the setup and call phase of each test."""

    __test__ = False

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def _usable(self) -> bool:
        return (
            self.seconds > 0
            and hasattr(signal, "SIGALRM")
            and threading.current_thread() is threading.main_thread()
        )

    def _limited(self) -> Generator[None, Any, Any]:
        if not self._usable():
            return (yield)
        seconds = self.seconds

        def expire(signum: int, frame: FrameType | None) -> None:
            raise TestTimeout(seconds)

        previous = signal.signal(signal.SIGALRM, expire)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            return (yield)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> Generator[None, Any, Any]:
        return (yield from self._limited())

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, Any, Any]:
        return (yield from self._limited())

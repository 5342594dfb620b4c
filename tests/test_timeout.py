"""The per-test time limit (``timeout.TestTimeLimit``), as a pytest plugin in a real run."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

CONFTEST = """
import signal

from pytest_trace.runner.timeout import TestTimeLimit

ARMED = []
_setitimer = signal.setitimer


def counting_setitimer(which, seconds, interval=0.0):
    if seconds:
        ARMED.append(seconds)
    return _setitimer(which, seconds, interval)


def pytest_configure(config):
    signal.setitimer = counting_setitimer
    config.pluginmanager.register(TestTimeLimit({limit}), "limit")


def pytest_unconfigure(config):
    signal.setitimer = _setitimer
    print("TIMERS ARMED", len(ARMED))
    print("HANDLER AFTER", signal.getsignal(signal.SIGALRM) is signal.SIG_DFL)
    print("SIGPROF AFTER", signal.getsignal(signal.SIGPROF) is signal.SIG_DFL)
"""


def run(pytester: pytest.Pytester, tests: str, limit: float | str = 0.5) -> pytest.RunResult:
    pytester.makeconftest(CONFTEST.format(limit=limit))
    pytester.makepyfile(test_limit=tests)
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", "-s")


def test_one_timer_per_test_and_the_handler_restored(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import pytest

        @pytest.fixture
        def value():
            return 1

        def test_a(value):
            assert value == 1

        def test_b():
            pass

        @pytest.mark.parametrize("n", range(5))
        def test_c(n):
            pass
        """,
    )
    result.assert_outcomes(passed=7)
    result.stdout.fnmatch_lines(["TIMERS ARMED 7", "HANDLER AFTER True"])


def test_a_hanging_call_and_a_hanging_setup_time_out(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import time
        import pytest

        @pytest.fixture
        def slow():
            time.sleep(60)

        def test_hangs():
            while True:
                pass

        def test_swallows():
            try:
                time.sleep(60)
            except Exception:
                pass

        def test_hanging_fixture(slow):
            pass

        def test_after():
            time.sleep(0.01)
        """,
        limit=0.3,
    )
    result.assert_outcomes(passed=1, failed=2, errors=1)
    result.stdout.fnmatch_lines(["*TestTimeout: test timed out after 0.3 s*"])
    result.stdout.fnmatch_lines(["*ERROR at setup of test_hanging_fixture*"])
    assert "def _expire" not in result.stdout.str()  # the traceback ends in the test's code


def test_a_test_that_replaces_the_handler_is_still_limited_next(
    pytester: pytest.Pytester,
) -> None:
    result = run(
        pytester,
        """
        import signal
        import time

        def test_replaces():
            signal.signal(signal.SIGALRM, signal.SIG_IGN)

        def test_hangs_after():
            time.sleep(60)
        """,
        limit=0.3,
    )
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*TestTimeout: test timed out after 0.3 s*"])


def test_the_limit_expiring_between_the_phases_fails_the_call(
    pytester: pytest.Pytester,
) -> None:
    # The setup uses up the limit in pytest's own code after the fixture returned (a
    # hook that runs after the setup phase): the call phase fails before it starts.
    pytester.makeconftest(
        CONFTEST.format(limit=0.3)
        + """
import time

import pytest


@pytest.hookimpl(trylast=True)
def pytest_runtest_logreport(report):
    if report.when == "setup" and "between" in report.nodeid:
        deadline = time.monotonic() + 1
        while time.monotonic() < deadline:
            pass
"""
    )
    pytester.makepyfile(
        test_limit="""
        CALLED = []

        def test_between():
            CALLED.append(1)

        def test_called_is_empty():
            assert CALLED == []
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-s")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*test_between*", "*TestTimeout: test timed out after 0.3 s*"])


def test_a_cpu_limit_ends_a_busy_loop_and_spares_a_test_that_waits(
    pytester: pytest.Pytester,
) -> None:
    result = run(
        pytester,
        """
        import signal
        import time

        def test_busy_loop():
            while True:
                pass

        def test_waits_longer_than_the_cpu_limit():
            time.sleep(0.6)

        def test_handlers_restored_after_the_run():
            assert signal.getsignal(signal.SIGPROF) is not signal.SIG_DFL  # armed now
        """,
        limit="30, cpu_seconds=0.3",
    )
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*TestTimeout: test timed out after 0.3 s of CPU time*"])
    result.stdout.fnmatch_lines(["HANDLER AFTER True", "SIGPROF AFTER True"])

"""Feedback text: rendering a Failure (pure) and building one from pytest's report."""

from __future__ import annotations

import json
import re
import signal
import textwrap
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from pytest_trace.repair.feedback import (
    Failure,
    Frame,
    TestTimeout,
    combine_feedback,
    fair_shares,
    render_feedback,
)

CART_FRAME = Frame(
    "tests/test_cart.py", 7, "test_discount", "assert apply_discount(200, 10) == 180.0"
)
PRICING_FRAME = Frame("pricing/cart.py", 12, "apply_discount", "return price * percent / 100")


def make_failure(**changes: Any) -> Failure:
    failure = Failure(
        nodeid="tests/test_cart.py::test_discount",
        when="call",
        exception="AssertionError",
        message="assert 20.0 == 180.0\n +  where 20.0 = apply_discount(200, 10)",
        frames=(CART_FRAME, PRICING_FRAME),
        stdout="computing discount\n",
        stderr="",
        log="",
    )
    return replace(failure, **changes)


def omitted_counts(text: str) -> list[int]:
    return [
        int(count.replace(",", ""))
        for count in re.findall(r"… ([\d,]+) characters omitted …", text)
    ]


# --- rendering ----------------------------------------------------------------------


def test_render_small_failure_in_full() -> None:
    assert render_feedback(make_failure()) == textwrap.dedent(
        """\
        tests/test_cart.py::test_discount failed
        AssertionError: assert 20.0 == 180.0
         +  where 20.0 = apply_discount(200, 10)
        Traceback (user code, most recent call last):
          tests/test_cart.py:7 in test_discount: assert apply_discount(200, 10) == 180.0
          pricing/cart.py:12 in apply_discount: return price * percent / 100
        Captured stdout:
        computing discount"""
    )


def test_render_all_captured_streams_and_multiline_statements() -> None:
    frame = Frame("m.py", 3, "f", "total = add(\n    1,\n    2,\n)")
    text = render_feedback(
        make_failure(frames=(frame,), stdout="out\n", stderr="err\n", log="WARNING x:m.py:3 w\n")
    )
    assert "  m.py:3 in f: total = add( 1, 2, )" in text
    assert text.endswith(
        "Captured stdout:\nout\nCaptured stderr:\nerr\nCaptured log:\nWARNING x:m.py:3 w"
    )


def test_render_leaves_out_empty_parts() -> None:
    text = render_feedback(make_failure(frames=(), stdout="  \n", exception="", message="boom"))
    assert text == "tests/test_cart.py::test_discount failed\nboom"


@pytest.mark.parametrize("when", ["setup", "teardown"])
def test_render_error_outside_the_test_says_where(when: str) -> None:
    text = render_feedback(make_failure(when=when, exception="RuntimeError", message="db down"))
    assert text.splitlines()[:2] == [
        f"error in {when} of tests/test_cart.py::test_discount",
        "RuntimeError: db down",
    ]


def test_render_timeout_names_the_limit_and_where_it_was_interrupted() -> None:
    failure = make_failure(
        nodeid="tests/x.py::t",
        exception="TestTimeout",
        message="test timed out after 2.0 s",
        frames=(Frame("tests/x.py", 4, "t", "spin()"), Frame("m.py", 9, "spin", "n += 1")),
        stdout="",
        timed_out=True,
        timeout_seconds=2.0,
    )
    assert render_feedback(failure) == textwrap.dedent(
        """\
        tests/x.py::t timed out after 2.0 s (possible infinite loop)
        Interrupted in (user code, most recent call last):
          tests/x.py:4 in t: spin()
          m.py:9 in spin: n += 1"""
    )


def test_render_timeout_in_setup_and_without_a_known_limit() -> None:
    text = render_feedback(make_failure(when="setup", timed_out=True, timeout_seconds=None))
    assert text.startswith("tests/test_cart.py::test_discount timed out in setup (possible")


def test_render_huge_message_keeps_its_start_and_end_within_the_bound() -> None:
    message = "assert 'start" + "x" * 100_000 + "end' == 'y'"
    text = render_feedback(make_failure(message=message), max_chars=4000)
    assert len(text) <= 4000
    assert "AssertionError: assert 'start" in text
    assert "end' == 'y'" in text
    [omitted] = omitted_counts(text)
    kept = text.count("x")
    assert kept + omitted == 100_000  # the marker counts exactly what was left out
    # the traceback and the output kept their place
    assert "pricing/cart.py:12 in apply_discount" in text
    assert "Captured stdout:\ncomputing discount" in text


def test_render_huge_output_keeps_its_tail() -> None:
    stdout = "".join(f"line {n}\n" for n in range(20_000))
    text = render_feedback(make_failure(stdout=stdout), max_chars=2000)
    assert len(text) <= 2000
    assert text.endswith("line 19999")
    assert "line 0\n" not in text
    assert "AssertionError: assert 20.0 == 180.0" in text  # the error is never crowded out
    assert len(omitted_counts(text)) == 1


def test_render_gives_unused_budget_to_the_parts_that_need_it() -> None:
    text = render_feedback(make_failure(stdout="o" * 10_000), max_chars=4000)
    # the short message and traceback are whole; the output gets all the rest
    assert "apply_discount(200, 10)\nTraceback" in text
    assert text.count("o") > 3000
    assert 3950 <= len(text) <= 4000


def test_render_many_frames_keeps_the_outermost_and_innermost() -> None:
    frames = tuple(Frame("m.py", n, f"f{n}", f"return f{n + 1}()") for n in range(1, 501))
    text = render_feedback(make_failure(frames=frames, exception="RecursionError"))
    assert len(text) <= 4000
    lines = text.splitlines()
    shown = [line for line in lines if line.startswith("  m.py:")]
    assert shown[0].startswith("  m.py:1 in f1:")
    assert shown[-1].startswith("  m.py:500 in f500:")
    assert shown[1].startswith("  m.py:")  # the innermost ones are contiguous
    assert [int(line.split(":")[1].split()[0]) for line in shown[1:]] == list(
        range(500 - len(shown) + 2, 501)
    )
    omitted = int(re.findall(r"… ([\d,]+) frames omitted …", text)[0])
    assert omitted + len(shown) == 500


def test_render_shortens_a_very_long_frame_line() -> None:
    frame = Frame("m.py", 1, "f", "x = " + "1 + " * 1000 + "1")
    [line] = [
        line
        for line in render_feedback(make_failure(frames=(frame,))).splitlines()
        if "m.py" in line
    ]
    assert len(line) <= 300
    assert line.endswith("characters omitted …")


@pytest.mark.parametrize("max_chars", [0, 1, 5, 20, 40, 80, 200, 1000, 4000, 10_000])
def test_render_never_exceeds_the_bound(max_chars: int) -> None:
    big = make_failure(
        nodeid="tests/t.py::test[" + "p" * 1000 + "]",
        exception="E" * 1000,
        message="m" * 50_000,
        frames=tuple(Frame("m.py", n, "f", "s" * 500) for n in range(100)),
        stdout="o" * 50_000,
        stderr="e" * 50_000,
        log="l" * 50_000,
    )
    text = render_feedback(big, max_chars=max_chars)
    assert len(text) <= max_chars
    if max_chars >= 200:
        assert text.startswith("tests/t.py::test[ppp")


# --- combining ----------------------------------------------------------------------


def test_combine_keeps_everything_that_fits() -> None:
    items = ["a.py::t1 failed\nValueError: x", "a.py::t2 failed\nKeyError: 'k'"]
    assert combine_feedback(items, max_chars=1000) == "\n\n".join(items)
    assert combine_feedback([], max_chars=1000) == ""


def test_combine_divides_the_budget_fairly() -> None:
    short = "a.py::short failed\nValueError: tiny"
    long_1 = "a.py::long1 failed\n" + "1" * 10_000
    long_2 = "a.py::long2 failed\n" + "2" * 10_000
    text = combine_feedback([long_1, short, long_2], max_chars=2000)
    assert len(text) <= 2000
    assert short in text  # a short item is kept whole
    ones, twos = text.count("1"), text.count("2")
    assert abs(ones - twos) <= 2  # the long ones share the rest equally
    assert ones > 800
    assert len(omitted_counts(text)) == 2
    headers = [line for line in text.splitlines() if line.startswith("a.py::")]
    assert headers == ["a.py::long1 failed", "a.py::short failed", "a.py::long2 failed"]


def test_combine_keeps_every_header_when_the_bodies_do_not_fit() -> None:
    items = [f"a.py::test_{n} failed\n" + "x" * 1000 for n in range(10)]
    text = combine_feedback(items, max_chars=300)
    assert len(text) <= 300
    assert [line for line in text.splitlines() if line.endswith("failed")] == [
        f"a.py::test_{n} failed" for n in range(10)
    ]


def test_combine_counts_the_tests_whose_headers_do_not_fit() -> None:
    items = [f"a.py::test_{n:02} failed\nboom" for n in range(50)]
    text = combine_feedback(items, max_chars=200)
    assert len(text) <= 200
    lines = text.splitlines()
    shown = [line for line in lines if line.endswith("failed")]
    assert shown == [f"a.py::test_{n:02} failed" for n in range(len(shown))]
    assert lines[-1] == f"… and {50 - len(shown)} more failing tests …"
    assert len(shown) >= 5


# --- the helpers ---------------------------------------------------------------------


def test_fair_shares_is_max_min_fair() -> None:
    assert fair_shares([10, 1000, 1000], 510) == [10, 250, 250]
    assert fair_shares([10, 20], 100) == [10, 20]
    assert fair_shares([0, 100], 50) == [0, 50]
    assert fair_shares([1000, 1000], 300, [2.0, 1.0]) == [200, 100]
    assert fair_shares([100], -5) == [0]


def test_timeout_is_a_base_exception_with_its_limit() -> None:
    timeout = TestTimeout(2.5)
    assert not isinstance(timeout, Exception)
    assert timeout.seconds == 2.5
    assert str(timeout) == "test timed out after 2.5 s"


# --- from pytest's report (glue) -----------------------------------------------------

CONFTEST = """
import dataclasses
import json
from pathlib import Path

import pytest

from pytest_trace.runner.report_feedback import failure_from_report
from pytest_trace.repair.feedback import render_feedback

ROOT = {root!r}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    rootdir = Path(ROOT) if ROOT else item.config.rootpath
    failure = failure_from_report(item, call, report, rootdir)
    out = item.config.rootpath / "feedback.json"
    records = json.loads(out.read_text()) if out.exists() else []
    records.append(
        {{
            "nodeid": report.nodeid,
            "when": report.when,
            "failure": None if failure is None else dataclasses.asdict(failure),
            "feedback": None if failure is None else render_feedback(failure),
        }}
    )
    out.write_text(json.dumps(records))
    return report
"""

PRICING = """
def apply_discount(price, percent):
    return price * percent / 100


def parse_price(text):
    if not text.strip():
        raise ValueError(f"empty price: {text!r}")
    return float(text)
"""


def run(
    pytester: pytest.Pytester, test_source: str, *args: str, root: str | None = None
) -> dict[str, Any]:
    """Run ``test_source`` as test_cart.py; the failing phases by test name."""
    pytester.makeconftest(CONFTEST.format(root=root))
    pytester.mkpydir("pricing")
    pytester.path.joinpath("pricing", "cart.py").write_text(PRICING)
    pytester.makepyfile(test_cart=test_source)
    pytester.runpytest_inprocess("-p", "no:cacheprovider", *args)
    records = json.loads(pytester.path.joinpath("feedback.json").read_text())
    failing = {}
    for record in records:
        assert record["nodeid"].startswith("test_cart.py::")
        if record["failure"] is not None:
            failing[record["nodeid"].split("::", 1)[1]] = record
    return failing


def frame_places(record: dict[str, Any]) -> list[str]:
    return [f"{frame['path']}:{frame['function']}" for frame in record["failure"]["frames"]]


def test_glue_rewritten_assertion_explanation(pytester: pytest.Pytester) -> None:
    failing = run(
        pytester,
        """
        from pricing.cart import apply_discount

        def test_discount():
            assert apply_discount(200, 10) == 180.0
        """,
    )
    record = failing["test_discount"]
    failure = record["failure"]
    assert failure["when"] == "call"
    assert failure["exception"] == "AssertionError"
    assert failure["message"].startswith("assert 20.0 == 180.0")
    assert "where 20.0 = apply_discount(200, 10)" in failure["message"]
    assert failure["frames"] == [
        {
            "path": "test_cart.py",
            "lineno": 4,
            "function": "test_discount",
            "source": "assert apply_discount(200, 10) == 180.0",
        }
    ]
    feedback = record["feedback"]
    assert feedback.startswith(
        "test_cart.py::test_discount failed\nAssertionError: assert 20.0 == 180.0\n"
    )
    assert "where 20.0 = apply_discount(200, 10)" in feedback
    assert "  test_cart.py:4 in test_discount: assert apply_discount(200, 10) == 180.0" in feedback


def test_glue_raised_exception_with_user_frames_only(pytester: pytest.Pytester) -> None:
    failing = run(
        pytester,
        """
        from pricing.cart import parse_price

        def test_parse():
            assert parse_price("  ") == 0.0
        """,
    )
    record = failing["test_parse"]
    assert record["failure"]["exception"] == "ValueError"
    assert record["failure"]["message"] == "empty price: '  '"
    assert frame_places(record) == ["test_cart.py:test_parse", "pricing/cart.py:parse_price"]
    feedback = record["feedback"]
    assert "ValueError: empty price: '  '" in feedback
    assert (
        '  pricing/cart.py:8 in parse_price: raise ValueError(f"empty price: {text!r}")' in feedback
    )
    for internal in ("_pytest", "pluggy", "site-packages", "pytest_trace"):
        assert internal not in feedback


def test_glue_leaves_out_installed_and_internal_code(pytester: pytest.Pytester) -> None:
    installed = pytester.mkdir("venv") / "lib" / "site-packages"
    installed.mkdir(parents=True)
    installed.joinpath("fakelib.py").write_text("def call(callback):\n    return callback()\n")
    pytester.syspathinsert(installed)
    # With "/" as the root every file is inside it: only the filters keep frames out.
    failing = run(
        pytester,
        """
        import fakelib
        from pytest_trace import trainable

        def explode():
            raise KeyError("deep")

        def test_through_a_library():
            fakelib.call(explode)

        def test_through_pytest_trace():
            trainable(42)
        """,
        root=Path(pytester.path.anchor).as_posix(),
    )
    test_dir = pytester.path.relative_to(pytester.path.anchor).as_posix()
    assert frame_places(failing["test_through_a_library"]) == [
        f"{test_dir}/test_cart.py:test_through_a_library",
        f"{test_dir}/test_cart.py:explode",
    ]
    assert failing["test_through_pytest_trace"]["failure"]["exception"] == "TypeError"
    assert frame_places(failing["test_through_pytest_trace"]) == [
        f"{test_dir}/test_cart.py:test_through_pytest_trace"
    ]


def test_glue_captured_output(pytester: pytest.Pytester) -> None:
    failing = run(
        pytester,
        """
        import logging
        import sys

        def test_noisy():
            print("hello from stdout")
            print("hello from stderr", file=sys.stderr)
            logging.getLogger("pricing").warning("price looks odd")
            assert False
        """,
    )
    failure = failing["test_noisy"]["failure"]
    assert "hello from stdout" in failure["stdout"]
    assert "hello from stderr" in failure["stderr"]
    assert "price looks odd" in failure["log"]
    feedback = failing["test_noisy"]["feedback"]
    assert "Captured stdout:\nhello from stdout" in feedback
    assert "Captured stderr:\nhello from stderr" in feedback
    assert re.search(r"Captured log:\nWARNING +pricing:test_cart.py:\d+ price looks odd", feedback)


def test_glue_huge_message_is_bounded(pytester: pytest.Pytester) -> None:
    failing = run(
        pytester,
        """
        def test_huge():
            text = "a" * 100_000
            assert text == "b", text
        """,
    )
    record = failing["test_huge"]
    assert len(record["failure"]["message"]) > 100_000
    feedback = record["feedback"]
    assert len(feedback) <= 4000
    assert feedback.startswith("test_cart.py::test_huge failed\nAssertionError: aaaa")
    assert "characters omitted" in feedback
    assert "test_cart.py:3 in test_huge" in feedback


def test_glue_errors_in_setup_and_teardown(pytester: pytest.Pytester) -> None:
    failing = run(
        pytester,
        """
        import pytest

        @pytest.fixture
        def database():
            raise ConnectionError("database is down")

        @pytest.fixture
        def leaky():
            yield
            raise RuntimeError("could not clean up")

        def test_setup(database):
            pass

        def test_teardown(leaky):
            pass

        def test_missing(no_such_fixture):
            pass
        """,
    )
    setup = failing["test_setup"]
    assert setup["failure"]["when"] == "setup"
    assert setup["feedback"].startswith(
        "error in setup of test_cart.py::test_setup\nConnectionError: database is down"
    )
    assert frame_places(setup) == ["test_cart.py:database"]
    teardown = failing["test_teardown"]
    assert teardown["failure"]["when"] == "teardown"
    assert teardown["feedback"].startswith(
        "error in teardown of test_cart.py::test_teardown\nRuntimeError: could not clean up"
    )
    missing = failing["test_missing"]
    assert missing["failure"]["when"] == "setup"
    assert missing["failure"]["exception"] == "FixtureLookupError"
    assert "fixture 'no_such_fixture' not found" in missing["failure"]["message"]
    assert "fixture 'no_such_fixture' not found" in missing["feedback"]


def test_glue_passes_skips_and_expected_failures_give_nothing(pytester: pytest.Pytester) -> None:
    failing = run(
        pytester,
        """
        import pytest

        def test_passes():
            pass

        def test_skips():
            pytest.skip("not today")

        @pytest.mark.xfail(reason="known bug")
        def test_expected_failure():
            assert False

        @pytest.mark.xfail(reason="known bug", strict=True)
        def test_unexpected_pass():
            pass

        def test_fails_explicitly():
            pytest.fail("bad state")
        """,
    )
    assert sorted(failing) == ["test_fails_explicitly", "test_unexpected_pass"]
    xpass = failing["test_unexpected_pass"]["failure"]
    assert xpass["exception"] == ""
    assert xpass["frames"] == []
    assert xpass["message"] == "[XPASS(strict)] known bug"
    assert failing["test_unexpected_pass"]["feedback"] == (
        "test_cart.py::test_unexpected_pass failed\n[XPASS(strict)] known bug"
    )
    explicit = failing["test_fails_explicitly"]["failure"]
    assert (explicit["exception"], explicit["message"]) == ("Failed", "bad state")


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs SIGALRM")
def test_glue_timeout(pytester: pytest.Pytester) -> None:
    failing = run(
        pytester,
        """
        import signal
        import time

        import pytest

        from pytest_trace.repair.feedback import TestTimeout

        def on_alarm(signum, frame):
            __tracebackhide__ = True
            raise TestTimeout(0.2)

        @pytest.fixture(autouse=True)
        def time_limit():
            previous = signal.signal(signal.SIGALRM, on_alarm)
            signal.setitimer(signal.ITIMER_REAL, 0.2)
            yield
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)

        # The time limit is a BaseException, not swallowed by the except. (The sleep:
        # CPython 3.10 runs no signal handler in an empty loop with a try in it.)
        def spin():
            while True:
                try:
                    time.sleep(0.001)
                except Exception:
                    pass

        def test_spins():
            spin()
        """,
    )
    record = failing["test_spins"]
    failure = record["failure"]
    assert failure["timed_out"] is True
    assert failure["timeout_seconds"] == 0.2
    assert failure["exception"] == "TestTimeout"
    assert frame_places(record) == ["test_cart.py:test_spins", "test_cart.py:spin"]
    feedback = record["feedback"]
    assert feedback.startswith(
        "test_cart.py::test_spins timed out after 0.2 s (possible infinite loop)\n"
        "Interrupted in (user code, most recent call last):\n"
        "  test_cart.py:30 in test_spins: spin()\n"
        "  test_cart.py:25 in spin: time.sleep(0.001)"
    )

"""Docstring examples as specifications (``checks.doctests``), on plain functions."""

from __future__ import annotations

from pytest_trace.checks import Concern
from pytest_trace.checks.doctests import docstring_test, example_concerns, failures

RATE = 20

DOC = """Add the rate (a module global) in percent.

>>> with_rate(100)
120.0
>>> with_rate(0)
0.0
>>> with_rate(-1)  # wrong since ever
0
"""


def with_rate(price):
    return price * (100 + RATE) / 100


def run_with(function):
    """The examples' failures with ``function`` as ``with_rate`` in the module's globals."""
    test = docstring_test(DOC, "with_rate", globals())
    assert test is not None
    return test, failures(test, {**globals(), "with_rate": function})


def test_an_example_that_passed_and_now_fails_is_broken():
    test, before = run_with(with_rate)
    _, after = run_with(lambda price: price * 1.2 if price else 1.0)

    assert before == {2}
    assert after == {1, 2}
    assert example_concerns(test, before, after) == [
        Concern("doctest", "breaks its docstring example: >>> with_rate(0)")
    ]


def test_an_example_that_failed_before_and_still_fails_is_named():
    # The candidate may be right and the example stale, or the candidate wrong: not
    # shown right either way, and the reason lets the reader judge.
    test, before = run_with(with_rate)
    _, after = run_with(lambda price: price + price * RATE / 100)

    assert after == before == {2}
    assert example_concerns(test, before, after) == [
        Concern(
            "doctest", "its docstring example still fails: >>> with_rate(-1)  # wrong since ever"
        )
    ]


def test_a_candidate_that_passes_every_example_has_no_concern():
    test, before = run_with(with_rate)
    _, after = run_with(lambda price: price * (100 + RATE) / 100 if price >= 0 else 0)

    assert after == set()
    assert example_concerns(test, before, after) == []


def test_an_example_that_raises_or_hangs_fails():
    def hangs(price):
        while True:
            pass

    test, raising = run_with(lambda price: 1 / 0)
    timed = failures(test, {**globals(), "with_rate": hangs}, limit=0.2)

    assert raising == timed == {0, 1, 2}
    more = example_concerns(test, {2}, timed)
    assert more[0].reason == "breaks its docstring example: >>> with_rate(100) (and 1 more)"


def test_no_examples_no_test():
    assert docstring_test(None, "f", {}) is None
    assert docstring_test("Just words.", "f", {}) is None
    assert docstring_test(">>>f(1)\n", "f", {}) is None  # doctest would refuse it
